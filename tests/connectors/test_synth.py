"""The agency and court generators: determinism, cross-agency links, formats, and the SQLite load."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, create_engine, func, select

from connectors.base.identifiers import validate_id_number, validate_uscc
from connectors.base.seeding import write_tables
from connectors.base.world import AS_OF, REGIONS, World, age_on, build_world
from connectors.market_supervision import models as market_models
from connectors.market_supervision import synth as market_synth
from connectors.public_security import models as police_models
from connectors.public_security import synth as police_synth
from connectors.real_estate import models as estate_models
from connectors.real_estate import synth as estate_synth
from connectors.social_security import models as social_models
from connectors.social_security import synth as social_synth
from connectors.tax import models as tax_models
from connectors.tax import synth as tax_synth
from connectors.utilities import models as utilities_models
from connectors.utilities import synth as utilities_synth
from hub.cases import models as _cases_models  # noqa: F401  (registers the court tables)
from hub.db.metadata import metadata as hub_metadata
from hub.demo import court_data
from hub.sanctions import models as _sanctions_models  # noqa: F401

Rows = dict[str, list[dict[str, Any]]]
GENERATORS: dict[str, tuple[Callable[[World], Rows], MetaData]] = {
    "public_security": (police_synth.generate, police_models.metadata),
    "real_estate": (estate_synth.generate, estate_models.metadata),
    "market_supervision": (market_synth.generate, market_models.metadata),
    "social_security": (social_synth.generate, social_models.metadata),
    "tax": (tax_synth.generate, tax_models.metadata),
    "utilities": (utilities_synth.generate, utilities_models.metadata),
    "court": (court_data.generate, hub_metadata),
}
SEED = 31
PERSONS = 400


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(SEED, PERSONS)


@pytest.fixture(scope="module")
def data(world: World) -> dict[str, Rows]:
    return {name: generate(world) for name, (generate, _) in GENERATORS.items()}


@pytest.fixture(scope="module")
def person_ids(world: World) -> set[str]:
    return {p.id_number for p in world.persons}


@pytest.fixture(scope="module")
def usccs(world: World) -> set[str]:
    return {e.uscc for e in world.enterprises}


# --- determinism ----------------------------------------------------------------------------


@pytest.mark.parametrize("agency", list(GENERATORS))
def test_same_world_gives_identical_rows(agency: str, data: dict[str, Rows]) -> None:
    # given a world rebuilt from the same seed
    generate, _ = GENERATORS[agency]
    # when the generator runs on it again
    again = generate(build_world(SEED, PERSONS))
    # then it produces exactly the same rows
    assert again == data[agency]


@pytest.mark.parametrize("agency", list(GENERATORS))
def test_another_seed_gives_other_rows(agency: str, data: dict[str, Rows]) -> None:
    # given a world of another seed
    generate, _ = GENERATORS[agency]
    # when the generator runs on it
    other = generate(build_world(SEED + 1, PERSONS))
    # then the rows differ
    assert other != data[agency]


@pytest.mark.parametrize("agency", list(GENERATORS))
def test_rows_name_real_columns_and_skip_autoincrement_ids(
    agency: str, data: dict[str, Rows]
) -> None:
    # given the rows of an agency and its tables
    _, metadata = GENERATORS[agency]
    for name, rows in data[agency].items():
        table = metadata.tables[name]
        columns = {c.name for c in table.columns}
        required = {
            c.name
            for c in table.columns
            if not c.nullable and not (c.primary_key and c.autoincrement is True)
        }
        for row in rows:
            # then every row uses only the table's columns and fills every required one
            assert set(row) <= columns, name
            assert required <= set(row), name
        # and autoincrement ids are left to the database (the court's ids are explicit)
        if "id" in columns and agency != "court" and table.c.id.autoincrement is True:
            assert all("id" not in row for row in rows)


# --- public security ------------------------------------------------------------------------


def test_one_resident_per_person(world: World, data: dict[str, Rows]) -> None:
    # given the residents table
    residents = data["public_security"]["residents"]
    # then it holds every person of the world once, with their registration data
    assert [r["id_number"] for r in residents] == [p.id_number for p in world.persons]
    for r, p in zip(residents, world.persons, strict=True):
        assert (r["name"], r["gender"], r["birth_date"]) == (p.name, p.gender, p.birth_date)
        assert r["registration_status"] == p.registration_status


def test_vehicles_belong_to_subjects_and_have_unique_plates_and_vins(
    world: World, data: dict[str, Rows], person_ids: set[str], usccs: set[str]
) -> None:
    # given the vehicles
    vehicles = data["public_security"]["vehicles"]
    # then there are as many as the world's persons and enterprises own
    expected = sum(p.vehicles for p in world.persons) + sum(e.vehicles for e in world.enterprises)
    assert len(vehicles) == expected
    # and every owner exists in the world, with the matching kind
    for v in vehicles:
        owners = person_ids if v["owner_kind"] == "PERSON" else usccs
        assert v["owner_id"] in owners
        assert re.fullmatch(r"[鲁京辽苏黑冀豫][A-Z][A-HJ-NP-Z0-9]{5,6}", v["plate"])
        assert re.fullmatch(r"[A-HJ-NPR-Z0-9]{17}", v["vin"])
        assert v["status"] in ("NORMAL", "MORTGAGED", "SEIZED", "STOLEN")
    assert len({v["plate"] for v in vehicles}) == len(vehicles)
    assert len({v["vin"] for v in vehicles}) == len(vehicles)
    statuses = Counter(v["status"] for v in vehicles)
    assert statuses["NORMAL"] > len(vehicles) * 0.7


# --- real estate ------------------------------------------------------------------------------


UNIT_NUMBER = re.compile(r"\d{6}\d{3}\d{3}[GJZ][A-Z]\d{5}F\d{4}\d{4}")


def test_unit_numbers_have_the_28_character_layout_and_are_unique(
    data: dict[str, Rows],
) -> None:
    # given the units
    units = data["real_estate"]["units"]
    numbers = [u["unit_number"] for u in units]
    # then every unit number is 28 characters in the 不动产单元号 layout, and unique
    assert all(len(n) == 28 and UNIT_NUMBER.fullmatch(n) for n in numbers)
    assert len(set(numbers)) == len(numbers)
    # and certificate numbers have the registry's form and are unique
    certificates = [u["certificate_number"] for u in units]
    assert all(re.fullmatch(r".（\d{4}）.+不动产权第\d{7}号", c) for c in certificates)
    assert len(set(certificates)) == len(certificates)


def test_unit_owners_exist_and_shares_add_up(
    world: World, data: dict[str, Rows], person_ids: set[str], usccs: set[str]
) -> None:
    # given the units and their owners
    estate = data["real_estate"]
    kinds = {u["unit_number"]: u["ownership_kind"] for u in estate["units"]}
    shares: dict[str, list[Decimal]] = defaultdict(list)
    for o in estate["owners"]:
        # then every owner exists in the world
        assert o["owner_id"] in (person_ids if o["owner_kind"] == "PERSON" else usccs)
        shares[o["unit_number"]].append(o["share"])
    # and every unit has owners whose shares fit the kind of ownership
    assert set(shares) == set(kinds)
    for number, kind in kinds.items():
        if kind == "按份共有":
            assert len(shares[number]) == 2 and sum(shares[number]) == Decimal("1.0000")
        elif kind == "共同共有":
            assert shares[number] == [Decimal("1.0000")] * 2
        else:
            assert kind == "单独所有" and shares[number] == [Decimal("1.0000")]
    # and the first owners account for the properties the world gives out
    expected = sum(p.properties for p in world.persons) + sum(
        e.properties for e in world.enterprises
    )
    assert len(kinds) == expected
    co_owned = sum(k != "单独所有" for k in kinds.values())
    assert 0 < co_owned < len(kinds) * 0.4


def test_mortgages_and_seizures_annotate_existing_units(data: dict[str, Rows]) -> None:
    # given the mortgages and seizures
    estate = data["real_estate"]
    numbers = {u["unit_number"] for u in estate["units"]}
    # then each refers to an existing unit with a consistent term
    for m in estate["mortgages"]:
        assert m["unit_number"] in numbers
        assert m["term_start"] < m["term_end"] and m["secured_amount"] > 0
        assert m["mortgagee"].endswith(("分行", "有限公司"))
    assert 0.2 < len(estate["mortgages"]) / len(numbers) < 0.5
    for s in estate["seizures"]:
        assert s["unit_number"] in numbers
        assert re.fullmatch(r"（\d{4}）鲁06\d{2}执\d+号", s["case_number"])
        assert s["document_number"] == s["case_number"] + "之一"
        assert s["kind"] == "SEIZE" and s["rank"] in (1, 2)
        assert s["status"] in ("EFFECTIVE", "WAITING", "EXPIRED")
    effective = [s for s in estate["seizures"] if s["status"] == "EFFECTIVE"]
    assert len({s["unit_number"] for s in effective}) == len(effective)


def test_the_registers_hold_no_measure_in_effect_past_its_end(data: dict[str, Rows]) -> None:
    """查封规定 (法释〔2004〕15号, 2020 修正) 第二十七条: "查封、扣押、冻结期限届满，人民法院未办理
    延期手续的，查封、扣押、冻结的效力消灭。" 第二十六条: "查封、扣押、冻结解除的，登记在先的轮候
    查封、扣押、冻结即自动生效。" 民诉法解释 第四百八十五条: "查封、扣押动产的期限不得超过两年，
    查封不动产、冻结其他财产权的期限不得超过三年。" """
    # given the registers of seizures as of the synthetic data's day
    estate = data["real_estate"]["seizures"]
    vehicles = data["public_security"]["vehicle_seizures"]
    stakes = data["market_supervision"]["equity_freezes"]
    assert estate and vehicles and stakes
    for rows, years in ((estate, 3), (vehicles, 2), (stakes, 3)):
        for s in rows:
            # then nothing is in effect past its end: it lapsed (EXPIRED)
            if s["status"] == "EFFECTIVE":
                assert s["start_date"] <= AS_OF <= s["end_date"], s
            # and every term that ran is the class's, in calendar years, the start counted
            if s["status"] in ("EFFECTIVE", "EXPIRED"):
                start = s["start_date"]
                if (start.month, start.day) == (2, 29):
                    anniversary = date(start.year + years, 3, 1)
                else:
                    anniversary = start.replace(year=start.year + years)
                assert s["end_date"] == anniversary - timedelta(days=1), s
            # and a waiting seizure has no term yet
            if s["status"] == "WAITING":
                assert s["end_date"] is None
    # and a unit's waiting seizure waits behind one in effect: a lapsed one passed it on
    by_unit: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in estate:
        by_unit[s["unit_number"]].append(s)
    for unit_rows in by_unit.values():
        statuses = [s["status"] for s in sorted(unit_rows, key=lambda s: s["rank"])]
        assert statuses in (
            ["EFFECTIVE"],
            ["EXPIRED"],
            ["EFFECTIVE", "WAITING"],
            ["EXPIRED", "EFFECTIVE"],
            ["EXPIRED", "EXPIRED"],
        ), statuses
        if statuses == ["EXPIRED", "EFFECTIVE"]:
            first, second = sorted(unit_rows, key=lambda s: s["rank"])
            assert second["start_date"] >= first["end_date"] + timedelta(days=1)
    assert any(s["status"] == "EXPIRED" for s in estate)


