"""Public security's tables: household registration (户籍), motor vehicle registration, and the
records of where persons and vehicles were: accommodation registrations (旅馆住宿登记), transport
bookings (交通订票) and checkpoint passages (卡口通行). Times are China Standard Time (UTC+8), as
the registers write them, without a zone."""

from sqlalchemy import Column, Date, DateTime, Index, MetaData, String, Table

from connectors.base.annotations import annotation_table

metadata = MetaData()

residents = Table(
    "residents",
    metadata,
    Column("id_number", String(18), primary_key=True),
    Column("name", String(32), nullable=False),
    Column("gender", String(2), nullable=False),  # 男 / 女
    Column("birth_date", Date, nullable=False),
    Column("ethnicity", String(16), nullable=False),  # 汉族, 回族, …
    Column("registered_address", String(128), nullable=False),  # 户籍地址
    Column("registration_status", String(4), nullable=False),  # 正常 / 迁出 / 死亡
    Column("issuing_authority", String(64), nullable=False),  # 签发机关
    Column("phone", String(16)),
)

vehicles = Table(
    "vehicles",
    metadata,
    Column("plate", String(16), primary_key=True),  # 号牌号码, e.g. 鲁F·12345 stored as 鲁F12345
    Column("vin", String(17), nullable=False, unique=True),
    Column("brand", String(32), nullable=False),
    Column("model", String(32), nullable=False),
    Column("vehicle_type", String(16), nullable=False),  # 小型轿车 / 小型普通客车 / 重型货车 …
    Column("colour", String(8), nullable=False),
    Column("registered_on", Date, nullable=False),
    Column("status", String(12), nullable=False),  # NORMAL / MORTGAGED / SEIZED / STOLEN
    Column("owner_kind", String(10), nullable=False),  # PERSON / ENTERPRISE
    Column("owner_id", String(18), nullable=False),  # ID number or USCC
    Column("owner_name", String(64), nullable=False),
    # The status a seizure replaced, restored when the last measure on the vehicle ends.
    Column("status_before_seizure", String(12)),
    Index("ix_vehicles_owner_id", "owner_id"),
)

# The register of courts' seizures (查封/扣押) of vehicles, one row per measure.
vehicle_seizures = annotation_table("vehicle_seizures", metadata, "plate", 16)

# 旅馆住宿登记: one row per stay a hotel registered (check-out empty while the guest stays).
accommodations = Table(
    "accommodations",
    metadata,
    Column("id_number", String(18), primary_key=True),
    Column("check_in", DateTime, primary_key=True),
    Column("check_out", DateTime),
    Column("hotel", String(64), nullable=False),
    Column("place", String(128), nullable=False),  # the hotel's address
)

# 交通订票: tickets booked in the person's name (航空 / 铁路 / 客运).
bookings = Table(
    "bookings",
    metadata,
    Column("id_number", String(18), primary_key=True),
    Column("departure", DateTime, primary_key=True),
    Column("mode", String(4), nullable=False),  # 航空 / 铁路 / 客运
    Column("number", String(16), nullable=False),  # flight, train or coach number
    Column("origin", String(32), nullable=False),  # station or airport
    Column("destination", String(32), nullable=False),
)

# 卡口通行: a registered vehicle seen passing a checkpoint (卡口).
passages = Table(
    "passages",
    metadata,
    Column("plate", String(16), primary_key=True),
    Column("passed_at", DateTime, primary_key=True),
    Column("checkpoint", String(64), nullable=False),
    Column("place", String(64), nullable=False),
)
