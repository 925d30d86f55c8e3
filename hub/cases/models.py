"""Tables of the court's case data (read by profile views and, later, purpose binding)."""

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, Numeric, String, Table

from hub.db.metadata import metadata

courts = Table(
    "courts",
    metadata,
    Column("code", String(6), primary_key=True),  # GB/T 2260 region code of the court: 370602
    Column("abbr", String(16), nullable=False, unique=True),  # 鲁0602 (as in case numbers)
    Column("name", String(64), nullable=False),  # 烟台市芝罘区人民法院
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_number", String(64), nullable=False, unique=True),  # （2026）鲁0602执123号
    Column("court_code", String(6), ForeignKey("courts.code"), nullable=False),
    Column("kind", String(16), nullable=False),  # 首次执行 / 恢复执行 / 执行保全 …
    Column("cause", String(32), nullable=False),  # 案由: 民间借贷纠纷 …
    Column("status", String(8), nullable=False),  # OPEN / CLOSED
    Column("filed_on", Date, nullable=False),
    Column("closed_on", Date),
    Column("amount", Numeric(14, 2), nullable=False),  # 执行标的 CNY
    Index("ix_cases_court_status", "court_code", "status"),
)

case_judges = Table(
    "case_judges",
    metadata,
    Column("case_id", Integer, ForeignKey("cases.id"), primary_key=True),
    Column("judge_id", String(64), primary_key=True),  # the judge's user id (JWT ``sub``)
    Column("role", String(8), nullable=False),  # 承办人 / 合议庭成员
    Index("ix_case_judges_judge_id", "judge_id"),
)

case_parties = Table(
    "case_parties",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("role", String(8), nullable=False),  # 申请执行人 / 被执行人
    Column("subject_kind", String(10), nullable=False),  # PERSON / ENTERPRISE
    Column("subject_id", String(18), nullable=False, index=True),  # ID number or USCC
    Column("name", String(64), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", String(64), primary_key=True),  # JWT ``sub``
    Column("name", String(32), nullable=False),
    Column("org", String(64), nullable=False),  # court:370602, agency:real_estate, …
    Column("roles", String(128), nullable=False),  # space-separated role names
    Column("title", String(64), nullable=False),  # 执行法官 / 不动产登记员 …
)
