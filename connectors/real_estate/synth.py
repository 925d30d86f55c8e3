"""Synthetic real-estate registry data: units, owners, mortgages and seizure annotations."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from math import gcd
from typing import Any

from connectors.base.annotations import settle
from connectors.base.annotations import term_end as measure_end
from connectors.base.world import (
    AS_OF,
    CITIES,
    COURTS,
    REGIONS,
    STREETS,
    World,
    address_prefix,
)
from connectors.real_estate.source import TERM_YEARS

__all__ = ["generate", "unit_number"]

_REGISTRY_START = date(2015, 3, 1).toordinal()  # 不动产统一登记 began in 2015
_LAST_DAY = AS_OF.toordinal()
_SEIZURES_FROM = date(2023, 1, 1).toordinal()
_STRIDES = (7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43)
_BANKS = (
    "中国建设银行股份有限公司{c}分行",
    "中国工商银行股份有限公司{c}分行",
    "中国农业银行股份有限公司{c}分行",
    "中国银行股份有限公司{c}分行",
    "交通银行股份有限公司{c}分行",
    "招商银行股份有限公司{c}分行",
    "中国邮政储蓄银行股份有限公司{c}分行",
    "兴业银行股份有限公司{c}分行",
    "恒丰银行股份有限公司{c}分行",
)
_SHARES_BY_PART = ((5000, 5000), (6000, 4000), (7000, 3000), (5100, 4900))
_ONE = Decimal("1.0000")


def unit_number(
    region: str, zone: str, subzone: str, feature: str, parcel: int, building: int, household: int
) -> str:
    """The 28-character 不动产单元号: region, 地籍区, 地籍子区, 宗地特征码+顺序号, F, 幢号, 户号."""
    return f"{region}{zone}{subzone}{feature}{parcel:05d}F{building:04d}{household:04d}"


@dataclass(slots=True)
class _Estate:
    """A residential compound (小区), office tower, shopping street or factory on one parcel."""

    region: str
    zone: str
    subzone: str
    feature: str  # 宗地特征码: GB = 国有土地, 建设用地使用权
    parcel: int
    base_address: str  # 山东省烟台市芝罘区南大街123号
    buildings: int
    stairs: int  # 单元 per building
    floors: int
    rooms: int  # households per floor and stair
    capacity: int
    stride: int
    offset: int  # where the walk through the households starts
    used: int = 0
    parking: int = 0

    def next_flat(self) -> tuple[int, int, int, int, int]:
        """(幢号, 户号, 单元, floor, room) of the next free household, spread over the estate."""
        slot = ((self.used + self.offset) * self.stride) % self.capacity
        self.used += 1
        building, within = divmod(slot, self.stairs * self.floors * self.rooms)
        stair, rest = divmod(within, self.floors * self.rooms)
        floor, room = divmod(rest, self.rooms)
        return building + 1, within + 1, stair + 1, floor + 1, room + 1

    @property
    def full(self) -> bool:
        return self.used >= self.capacity


class _Registry:
    """Allocates unique parcels, unit numbers and certificate numbers, region by region."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.next_parcel: dict[str, int] = {}
        self.open: dict[tuple[str, str], list[_Estate]] = {}
        self.certificates: dict[tuple[str, int], int] = {}
        self.proofs: dict[tuple[str, int], int] = {}
        self.prefixes = {code: address_prefix(code) for code in REGIONS}
        self.streets: set[str] = set()

    def _estate(self, region: str, usage: str) -> _Estate:
        rng = self.rng
        rnd = rng.random
        parcel = self.next_parcel.get(region, 1 + int(rnd() * 400)) + 1 + int(rnd() * 6)
        self.next_parcel[region] = parcel
        # A street number no other parcel has (street numbers grow if a region fills up).
        top = 300
        while True:
            street = f"{self.prefixes[region]}{rng.choice(STREETS[region])}{int(rnd() * top) + 1}号"
            if street not in self.streets:
                self.streets.add(street)
                break
            top += 10
        if usage == "住宅":
            buildings, stairs = 2 + int(rnd() * 14), 1 + int(rnd() * 3)
            floors, rooms = rng.choice((6, 6, 7, 11, 18, 26, 33)), 2
        elif usage == "办公":
            buildings, stairs, floors, rooms = 1 + int(rnd() * 3), 1, 12 + int(rnd() * 20), 12
        elif usage == "商业":
            buildings, stairs, floors, rooms = 1 + int(rnd() * 6), 1, 1 + int(rnd() * 3), 20
        else:  # 工业: one factory site per parcel
            buildings, stairs, floors, rooms = 1 + int(rnd() * 4), 1, 1, 1
        capacity = buildings * stairs * floors * rooms
        stride = next((s for s in _STRIDES if gcd(s, capacity) == 1), 1)
        return _Estate(
            region=region,
            zone=f"{1 + int(rnd() * 12):03d}",
            subzone=f"{1 + int(rnd() * 30):03d}",
            feature="GB",
            parcel=parcel,
            base_address=street,
            buildings=buildings,
            stairs=stairs,
            floors=floors,
            rooms=rooms,
            capacity=capacity,
            stride=stride,
            offset=int(rnd() * capacity),
            parking=int(rnd() * 100),
        )

    def place(self, region: str, usage: str) -> tuple[str, str]:
        """(unit number, address) of a new unit of ``usage`` in ``region``."""
        kind = "住宅" if usage == "车位" else usage
        pool = self.open.setdefault((region, kind), [])
        size = {"住宅": 12, "办公": 4, "商业": 6}.get(kind, 1)
        if len(pool) < size:
            pool.append(self._estate(region, kind))
        i = int(self.rng.random() * len(pool))
        estate = pool[i]
        if usage == "车位":
            estate.parking += 1
            building, household = 9001, estate.parking
            address = f"{estate.base_address}地下车库{household}号车位"
        else:
            building, household, stair, floor, room = estate.next_flat()
            if kind == "住宅":
                suffix = f"{building}号楼{stair}单元{floor}{room:02d}室"
            elif kind == "办公":
                suffix = f"{building}号楼{floor}{room:02d}室"
            elif kind == "商业":
                suffix = f"{building}号楼{floor}{room:02d}号商铺"
            else:
                suffix = f"{building}号厂房"
            address = estate.base_address + suffix
        if estate.full or estate.parking >= 9999:
            pool[i] = self._estate(region, kind)
        number = unit_number(
            region,
            estate.zone,
            estate.subzone,
            estate.feature,
            estate.parcel,
            building,
            household,
        )
        return number, address

    def _issuer(self, region: str) -> tuple[str, str]:
        province, city, county = REGIONS[region]
        return CITIES[city][0], county if province == city else city

    def certificate(self, region: str, year: int) -> str:
        """鲁（2021）烟台市不动产权第0012345号 — unique per issuing city and year."""
        abbr, issuer = self._issuer(region)
        key = (issuer, year)
        seq = self.certificates.get(key, int(self.rng.random() * 2000)) + 1
        self.certificates[key] = seq
        return f"{abbr}（{year}）{issuer}不动产权第{seq:07d}号"

    def proof(self, region: str, year: int) -> str:
        """鲁（2022）烟台市不动产证明第0034567号 — the certificate of a mortgage registration."""
        abbr, issuer = self._issuer(region)
        key = (issuer, year)
        seq = self.proofs.get(key, int(self.rng.random() * 2000)) + 1
        self.proofs[key] = seq
        return f"{abbr}（{year}）{issuer}不动产证明第{seq:07d}号"


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _money(rng: random.Random, low: int, high: int, step: int = 1000) -> Decimal:
    """A whole multiple of ``step`` yuan in [low, high], as a 2-place Decimal."""
    return Decimal((low + int(rng.random() * (high - low) / step) * step) * 100).scaleb(-2)