def test_a_frozen_stake_is_frozen_in_the_register(data: dict[str, Rows]) -> None:
    # given the stakes and market supervision's register of freezes
    market = data["market_supervision"]
    frozen = {s["stake_id"] for s in market["shareholders"] if s["freeze_status"] == "FROZEN"}
    in_effect = {f["stake_id"] for f in market["equity_freezes"] if f["status"] == "EFFECTIVE"}
    # then a stake is FROZEN exactly while a freeze on it is in effect
    assert market["equity_freezes"]
    assert frozen == in_effect
    assert all(f["kind"] == "FREEZE" for f in market["equity_freezes"])


def test_a_seized_vehicle_is_seized_in_the_register(data: dict[str, Rows]) -> None:
    # given the vehicles and public security's register of seizures
    police = data["public_security"]
    seized = {v["plate"] for v in police["vehicles"] if v["status"] == "SEIZED"}
    register = police["vehicle_seizures"]
    # then every SEIZED vehicle has exactly the one seizure in effect that seized it
    assert seized and sorted(s["plate"] for s in register) == sorted(seized)
    assert all(s["status"] == "EFFECTIVE" and s["rank"] == 1 for s in register)
    # and it goes back to NORMAL when that seizure ends
    for v in police["vehicles"]:
        assert v["status_before_seizure"] == ("NORMAL" if v["plate"] in seized else None)


