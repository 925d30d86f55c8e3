"""The derived signals (docs/tax_utilities.md, "Derived signals"), from made-up meters."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from hub.signals.service import in_arrears, lives_at, operating

HOME = "山东省烟台市芝罘区南大街1号1号楼1单元101室"
ELSEWHERE = "山东省烟台市莱山区观海路2号2号楼1单元201室"


@dataclass
class Month:
    period: str
    consumption: Decimal


@dataclass
class Meter:
    kind: str
    address: str
    usage: list[Month] = field(default_factory=list)


@dataclass
class Owed:
    amount: Decimal


def meter(kind: str, address: str, *readings: str) -> Meter:
    months = [f"2026-{m:02d}" for m in range(11 - len(readings), 11)]
    return Meter(kind, address, [Month(p, Decimal(r)) for p, r in zip(months, readings, strict=True)])


def test_an_enterprise_operates_when_a_meter_ran_in_the_last_three_months() -> None:
    # given electricity that ran all year, and one that stopped three months ago
    running = meter("电", HOME, "900", "850", "40", "31", "35")
    stopped = meter("电", HOME, "900", "850", "2", "1", "3")
    # then
    assert operating([running]) is True
    assert operating([stopped]) is False
    assert operating([stopped, running]) is True
    # and with no meter nothing is known
    assert operating([]) is None


def test_the_threshold_is_the_mean_of_three_months_above_the_kind_limit() -> None:
    # 30 kWh a month exactly is not "above"; water's limit is 1 m³
    assert operating([meter("电", HOME, "30", "30", "30")]) is False
    assert operating([meter("电", HOME, "0", "0", "91")]) is True
    assert operating([meter("水", HOME, "0.5", "1.5", "1.2")]) is True
    assert operating([meter("气", HOME, "0", "0", "0")]) is False


def test_a_person_lives_at_the_registered_address_when_a_meter_there_runs() -> None:
    # given a meter at home in use (held by anyone) and the person's own meter elsewhere
    home = meter("水", HOME, "6", "7", "5")
    own = meter("电", ELSEWHERE, "200", "180", "190")
    # then home in use wins
    assert lives_at(HOME, [home], [own]) is True


def test_idle_meters_at_home_or_only_meters_elsewhere_say_no() -> None:
    idle = meter("电", HOME, "3", "2", "1")
    own = meter("电", ELSEWHERE, "200", "180", "190")
    assert lives_at(HOME, [idle], []) is False
    assert lives_at(HOME, [], [own]) is False


def test_nothing_known_is_null() -> None:
    assert lives_at(HOME, [], []) is None
    assert lives_at(None, [], [meter("电", ELSEWHERE, "200")]) is None


def test_in_arrears_is_any_amount_owed() -> None:
    assert in_arrears([Owed(Decimal("0.01"))]) is True
    assert in_arrears([Owed(Decimal("0.00"))]) is False
    assert in_arrears([]) is False