_Holder = tuple[str, str, str, Decimal]  # (kind PERSON / ENTERPRISE, id, name, share)


def generate(world: World) -> dict[str, list[dict[str, Any]]]:
    """Rows of ``units``, ``owners``, ``mortgages`` and ``seizures`` for ``world``.

    One random stream, drawn unit by unit: who holds the next unit (:func:`_holdings`, drawn
    lazily between the units), then the unit, its owners, its mortgage and its seizures, each
    table's function making one unit's rows."""
    rng = random.Random(f"{world.seed}:real_estate")
    registry = _Registry(rng)
    units: list[dict[str, Any]] = []
    owners: list[dict[str, Any]] = []
    mortgages: list[dict[str, Any]] = []
    seizures: list[dict[str, Any]] = []
    for region, usage, since, holders, kind in _holdings(rng, world):
        unit = _unit(rng, registry, region, usage, since, kind)
        units.append(unit)
        owners += _owners(unit, holders)
        mortgages += _mortgages(rng, registry, unit, region)
        seizures += _seizures(rng, unit)
    return {"units": units, "owners": owners, "mortgages": mortgages, "seizures": seizures}


def _holdings(
    rng: random.Random, world: World
) -> Iterator[tuple[str, str, int, list[_Holder], str]]:
    """(region, usage, registered since, holders, ownership kind) of each unit in turn: the
    persons' homes (some with a spouse) and parking spaces, then the enterprises' premises."""
    rnd = rng.random
    persons = world.persons
    # Co-owners (usually a spouse): living adults of the other gender.
    adults = {
        gender: [
            i
            for i, p in enumerate(persons)
            if p.gender == gender and p.registration_status != "死亡" and p.birth_date.year <= 2004
        ]
        for gender in ("男", "女")
    }
    for p in persons:
        if not p.properties:
            continue
        adult = p.birth_date.toordinal() + 20 * 365
        partners = adults["女" if p.gender == "男" else "男"]
        for k in range(p.properties):
            usage = "车位" if k > 0 and rnd() < 0.15 else "住宅"
            me = ("PERSON", p.id_number, p.name)
            if usage == "住宅" and partners and rnd() < 0.2:
                other = persons[partners[int(rnd() * len(partners))]]
                them = ("PERSON", other.id_number, other.name)
                if rnd() < 0.7:
                    yield p.region, usage, adult, [(*me, _ONE), (*them, _ONE)], "共同共有"
                else:
                    mine, theirs = rng.choice(_SHARES_BY_PART)
                    holders = [(*me, Decimal(mine).scaleb(-4)), (*them, Decimal(theirs).scaleb(-4))]
                    yield p.region, usage, adult, holders, "按份共有"
            else:
                yield p.region, usage, adult, [(*me, _ONE)], "单独所有"
    for e in world.enterprises:
        for _ in range(e.properties):
            r = rnd()
            usage = "商业" if r < 0.4 else "办公" if r < 0.75 else "工业"
            holder = [("ENTERPRISE", e.uscc, e.name, _ONE)]
            yield e.region, usage, e.established_on.toordinal(), holder, "单独所有"