def test_movements_are_of_living_registered_persons_and_registered_vehicles(
    world: World, data: dict[str, Rows]
) -> None:
    # given public security's records of stays, bookings and checkpoint passages
    police = data["public_security"]
    living = {r["id_number"] for r in police["residents"] if r["registration_status"] != "死亡"}
    plates = {v["plate"] for v in police["vehicles"]}
    travellers = {r["id_number"] for r in police["accommodations"]} | {
        r["id_number"] for r in police["bookings"]
    }
    # then every record names a living registered person or a registered vehicle
    assert police["accommodations"] and police["bookings"] and police["passages"]
    assert travellers <= living
    assert {p["plate"] for p in police["passages"]} <= plates
    # and only some persons have any: neither nobody nor everybody
    assert 0.1 * len(world.persons) < len(travellers) < 0.6 * len(world.persons)
    # and the register's keys are unique (person and time, plate and time)
    for table, key in (("accommodations", "check_in"), ("bookings", "departure")):
        pairs = [(r["id_number"], r[key]) for r in police[table]]
        assert len(pairs) == len(set(pairs)), table
    pairs = [(p["plate"], p["passed_at"]) for p in police["passages"]]
    assert len(pairs) == len(set(pairs))


def test_movements_fall_in_the_90_days_before_the_seed_date_in_shandong(
    data: dict[str, Rows],
) -> None:
    # given the records and the window: the 90 days before AS_OF (midnight starting AS_OF)
    police = data["public_security"]
    end = datetime(AS_OF.year, AS_OF.month, AS_OF.day)
    start = end - timedelta(days=90)
    times = (
        [r["check_in"] for r in police["accommodations"]]
        + [r["check_out"] for r in police["accommodations"] if r["check_out"] is not None]
        + [r["departure"] for r in police["bookings"]]
        + [p["passed_at"] for p in police["passages"]]
    )
    # then every time is in the window, to the second
    assert all(start <= t < end and t.microsecond == 0 for t in times)
    # and stays are in Shandong, end after they begin, and a few are still going on AS_OF
    stays = police["accommodations"]
    assert all(r["place"].startswith("山东省") for r in stays)
    assert all(r["check_out"] is None or r["check_out"] > r["check_in"] for r in stays)
    assert any(r["check_out"] is None for r in stays)
    # and checkpoints are in Shandong, bookings of the three modes
    assert all(p["place"].startswith("山东省") for p in police["passages"])
    assert {r["mode"] for r in police["bookings"]} == {"航空", "铁路", "客运"}


