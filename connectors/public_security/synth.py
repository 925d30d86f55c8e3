"""Synthetic public-security data: residents (户籍), motor vehicles, and where persons and vehicles
were (:mod:`connectors.public_security.movements`), derived from the world."""

from __future__ import annotations

import random
from bisect import bisect
from datetime import date
from itertools import accumulate
from typing import Any

from connectors.base.annotations import term_end
from connectors.base.world import AS_OF, CITIES, COURTS, REGIONS, World
from connectors.public_security.movements import generate_movements
from connectors.public_security.source import TERM_YEARS

__all__ = ["generate"]

# (brand, model, vehicle type, WMI, new-energy plate)
_PRIVATE_MODELS: tuple[tuple[str, str, str, str, bool], ...] = (
    ("比亚迪", "汉", "小型轿车", "LGX", True),
    ("比亚迪", "秦PLUS", "小型轿车", "LGX", True),
    ("比亚迪", "宋PLUS", "小型普通客车", "LGX", True),
    ("大众", "朗逸", "小型轿车", "LSV", False),
    ("大众", "迈腾", "小型轿车", "LFV", False),
    ("大众", "途观L", "小型普通客车", "LSV", False),
    ("丰田", "卡罗拉", "小型轿车", "LFM", False),
    ("丰田", "凯美瑞", "小型轿车", "LVG", False),
    ("长城", "哈弗H6", "小型普通客车", "LGW", False),
    ("五菱", "宏光", "小型普通客车", "LZW", False),
    ("五菱", "宏光MINIEV", "微型轿车", "LZW", True),
    ("本田", "雅阁", "小型轿车", "LHG", False),
    ("本田", "CR-V", "小型普通客车", "LVH", False),
    ("日产", "轩逸", "小型轿车", "LGB", False),
    ("别克", "英朗", "小型轿车", "LSG", False),
    ("吉利", "帝豪", "小型轿车", "L6T", False),
    ("长安", "CS75", "小型普通客车", "LS5", False),
    ("特斯拉", "Model 3", "小型轿车", "LRW", True),
    ("理想", "L7", "小型普通客车", "LW4", True),
    ("宝马", "5系", "小型轿车", "LBV", False),
    ("奔驰", "C级", "小型轿车", "LE4", False),
    ("奥迪", "A6L", "小型轿车", "LFV", False),
)
_PRIVATE_CUM = list(accumulate((9, 6, 5, 9, 5, 4, 6, 4, 7, 6, 5, 4, 3, 5, 4, 5, 4, 3, 2, 2, 2, 2)))
_COMPANY_MODELS: tuple[tuple[str, str, str, str, bool], ...] = (
    ("解放", "J6P", "重型半挂牵引车", "LFW", False),
    ("东风", "天锦", "中型厢式货车", "LGA", False),
    ("福田", "欧马可", "轻型厢式货车", "LVB", False),
    ("江淮", "帅铃", "轻型普通货车", "LJ1", False),
    ("重汽", "豪沃", "重型自卸货车", "LZZ", False),
    ("金杯", "海狮", "小型普通客车", "LSY", False),
    ("宇通", "ZK6809", "大型普通客车", "LZY", False),
    ("大众", "帕萨特", "小型轿车", "LSV", False),
    ("别克", "GL8", "小型普通客车", "LSG", False),
    ("比亚迪", "汉", "小型轿车", "LGX", True),
)
_COMPANY_CUM = list(accumulate((4, 4, 5, 5, 3, 4, 1, 4, 5, 3)))
_COLOURS = ("白", "黑", "银", "灰", "红", "蓝", "棕")
_COLOUR_CUM = list(accumulate((40, 25, 12, 12, 5, 4, 2)))
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I, O
_VIN_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"  # no I, O, Q
_VIN_VALUE = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7, "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}  # fmt: skip
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_MODEL_YEAR = "123456789ABCDEFGHJKLMNPRST"  # 2001 .. 2026
_FIRST_REGISTRATION = date(2005, 1, 1).toordinal()


def _vin(rng: random.Random, wmi: str, year: int) -> str:
    """A 17-character VIN with a valid ISO 3779 check digit (position 9)."""
    choice = rng.choice
    vds = "".join(choice(_VIN_CHARS) for _ in range(5))
    tail = f"{_MODEL_YEAR[year - 2001]}{choice(_VIN_CHARS)}{int(rng.random() * 1_000_000):06d}"
    body = wmi + vds + "0" + tail
    total = sum(_VIN_VALUE[c] * w for c, w in zip(body, _VIN_WEIGHTS, strict=True))
    check = total % 11
    return f"{wmi}{vds}{'X' if check == 10 else check}{tail}"


def _plate_body(rng: random.Random, new_energy: bool) -> str:
    rnd = rng.random
    if new_energy:  # 新能源: D (pure electric) / F (hybrid) + 5 digits
        return f"{'D' if rnd() < 0.8 else 'F'}{int(rnd() * 100_000):05d}"
    r = rnd()
    letter = _PLATE_LETTERS[int(rnd() * 24)]
    if r < 0.4:
        return f"{int(rnd() * 100_000):05d}"
    if r < 0.75:
        return f"{letter}{int(rnd() * 10_000):04d}"
    if r < 0.9:
        return f"{int(rnd() * 10)}{letter}{int(rnd() * 1_000):03d}"
    return f"{letter}{_PLATE_LETTERS[int(rnd() * 24)]}{int(rnd() * 1_000):03d}"


