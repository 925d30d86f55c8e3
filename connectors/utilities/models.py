"""Utility tables: water, electricity and gas accounts by address and holder, monthly usage."""

from sqlalchemy import Column, Date, Index, Integer, MetaData, Numeric, String, Table

metadata = MetaData()

accounts = Table(
    "utility_accounts",
    metadata,
    Column("account_number", String(20), primary_key=True),
    Column("provider", String(32), nullable=False),  # 国网烟台供电公司 …
    Column("kind", String(1), nullable=False),  # 水 / 电 / 气
    Column("address", String(128), nullable=False, index=True),  # where it is supplied
    Column("holder_kind", String(10), nullable=False),  # PERSON / ENTERPRISE
    Column("holder_id", String(18), nullable=False, index=True),
    Column("holder_name", String(64), nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("status", String(2), nullable=False),  # 正常 / 停用
    Column("arrears", Numeric(12, 2), nullable=False),  # billed, unpaid (欠费) CNY
)

usage = Table(
    "utility_usage",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_number", String(20), nullable=False),
    Column("period", String(7), nullable=False),  # YYYY-MM
    Column("consumption", Numeric(10, 2), nullable=False),  # kWh (电) or m³ (水, 气)
    Column("amount_due", Numeric(10, 2), nullable=False),  # CNY billed
    Column("amount_paid", Numeric(10, 2), nullable=False),
    Index("ix_utility_usage_account", "account_number", "period", unique=True),
)