def _unit(
    rng: random.Random, registry: _Registry, region: str, usage: str, since: int, kind: str
) -> dict[str, Any]:
    """A new unit of ``usage`` in ``region``, registered since ``since`` (not before 2015)."""
    rnd = rng.random
    number, address = registry.place(region, usage)
    start = max(since, _REGISTRY_START)
    registered_on = date.fromordinal(start + int(rnd() * max(1, _LAST_DAY - start)))
    if usage == "住宅":
        area = 5500 + int(rnd() * 11000)
    elif usage == "车位":
        area = 1200 + int(rnd() * 1800)
    elif usage == "商业":
        area = 3000 + int(rnd() * 47000)
    elif usage == "办公":
        area = 8000 + int(rnd() * 150000)
    else:
        area = 50000 + int(rnd() * 950000)
    return {
        "unit_number": number,
        "certificate_number": registry.certificate(region, registered_on.year),
        "address": address,
        "usage": usage,
        "area": Decimal(area).scaleb(-2),
        "ownership_kind": kind,
        "registered_on": registered_on,
    }


def _owners(unit: dict[str, Any], holders: list[_Holder]) -> list[dict[str, Any]]:
    return [
        {
            "unit_number": unit["unit_number"],
            "owner_kind": owner_kind,
            "owner_id": owner_id,
            "owner_name": owner_name,
            "share": share,
        }
        for owner_kind, owner_id, owner_name, share in holders
    ]