def test_travel_starts_from_the_registered_address(world: World, data: dict[str, Rows]) -> None:
    # given each person's registered county, by the world's GB/T 2260 code
    home = {p.id_number: REGIONS[p.region] for p in world.persons}
    police = data["public_security"]
    first: dict[str, dict[str, Any]] = {}
    for r in police["bookings"]:
        if r["id_number"] not in first or r["departure"] < first[r["id_number"]]["departure"]:
            first[r["id_number"]] = r
    # then a person's first booking leaves from their own city or county
    assert first
    for id_number, r in first.items():
        _, city, county = home[id_number]
        assert city[:-1] in r["origin"] or county[:-1] in r["origin"], (r, city, county)
    # and nobody stays in a hotel of their own county
    for r in police["accommodations"]:
        province, city, county = home[r["id_number"]]
        assert not r["place"].startswith(f"{province}{city}{county}"), r


def test_vehicles_are_seen_near_their_owners_home(world: World, data: dict[str, Rows]) -> None:
    # given the vehicles of persons registered outside Shandong
    police = data["public_security"]
    region = {p.id_number: p.region for p in world.persons} | {
        e.uscc: e.region for e in world.enterprises
    }
    outside = {
        v["plate"] for v in police["vehicles"] if REGIONS[region[v["owner_id"]]][0] != "山东省"
    }
    owner_city = {v["plate"]: REGIONS[region[v["owner_id"]]][1] for v in police["vehicles"]}
    # then they are never seen near a home they do not have in Shandong, and most passages of
    # a Shandong vehicle are in its owner's city
    passages = police["passages"]
    assert not {p["plate"] for p in passages} & outside
    at_home = sum(owner_city[p["plate"]] in p["place"] for p in passages)
    assert at_home > len(passages) / 2


