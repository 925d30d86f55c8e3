"""police_requests, police_request_events: police assistance (公安协助)

A judge asks public security to locate a respondent (查人), to watch a seized vehicle (车辆布控)
or to restrict a respondent's exit (限制出境 / 边控); the police answer, refuse, record sightings,
hand a stopped vehicle over and confirm or lift a restriction. Each request has a log of what
happened to it. Only tables are added.

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-14
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "police_requests",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("court_code", sa.String(length=6), nullable=False),
        sa.Column("case_number", sa.String(length=64), nullable=False),
        sa.Column("subject_kind", sa.String(length=10), nullable=False),
        sa.Column("subject_id", sa.String(length=18), nullable=False),
        sa.Column("ruling_number", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=True),
        sa.Column("order_id", sa.String(length=32), nullable=True),
        sa.Column("plate", sa.String(length=16), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("term_end", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("filed_by", sa.String(length=64), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_request_id", sa.String(length=64), nullable=True),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("refusal", sa.Text(), nullable=True),
        sa.Column("stop_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_police_requests")),
        sa.UniqueConstraint("filed_by", "client_request_id", name="uq_police_requests_client"),
    )
    op.create_index("ix_police_requests_case", "police_requests", ["case_number", "filed_at"])
    op.create_index("ix_police_requests_status", "police_requests", ["status", "filed_at"])
    op.create_index("ix_police_requests_order", "police_requests", ["order_id"])
    op.create_table(
        "police_request_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_police_request_events")),
    )
    op.create_index(
        "ix_police_request_events_request", "police_request_events", ["request_id", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_police_request_events_request", table_name="police_request_events")
    op.drop_table("police_request_events")
    op.drop_index("ix_police_requests_order", table_name="police_requests")
    op.drop_index("ix_police_requests_status", table_name="police_requests")
    op.drop_index("ix_police_requests_case", table_name="police_requests")
    op.drop_table("police_requests")
