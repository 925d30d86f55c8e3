"""audit tiles: the audit tree stored as C2SP tlog-tiles, built from the stored leaves

``audit_tiles`` holds tile ``tile_index`` of ``level`` (height 8: 256 hashes a full tile) as its
hashes concatenated; proofs read the O(log n) tiles they need instead of every leaf. The table
is append-only like the other audit tables, except that the last tile of a level grows: an
UPDATE may only append hashes (same coordinate, wider, the old hashes a prefix of the new).

The upgrade builds the tiles of the latest checkpoint's tree from ``audit_leaves`` in place,
streaming the leaves in index order in chunks (memory stays bounded by a chunk and one partial
tile per level, whatever the length of the log). A gap in the stored leaves stops the build at
the gap: the integrator then refuses to sign (the tiles do not reach its last checkpoint) and
``fyt audit verify`` names the missing leaf, as it would have before.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from connectors.base.tlog.tiles import WIDTH, grow

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 65_536  # leaves read per query (2 MiB of hashes)

GROW_ONLY = (
    "NEW.level = OLD.level AND NEW.tile_index = OLD.tile_index AND NEW.width > OLD.width"
    " AND {prefix} = OLD.hashes"
)


def upgrade() -> None:
    op.create_table(
        "audit_tiles",
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("tile_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("width", sa.SmallInteger(), nullable=False),
        sa.Column("hashes", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint(
            "width BETWEEN 1 AND 256 AND length(hashes) = 32 * width",
            name=op.f("ck_audit_tiles_width"),
        ),
        sa.PrimaryKeyConstraint("level", "tile_index", name=op.f("pk_audit_tiles")),
    )
    backfill(op.get_bind())
    if op.get_bind().dialect.name == "sqlite":
        grows = GROW_ONLY.format(prefix="substr(NEW.hashes, 1, length(OLD.hashes))")
        op.execute(
            f"CREATE TRIGGER audit_tiles_grow_only BEFORE UPDATE ON audit_tiles WHEN NOT ({grows})"
            " BEGIN SELECT RAISE(ABORT, 'audit_tiles only grow: an update may only append"
            " hashes to a tile'); END"
        )
        op.execute(
            "CREATE TRIGGER audit_tiles_no_delete BEFORE DELETE ON audit_tiles"
            " BEGIN SELECT RAISE(ABORT, 'audit_tiles is append-only'); END"
        )
        return
    grows = GROW_ONLY.format(prefix="substring(NEW.hashes from 1 for length(OLD.hashes))")
    op.execute(
        f"""CREATE FUNCTION audit_tiles_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'UPDATE' AND {grows} THEN
            RETURN NEW;
          END IF;
          RAISE EXCEPTION 'audit_tiles only grow: an update may only append hashes to a tile';
        END $$"""
    )
    op.execute(
        "CREATE TRIGGER audit_tiles_guard BEFORE UPDATE OR DELETE ON audit_tiles"
        " FOR EACH ROW EXECUTE FUNCTION audit_tiles_guard()"
    )
    op.execute(
        "CREATE TRIGGER audit_tiles_no_truncate BEFORE TRUNCATE ON audit_tiles"
        " FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()"
    )


def backfill(conn: sa.Connection) -> None:
    """The tiles of the latest checkpoint's tree, from its stored leaves, chunk by chunk: full
    tiles are written as they fill, the partial last tile of each level at the end."""
    leaves = sa.table(
        "audit_leaves", sa.column("leaf_index", sa.BigInteger), sa.column("leaf_hash")
    )
    tiles = sa.table(
        "audit_tiles",
        sa.column("level", sa.SmallInteger),
        sa.column("tile_index", sa.BigInteger),
        sa.column("width", sa.SmallInteger),
        sa.column("hashes", sa.LargeBinary),
    )
    target = conn.execute(sa.text("SELECT max(tree_size) FROM audit_checkpoints")).scalar()
    if not target:
        return
    size = 0
    edge: dict[int, bytes] = {}  # the partial last tile of each level
    while size < target:
        want = min(CHUNK, target - size)
        rows = conn.execute(
            sa.select(leaves.c.leaf_index, leaves.c.leaf_hash)
            .where(leaves.c.leaf_index >= size, leaves.c.leaf_index < size + want)
            .order_by(leaves.c.leaf_index)
        ).all()
        contiguous: list[bytes] = []
        for r in rows:
            if r.leaf_index != size + len(contiguous):
                break
            contiguous.append(bytes(r.leaf_hash))
        if not contiguous:
            break
        full = []
        for (level, index), hashes in grow(size, edge, contiguous).items():
            if len(hashes) == WIDTH * 32:
                edge.pop(level, None)
                full.append({"level": level, "tile_index": index, "width": WIDTH, "hashes": hashes})
            else:
                edge[level] = hashes
        if full:
            conn.execute(sa.insert(tiles), full)
        size += len(contiguous)
        if len(contiguous) < want:
            break  # a missing leaf: the tiles stop before it
    partial = [
        {
            "level": level,
            "tile_index": (size >> (8 * level)) // WIDTH,
            "width": len(hashes) // 32,
            "hashes": hashes,
        }
        for level, hashes in edge.items()
    ]
    if partial:
        conn.execute(sa.insert(tiles), partial)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_tiles_grow_only")
        op.execute("DROP TRIGGER IF EXISTS audit_tiles_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_tiles_no_truncate ON audit_tiles")
        op.execute("DROP TRIGGER IF EXISTS audit_tiles_guard ON audit_tiles")
        op.execute("DROP FUNCTION IF EXISTS audit_tiles_guard()")
    op.drop_table("audit_tiles")
