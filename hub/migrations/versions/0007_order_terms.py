"""order terms in calendar months: freeze_orders.term_months, term_days optional

Terms are counted in calendar years and months on the court's calendar (民诉法解释 第四百八十五条:
一年 / 两年 / 三年), no longer in days of 365. A new order carries ``term_months`` (or, when the
court asks for days, ``term_days``); exactly one of the two is set.

Orders made before this revision keep the ``term_days`` they were submitted with: the court
signed that number (``order_document``), so rewriting it would break the signature and change
what the court ordered. Their registered end dates (``expires_on``) stay as registered; a
waiting one that takes effect later runs ``term_days`` days, the first day counted.

Downgrade: orders with a term in months get ``term_days`` = ⌊months × 365 / 12⌋ (36 months →
1095, 24 → 730: the old class maxima) so the column can be NOT NULL again. That is lossy: the
court's signature of those orders (which names ``termMonths``) no longer verifies under the old
code.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("freeze_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("term_months", sa.Integer(), nullable=True))
        batch_op.alter_column("term_days", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute(
        "UPDATE freeze_orders SET term_days = (term_months * 365) / 12"
        " WHERE term_days IS NULL AND term_months IS NOT NULL"
    )
    with op.batch_alter_table("freeze_orders", schema=None) as batch_op:
        batch_op.alter_column("term_days", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("term_months")
