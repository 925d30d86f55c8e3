"""sanction entries: ground, term and end; bound persons named and released; agencies' feedback

Entries published before this revision did not record their ground (情形), so they are migrated
as ``grounds = 'UNKNOWN'`` with no term and no end: they stay in force until the court records
the ground (更正) or ends them, and nothing is guessed. The persons of an enterprise's entry were
taken from the register: the legal representative stays bound (named_by REGISTER); the other
registered officers (role KEY_PERSONNEL) stay on record but bind nobody, because 法释〔2015〕17号
第三条第二款 binds the 法定代表人、主要负责人、影响债务履行的直接责任人员、实际控制人, not every
officer, and the register did not say which of them was the principal person in charge.

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sanction_entries", schema=None) as batch_op:
        batch_op.alter_column(
            "status",
            existing_type=sa.String(length=8),
            type_=sa.String(length=10),
            existing_nullable=False,
        )
        batch_op.add_column(sa.Column("grounds", sa.String(length=96), nullable=True))
        batch_op.add_column(sa.Column("term_years", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("ends_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("extension_reason", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("end_ground", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("corrected_on", sa.Date(), nullable=True))
    op.execute("UPDATE sanction_entries SET grounds = 'UNKNOWN'")
    with op.batch_alter_table("sanction_entries", schema=None) as batch_op:
        batch_op.alter_column("grounds", existing_type=sa.String(length=96), nullable=False)
        batch_op.create_index(
            "ix_sanction_entries_status_ends_on", ["status", "ends_on"], unique=False
        )

    with op.batch_alter_table("sanction_entry_persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("named_by", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("released_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("release_ground", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("release_reason", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("released_by", sa.String(length=64), nullable=True))
    op.execute("UPDATE sanction_entry_persons SET named_by = 'REGISTER'")
    with op.batch_alter_table("sanction_entry_persons", schema=None) as batch_op:
        batch_op.alter_column("named_by", existing_type=sa.String(length=8), nullable=False)

    op.create_table(
        "sanction_check_feedback",
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("subject_index", sa.String(length=64), nullable=False),
        sa.Column("check_day", sa.Date(), nullable=False),
        sa.Column("org", sa.String(length=64), nullable=False),
        sa.Column("matter", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=256), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("request_id", "subject_index", name="pk_sanction_check_feedback"),
    )
    with op.batch_alter_table("sanction_check_feedback", schema=None) as batch_op:
        batch_op.create_index("ix_sanction_check_feedback_check_day", ["check_day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sanction_check_feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_sanction_check_feedback_check_day")
    op.drop_table("sanction_check_feedback")
    with op.batch_alter_table("sanction_entry_persons", schema=None) as batch_op:
        batch_op.drop_column("released_by")
        batch_op.drop_column("release_reason")
        batch_op.drop_column("release_ground")
        batch_op.drop_column("released_on")
        batch_op.drop_column("named_by")
        batch_op.drop_column("position")
    # Statuses the old schema did not know: an entry withdrawn, deleted or lifted has left its
    # list, which the old schema calls REVOKED.
    op.execute(
        "UPDATE sanction_entries SET status = 'REVOKED'"
        " WHERE status IN ('WITHDRAWN', 'DELETED', 'LIFTED')"
    )
    with op.batch_alter_table("sanction_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_sanction_entries_status_ends_on")
        batch_op.drop_column("corrected_on")
        batch_op.drop_column("end_ground")
        batch_op.drop_column("extension_reason")
        batch_op.drop_column("ends_on")
        batch_op.drop_column("term_years")
        batch_op.drop_column("grounds")
        batch_op.alter_column(
            "status",
            existing_type=sa.String(length=10),
            type_=sa.String(length=8),
            existing_nullable=False,
        )
