"""Real-estate registry tables: units (不动产单元), owners, mortgages and seizure annotations."""

from sqlalchemy import Column, Date, Index, Integer, MetaData, Numeric, String, Table

from connectors.base.annotations import annotation_table

metadata = MetaData()

units = Table(
    "units",
    metadata,
    Column("unit_number", String(28), primary_key=True),  # 28-digit 不动产单元号
    Column("certificate_number", String(64), nullable=False),  # 鲁（2021）烟台市不动产权第0012345号
    Column("address", String(128), nullable=False),
    Column("usage", String(16), nullable=False),  # 住宅 / 商业 / 办公 / 工业 / 车位
    Column("area", Numeric(10, 2), nullable=False),  # 建筑面积 m²
    Column("ownership_kind", String(8), nullable=False),  # 单独所有 / 共同共有 / 按份共有
    Column("registered_on", Date, nullable=False),
)

owners = Table(
    "owners",
    metadata,
    Column("unit_number", String(28), nullable=False),
    Column("owner_kind", String(10), nullable=False),  # PERSON / ENTERPRISE
    Column("owner_id", String(18), nullable=False),
    Column("owner_name", String(64), nullable=False),
    Column("share", Numeric(5, 4), nullable=False),  # 1.0000 for sole / joint ownership
    Index("ix_owners_owner_id", "owner_id"),
    Index("ix_owners_unit_number", "unit_number"),
)

mortgages = Table(
    "mortgages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("unit_number", String(28), nullable=False, index=True),
    Column("certificate_number", String(64), nullable=False),  # 不动产登记证明号
    Column("mortgagee", String(64), nullable=False),
    Column("secured_amount", Numeric(14, 2), nullable=False),
    Column("term_start", Date, nullable=False),
    Column("term_end", Date, nullable=False),
    Column("registered_on", Date, nullable=False),
)

# The registry's register of courts' seizures (查封登记 / 轮候查封登记), one row per measure: those
# the hub delivered carry its order id, those served on the registry otherwise have none.
seizures = annotation_table("seizures", metadata, "unit_number", 28)
