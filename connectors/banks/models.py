"""A bank's tables: deposit accounts (存款账户), the courts' freezes (冻结) registered on them, and
the transfers (扣划) made from frozen funds to the courts' accounts.

Every bank of the demo has the same tables in a database of its own (one service per bank).
"""

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    UniqueConstraint,
)

metadata = MetaData()

accounts = Table(
    "accounts",
    metadata,
    Column("account_number", String(24), primary_key=True),
    Column("holder_kind", String(10), nullable=False),  # PERSON / ENTERPRISE
    Column("holder_id", String(18), nullable=False),  # ID number or USCC
    Column("holder_name", String(64), nullable=False),
    Column("kind", String(8), nullable=False),  # CURRENT (活期) / TIME (定期)
    Column("currency", String(3), nullable=False),  # ISO 4217: CNY, USD
    # exact amounts in the account's currency, two places; never floats
    Column("balance", Numeric(18, 2), nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("matures_on", Date),  # TIME deposits: the end of the term
    Column("branch", String(64), nullable=False),  # 开户网点
    Column("status", String(8), nullable=False),  # NORMAL / DORMANT
    Index("ix_accounts_holder_id", "holder_id"),
)

# The register of courts' freezes of an account, one row per freeze, ranked by the time it was
# served (轮候冻结: a freeze served while nothing is available waits).
freezes = Table(
    "freezes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_number", String(24), nullable=False),
    Column("court", String(64), nullable=False),
    Column("case_number", String(40), nullable=False),
    Column("document_number", String(48), nullable=False),  # 协助冻结存款通知书 number
    Column("amount", Numeric(18, 2), nullable=False),  # frozen (EFFECTIVE) or asked (WAITING)
    Column("rank", Integer, nullable=False),  # 1, 2, … per account, gapless
    Column("start_date", Date),  # null while WAITING
    Column("end_date", Date),  # the term's last day; null while WAITING
    Column("status", String(10), nullable=False),  # EFFECTIVE / WAITING / EXPIRED / RELEASED
    # the hub's order, for a freeze served through the hub (NULL: served otherwise): a second
    # service of the same order finds its row instead of freezing twice
    Column("order_id", String(32), unique=True),
    Index("ix_freezes_account_number", "account_number"),
)

# Transfers (扣划) from frozen funds to a court's account, one per deduction order; the hub's
# deduction id is the idempotency key: the same deduction served again reads its transfer back,
# it never moves money twice.
transfers = Table(
    "transfers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("idempotency_key", String(40), nullable=False),
    Column("transfer_number", String(40), nullable=False),  # the bank's 划款凭证 number
    Column("account_number", String(24), nullable=False),
    Column("freeze_order_id", String(32), nullable=False),  # the freeze the money came from
    Column("court", String(64), nullable=False),
    Column("case_number", String(40), nullable=False),
    Column("ruling_number", String(64), nullable=False),  # 扣划裁定书
    Column("payee", String(96), nullable=False),  # the court's 执行款 account
    Column("amount", Numeric(18, 2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("transferred_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("idempotency_key", name="uq_transfers_idempotency_key"),
    Index("ix_transfers_case_number", "case_number"),
)
