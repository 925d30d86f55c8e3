"""party_requests, case_documents: an enterprise party's requests (诉求反映) and what courts publish

An enterprise party files requests (申请解除 / 申请履行 / 信用修复 / 其他) against one of its cases,
answered by the judges assigned to it; a court publishes judgment documents and execution
information for a case (裁判文书公开 / 执行信息公开), which the case's parties read. Only tables
are added.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-09
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "party_requests",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("filed_by", sa.String(length=18), nullable=False),
        sa.Column("court_code", sa.String(length=6), nullable=False),
        sa.Column("case_number", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("attachments", sa.Text(), nullable=False),
        sa.Column("client_request_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("effects", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_requests")),
        sa.UniqueConstraint(
            "uscc", "filed_by", "client_request_id", name="uq_party_requests_client"
        ),
    )
    op.create_index("ix_party_requests_uscc_filed", "party_requests", ["uscc", "filed_at"])
    op.create_index("ix_party_requests_case", "party_requests", ["case_number", "filed_at"])
    op.create_table(
        "case_documents",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("court_code", sa.String(length=6), nullable=False),
        sa.Column("case_number", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_documents")),
    )
    op.create_index("ix_case_documents_case", "case_documents", ["case_number", "published_at"])


def downgrade() -> None:
    op.drop_index("ix_case_documents_case", table_name="case_documents")
    op.drop_table("case_documents")
    op.drop_index("ix_party_requests_case", table_name="party_requests")
    op.drop_index("ix_party_requests_uscc_filed", table_name="party_requests")
    op.drop_table("party_requests")
