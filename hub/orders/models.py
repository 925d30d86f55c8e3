"""Tables of the order workflow: orders, their history, the transactional outbox, and the
ledger of deductions (扣划) from frozen deposits."""

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from hub.audit.models import BigId
from hub.db.metadata import metadata
from hub.db.types import UtcDateTime

freeze_orders = Table(
    "freeze_orders",
    metadata,
    Column("id", String(32), primary_key=True),  # FO-2026-0000000123
    Column("kind", String(8), nullable=False),  # SEIZE / DETAIN / FREEZE
    Column("asset_type", String(12), nullable=False),  # REAL_ESTATE / VEHICLE / EQUITY / DEPOSIT
    Column("asset_id", String(32), nullable=False),  # unit number, plate, stake id, account
    Column("agency", String(32), nullable=False),  # the connector that owns the asset (bank:<code>)
    Column("owner_id", String(18), nullable=False),  # the party the asset belongs to
    Column("court_code", String(6), nullable=False),
    Column("case_number", String(64), nullable=False),
    Column("ruling_number", String(64), nullable=False),
    # The term: calendar months (from migration 0007 on), or days (orders made before, and a
    # court that asks for days); exactly one is set.
    Column("term_months", Integer),
    Column("term_days", Integer),
    Column("status", String(12), nullable=False),
    # Place in the asset's waiting line (轮候) by the time the order was served (delivered_at),
    # after the measures the agency held before; NULL until accepted, and while an order served
    # earlier on the same asset waits for the agency's answer.
    Column("rank", Integer),
    Column("submitted_by", String(64), nullable=False),
    Column("submitted_at", UtcDateTime(), nullable=False),
    Column("delivered_at", UtcDateTime()),  # served on the agency (送达)
    Column("effective_from", Date),
    Column("expires_on", Date),
    Column("receipt_number", String(64)),
    Column("receipt_registered_at", UtcDateTime()),
    Column("closed_reason", Text),  # rejection or release reason
    Column("release_ruling", String(64)),
    Column("renewals", Integer, nullable=False, default=0),
    Column("order_signature", Text),  # the court's Ed25519 signature of the order document
    Column("receipt", Text),  # the agency's receipt document (canonical JSON)
    Column("receipt_signature", Text),  # the agency's Ed25519 signature of the receipt
    Column("idempotency_key", String(64), nullable=False),
    Column("payload_hash", String(64), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # A freeze of deposits (DEPOSIT, migration 0014) is of an amount: asked (exact, two places,
    # in the account's currency), and what the bank's register holds for it now (what it took
    # when it took effect, less the deductions made from it); NULL for other assets.
    Column("amount", Numeric(18, 2)),
    Column("frozen_amount", Numeric(18, 2)),
    Column("currency", String(3)),
    UniqueConstraint("court_code", "idempotency_key", name="uq_freeze_orders_idempotency"),
    UniqueConstraint("asset_type", "asset_id", "rank", name="uq_freeze_orders_rank"),
    Index("ix_freeze_orders_asset", "asset_type", "asset_id"),
    Index("ix_freeze_orders_case", "case_number"),
    Index("ix_freeze_orders_agency_status", "agency", "status"),
    # the paged lists: a court's orders, an agency's orders, newest first (migration 0011)
    Index("ix_freeze_orders_court_submitted", "court_code", "submitted_at"),
    Index("ix_freeze_orders_agency_submitted", "agency", "submitted_at"),
)

freeze_order_events = Table(
    "freeze_order_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("order_id", String(32), ForeignKey("freeze_orders.id"), nullable=False, index=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("event", String(16), nullable=False),  # SUBMITTED, DELIVERED, EFFECTIVE, WAITING, …
    Column("actor", String(64), nullable=False),
    Column("detail", Text, nullable=False),  # canonical JSON
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("order_id", String(32), ForeignKey("freeze_orders.id"), nullable=False),
    Column("action", String(12), nullable=False),  # DELIVER / ANNOTATE / DEDUCT
    Column("deduction_id", String(32)),  # DEDUCT: the deduction to serve (migration 0014)
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("done_at", UtcDateTime()),
    Column("last_error", Text),
    Index("ix_outbox_pending", "done_at", "next_attempt_at"),
)

# The ledger of deductions (扣划) from frozen deposits, one row per deduction order: asked by the
# court (PENDING), served on the bank by the outbox worker, and DONE with the bank's signed
# transfer receipt (or REFUSED with the bank's reason). The deduction id is the bank's
# idempotency key: a retried or re-run delivery reads the same transfer back.
deposit_deductions = Table(
    "deposit_deductions",
    metadata,
    Column("id", String(32), primary_key=True),  # DD-2026-0123456789AB
    Column("order_id", String(32), ForeignKey("freeze_orders.id"), nullable=False),
    Column("court_code", String(6), nullable=False),
    Column("case_number", String(64), nullable=False),
    Column("bank", String(32), nullable=False),  # bank:<code>
    Column("account_number", String(32), nullable=False),
    Column("owner_id", String(18), nullable=False),
    Column("amount", Numeric(18, 2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("ruling_number", String(64), nullable=False),  # 扣划裁定书
    Column("payee", String(96), nullable=False),  # the court's 执行款 account
    Column("status", String(8), nullable=False),  # PENDING / DONE / REFUSED
    Column("requested_by", String(64), nullable=False),
    Column("requested_at", UtcDateTime(), nullable=False),
    Column("order_signature", Text, nullable=False),  # the court's signature of the deduction
    Column("transfer_number", String(40)),  # the bank's 划款凭证 number
    Column("transferred_at", UtcDateTime()),
    Column("receipt", Text),  # the bank's transfer receipt (canonical JSON)
    Column("receipt_signature", Text),  # the bank's Ed25519 signature of the receipt
    Column("refused_reason", Text),
    Column("idempotency_key", String(64), nullable=False),
    Column("payload_hash", String(64), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("court_code", "idempotency_key", name="uq_deposit_deductions_idempotency"),
    Index("ix_deposit_deductions_case", "case_number"),
    Index("ix_deposit_deductions_order", "order_id"),
)