def _mortgages(
    rng: random.Random, registry: _Registry, unit: dict[str, Any], region: str
) -> list[dict[str, Any]]:
    """A bank's mortgage on about a third of the units (never a parking space)."""
    rnd = rng.random
    if unit["usage"] == "车位" or not rnd() < 0.35:
        return []
    registered_on = unit["registered_on"].toordinal()
    term_start = date.fromordinal(registered_on + int(rnd() * max(1, _LAST_DAY - registered_on)))
    city = REGIONS[region][1]
    if unit["usage"] == "住宅":
        amount = _money(rng, 100_000, 2_000_000)
        term_end = _add_years(term_start, rng.choice((10, 15, 20, 25, 30)))
    else:
        amount = _money(rng, 500_000, 20_000_000, 10_000)
        term_end = _add_years(term_start, rng.choice((1, 2, 3, 5)))
    mortgagee = (
        "烟台农村商业银行股份有限公司"
        if city == "烟台市" and rnd() < 0.1
        else rng.choice(_BANKS).format(c=city[:-1])
    )
    return [
        {
            "unit_number": unit["unit_number"],
            "certificate_number": registry.proof(region, term_start.year),
            "mortgagee": mortgagee,
            "secured_amount": amount,
            "term_start": term_start,
            "term_end": term_end,
            "registered_on": term_start,
        }
    ]


def _seizures(rng: random.Random, unit: dict[str, Any]) -> list[dict[str, Any]]:
    """A court's seizure on 2 % of the units (since 2023), sometimes with another court's
    waiting in line (轮候查封); the register as of :data:`AS_OF`: a seizure whose three years
    (民诉法解释 第四百八十五条) ended has lapsed, and the one waiting took effect the day after
    (:func:`connectors.base.annotations.settle`). None of them came through the hub."""
    rnd = rng.random
    if not rnd() < 0.02:
        return []
    since = max(unit["registered_on"].toordinal(), _SEIZURES_FROM)
    _, abbr, court = COURTS[0] if rnd() < 0.7 else rng.choice(COURTS[1:])
    start = date.fromordinal(since + int(rnd() * max(1, _LAST_DAY - since)))
    case = f"（{start.year}）{abbr}执{1 + int(rnd() * 3000)}号"
    out = [
        {
            "unit_number": unit["unit_number"],
            "court": court,
            "case_number": case,
            "document_number": f"{case}之一",
            "kind": "SEIZE",
            "rank": 1,
            "start_date": start,
            "end_date": measure_end(start, months=12 * TERM_YEARS),
            "status": "EFFECTIVE",
        }
    ]
    if rnd() < 0.2:  # another court waits in line (轮候查封), registered later
        _, abbr2, court2 = rng.choice(COURTS)
        later = date.fromordinal(
            start.toordinal() + int(rnd() * max(1, _LAST_DAY - start.toordinal()))
        )
        case2 = f"（{later.year}）{abbr2}执{1 + int(rnd() * 3000)}号"
        out.append(
            {
                "unit_number": unit["unit_number"],
                "court": court2,
                "case_number": case2,
                "document_number": f"{case2}之一",
                "kind": "SEIZE",
                "rank": 2,
                "start_date": later,
                "end_date": None,
                "status": "WAITING",
            }
        )
    for row in out:
        row["order_id"] = None
    settle(out, today=AS_OF, years=TERM_YEARS)
    for row in out:
        del row["order_id"]
    return out
