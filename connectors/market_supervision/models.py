"""Market supervision tables: enterprise registration, shareholders, personnel, licences, penalties, lists."""

from sqlalchemy import Column, Date, Index, Integer, MetaData, Numeric, String, Table, Text

from connectors.base.annotations import annotation_table

metadata = MetaData()

enterprises = Table(
    "enterprises",
    metadata,
    Column("uscc", String(18), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("enterprise_type", String(32), nullable=False),  # 有限责任公司（自然人投资或控股）…
    Column("legal_representative_id", String(18), nullable=False, index=True),
    Column("legal_representative_name", String(32), nullable=False),
    Column("registered_capital", Numeric(14, 2), nullable=False),  # 万元 (10,000 CNY)
    Column("established_on", Date, nullable=False),
    Column("address", String(128), nullable=False),
    Column("business_scope", Text, nullable=False),
    Column("status", String(4), nullable=False),  # 存续 / 在业 / 吊销 / 注销
    Column("registration_authority", String(64), nullable=False),
    Column("phone", String(16)),
)

shareholders = Table(
    "shareholders",
    metadata,
    Column("stake_id", String(32), primary_key=True),  # equity stake: {uscc}-{n}
    Column("uscc", String(18), nullable=False, index=True),
    Column("holder_kind", String(10), nullable=False),  # PERSON / ENTERPRISE
    Column("holder_id", String(18), nullable=False),
    Column("holder_name", String(64), nullable=False),
    Column("subscribed_capital", Numeric(14, 2), nullable=False),  # 万元
    Column("ratio", Numeric(7, 4), nullable=False),  # 0.3500 = 35 %
    Column("subscribed_on", Date, nullable=False),
    # NORMAL, or FROZEN while a court's freeze (股权冻结) is in effect or waiting on the stake.
    Column("freeze_status", String(8), nullable=False, default="NORMAL"),
    Index("ix_shareholders_holder_id", "holder_id"),
)

# The register of courts' freezes of stakes (股权冻结, 司法协助), one row per measure.
equity_freezes = annotation_table("equity_freezes", metadata, "stake_id", 32)

key_personnel = Table(
    "key_personnel",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uscc", String(18), nullable=False, index=True),
    Column("id_number", String(18), nullable=False, index=True),
    Column("name", String(32), nullable=False),
    Column("position", String(16), nullable=False),  # 执行董事 / 监事 / 经理 …
)

licences = Table(
    "licences",
    metadata,
    Column("licence_number", String(32), primary_key=True),
    Column("uscc", String(18), nullable=False, index=True),
    Column("name", String(32), nullable=False),  # 食品经营许可证 …
    Column("issuing_authority", String(64), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("status", String(4), nullable=False),  # 有效 / 注销 / 过期
)

penalties = Table(
    "penalties",
    metadata,
    Column("decision_number", String(48), primary_key=True),  # 芝市监处罚〔2024〕123号
    Column("uscc", String(18), nullable=False, index=True),
    Column("violation", String(128), nullable=False),
    Column("penalty", String(128), nullable=False),
    Column("amount", Numeric(14, 2), nullable=False),  # CNY
    Column("decided_on", Date, nullable=False),
    Column("authority", String(64), nullable=False),
)

abnormal_operations = Table(  # 经营异常名录
    "abnormal_operations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uscc", String(18), nullable=False, index=True),
    Column("reason", String(128), nullable=False),
    Column("listed_on", Date, nullable=False),
    Column("authority", String(64), nullable=False),
    Column("removed_on", Date),
    Column("removal_reason", String(128)),
)

serious_violations = Table(  # 严重违法失信名单
    "serious_violations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uscc", String(18), nullable=False, index=True),
    Column("reason", String(128), nullable=False),
    Column("listed_on", Date, nullable=False),
    Column("authority", String(64), nullable=False),
    Column("removed_on", Date),
)
