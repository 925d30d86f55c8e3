"""sanctions: entry persons, change feed, check counts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("sanction_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("revoked_by", sa.String(length=64), nullable=True))
    op.create_table(
        "sanction_entry_persons",
        sa.Column("entry_id", sa.String(length=32), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["sanction_entries.id"],
            name=op.f("fk_sanction_entry_persons_entry_id_sanction_entries"),
        ),
        sa.PrimaryKeyConstraint("entry_id", "id_number", "role", name="pk_sanction_entry_persons"),
    )
    with op.batch_alter_table("sanction_entry_persons", schema=None) as batch_op:
        batch_op.create_index("ix_sanction_entry_persons_id_number", ["id_number"], unique=False)
    op.create_table(
        "sanction_changes",
        sa.Column("seq", BigId, autoincrement=True, nullable=False),
        sa.Column("entry_id", sa.String(length=32), nullable=False),
        sa.Column("change", sa.String(length=12), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["sanction_entries.id"],
            name=op.f("fk_sanction_changes_entry_id_sanction_entries"),
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_sanction_changes")),
    )
    op.create_table(
        "sanction_check_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("org", sa.String(length=64), nullable=False),
        sa.Column("matter", sa.String(length=32), nullable=False),
        sa.Column("decision", sa.String(length=8), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "org", "matter", "decision", name="pk_sanction_check_counts"
        ),
    )


def downgrade() -> None:
    op.drop_table("sanction_check_counts")
    op.drop_table("sanction_changes")
    with op.batch_alter_table("sanction_entry_persons", schema=None) as batch_op:
        batch_op.drop_index("ix_sanction_entry_persons_id_number")
    op.drop_table("sanction_entry_persons")
    with op.batch_alter_table("sanction_entries", schema=None) as batch_op:
        batch_op.drop_column("revoked_by")
        batch_op.drop_column("published_by")
