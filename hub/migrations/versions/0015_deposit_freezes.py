"""deposit freezes and deductions: amounts on freeze_orders, the outbox's deduction, the ledger

Bank deposits become an asset the orders know (DEPOSIT, agency ``bank:<code>``): a freeze is of
an amount (民诉法解释 第四百八十五条: one year at most), so ``freeze_orders`` gains ``amount`` (asked),
``frozen_amount`` (what the bank's register holds for it) and ``currency``, NULL for the other
assets. ``outbox.deduction_id`` names the deduction a DEDUCT row serves, and
``deposit_deductions`` is the ledger of deductions (扣划) per case with the banks' signed
receipts. Existing rows are unchanged.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("freeze_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("amount", sa.Numeric(18, 2), nullable=True))
        batch_op.add_column(sa.Column("frozen_amount", sa.Numeric(18, 2), nullable=True))
        batch_op.add_column(sa.Column("currency", sa.String(length=3), nullable=True))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deduction_id", sa.String(length=32), nullable=True))
    op.create_table(
        "deposit_deductions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("court_code", sa.String(length=6), nullable=False),
        sa.Column("case_number", sa.String(length=64), nullable=False),
        sa.Column("bank", sa.String(length=32), nullable=False),
        sa.Column("account_number", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=18), nullable=False),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("ruling_number", sa.String(length=64), nullable=False),
        sa.Column("payee", sa.String(length=96), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("order_signature", sa.Text(), nullable=False),
        sa.Column("transfer_number", sa.String(length=40), nullable=True),
        sa.Column("transferred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("receipt", sa.Text(), nullable=True),
        sa.Column("receipt_signature", sa.Text(), nullable=True),
        sa.Column("refused_reason", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["freeze_orders.id"],
            name=op.f("fk_deposit_deductions_order_id_freeze_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposit_deductions")),
        sa.UniqueConstraint(
            "court_code", "idempotency_key", name="uq_deposit_deductions_idempotency"
        ),
    )
    op.create_index("ix_deposit_deductions_case", "deposit_deductions", ["case_number"])
    op.create_index("ix_deposit_deductions_order", "deposit_deductions", ["order_id"])


def downgrade() -> None:
    op.drop_index("ix_deposit_deductions_order", table_name="deposit_deductions")
    op.drop_index("ix_deposit_deductions_case", table_name="deposit_deductions")
    op.drop_table("deposit_deductions")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("deduction_id")
    with op.batch_alter_table("freeze_orders", schema=None) as batch_op:
        batch_op.drop_column("currency")
        batch_op.drop_column("frozen_amount")
        batch_op.drop_column("amount")
