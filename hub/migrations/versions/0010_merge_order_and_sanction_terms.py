"""join the two lines that both follow 0006: order terms (0007) and sanction terms (0009)

0007 (freeze_orders: terms in months, the agencies' registers in line) and 0009 (sanction
entries: ground, term and end) were made side by side on 0006 and touch different tables, so
neither needs the other. This revision changes nothing; it makes one head again, so a database
at either of them (or at 0006) upgrades to it by applying whichever it lacks.

Revision ID: 0010
Revises: 0007, 0009
Create Date: 2026-12-03
"""

from collections.abc import Sequence

revision: str = "0010"
down_revision: str | tuple[str, ...] | None = ("0007", "0009")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
