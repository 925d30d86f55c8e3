"""Synthetic utility data: water, electricity and gas accounts of persons (at their registered
address, and for some who live elsewhere at a second address) and of enterprises (at their
business address), with twelve months of consumption, bills and payments.

Who lives where and which enterprise still runs are drawn here, so that the hub's derived
signals (docs/tax_utilities.md) have something true to find: a person who moved away leaves
their registered address's meters idle; an enterprise that stopped leaves its meters idle.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from connectors.base.world import (
    AS_OF,
    REGIONS,
    STREETS,
    EnterpriseSeed,
    PersonSeed,
    World,
    address_prefix,
    age_on,
)

__all__ = ["IDLE_MONTHS", "PERIODS", "PRICES", "generate", "provider"]

PERIODS = tuple(f"{2025 + (10 + i) // 12}-{(10 + i) % 12 + 1:02d}" for i in range(12))
IDLE_MONTHS = 6  # a person who moved away did so at least this many months ago
# CNY per kWh / m³ (residential, business); synthetic round tariffs.
PRICES: dict[str, tuple[Decimal, Decimal]] = {
    "电": (Decimal("0.5469"), Decimal("0.6500")),
    "水": (Decimal("3.40"), Decimal("4.60")),
    "气": (Decimal("3.05"), Decimal("3.60")),
}
_PREFIX = {"电": "E", "水": "W", "气": "G"}
_SEASON = (1.3, 1.4, 1.3, 1.0, 0.9, 0.9, 1.0, 1.3, 1.4, 1.1, 0.9, 1.0)  # Jan..Dec (电)


def provider(kind: str, region: str) -> str:
    """国网烟台供电公司 / 烟台市自来水有限公司 / 烟台市燃气有限公司."""
    city = REGIONS[region][1]
    return {
        "电": f"国网{city[:-1]}供电公司",
        "水": f"{city}自来水有限公司",
        "气": f"{city}燃气有限公司",
    }[kind]


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


def generate(world: World) -> dict[str, list[dict[str, Any]]]:
    """Rows of both utility tables for ``world``: person by person, then enterprise by
    enterprise, each account with its twelve months."""
    rng = random.Random(f"{world.seed}:utilities")
    out: dict[str, list[dict[str, Any]]] = {"utility_accounts": [], "utility_usage": []}
    serial = [1 + int(rng.random() * 1_000_000)]
    for p in world.persons:
        _person(rng, p, out, serial)
    for e in world.enterprises:
        _enterprise(rng, e, out, serial)
    return out


def _person(
    rng: random.Random, p: PersonSeed, out: dict[str, list[dict[str, Any]]], serial: list[int]
) -> None:
    """A living adult registered here holds the household's accounts in 70 % of cases; one in
    five of those lives elsewhere (the meters at home idle for at least IDLE_MONTHS)."""
    rnd = rng.random
    if p.registration_status != "正常" or age_on(p.birth_date) < 22 or rnd() >= 0.7:
        return
    moved = rnd() < 0.2
    moved_at = len(PERIODS) - IDLE_MONTHS - int(rnd() * IDLE_MONTHS) if moved else len(PERIODS)
    village = "村" in p.registered_address
    kinds = ["电", "水"] + (["气"] if not village and rnd() < 0.65 else [])
    opened = date.fromordinal(
        max(p.birth_date.toordinal() + 22 * 366, date(2000, 1, 1).toordinal()) + int(rnd() * 3000)
    )
    opened = min(opened, AS_OF - timedelta(days=400))
    for kind in kinds:
        _account(
            rng,
            out,
            serial,
            kind,
            p.registered_address,
            p.region,
            ("PERSON", p.id_number, p.name),
            opened,
            active_until=moved_at,
            business=False,
        )
    if moved:
        # Where they live now: a flat elsewhere in the registered city, opened when they moved.
        region = rng.choice(
            [r for r, (_, city, _) in REGIONS.items() if city == REGIONS[p.region][1]]
        )
        address = (
            f"{address_prefix(region)}{rng.choice(STREETS[region])}{int(rnd() * 300) + 1}号"
            f"{int(rnd() * 12) + 1}号楼{int(rnd() * 3) + 1}单元{int(rnd() * 18) + 1}0{int(rnd() * 4) + 1}室"
        )
        for kind in ("电", "水"):
            _account(
                rng,
                out,
                serial,
                kind,
                address,
                region,
                ("PERSON", p.id_number, p.name),
                AS_OF - timedelta(days=400),
                active_until=len(PERIODS),
                business=False,
            )


def _enterprise(
    rng: random.Random, e: EnterpriseSeed, out: dict[str, list[dict[str, Any]]], serial: list[int]
) -> None:
    """An enterprise not cancelled has electricity and water at its business address (gas for
    some); one in seven still registered has stopped (idle for the last 4-9 months), a revoked
    one stopped before the twelve months."""
    rnd = rng.random
    if e.status == "注销":
        return
    if e.status == "吊销":
        until = 0
    elif rnd() < 0.15:
        until = len(PERIODS) - 4 - int(rnd() * 6)
    else:
        until = len(PERIODS)
    opened = min(e.established_on + timedelta(days=int(rnd() * 60)), AS_OF - timedelta(days=400))
    holder = ("ENTERPRISE", e.uscc, e.name)
    kinds = ["电", "水"] + (["气"] if rnd() < 0.3 else [])
    for kind in kinds:
        _account(
            rng,
            out,
            serial,
            kind,
            e.address,
            e.region,
            holder,
            opened,
            active_until=until,
            business=True,
            scale=1 + int(e.registered_capital) / 200,
        )


def _account(
    rng: random.Random,
    out: dict[str, list[dict[str, Any]]],
    serial: list[int],
    kind: str,
    address: str,
    region: str,
    holder: tuple[str, str, str],
    opened: date,
    *,
    active_until: int,
    business: bool,
    scale: float = 1.0,
) -> None:
    """One account and its twelve months: in use before ``active_until`` (a period index),
    nearly nothing after; one in sixteen has its last 1-4 bills unpaid (欠费)."""
    rnd = rng.random
    serial[0] += 1 + int(rnd() * 7)
    number = f"{_PREFIX[kind]}{region}{serial[0]:010d}"
    price = PRICES[kind][1 if business else 0]
    base = {"电": 80 + rnd() * 220, "水": 3 + rnd() * 9, "气": 6 + rnd() * 30}[kind] * scale
    if business:
        base *= {"电": 12, "水": 5, "气": 8}[kind]
    unpaid_from = len(PERIODS) - 1 - int(rnd() * 4) if rnd() < 1 / 16 else len(PERIODS)
    arrears = Decimal("0.00")
    for i, period in enumerate(PERIODS):
        month = int(period[5:])
        if i < active_until:
            amount = base * (_SEASON[month - 1] if kind != "水" else 1.0) * (0.85 + rnd() * 0.3)
        else:
            amount = rnd() * {"电": 4, "水": 0.3, "气": 0.0}[kind]  # standby, a dripping tap
        consumption = Decimal(str(round(amount, 2))).quantize(Decimal("0.01"))
        due = _money(consumption * price)
        paid = Decimal("0.00") if i >= unpaid_from else due
        arrears += due - paid
        out["utility_usage"].append(
            {
                "account_number": number,
                "period": period,
                "consumption": consumption,
                "amount_due": due,
                "amount_paid": paid,
            }
        )
    out["utility_accounts"].append(
        {
            "account_number": number,
            "provider": provider(kind, region),
            "kind": kind,
            "address": address,
            "holder_kind": holder[0],
            "holder_id": holder[1],
            "holder_name": holder[2],
            "opened_on": opened,
            "status": "正常" if active_until > 0 else "停用",
            "arrears": arrears,
        }
    )