_LAST_DAY = AS_OF.toordinal()
_PLATE_PREFIXES = {code: CITIES[city][1] for code, (_, city, _) in REGIONS.items()}


def generate(world: World) -> dict[str, list[dict[str, Any]]]:
    """Rows of ``residents``, ``vehicles``, ``vehicle_seizures``, ``accommodations``,
    ``bookings`` and ``passages`` for ``world``."""
    rng = random.Random(f"{world.seed}:public_security")
    vehicles = _vehicles(rng, world)
    # The register of seizures draws from a stream of its own: the vehicles stay as they were.
    seizures = _seizures(random.Random(f"{world.seed}:public_security:seizures"), vehicles)
    # So do the movements: the tables before them stay as they were.
    movements = generate_movements(
        random.Random(f"{world.seed}:public_security:movements"), world, vehicles
    )
    return {
        "residents": _residents(world),
        "vehicles": vehicles,
        "vehicle_seizures": seizures,
        **movements,
    }


def _residents(world: World) -> list[dict[str, Any]]:
    """One household registration (户籍) per person of the world."""
    return [
        {
            "id_number": p.id_number,
            "name": p.name,
            "gender": p.gender,
            "birth_date": p.birth_date,
            "ethnicity": p.ethnicity,
            "registered_address": p.registered_address,
            "registration_status": p.registration_status,
            "issuing_authority": p.issuing_authority,
            "phone": p.phone,
        }
        for p in world.persons
    ]


def _vehicles(rng: random.Random, world: World) -> list[dict[str, Any]]:
    """The persons' vehicles, then the enterprises'."""
    taken: tuple[set[str], set[str]] = (set(), set())  # plates, VINs
    vehicles: list[dict[str, Any]] = []
    for p in world.persons:
        if p.vehicles:
            # Licensed drivers: registration from the 18th birthday on.
            adult = p.birth_date.toordinal() + 18 * 365 + 5
            for _ in range(p.vehicles):
                vehicles.append(
                    _vehicle(rng, taken, ("PERSON", p.id_number, p.name), p.region, adult)
                )
    for e in world.enterprises:
        for _ in range(e.vehicles):
            since = e.established_on.toordinal()
            vehicles.append(
                _vehicle(rng, taken, ("ENTERPRISE", e.uscc, e.name), e.region, since, company=True)
            )
    return vehicles


def _vehicle(
    rng: random.Random,
    taken: tuple[set[str], set[str]],
    owner: tuple[str, str, str],
    region: str,
    since: int,
    *,
    company: bool = False,
) -> dict[str, Any]:
    """A vehicle of ``owner`` (kind, id, name) with a plate and a VIN not ``taken`` before."""
    rnd = rng.random
    used_plates, used_vins = taken
    models, cum = (_COMPANY_MODELS, _COMPANY_CUM) if company else (_PRIVATE_MODELS, _PRIVATE_CUM)
    brand, model, vehicle_type, wmi, new_energy = models[bisect(cum, rnd() * cum[-1])]
    start = max(since, _FIRST_REGISTRATION)
    registered_on = date.fromordinal(start + int(rnd() * max(1, _LAST_DAY - start)))
    prefixes = _PLATE_PREFIXES[region]
    while True:
        plate = rng.choice(prefixes) + _plate_body(rng, new_energy)
        if plate not in used_plates:
            used_plates.add(plate)
            break
    while True:
        vin = _vin(rng, wmi, max(2001, registered_on.year - (rnd() < 0.2)))
        if vin not in used_vins:
            used_vins.add(vin)
            break
    r = rnd()
    status = (
        "NORMAL" if r < 0.86 else "MORTGAGED" if r < 0.975 else "SEIZED" if r < 0.993 else "STOLEN"
    )
    owner_kind, owner_id, owner_name = owner
    return {
        "plate": plate,
        "vin": vin,
        "brand": brand,
        "model": model,
        "vehicle_type": vehicle_type,
        "colour": _COLOURS[bisect(_COLOUR_CUM, rnd() * _COLOUR_CUM[-1])],
        "registered_on": registered_on,
        "status": status,
        "owner_kind": owner_kind,
        "owner_id": owner_id,
        "owner_name": owner_name,
    }


def _seizures(rng: random.Random, vehicles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A SEIZED vehicle is seized by a court: its register row, in effect on :data:`AS_OF`
    (two years at most for a movable, 民诉法解释 第四百八十五条), served before the hub existed
    (no order id). The vehicle's status before the seizure was NORMAL, and comes back when the
    seizure ends."""
    out: list[dict[str, Any]] = []
    for v in vehicles:
        if v["status"] != "SEIZED":
            v["status_before_seizure"] = None
            continue
        v["status_before_seizure"] = "NORMAL"
        earliest = max(v["registered_on"].toordinal(), _LAST_DAY - 2 * 365 + 1)
        start = date.fromordinal(earliest + int(rng.random() * max(1, _LAST_DAY - earliest)))
        _, abbr, court = COURTS[0] if rng.random() < 0.7 else rng.choice(COURTS[1:])
        case = f"（{start.year}）{abbr}执{1 + int(rng.random() * 3000)}号"
        out.append(
            {
                "plate": v["plate"],
                "court": court,
                "case_number": case,
                "document_number": f"{case}之一",
                "kind": "SEIZE",
                "rank": 1,
                "start_date": start,
                "end_date": term_end(start, months=12 * TERM_YEARS),
                "status": "EFFECTIVE",
            }
        )
    return out
