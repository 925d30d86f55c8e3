"""freeze orders and outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "freeze_orders",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("asset_type", sa.String(length=12), nullable=False),
        sa.Column("asset_id", sa.String(length=32), nullable=False),
        sa.Column("agency", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=18), nullable=False),
        sa.Column("court_code", sa.String(length=6), nullable=False),
        sa.Column("case_number", sa.String(length=64), nullable=False),
        sa.Column("ruling_number", sa.String(length=64), nullable=False),
        sa.Column("term_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("submitted_by", sa.String(length=64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("receipt_number", sa.String(length=64), nullable=True),
        sa.Column("receipt_registered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_reason", sa.Text(), nullable=True),
        sa.Column("release_ruling", sa.String(length=64), nullable=True),
        sa.Column("renewals", sa.Integer(), nullable=False),
        sa.Column("order_signature", sa.Text(), nullable=True),
        sa.Column("receipt", sa.Text(), nullable=True),
        sa.Column("receipt_signature", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_freeze_orders")),
        sa.UniqueConstraint("court_code", "idempotency_key", name="uq_freeze_orders_idempotency"),
        sa.UniqueConstraint("asset_type", "asset_id", "rank", name="uq_freeze_orders_rank"),
    )
    with op.batch_alter_table("freeze_orders", schema=None) as batch_op:
        batch_op.create_index("ix_freeze_orders_agency_status", ["agency", "status"], unique=False)
        batch_op.create_index("ix_freeze_orders_asset", ["asset_type", "asset_id"], unique=False)
        batch_op.create_index("ix_freeze_orders_case", ["case_number"], unique=False)

    op.create_table(
        "freeze_order_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["freeze_orders.id"],
            name=op.f("fk_freeze_order_events_order_id_freeze_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_freeze_order_events")),
    )
    with op.batch_alter_table("freeze_order_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_freeze_order_events_order_id"), ["order_id"], unique=False
        )

    op.create_table(
        "outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["freeze_orders.id"], name=op.f("fk_outbox_order_id_freeze_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_pending", ["done_at", "next_attempt_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_pending")

    op.drop_table("outbox")
    with op.batch_alter_table("freeze_order_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_freeze_order_events_order_id"))

    op.drop_table("freeze_order_events")
    with op.batch_alter_table("freeze_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_freeze_orders_case")
        batch_op.drop_index("ix_freeze_orders_asset")
        batch_op.drop_index("ix_freeze_orders_agency_status")

    op.drop_table("freeze_orders")
