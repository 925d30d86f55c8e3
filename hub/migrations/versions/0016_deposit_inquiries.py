"""deposit_inquiries, deposit_inquiry_subjects, deposit_inquiry_banks: the asynchronous 查控 request

A judge files one request for a list of subjects of a case; the hub asks every bank in rounds
(one batched call per bank per round) and records each bank's answer, or that it timed out.
Only tables are added.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-12
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deposit_inquiries",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("court_code", sa.String(length=6), nullable=False),
        sa.Column("case_number", sa.String(length=64), nullable=False),
        sa.Column("filed_by", sa.String(length=64), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("subjects", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposit_inquiries")),
    )
    op.create_index("ix_deposit_inquiries_case", "deposit_inquiries", ["case_number", "filed_at"])
    op.create_index("ix_deposit_inquiries_status", "deposit_inquiries", ["status"])
    op.create_table(
        "deposit_inquiry_subjects",
        sa.Column("inquiry_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=10), nullable=False),
        sa.Column("subject_id", sa.String(length=18), nullable=False),
        sa.ForeignKeyConstraint(
            ["inquiry_id"],
            ["deposit_inquiries.id"],
            name=op.f("fk_deposit_inquiry_subjects_inquiry_id_deposit_inquiries"),
        ),
        sa.PrimaryKeyConstraint("inquiry_id", "position", name=op.f("pk_deposit_inquiry_subjects")),
    )
    op.create_table(
        "deposit_inquiry_banks",
        sa.Column("inquiry_id", sa.String(length=32), nullable=False),
        sa.Column("bank", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=32), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accounts", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["inquiry_id"],
            ["deposit_inquiries.id"],
            name=op.f("fk_deposit_inquiry_banks_inquiry_id_deposit_inquiries"),
        ),
        sa.PrimaryKeyConstraint("inquiry_id", "bank", name=op.f("pk_deposit_inquiry_banks")),
    )
    op.create_index(
        "ix_deposit_inquiry_banks_due", "deposit_inquiry_banks", ["state", "next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_deposit_inquiry_banks_due", table_name="deposit_inquiry_banks")
    op.drop_table("deposit_inquiry_banks")
    op.drop_table("deposit_inquiry_subjects")
    op.drop_index("ix_deposit_inquiries_status", table_name="deposit_inquiries")
    op.drop_index("ix_deposit_inquiries_case", table_name="deposit_inquiries")
    op.drop_table("deposit_inquiries")
