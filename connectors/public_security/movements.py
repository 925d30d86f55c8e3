"""Synthetic records of where persons and vehicles were: accommodation registrations (旅馆住宿登记),
transport bookings (交通订票) and checkpoint passages (卡口通行), derived from the world.

Everything falls in the :data:`DAYS` days before :data:`~connectors.base.world.AS_OF`, at places
in Shandong, and starts from the person's registered address: a trip leaves the home city for a
Shandong county elsewhere (by coach within the city, by train or coach within the province, by
train or air from another province, or in the person's own car), the person stays in a hotel
there and, unless still away on ``AS_OF``, comes back. Vehicles are also seen at the checkpoints
of their owner's home county (Shandong owners only). Only some persons travel at all. Times are
China Standard Time without a zone, as the registers write them.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from connectors.base.world import AS_OF, REGIONS, STREETS, World, address_prefix, age_on

__all__ = ["DAYS", "SHANDONG", "generate_movements"]

DAYS = 90  # the records cover the 90 days before AS_OF
_END = datetime(AS_OF.year, AS_OF.month, AS_OF.day)  # midnight starting AS_OF
_START = _END - timedelta(days=DAYS)

SHANDONG = tuple(code for code, (province, _, _) in REGIONS.items() if province == "山东省")

# City -> (railway stations, airport, coach station)
_STATIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "烟台市": (("烟台站", "烟台南站"), "烟台蓬莱国际机场", "烟台汽车总站"),
    "济南市": (("济南站", "济南西站"), "济南遥墙国际机场", "济南长途汽车总站"),
    "青岛市": (("青岛站", "青岛北站"), "青岛胶东国际机场", "青岛长途汽车站"),
    "北京市": (("北京南站",), "北京首都国际机场", "北京赵公口汽车站"),
    "大连市": (("大连北站",), "大连周水子国际机场", "大连客运站"),
    "南京市": (("南京南站",), "南京禄口国际机场", "南京长途汽车站"),
    "哈尔滨市": (("哈尔滨西站",), "哈尔滨太平国际机场", "哈尔滨公路客运站"),
    "石家庄市": (("石家庄站",), "石家庄正定国际机场", "石家庄客运总站"),
    "郑州市": (("郑州东站",), "郑州新郑国际机场", "郑州长途汽车中心站"),
}
_AIRLINES = ("CA", "MU", "SC", "CZ", "HU", "ZH")
_HOTEL_BRANDS = (
    "如家酒店",
    "汉庭酒店",
    "锦江之星",
    "7天酒店",
    "格林豪泰",
    "全季酒店",
    "维也纳酒店",
)
# A highway checkpoint of each Shandong county (卡口 at the toll station or the county's edge).
_HIGHWAY: dict[str, str] = {
    "370602": "G18荣乌高速烟台收费站卡口",
    "370611": "G18荣乌高速福山收费站卡口",
    "370612": "G18荣乌高速牟平收费站卡口",
    "370613": "S16荣潍高速莱山出口卡口",
    "370681": "G18荣乌高速龙口收费站卡口",
    "370682": "G15沈海高速莱阳收费站卡口",
    "370683": "G18荣乌高速莱州收费站卡口",
    "370686": "G15沈海高速栖霞收费站卡口",
    "370687": "G15沈海高速海阳收费站卡口",
    "370102": "G2京沪高速济南东收费站卡口",
    "370103": "G2001济南绕城高速党家收费站卡口",
    "370202": "香港中路与燕儿岛路口卡口",
    "370203": "G22青兰高速青岛收费站卡口",
}

_TRAVELLERS = 0.3  # share of living adults with any records
_DRIVERS = 0.5  # share of a vehicle owner's trips made in their own car
_LOCAL = 0.55  # share of Shandong owners' vehicles seen near home
_CITY = {code: REGIONS[code][1] for code in REGIONS}
_CENTRAL = frozenset({"370602", "370102", "370103", "370202", "370203"})
_PROVINCE = {city: province for province, city, _ in REGIONS.values()}


def _checkpoints(region: str) -> tuple[str, ...]:
    """The checkpoints of a Shandong county: its highway checkpoint and street crossings."""
    streets = STREETS[region]
    crossings = tuple(
        f"{streets[i]}与{streets[(i + 2) % len(streets)]}路口卡口"
        for i in range(min(3, len(streets)))
    )
    return (_HIGHWAY[region], *crossings)


_CHECKPOINTS = {code: _checkpoints(code) for code in SHANDONG}
# Where a trip from each county goes: another Shandong county, not of the home city (except
# within Yantai, whose counties are far apart and reached by coach).
_AWAY = {
    home: tuple(
        c for c in SHANDONG if c != home and (_CITY[c] != _CITY[home] or _CITY[home] == "烟台市")
    )
    for home in REGIONS
}
_PLACES = {code: address_prefix(code) for code in REGIONS}


def generate_movements(
    rng: random.Random, world: World, vehicles: list[dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Rows of ``accommodations``, ``bookings`` and ``passages`` for ``world`` and its
    ``vehicles`` (the rows the vehicle register holds)."""
    plates_of: dict[str, list[str]] = {}
    for v in vehicles:
        plates_of.setdefault(v["owner_id"], []).append(v["plate"])
    stays: list[dict[str, Any]] = []
    tickets: list[dict[str, Any]] = []
    seen: dict[str, list[tuple[datetime, str, str]]] = {}
    rnd = rng.random
    for p in world.persons:
        if p.registration_status == "死亡" or rnd() >= _TRAVELLERS:
            continue
        if age_on(p.birth_date) < 18:
            continue
        plates = plates_of.get(p.id_number, [])
        day = int(rnd() * 20)  # the first trip starts within the first 20 days
        while day < DAYS:
            day = _trip(rng, p.id_number, p.region, plates, day, stays, tickets, seen)
            day += 3 + int(rnd() * 40)
    # Vehicles seen near home (Shandong owners only), in the register's order.
    region_of = {p.id_number: p.region for p in world.persons}
    region_of.update((e.uscc, e.region) for e in world.enterprises)
    for v in vehicles:
        region = region_of[v["owner_id"]]
        if region not in _CHECKPOINTS or rnd() >= _LOCAL:
            continue
        for _ in range(1 + int(rnd() * 8)):
            at = _START + timedelta(
                days=int(rnd() * DAYS), seconds=6 * 3600 + int(rnd() * 16 * 3600)
            )
            seen.setdefault(v["plate"], []).append(
                (at, rng.choice(_CHECKPOINTS[region]), _PLACES[region])
            )
    passages = [
        {"plate": plate, "passed_at": at, "checkpoint": checkpoint, "place": place}
        for v in vehicles
        for plate in (v["plate"],)
        for at, checkpoint, place in _distinct(seen.get(plate, []))
    ]
    return {"accommodations": stays, "bookings": tickets, "passages": passages}


