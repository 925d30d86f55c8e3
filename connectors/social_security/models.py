"""Social security tables: the five insurances, housing fund, qualifications, employer figures."""

from sqlalchemy import Column, Date, Index, Integer, MetaData, Numeric, String, Table

metadata = MetaData()

insurance_records = Table(
    "insurance_records",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("id_number", String(18), nullable=False, index=True),
    Column(
        "kind", String(12), nullable=False
    ),  # PENSION / MEDICAL / UNEMPLOYMENT / INJURY / MATERNITY
    Column("employer_uscc", String(18), nullable=False),
    Column("employer_name", String(64), nullable=False),
    Column("contribution_base", Numeric(10, 2), nullable=False),  # CNY per month
    Column("months_paid", Integer, nullable=False),
    Column("last_paid_month", String(7), nullable=False),  # YYYY-MM
    Column("status", String(8), nullable=False),  # 正常参保 / 暂停缴费 / 终止参保
    Index("ix_insurance_employer", "employer_uscc"),
)

housing_fund_accounts = Table(
    "housing_fund_accounts",
    metadata,
    Column("account_number", String(20), primary_key=True),
    Column("id_number", String(18), nullable=False, unique=True),
    Column("employer_uscc", String(18), nullable=False),
    Column("employer_name", String(64), nullable=False),
    Column("balance", Numeric(12, 2), nullable=False),
    Column("monthly_deposit", Numeric(10, 2), nullable=False),  # employee + employer share
    Column("opened_on", Date, nullable=False),
    Column("status", String(4), nullable=False),  # 正常 / 封存 / 销户
)

qualifications = Table(
    "qualifications",
    metadata,
    Column("certificate_number", String(32), primary_key=True),
    Column("id_number", String(18), nullable=False, index=True),
    Column("name", String(32), nullable=False),  # 职业资格: 电工, 注册会计师 …
    Column("level", String(8), nullable=False),  # 初级 / 中级 / 高级 / 技师 / —
    Column("issuing_authority", String(64), nullable=False),
    Column("issued_on", Date, nullable=False),
)

enterprise_insurance = Table(
    "enterprise_insurance",
    metadata,
    Column("uscc", String(18), primary_key=True),
    Column("insured_employees", Integer, nullable=False),
    Column("arrears_amount", Numeric(14, 2), nullable=False),  # 欠缴金额 CNY
    Column("arrears_months", Integer, nullable=False),
    Column("as_of", Date, nullable=False),
)
