"""audit log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_checkpoints",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_audit_checkpoints")),
    )
    op.create_table(
        "audit_entries",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("org", sa.String(length=64), nullable=False),
        sa.Column("roles", sa.String(length=128), nullable=False),
        sa.Column("case_number", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("subject_kind", sa.String(length=10), nullable=True),
        sa.Column("subject_index", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("flags", sa.String(length=128), nullable=False),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("salt", sa.LargeBinary(length=16), nullable=True),
        sa.Column("content_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("redacted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entries_case_number", ["case_number"], unique=False)
        batch_op.create_index("ix_audit_entries_occurred_at", ["occurred_at"], unique=False)
        batch_op.create_index("ix_audit_entries_subject_index", ["subject_index"], unique=False)
        batch_op.create_index(
            "ix_audit_entries_user_time", ["user_id", "occurred_at"], unique=False
        )

    op.create_table(
        "audit_leaves",
        sa.Column("leaf_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["audit_entries.id"], name=op.f("fk_audit_leaves_entry_id_audit_entries")
        ),
        sa.PrimaryKeyConstraint("leaf_index", name=op.f("pk_audit_leaves")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_audit_leaves_entry_id")),
    )

    install_append_only()


HEADER = (
    "id",
    "occurred_at",
    "request_id",
    "user_id",
    "org",
    "roles",
    "case_number",
    "action",
    "subject_kind",
    "subject_index",
    "outcome",
    "flags",
    "content_hash",
)


def install_append_only() -> None:
    """Refuse UPDATE, DELETE and TRUNCATE on the audit tables; the one UPDATE allowed is a
    redaction of an entry: contents and salt set to NULL, redacted_at set, header unchanged."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        same = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in HEADER)
        redaction = (
            "NEW.content IS NULL AND NEW.salt IS NULL AND OLD.redacted_at IS NULL"
            f" AND NEW.redacted_at IS NOT NULL AND {same}"
        )
        op.execute(
            "CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries"
            f" WHEN NOT ({redaction}) BEGIN SELECT RAISE(ABORT,"
            " 'audit_entries is append-only: only a redaction may erase contents'); END"
        )
        for table in ("audit_entries", "audit_leaves", "audit_checkpoints"):
            op.execute(
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}"
                f" BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
        for table in ("audit_leaves", "audit_checkpoints"):
            op.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}"
                f" BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
        return
    same = " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in HEADER)
    op.execute(
        """CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"""
    )
    op.execute(
        f"""CREATE FUNCTION audit_entries_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'UPDATE' AND NEW.content IS NULL AND NEW.salt IS NULL
             AND OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL AND {same} THEN
            RETURN NEW;
          END IF;
          RAISE EXCEPTION 'audit_entries is append-only: only a redaction may erase contents';
        END $$"""
    )
    op.execute(
        "CREATE TRIGGER audit_entries_guard BEFORE UPDATE OR DELETE ON audit_entries"
        " FOR EACH ROW EXECUTE FUNCTION audit_entries_guard()"
    )
    for table in ("audit_entries", "audit_leaves", "audit_checkpoints"):
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()"
        )
    for table in ("audit_leaves", "audit_checkpoints"):
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
        )


def drop_append_only() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in (
            "audit_entries_no_update",
            "audit_entries_no_delete",
            "audit_leaves_no_delete",
            "audit_checkpoints_no_delete",
            "audit_leaves_no_update",
            "audit_checkpoints_no_update",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        return
    for table in ("audit_entries", "audit_leaves", "audit_checkpoints"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    op.execute("DROP TRIGGER IF EXISTS audit_entries_guard ON audit_entries")
    for table in ("audit_leaves", "audit_checkpoints"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    op.execute("DROP FUNCTION IF EXISTS audit_entries_guard()")
    op.execute("DROP FUNCTION IF EXISTS audit_append_only()")


def downgrade() -> None:
    drop_append_only()
    op.drop_table("audit_leaves")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entries_user_time")
        batch_op.drop_index("ix_audit_entries_subject_index")
        batch_op.drop_index("ix_audit_entries_occurred_at")
        batch_op.drop_index("ix_audit_entries_case_number")

    op.drop_table("audit_entries")
    op.drop_table("audit_checkpoints")