def _distinct(rows: list[tuple[datetime, str, str]]) -> list[tuple[datetime, str, str]]:
    """Oldest first, one passage per second (the register's key is plate and time)."""
    out: dict[datetime, tuple[datetime, str, str]] = {}
    for row in sorted(rows):
        out.setdefault(row[0], row)
    return list(out.values())


def _trip(
    rng: random.Random,
    id_number: str,
    home: str,
    plates: list[str],
    day: int,
    stays: list[dict[str, Any]],
    tickets: list[dict[str, Any]],
    seen: dict[str, list[tuple[datetime, str, str]]],
) -> int:
    """One trip from ``home`` starting on ``day`` (days after the window's start); the day it
    ends (past the window when the person is still away)."""
    rnd = rng.random
    city = _CITY[home]
    dest = rng.choice(_AWAY[home])
    depart = _START + timedelta(days=day, seconds=7 * 3600 + int(rnd() * 13 * 3600))
    by_car = bool(plates) and home in _CHECKPOINTS and rnd() < _DRIVERS
    if by_car:
        hours = 1.0 + rnd() * 4
        plate = plates[0]
        arrive = depart + timedelta(seconds=int(hours * 3600))
        _drive(seen, plate, home, dest, depart, arrive)
    else:
        mode, hours = _mode(rng, city, _CITY[dest])
        arrive = depart + timedelta(seconds=int(hours * 3600))
        tickets.append(_ticket(rng, id_number, mode, city, home, _CITY[dest], dest, depart))
    check_in = arrive + timedelta(minutes=20 + int(rnd() * 100))
    nights = 1 + int(rnd() * 4)
    check_out = (check_in.replace(hour=0, minute=0, second=0) + timedelta(days=nights)) + timedelta(
        seconds=7 * 3600 + int(rnd() * 5 * 3600)
    )
    still_away = check_out >= _END
    if check_in >= _END:
        return DAYS  # the trip would start after the window
    stays.append(_stay(rng, id_number, dest, check_in, None if still_away else check_out))
    if still_away:
        return DAYS
    back = check_out + timedelta(minutes=30 + int(rnd() * 150))
    if back < _END:
        if by_car:
            _drive(seen, plates[0], dest, home, back, back + timedelta(seconds=int(hours * 3600)))
        else:
            tickets.append(_ticket(rng, id_number, mode, _CITY[dest], dest, city, home, back))
    return (back - _START).days


