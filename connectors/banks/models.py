"""A bank's tables: deposit accounts (存款账户) and the courts' freezes (冻结) registered on them.

Every bank of the demo has the same tables in a database of its own (one service per bank).
"""

from sqlalchemy import Column, Date, Index, Integer, MetaData, Numeric, String, Table

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
    Column("status", String(10), nullable=False),  # EFFECTIVE / WAITING
    Index("ix_freezes_account_number", "account_number"),
)