# --- market supervision -----------------------------------------------------------------------


def test_registered_people_and_holders_exist(
    data: dict[str, Rows], person_ids: set[str], usccs: set[str]
) -> None:
    # given the market-supervision rows
    market = data["market_supervision"]
    # then enterprises, legal representatives, key personnel and holders all exist in the world
    assert {e["uscc"] for e in market["enterprises"]} == usccs
    assert all(e["legal_representative_id"] in person_ids for e in market["enterprises"])
    assert all(k["id_number"] in person_ids for k in market["key_personnel"])
    ratios: dict[str, Decimal] = defaultdict(Decimal)
    for s in market["shareholders"]:
        assert s["holder_id"] in (person_ids if s["holder_kind"] == "PERSON" else usccs)
        assert s["holder_id"] != s["uscc"]
        assert re.fullmatch(re.escape(s["uscc"]) + r"-\d{2}", s["stake_id"])
        ratios[s["uscc"]] += s["ratio"]
    # and the ratios of every enterprise sum to exactly 1
    assert set(ratios) == usccs
    assert all(total == Decimal("1.0000") for total in ratios.values())
    assert len({s["stake_id"] for s in market["shareholders"]}) == len(market["shareholders"])


def test_licences_penalties_and_lists_are_unique_and_refer_to_enterprises(
    data: dict[str, Rows], usccs: set[str]
) -> None:
    # given licences, penalties and the two lists
    market = data["market_supervision"]
    licences = market["licences"]
    # then every row refers to an enterprise and numbers are unique
    for table in ("licences", "penalties", "abnormal_operations", "serious_violations"):
        assert all(row["uscc"] in usccs for row in market[table]), table
    assert len({li["licence_number"] for li in licences}) == len(licences)
    numbers = [p["decision_number"] for p in market["penalties"]]
    assert len(set(numbers)) == len(numbers)
    assert all(re.fullmatch(r".{1,2}市监处罚〔\d{4}〕\d+号", n) for n in numbers)
    assert all(li["valid_from"] < li["valid_to"] for li in licences)
    for row in market["abnormal_operations"]:
        assert (row["removed_on"] is None) == (row["removal_reason"] is None)
        assert row["removed_on"] is None or row["removed_on"] > row["listed_on"]


# --- social security --------------------------------------------------------------------------


