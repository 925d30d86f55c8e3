"""audit witnesses: cosignatures on checkpoints, and the hub's record of each witness

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_cosignatures",
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("witness", sa.String(length=200), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("cosigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tree_size"],
            ["audit_checkpoints.tree_size"],
            name="fk_audit_cosignatures_tree_size_audit_checkpoints",
        ),
        sa.PrimaryKeyConstraint("tree_size", "witness", name="pk_audit_cosignatures"),
    )
    op.create_table(
        "audit_witnesses",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("vkey", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("cosigned_size", sa.BigInteger(), nullable=True),
        sa.Column("cosigned_root", sa.LargeBinary(length=32), nullable=True),
        sa.Column("cosigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_audit_witnesses")),
    )
    # Cosignatures are evidence: append-only like the checkpoints they are attached to.
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_cosignatures_no_{verb.lower()} BEFORE {verb}"
                " ON audit_cosignatures BEGIN SELECT"
                " RAISE(ABORT, 'audit_cosignatures is append-only'); END"
            )
        return
    op.execute(
        "CREATE TRIGGER audit_cosignatures_append_only BEFORE UPDATE OR DELETE"
        " ON audit_cosignatures FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_cosignatures_no_truncate BEFORE TRUNCATE ON audit_cosignatures"
        " FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_cosignatures_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_cosignatures_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_cosignatures_no_truncate ON audit_cosignatures")
        op.execute("DROP TRIGGER IF EXISTS audit_cosignatures_append_only ON audit_cosignatures")
    op.drop_table("audit_witnesses")
    op.drop_table("audit_cosignatures")
