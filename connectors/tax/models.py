"""Tax tables: registrations with credit grades, monthly filings, arrears, refunds, withholdings."""

from sqlalchemy import Column, Date, Index, Integer, MetaData, Numeric, String, Table

metadata = MetaData()

registrations = Table(
    "tax_registrations",
    metadata,
    Column("taxpayer_id", String(18), primary_key=True),  # the USCC (enterprise, 个体工商户)
    Column("name", String(64), nullable=False),
    Column("taxpayer_kind", String(8), nullable=False),  # 一般纳税人 / 小规模纳税人 / 个体工商户
    Column("operator_id", String(18), nullable=True, index=True),  # 个体工商户: the operator
    Column("authority", String(64), nullable=False),  # 国家税务总局烟台市芝罘区税务局
    Column("registered_on", Date, nullable=False),
    Column("status", String(4), nullable=False),  # 正常 / 非正常 / 注销
    Column("credit_grade", String(1), nullable=True),  # A / B / M / C / D; null: not graded
    Column("graded_year", Integer, nullable=True),
)

filings = Table(
    "tax_filings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("taxpayer_id", String(18), nullable=False),
    Column("period", String(7), nullable=False),  # YYYY-MM, the month the return is for
    Column("filed_on", Date, nullable=True),  # null: not filed (未申报)
    Column("tax_payable", Numeric(14, 2), nullable=False),  # CNY
    Column("tax_paid", Numeric(14, 2), nullable=False),
    Index("ix_tax_filings_taxpayer", "taxpayer_id", "period", unique=True),
)

arrears = Table(
    "tax_arrears",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("taxpayer_id", String(18), nullable=False, index=True),
    Column("tax_kind", String(12), nullable=False),  # 增值税 / 企业所得税 / …
    Column("period", String(7), nullable=False),
    Column("due_on", Date, nullable=False),  # the statutory deadline missed
    Column("amount", Numeric(14, 2), nullable=False),  # tax owed (欠税)
    Column("late_fee", Numeric(14, 2), nullable=False),  # 滞纳金 up to the as-of day
    Column("as_of", Date, nullable=False),
)

refunds = Table(
    "tax_refunds",
    metadata,
    Column("refund_number", String(24), primary_key=True),
    Column("taxpayer_id", String(18), nullable=False, index=True),
    Column("kind", String(12), nullable=False),  # 增量留抵退税 / 多缴税款退税 / 出口退税
    Column("amount", Numeric(14, 2), nullable=False),
    Column("approved_on", Date, nullable=False),
    Column("status", String(4), nullable=False),  # 待退库 (due) / 已退库 (paid out)
)

withholdings = Table(
    "income_tax_withholdings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("id_number", String(18), nullable=False, index=True),
    Column("period", String(7), nullable=False),
    Column("withholder_uscc", String(18), nullable=False),
    Column("withholder_name", String(64), nullable=False),
    Column("income_kind", String(8), nullable=False),  # 工资薪金 / 劳务报酬
    Column("income", Numeric(12, 2), nullable=False),  # CNY, before tax
    Column("tax_withheld", Numeric(12, 2), nullable=False),
)