def test_insurance_follows_employment(world: World, data: dict[str, Rows], usccs: set[str]) -> None:
    # given the insurance records
    social = data["social_security"]
    by_person: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in social["insurance_records"]:
        by_person[r["id_number"]].append(r)
    names = {e.uscc: e.name for e in world.enterprises}
    for p in world.persons:
        records = by_person.get(p.id_number, [])
        if p.employer is None:
            # then persons without an employer have none
            assert records == []
            continue
        # and employed persons have the five insurances with their employer
        employer = world.enterprises[p.employer]
        assert sorted(r["kind"] for r in records) == sorted(
            ("PENSION", "MEDICAL", "UNEMPLOYMENT", "INJURY", "MATERNITY")
        )
        for r in records:
            assert r["employer_uscc"] == employer.uscc and r["employer_name"] == employer.name
            assert Decimal(3500) <= r["contribution_base"] <= Decimal(25000)
            # with no more months paid than since the 18th birthday
            assert 1 <= r["months_paid"] <= (age_on(p.birth_date) - 17) * 12
            assert r["last_paid_month"] <= "2026-10"
            if r["status"] == "正常参保":
                assert r["last_paid_month"] == "2026-10"
    assert all(r["employer_uscc"] in names for r in social["insurance_records"])


def test_housing_funds_qualifications_and_employer_figures(
    world: World, data: dict[str, Rows], person_ids: set[str], usccs: set[str]
) -> None:
    # given the other social-security tables
    social = data["social_security"]
    funds = social["housing_fund_accounts"]
    # then housing fund accounts belong to the employed persons flagged for one
    holders = {p.id_number for p in world.persons if p.housing_fund and p.employer is not None}
    assert {f["id_number"] for f in funds} == holders
    assert all(re.fullmatch(r"\d{12,20}", f["account_number"]) for f in funds)
    assert len({f["account_number"] for f in funds}) == len(funds)
    assert all(f["employer_uscc"] in usccs for f in funds)
    # and qualifications belong to persons and have unique certificates
    quals = social["qualifications"]
    assert all(q["id_number"] in person_ids for q in quals)
    assert len({q["certificate_number"] for q in quals}) == len(quals)
    # and each enterprise reports exactly its employees
    employees = Counter(
        world.enterprises[p.employer].uscc for p in world.persons if p.employer is not None
    )
    rows = social["enterprise_insurance"]
    assert {r["uscc"] for r in rows} == usccs
    assert all(r["insured_employees"] == employees.get(r["uscc"], 0) for r in rows)


# --- court ----------------------------------------------------------------------------------------


CASE_NUMBER = re.compile(r"（(20\d{2})）鲁06(02|12|13)执\d+号")