def _drive(
    seen: dict[str, list[tuple[datetime, str, str]]],
    plate: str,
    origin: str,
    dest: str,
    depart: datetime,
    arrive: datetime,
) -> None:
    """Leaving ``origin`` by its highway checkpoint, entering ``dest`` by its own."""
    for region, at in ((origin, depart + timedelta(minutes=12)), (dest, arrive)):
        if region in _HIGHWAY and at < _END:
            seen.setdefault(plate, []).append((at, _HIGHWAY[region], _PLACES[region]))


def _mode(rng: random.Random, city: str, dest_city: str) -> tuple[str, float]:
    """How a trip between two cities is booked, and how long it takes (hours)."""
    rnd = rng.random
    if city == dest_city:
        return "客运", 0.8 + rnd()
    if _PROVINCE[city] == "山东省":
        return ("铁路", 1.5 + rnd() * 2) if rnd() < 0.75 else ("客运", 3 + rnd() * 2)
    return ("航空", 1.2 + rnd()) if rnd() < 0.45 else ("铁路", 3 + rnd() * 5)


def _ticket(
    rng: random.Random,
    id_number: str,
    mode: str,
    city: str,
    region: str,
    dest_city: str,
    dest: str,
    depart: datetime,
) -> dict[str, Any]:
    rnd = rng.random
    depart = depart.replace(minute=depart.minute // 5 * 5, second=0, microsecond=0)
    if mode == "航空":
        number = f"{rng.choice(_AIRLINES)}{1000 + int(rnd() * 9000)}"
        origin, destination = _STATIONS[city][1], _STATIONS[dest_city][1]
    elif mode == "铁路":
        number = f"{'G' if rnd() < 0.8 else 'D'}{100 + int(rnd() * 9000)}"
        origin, destination = rng.choice(_STATIONS[city][0]), rng.choice(_STATIONS[dest_city][0])
    else:
        number = f"{depart:%H%M}班"
        origin, destination = _coach_station(region), _coach_station(dest)
    return {
        "id_number": id_number,
        "departure": depart,
        "mode": mode,
        "number": number,
        "origin": origin,
        "destination": destination,
    }


def _coach_station(region: str) -> str:
    """The city's coach station for its central districts, the county's own elsewhere."""
    _, city, county = REGIONS[region]
    if region in _CENTRAL or _PROVINCE[city] != "山东省":
        return _STATIONS[city][2]
    return f"{county[:-1]}汽车站"


def _stay(
    rng: random.Random, id_number: str, region: str, check_in: datetime, check_out: datetime | None
) -> dict[str, Any]:
    street = rng.choice(STREETS[region])
    _, city, county = REGIONS[region]
    short = county[:-1] if county.endswith("市") else f"{city[:-1]}{county[:-1]}"
    return {
        "id_number": id_number,
        "check_in": check_in,
        "check_out": check_out,
        "hotel": f"{rng.choice(_HOTEL_BRANDS)}（{short}{street}店）",
        "place": f"{_PLACES[region]}{street}{1 + int(rng.random() * 300)}号",
    }
