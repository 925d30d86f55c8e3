"""sanction entries: ground, term and end; bound persons named and released; agencies' feedback

Entries published before this revision did not record their ground (情形), so they are migrated
as ``grounds = 'UNKNOWN'`` with no term and no end: they stay in force until the court records
the ground (更正) or ends them, and nothing is guessed. The persons of an enterprise's entry were
taken from the register (named_by REGISTER): the legal representative stays bound; the other
registered officers (role KEY_PERSONNEL) stay on record but bind nobody, because 法释〔2015〕17号
第三条第二款 binds the 法定代表人、主要负责人、影响债务履行的直接责任人员、实际控制人, not every
officer, and the register did not say which of them was the principal person in charge.

Only columns and indexes are added (SQLite adds them in place: no table is copied, so the rows
that refer to the entries keep their foreign keys satisfied throughout).

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

ENTRY_COLUMNS = (
    "grounds",
    "term_years",
    "ends_on",
    "extension_reason",
    "end_ground",
    "corrected_on",
)
PERSON_COLUMNS = (
    "position",
    "named_by",
    "released_on",
    "release_ground",
    "release_reason",
    "released_by",
)


def upgrade() -> None:
    op.add_column(
        "sanction_entries",
        sa.Column("grounds", sa.String(length=96), server_default="UNKNOWN", nullable=False),
    )
    op.add_column("sanction_entries", sa.Column("term_years", sa.Integer(), nullable=True))
    op.add_column("sanction_entries", sa.Column("ends_on", sa.Date(), nullable=True))
    op.add_column(
        "sanction_entries", sa.Column("extension_reason", sa.String(length=128), nullable=True)
    )
    op.add_column("sanction_entries", sa.Column("end_ground", sa.String(length=24), nullable=True))
    op.add_column("sanction_entries", sa.Column("corrected_on", sa.Date(), nullable=True))
    op.create_index("ix_sanction_entries_status_ends_on", "sanction_entries", ["status", "ends_on"])

    op.add_column(
        "sanction_entry_persons", sa.Column("position", sa.String(length=32), nullable=True)
    )
    op.add_column(
        "sanction_entry_persons",
        sa.Column("named_by", sa.String(length=8), server_default="REGISTER", nullable=False),
    )
    op.add_column("sanction_entry_persons", sa.Column("released_on", sa.Date(), nullable=True))
    op.add_column(
        "sanction_entry_persons", sa.Column("release_ground", sa.String(length=24), nullable=True)
    )
    op.add_column(
        "sanction_entry_persons", sa.Column("release_reason", sa.String(length=128), nullable=True)
    )
    op.add_column(
        "sanction_entry_persons", sa.Column("released_by", sa.String(length=64), nullable=True)
    )

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
    op.create_index(
        "ix_sanction_check_feedback_check_day", "sanction_check_feedback", ["check_day"]
    )


def downgrade() -> None:
    op.drop_index("ix_sanction_check_feedback_check_day", table_name="sanction_check_feedback")
    op.drop_table("sanction_check_feedback")
    # (SQLite 3.35 or later drops a column in place)
    for column in PERSON_COLUMNS:
        op.drop_column("sanction_entry_persons", column)
    # Statuses the old schema did not know: an entry annulled, deleted or lifted has left its
    # list, which the old schema calls REVOKED.
    op.execute(
        "UPDATE sanction_entries SET status = 'REVOKED'"
        " WHERE status IN ('ANNULLED', 'DELETED', 'LIFTED')"
    )
    op.drop_index("ix_sanction_entries_status_ends_on", table_name="sanction_entries")
    for column in ENTRY_COLUMNS:
        op.drop_column("sanction_entries", column)
