"""The shared synthetic world: determinism, valid identifiers, consistent links between subjects."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from connectors.base.identifiers import (
    birth_date_of_id_number,
    gender_of_id_number,
    validate_id_number,
    validate_uscc,
)
from connectors.base.world import (
    REGIONS,
    World,
    address_prefix,
    build_world,
    is_working_age,
    market_authority,
    police_authority,
)

PERSONS = 400
SEED = 2026


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(SEED, PERSONS)


def test_same_seed_builds_an_identical_world(world: World) -> None:
    # given the seed and sizes of an existing world
    # when the world is built again
    again = build_world(SEED, PERSONS)
    # then every person and enterprise is identical
    assert again == world


def test_another_seed_builds_another_world(world: World) -> None:
    # given a different seed
    # when a world of the same size is built
    other = build_world(SEED + 1, PERSONS)
    # then its population differs
    assert [p.id_number for p in other.persons] != [p.id_number for p in world.persons]
    assert [e.uscc for e in other.enterprises] != [e.uscc for e in world.enterprises]


def test_sizes_follow_the_arguments() -> None:
    # given / when worlds with and without an explicit enterprise count
    default = build_world(1, 120)
    explicit = build_world(1, 60, enterprises=17)
    # then the default is a tenth of the persons, at least five
    assert len(default.persons) == 120
    assert len(default.enterprises) == 12
    assert len(build_world(1, 20).enterprises) == 5
    assert len(explicit.enterprises) == 17


def test_id_numbers_are_valid_unique_and_agree_with_the_person(world: World) -> None:
    # given the persons of the world
    numbers = [p.id_number for p in world.persons]
    # then every ID number validates, is unique and encodes the person's region, birth and gender
    assert len(set(numbers)) == len(numbers)
    for p in world.persons:
        assert validate_id_number(p.id_number) == p.id_number
        assert p.id_number[:6] == p.region
        assert birth_date_of_id_number(p.id_number) == p.birth_date
        assert gender_of_id_number(p.id_number) == p.gender
        assert date(1950, 1, 1) <= p.birth_date <= date(2004, 12, 31)


def test_person_attributes_are_realistic(world: World) -> None:
    # given the persons of the world
    persons = world.persons
    # then names, addresses, phones and authorities have the usual shapes
    for p in persons:
        assert p.region in REGIONS
        assert 2 <= len(p.name) <= 4
        assert p.gender in ("男", "女")
        assert p.ethnicity.endswith("族")
        assert p.registered_address.startswith(address_prefix(p.region))
        assert p.issuing_authority == police_authority(p.region)
        assert re.fullmatch(r"1[3-9]\d{9}", p.phone)
        assert p.registration_status in ("正常", "迁出", "死亡")
        assert 0 <= p.properties <= 3 and 0 <= p.vehicles <= 2 and 0 <= p.qualifications <= 2
    # and most persons are registered in Yantai and are 汉族
    yantai = sum(p.region.startswith("3706") for p in persons)
    assert yantai > len(persons) * 0.5
    assert sum(p.ethnicity == "汉族" for p in persons) > len(persons) * 0.85
    assert sum(p.registration_status == "正常" for p in persons) > len(persons) * 0.85


def test_usccs_are_valid_and_unique(world: World) -> None:
    # given the enterprises of the world
    codes = [e.uscc for e in world.enterprises]
    # then every USCC validates, names the enterprise's region and is unique
    assert len(set(codes)) == len(codes)
    for e in world.enterprises:
        assert validate_uscc(e.uscc) == e.uscc
        assert e.uscc[2:8] == e.region


def test_enterprise_attributes_are_realistic(world: World) -> None:
    # given the enterprises of the world
    names = [e.name for e in world.enterprises]
    # then names are unique and read like company names, with the right authorities
    assert len(set(names)) == len(names)
    for e in world.enterprises:
        assert e.name.endswith("有限公司")
        assert e.registration_authority == market_authority(e.region)
        assert e.address.startswith(address_prefix(e.region))
        assert e.status in ("存续", "在业", "吊销", "注销")
        assert e.registered_capital > 0
        assert 0 <= e.properties <= 2 and 0 <= e.vehicles <= 3


def test_enterprise_people_are_persons_of_the_world(world: World) -> None:
    # given the enterprises and persons of the world
    n_persons, n_enterprises = len(world.persons), len(world.enterprises)
    for i, e in enumerate(world.enterprises):
        # then the legal representative and key personnel are persons
        assert 0 <= e.legal_rep < n_persons
        assert all(0 <= p < n_persons for p, _ in e.key_personnel)
        assert e.key_personnel and e.key_personnel[0][0] == e.legal_rep
        # and shareholders are persons or other enterprises, never the enterprise itself
        for kind, index, _, _ in e.shareholders:
            assert kind in ("PERSON", "ENTERPRISE")
            if kind == "PERSON":
                assert 0 <= index < n_persons
            else:
                assert 0 <= index < n_enterprises and index != i
        # and the founders were adults when the enterprise was established
        founders = [world.persons[e.legal_rep]] + [
            world.persons[idx] for kind, idx, _, _ in e.shareholders if kind == "PERSON"
        ]
        assert all(p.birth_date.year + 18 <= e.established_on.year for p in founders)


def test_some_enterprises_are_held_by_other_enterprises(world: World) -> None:
    # given the enterprises of the world
    held = [e for e in world.enterprises if any(k == "ENTERPRISE" for k, *_ in e.shareholders)]
    # then a minority (about 15 %) has a corporate shareholder
    assert 0 < len(held) < len(world.enterprises) * 0.35


def test_share_ratios_sum_to_one_and_capital_adds_up(world: World) -> None:
    # given the shareholders of every enterprise
    for e in world.enterprises:
        ratios = [ratio for _, _, ratio, _ in e.shareholders]
        # then the ratios have four places and sum to exactly 1
        assert all(r.as_tuple().exponent == -4 and r > 0 for r in ratios)
        assert sum(ratios) == Decimal("1.0000")
        # and the subscribed capital adds up to the registered capital
        assert sum(sub for *_, sub in e.shareholders) == e.registered_capital


def test_most_working_age_persons_have_an_active_employer(world: World) -> None:
    # given the working-age persons of the world
    workers = [p for p in world.persons if is_working_age(p)]
    employed = [p for p in workers if p.employer is not None]
    # then about three quarters are employed, by enterprises that are in business
    assert 0.65 < len(employed) / len(workers) < 0.9
    for p in world.persons:
        if p.employer is not None:
            assert world.enterprises[p.employer].status in ("存续", "在业")
        else:
            # and only employed persons have a housing fund account
            assert not p.housing_fund
    assert any(p.housing_fund for p in employed)
