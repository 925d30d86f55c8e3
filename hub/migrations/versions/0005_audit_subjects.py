"""audit subjects: one entry per batch sanction check, a row per subject checked

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# What a redaction must leave as it was (it may only erase contents and salt, and stamp).
ENTRY_HEADER = (
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
SUBJECT_HEADER = (
    "entry_id",
    "position",
    "subject_kind",
    "subject_index",
    "outcome",
    "content_hash",
)


def upgrade() -> None:
    op.add_column("audit_entries", sa.Column("subjects_hash", sa.LargeBinary(length=32)))
    op.create_table(
        "audit_subjects",
        sa.Column("entry_id", BigId, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=10), nullable=False),
        sa.Column("subject_index", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("salt", sa.LargeBinary(length=16), nullable=True),
        sa.Column("content_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("redacted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["audit_entries.id"],
            name=op.f("fk_audit_subjects_entry_id_audit_entries"),
        ),
        sa.PrimaryKeyConstraint("entry_id", "position", name="pk_audit_subjects"),
    )
    with op.batch_alter_table("audit_subjects", schema=None) as batch_op:
        batch_op.create_index("ix_audit_subjects_subject_index", ["subject_index"], unique=False)
    guard_entries((*ENTRY_HEADER, "subjects_hash"))
    guard_subjects()


def downgrade() -> None:
    unguard_subjects()
    with op.batch_alter_table("audit_subjects", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_subjects_subject_index")
    op.drop_table("audit_subjects")
    guard_entries(ENTRY_HEADER)
    if op.get_bind().dialect.name == "sqlite":
        # ALTER TABLE … DROP COLUMN (SQLite 3.35+) keeps the table, its indexes and triggers.
        op.execute("ALTER TABLE audit_entries DROP COLUMN subjects_hash")
    else:
        op.drop_column("audit_entries", "subjects_hash")


SQLITE_SAME = "NEW.{c} IS OLD.{c}"
PG_SAME = "NEW.{c} IS NOT DISTINCT FROM OLD.{c}"


def _redaction(header: Sequence[str], same: str) -> str:
    """The one UPDATE allowed: contents and salt erased, redacted_at set, the header kept."""
    unchanged = " AND ".join(same.format(c=c) for c in header)
    return (
        "NEW.content IS NULL AND NEW.salt IS NULL AND OLD.redacted_at IS NULL"
        f" AND NEW.redacted_at IS NOT NULL AND {unchanged}"
    )


def guard_entries(header: Sequence[str]) -> None:
    """The redaction rule of audit_entries (0002), over the given header columns."""
    if op.get_bind().dialect.name == "sqlite":
        redaction = _redaction(header, SQLITE_SAME)
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_update")
        op.execute(
            "CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries"
            f" WHEN NOT ({redaction}) BEGIN SELECT RAISE(ABORT,"
            " 'audit_entries is append-only: only a redaction may erase contents'); END"
        )
        return
    redaction = _redaction(header, PG_SAME)
    op.execute(
        f"""CREATE OR REPLACE FUNCTION audit_entries_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'UPDATE' AND {redaction} THEN
            RETURN NEW;
          END IF;
          RAISE EXCEPTION 'audit_entries is append-only: only a redaction may erase contents';
        END $$"""
    )


def guard_subjects() -> None:
    """audit_subjects is append-only like audit_entries; a row may be redacted on its own."""
    if op.get_bind().dialect.name == "sqlite":
        redaction = _redaction(SUBJECT_HEADER, SQLITE_SAME)
        op.execute(
            "CREATE TRIGGER audit_subjects_no_update BEFORE UPDATE ON audit_subjects"
            f" WHEN NOT ({redaction}) BEGIN SELECT"
            " RAISE(ABORT, 'audit_subjects is append-only: only a redaction may erase"
            " contents'); END"
        )
        op.execute(
            "CREATE TRIGGER audit_subjects_no_delete BEFORE DELETE ON audit_subjects"
            " BEGIN SELECT RAISE(ABORT, 'audit_subjects is append-only'); END"
        )
        return
    redaction = _redaction(SUBJECT_HEADER, PG_SAME)
    op.execute(
        f"""CREATE FUNCTION audit_subjects_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'UPDATE' AND {redaction} THEN
            RETURN NEW;
          END IF;
          RAISE EXCEPTION 'audit_subjects is append-only: only a redaction may erase contents';
        END $$"""
    )
    op.execute(
        "CREATE TRIGGER audit_subjects_guard BEFORE UPDATE OR DELETE ON audit_subjects"
        " FOR EACH ROW EXECUTE FUNCTION audit_subjects_guard()"
    )
    op.execute(
        "CREATE TRIGGER audit_subjects_no_truncate BEFORE TRUNCATE ON audit_subjects"
        " FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()"
    )


def unguard_subjects() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_subjects_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_subjects_no_delete")
        return
    op.execute("DROP TRIGGER IF EXISTS audit_subjects_no_truncate ON audit_subjects")
    op.execute("DROP TRIGGER IF EXISTS audit_subjects_guard ON audit_subjects")
    op.execute("DROP FUNCTION IF EXISTS audit_subjects_guard()")
