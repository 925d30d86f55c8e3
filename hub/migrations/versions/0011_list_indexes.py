"""indexes behind the paged lists: a court's orders, an agency's orders, a court's sanction entries

Every list pages and counts its rows for the caller (``totalCount``). The cases of a judge and
the audit log's searches already have their indexes (``ix_case_judges_judge_id``; by subject,
user and time, case), and so do the counts of a court's or an agency's orders (the unique
``court_code, idempotency_key`` index; ``ix_freeze_orders_agency_status``). These let a page be
read in its order instead of sorting all the rows each time, and a court's entries be found at
all without reading every entry:

- ``ix_freeze_orders_court_submitted`` (court_code, submitted_at): a court's orders, newest
  first;
- ``ix_freeze_orders_agency_submitted`` (agency, submitted_at): the orders addressed to an
  agency, newest first;
- ``ix_sanction_entries_court_published`` (court_code, published_on): a court's entries, newest
  first, and their count;
- ``ix_sanction_entries_case_number`` (case_number): a judge's entries, by the judge's cases.

``tests/hub/test_list_plans.py`` checks SQLite's plans. Only indexes are added; no row changes.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_freeze_orders_court_submitted", "freeze_orders", ["court_code", "submitted_at"]),
    ("ix_freeze_orders_agency_submitted", "freeze_orders", ["agency", "submitted_at"]),
    ("ix_sanction_entries_court_published", "sanction_entries", ["court_code", "published_on"]),
    ("ix_sanction_entries_case_number", "sanction_entries", ["case_number"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