def test_cases_are_well_formed(world: World, data: dict[str, Rows]) -> None:
    # given the court's cases
    court = data["court"]
    cases = court["cases"]
    # then there are max(30, persons / 20) of them, numbered uniquely in the court's form
    assert len(cases) == max(30, len(world.persons) // 20)
    assert len({c["case_number"] for c in cases}) == len(cases)
    assert [c["id"] for c in cases] == list(range(1, len(cases) + 1))
    for c in cases:
        match = CASE_NUMBER.fullmatch(c["case_number"])
        assert match and match.group(2) == c["court_code"][4:]
        assert int(match.group(1)) == c["filed_on"].year
        assert 2023 <= c["filed_on"].year <= 2026 and c["filed_on"] <= AS_OF
        assert (c["status"] == "CLOSED") == (c["closed_on"] is not None)
        assert c["closed_on"] is None or c["closed_on"] > c["filed_on"]
        assert Decimal(5000) <= c["amount"] <= Decimal(5_000_000)
    assert Counter(c["court_code"] for c in cases).most_common(1)[0][0] == "370602"
    assert {u["id"] for u in court["users"]} >= {"judge-zhang", "judge-zhou", "judge-li"}


def test_case_parties_exist_in_the_world(
    data: dict[str, Rows], person_ids: set[str], usccs: set[str]
) -> None:
    # given the parties of every case
    court = data["court"]
    by_case: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for party in court["case_parties"]:
        # then every party is a person or an enterprise of the world
        assert party["subject_id"] in (person_ids if party["subject_kind"] == "PERSON" else usccs)
        by_case[party["case_id"]].append(party)
    # and every case has one applicant and one or two respondents
    for case in court["cases"]:
        roles = [p["role"] for p in by_case[case["id"]]]
        assert roles.count("申请执行人") == 1 and 1 <= roles.count("被执行人") <= 2
        ids = [p["subject_id"] for p in by_case[case["id"]]]
        assert len(set(ids)) == len(ids)
    for subject in court["case_parties"]:
        if subject["subject_kind"] == "PERSON":
            validate_id_number(subject["subject_id"])
        else:
            validate_uscc(subject["subject_id"])


def test_judge_zhang_has_rich_demo_cases(world: World, data: dict[str, Rows]) -> None:
    # given judge-zhang's open cases and their first respondent
    court = data["court"]
    persons = {p.id_number: p for p in world.persons}
    mine = {j["case_id"] for j in court["case_judges"] if j["judge_id"] == "judge-zhang"}
    open_cases = {c["id"] for c in court["cases"] if c["status"] == "OPEN" and c["id"] in mine}
    first: dict[int, dict[str, Any]] = {}
    for party in court["case_parties"]:
        if party["role"] == "被执行人" and party["case_id"] in open_cases:
            first.setdefault(party["case_id"], party)
    # then at least 10 are persons with property, a vehicle, an employer and a housing fund
    rich = [
        p
        for p in first.values()
        if p["subject_kind"] == "PERSON"
        and (s := persons[p["subject_id"]]).properties
        and s.vehicles
        and s.employer is not None
        and s.housing_fund
    ]
    assert len(rich) >= 10
    # and at least 3 are enterprises
    assert sum(p["subject_kind"] == "ENTERPRISE" for p in first.values()) >= 3


def test_judges_follow_the_court(data: dict[str, Rows]) -> None:
    # given the judge of every case
    court = data["court"]
    courts = {c["id"]: c["court_code"] for c in court["cases"]}
    allowed = {
        "370602": {"judge-zhang", "judge-zhou"},
        "370612": {"judge-li"},
        "370613": {"judge-wu"},
    }
    # then each case has exactly one 承办人 of its court
    assert sorted(j["case_id"] for j in court["case_judges"]) == sorted(courts)
    for j in court["case_judges"]:
        assert j["role"] == "承办人" and j["judge_id"] in allowed[courts[j["case_id"]]]


def test_sanction_entries_cite_open_cases_of_their_subject(data: dict[str, Rows]) -> None:
    # given the sanction entries
    court = data["court"]
    cases = {c["case_number"]: c for c in court["cases"]}
    respondents = {
        (p["case_id"], p["subject_id"]) for p in court["case_parties"] if p["role"] == "被执行人"
    }
    entries = court["sanction_entries"]
    assert entries
    for e in entries:
        case = cases[e["case_number"]]
        prefix = {"DISHONEST": "SX", "CONSUMPTION_RESTRICTION": "XF"}[e["list"]]
        # then each names a respondent of an open case of that court, published after filing
        assert (case["id"], e["subject_id"]) in respondents
        assert case["status"] == "OPEN" and case["court_code"] == e["court_code"]
        assert e["published_on"] > case["filed_on"]
        assert re.fullmatch(
            rf"{prefix}-{e['court_code']}-{e['published_on'].year}-\d{{6}}", e["id"]
        )
        assert (e["status"] != "ACTIVE") == (e["revoked_on"] is not None)
        assert e["status"] in ("ACTIVE", "DELETED", "LIFTED")
    assert len({e["id"] for e in entries}) == len(entries)


def test_sanction_entries_record_their_ground_term_and_end(data: dict[str, Rows]) -> None:
    """法释〔2017〕7号 第二条: "被执行人具有本规定第一条第二项至第六项规定情形的，纳入失信被执行人名单的
    期限为二年" (extendable by one to three years); 第十条第二款: "纳入期限届满后三个工作日内，人民
    法院应当删除失信信息". Ground (一) has no term; no demo entry's ground is unknown."""
    entries = data["court"]["sanction_entries"]
    dishonest = {
        "ABLE_NOT_PERFORMING",
        "OBSTRUCTING",
        "EVADING",
        "ASSET_REPORT",
        "CONSUMPTION_ORDER",
        "SETTLEMENT",
    }
    for e in entries:
        grounds = set(e["grounds"].split(","))
        if e["list"] == "CONSUMPTION_RESTRICTION":
            assert grounds <= {"NOT_PERFORMED", "DISHONEST_LISTED"}, e
            assert e["term_years"] is None and e["ends_on"] is None
            continue
        assert grounds and grounds <= dishonest, e
        if "ABLE_NOT_PERFORMING" in grounds:
            assert e["term_years"] is None and e["ends_on"] is None, e
            continue
        assert 2 <= e["term_years"] <= 5, e
        # the corresponding day that many years on (民法典 第二百零二条; 29 February: the 28th)
        start, year = e["published_on"], e["published_on"].year + e["term_years"]
        leap_day = (start.month, start.day) == (2, 29)
        assert e["ends_on"] == (date(year, 2, 28) if leap_day else start.replace(year=year)), e
        # a term that ended before the demo's day was deleted, the day after its last day
        if e["ends_on"] < AS_OF:
            assert (e["status"], e["end_ground"]) == ("DELETED", "TERM_ENDED"), e
            assert e["revoked_on"] == e["ends_on"] + timedelta(days=1)
    # the demo has entries of each kind: (一) without a term, (二)–(六) with one, ended ones
    kinds = {
        ("ABLE_NOT_PERFORMING" in e["grounds"], e["end_ground"])
        for e in entries
        if e["list"] == "DISHONEST"
    }
    assert (True, None) in kinds and (False, None) in kinds


# --- loading --------------------------------------------------------------------------------------


@pytest.mark.parametrize("agency", list(GENERATORS))
def test_write_tables_round_trip(agency: str, data: dict[str, Rows], tmp_path: Path) -> None:
    # given an agency's rows and a SQLite file that already holds an earlier load
    _, metadata = GENERATORS[agency]
    rows = data[agency]
    url = f"sqlite:///{tmp_path / f'{agency}.sqlite3'}"
    write_tables(url, metadata, rows)
    # when the tables are written again
    write_tables(url, metadata, rows)
    # then every table holds exactly the rows given (recreated, not appended)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            for name, table_rows in rows.items():
                count = conn.execute(select(func.count()).select_from(metadata.tables[name]))
                assert count.scalar_one() == len(table_rows), name
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar_one()
    finally:
        engine.dispose()
    assert mode == "wal"


def test_write_tables_rejects_unknown_tables_and_columns(tmp_path: Path) -> None:
    # given rows for a table the metadata does not have, and rows with an unknown column
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    plate = {"plate": "鲁F12345", "colour_code": "A"}
    # when / then the load refuses them, naming the table or the column
    with pytest.raises(ValueError, match="nonsense"):
        write_tables(url, police_models.metadata, {"nonsense": [{"a": 1}]})
    with pytest.raises(ValueError, match="colour_code"):
        write_tables(url, police_models.metadata, {"vehicles": [plate]})


def test_write_tables_accepts_rows_with_differing_keys(tmp_path: Path) -> None:
    # given residents where one row leaves out the optional phone
    base = {
        "name": "王伟",
        "gender": "男",
        "birth_date": date(1980, 5, 1),
        "ethnicity": "汉族",
        "registered_address": "山东省烟台市芝罘区南大街1号",
        "registration_status": "正常",
        "issuing_authority": "烟台市公安局芝罘分局",
    }
    rows = [
        {"id_number": "370602198005010011", **base, "phone": "13800000000"},
        {"id_number": "370602198005010038", **base},
    ]
    url = f"sqlite:///{tmp_path / 'ps.sqlite3'}"
    # when they are written
    write_tables(url, police_models.metadata, {"residents": rows})
    # then both are stored, dates as dates and the missing phone as NULL
    engine = create_engine(url)
    residents = police_models.residents
    try:
        with engine.connect() as conn:
            stored = conn.execute(
                select(residents.c.id_number, residents.c.birth_date, residents.c.phone).order_by(
                    residents.c.id_number
                )
            ).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in stored] == [
        ("370602198005010011", date(1980, 5, 1), "13800000000"),
        ("370602198005010038", date(1980, 5, 1), None),
    ]
