"""Person and enterprise profiles over HTTP: assembly, batching, nulls, bad input, failures."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors.base.identifiers import make_id_number
from tests.conftest import Api, start_app
from tests.fakes import FailingSource, HangingSource, wrapped_sources
from tests.hub.queries import ENTERPRISE_FULL, IDENTITY_ONLY, PERSON_FULL, PERSONS_FULL


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


@pytest.fixture(scope="module")
async def recorded(settings) -> Any:  # type: ignore[no-untyped-def]
    sources = wrapped_sources(settings)
    app, lifespan = await start_app(settings, sources)
    try:
        yield app, sources
    finally:
        await lifespan.__aexit__(None, None, None)


async def client_for(app: Any, token: str) -> tuple[httpx.AsyncClient, Api]:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub.test")
    return client, Api(client, token)


async def test_full_person_profile_assembles_every_group(api: Api, demo: dict[str, Any]) -> None:
    # given a party of one of the judge's open cases
    sample = demo["samples"]["persons"][0]
    # when the judge asks for the full profile
    body = await api.query(PERSON_FULL, {"id": sample["idNumber"], "case": sample["caseNumber"]})
    # then every group is present and consistent with the identifier
    assert "errors" not in body, body
    person = body["data"]["person"]
    assert person["idNumber"] == sample["idNumber"]
    assert person["identity"]["idNumber"] == sample["idNumber"]
    assert person["identity"]["name"] == sample["name"]
    assert person["identity"]["gender"] in ("男", "女")
    assert sample["caseNumber"] in [c["caseNumber"] for c in person["legal"]["cases"]]
    for group in (
        person["assets"]["realEstates"],
        person["assets"]["vehicles"],
        person["assets"]["equities"],
        person["qualifications"],
        person["insurance"]["records"],
        person["enterpriseRoles"],
    ):
        assert isinstance(group, list)
    for unit in person["assets"]["realEstates"]:
        assert len(unit["unitNumber"]) == 28
        assert sample["idNumber"] in [o["ownerId"] for o in unit["owners"]]
    for vehicle in person["assets"]["vehicles"]:
        assert vehicle["ownerId"] == sample["idNumber"]


async def test_rich_sample_has_assets_insurance_and_fund(reader: Api, demo: dict[str, Any]) -> None:
    # given the demo's samples, which are chosen to be rich
    found = []
    for sample in demo["samples"]["persons"]:
        body = await reader.query(PERSON_FULL, {"id": sample["idNumber"]})
        p = body["data"]["person"]
        found.append(bool(p["assets"]["realEstates"]) and bool(p["insurance"]["records"]))
    # then at least one sample shows real estate and insurance
    assert any(found)


async def test_unknown_person_resolves_to_null_without_error(reader: Api) -> None:
    # given a valid ID number nobody has (region of another province)
    from datetime import date

    unknown = make_id_number("650102", date(1990, 1, 1), 7, male=True)
    # when
    body = await reader.query(IDENTITY_ONLY, {"id": unknown})
    # then
    assert body == {"data": {"person": None}}


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("37060219900101123", "GB11643_LENGTH"),
        ("37060219900101123A", "GB11643_CHARACTERS"),
        ("990602199001011234", "GB11643_REGION"),
        ("370602199002301234", "GB11643_BIRTH_DATE"),
        ("370602199001011230", "GB11643_CHECK_CHARACTER"),
    ],
)
async def test_invalid_id_number_is_refused_before_any_lookup(
    recorded: Any, tokens: dict[str, str], value: str, rule: str
) -> None:
    # given an app whose sources record every call
    app, sources = recorded
    client, api = await client_for(app, tokens["reader"])
    before = {n: len(s.calls) for n, s in sources.items()}
    # when an invalid ID number is asked for
    async with client:
        body = await api.query(IDENTITY_ONLY, {"id": value})
    # then BAD_USER_INPUT names the rule and no source was called
    assert body["data"] is None or body["data"]["person"] is None
    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["rule"] == rule
    assert {n: len(s.calls) for n, s in sources.items()} == before


async def test_persons_batch_makes_one_call_per_lookup(
    recorded: Any, tokens: dict[str, str], settings: Any
) -> None:
    # given 100 persons of the dataset
    from connectors.base.world import build_world
    from tests.conftest import TEST_PERSONS, TEST_SEED

    world = build_world(TEST_SEED, TEST_PERSONS)
    ids = [p.id_number for p in world.persons[:100]]
    app, sources = recorded
    for s in sources.values():
        s.calls.clear()
    client, api = await client_for(app, tokens["reader"])
    # when their full profiles are asked for in one call
    async with client:
        body = await api.query(PERSONS_FULL, {"ids": ids})
    # then every profile is there and each source method was called at most once
    assert "errors" not in body, body["errors"][:3]
    assert [p["idNumber"] for p in body["data"]["persons"]] == ids
    for name, source in sources.items():
        methods = source.methods()
        assert len(methods) == len(set(methods)), (name, methods)
    identities = sources["public_security"].calls[0]
    assert identities[0] == "identities" and sorted(identities[1]) == sorted(ids)


async def test_persons_over_the_batch_limit_is_refused(api: Api) -> None:
    from datetime import date

    ids = [make_id_number("370602", date(1980, 1, 1), i % 500, male=True) for i in range(1001)]
    body = await api.query(
        "query($ids:[String!]!){ persons(idNumbers:$ids){ idNumber } }", {"ids": ids}
    )
    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["rule"] == "BATCH_SIZE"
    assert "1000" in body["errors"][0]["message"]


async def test_persons_names_the_bad_entry(api: Api, demo: dict[str, Any]) -> None:
    ids = [demo["samples"]["persons"][0]["idNumber"], "123"]
    body = await api.query(
        "query($ids:[String!]!){ persons(idNumbers:$ids){ idNumber } }", {"ids": ids}
    )
    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["message"].startswith("idNumbers[1]")


async def test_persons_keeps_order_and_nulls_unknown(reader: Api, demo: dict[str, Any]) -> None:
    from datetime import date

    known = demo["samples"]["persons"][0]["idNumber"]
    unknown = make_id_number("650102", date(1991, 2, 3), 9, male=False)
    body = await reader.query(
        "query($ids:[String!]!){ persons(idNumbers:$ids){ idNumber } }",
        {"ids": [unknown, known, known]},
    )
    assert body["data"]["persons"] == [None, {"idNumber": known}, {"idNumber": known}]


async def test_enterprise_profile_resolves_cross_references(
    reader: Api, demo: dict[str, Any]
) -> None:
    # given an enterprise party of an open case
    sample = demo["samples"]["enterprises"][0]
    # when
    body = await reader.query(ENTERPRISE_FULL, {"uscc": sample["uscc"]})
    # then registration, the legal representative as a person, shareholders as subjects
    assert "errors" not in body, body
    e = body["data"]["enterprise"]
    assert e["uscc"] == sample["uscc"]
    reg = e["registration"]
    assert reg["name"] == sample["name"]
    assert reg["legalRepresentative"]["identity"]["name"] == reg["legalRepresentativeName"]
    assert e["shareholders"], "every enterprise has shareholders"
    total = sum(float(s["ratio"]) for s in e["shareholders"])
    assert abs(total - 1.0) < 1e-6
    for s in e["shareholders"]:
        assert s["holder"]["__typename"] == (
            "Person" if s["holderKind"] == "PERSON" else "Enterprise"
        )
    assert sample["caseNumber"] in [c["caseNumber"] for c in e["legal"]["cases"]]


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("91370602MA3C4X5Y6", "GB32100_LENGTH"),
        ("91370602MA3C4X5YIO", "GB32100_CHARACTERS"),
        ("Z1370602000000000X", "GB32100_CHARACTERS"),
    ],
)
async def test_invalid_uscc_is_refused(api: Api, value: str, rule: str) -> None:
    body = await api.query("query($u:String!){ enterprise(uscc:$u){ uscc } }", {"u": value})
    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["rule"] == rule


async def test_uscc_check_character_is_checked(api: Api, demo: dict[str, Any]) -> None:
    good = demo["samples"]["enterprises"][0]["uscc"]
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    body = await api.query("query($u:String!){ enterprise(uscc:$u){ uscc } }", {"u": bad})
    assert body["errors"][0]["extensions"]["rule"] == "GB32100_CHECK_CHARACTER"


@pytest.mark.parametrize(
    "case", ["2026鲁0602执1号", "（2026）执1号", "(26)鲁0602执1号", "（2026）鲁0602执0号"]
)
async def test_invalid_case_number_is_refused(api: Api, demo: dict[str, Any], case: str) -> None:
    pid = demo["samples"]["persons"][0]["idNumber"]
    body = await api.query(
        IDENTITY_ONLY.replace(
            "person(idNumber: $id)", "person(idNumber: $id, caseNumber: $c)"
        ).replace("($id: String!)", "($id: String!, $c: String)"),
        {"id": pid, "c": case},
    )
    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["rule"].startswith("CASE_NUMBER")


async def test_ascii_brackets_are_accepted(api: Api, demo: dict[str, Any]) -> None:
    sample = demo["samples"]["persons"][0]
    ascii_case = sample["caseNumber"].replace("（", "(").replace("）", ")")
    body = await api.query(PERSON_FULL, {"id": sample["idNumber"], "case": ascii_case})
    assert "errors" not in body
    assert body["data"]["person"]["idNumber"] == sample["idNumber"]


async def test_failing_connector_nulls_only_its_fields(
    settings: Any, tokens: dict[str, str], demo: dict[str, Any]
) -> None:
    # given social security failing
    sources = wrapped_sources(settings, FailingSource, only=["social_security"])
    app, lifespan = await start_app(settings, sources)
    sample = demo["samples"]["persons"][0]
    try:
        client, api = await client_for(app, tokens["reader"])
        async with client:
            body = await api.query(PERSON_FULL, {"id": sample["idNumber"]})
    finally:
        await lifespan.__aexit__(None, None, None)
    # then exactly its fields are null with CONNECTOR_UNAVAILABLE; the rest is there
    p = body["data"]["person"]
    assert p["insurance"] == {"records": None, "housingFund": None}
    assert p["qualifications"] is None
    assert p["identity"]["idNumber"] == sample["idNumber"]
    assert isinstance(p["assets"]["realEstates"], list)
    paths = sorted(tuple(e["path"]) for e in body["errors"])
    assert paths == [
        ("person", "insurance", "housingFund"),
        ("person", "insurance", "records"),
        ("person", "qualifications"),
    ]
    assert set(codes(body)) == {"CONNECTOR_UNAVAILABLE"}
    assert all(e["extensions"]["connector"] == "social_security" for e in body["errors"])


async def test_crashing_connector_leaks_no_internals(
    settings: Any, tokens: dict[str, str], demo: dict[str, Any]
) -> None:
    sources = wrapped_sources(settings, FailingSource, only=["real_estate"], unexpected=True)
    app, lifespan = await start_app(settings, sources)
    try:
        client, api = await client_for(app, tokens["reader"])
        async with client:
            body = await api.query(PERSON_FULL, {"id": demo["samples"]["persons"][0]["idNumber"]})
    finally:
        await lifespan.__aexit__(None, None, None)
    assert body["data"]["person"]["assets"]["realEstates"] is None
    assert codes(body) == ["CONNECTOR_UNAVAILABLE"]
    assert "secret" not in str(body) and "exploded" not in str(body)


async def test_hanging_connector_times_out_alone(
    settings: Any, tokens: dict[str, str], demo: dict[str, Any]
) -> None:
    import time

    conf = dict(settings.connectors)
    conf["public_security"] = conf["public_security"].replace(timeout=0.2)
    fast = settings.replace(connectors=conf)
    sources = wrapped_sources(fast, HangingSource, only=["public_security"])
    app, lifespan = await start_app(fast, sources)
    sample = demo["samples"]["persons"][0]
    try:
        client, api = await client_for(app, tokens["reader"])
        started = time.perf_counter()
        async with client:
            body = await api.query(PERSON_FULL, {"id": sample["idNumber"]})
        elapsed = time.perf_counter() - started
    finally:
        await lifespan.__aexit__(None, None, None)
    # the person is still returned (existence unknown), public security's fields carry the timeout
    p = body["data"]["person"]
    assert p["identity"] is None and p["assets"]["vehicles"] is None
    assert isinstance(p["assets"]["realEstates"], list)
    assert set(codes(body)) == {"CONNECTOR_TIMEOUT"}
    assert {tuple(e["path"]) for e in body["errors"]} == {
        ("person", "identity"),
        ("person", "assets", "vehicles"),
    }
    assert elapsed < 2.0


async def test_reference_depth_is_limited(api: Api, demo: dict[str, Any]) -> None:
    deep = """query($u:String!){ enterprise(uscc:$u){ registration { legalRepresentative {
      enterpriseRoles { enterprise { registration { legalRepresentative { idNumber } } } } } } } }"""
    body = await api.query(deep, {"u": demo["samples"]["enterprises"][0]["uscc"]})
    assert body.get("data") is None
    assert codes(body) == ["QUERY_TOO_COMPLEX"]
    assert body["errors"][0]["extensions"]["limit"] == "REFERENCE_DEPTH"


async def test_reference_depth_counts_through_fragments(api: Api, demo: dict[str, Any]) -> None:
    deep = """query($u:String!){ enterprise(uscc:$u){ ...E } }
      fragment E on Enterprise { registration { legalRepresentative { ...P } } }
      fragment P on Person { enterpriseRoles { enterprise { shareholders { holder { ... on Person { idNumber } } } } } }"""
    body = await api.query(deep, {"u": demo["samples"]["enterprises"][0]["uscc"]})
    assert codes(body) == ["QUERY_TOO_COMPLEX"]


async def test_reference_within_depth_resolves(reader: Api, demo: dict[str, Any]) -> None:
    q = """query($id:String!){ person(idNumber:$id){ enterpriseRoles { enterprise {
      registration { legalRepresentative { idNumber } } } } } }"""
    body = await reader.query(q, {"id": demo["samples"]["persons"][0]["idNumber"]})
    assert "errors" not in body


async def test_me_and_my_cases(api: Api) -> None:
    body = await api.query(
        "{ me { userId name org roles courtCode } myCases(status: OPEN, first: 5) { caseNumber status parties { role subjectId } } }"
    )
    assert body["data"]["me"] == {
        "userId": "judge-zhang",
        "name": "张明",
        "org": "court:370602",
        "roles": ["enforcement_judge"],
        "courtCode": "370602",
    }
    cases = body["data"]["myCases"]
    assert 1 <= len(cases) <= 5
    assert all(c["status"] == "OPEN" and c["caseNumber"].startswith("（") for c in cases)
    assert all(any(p["role"] == "被执行人" for p in c["parties"]) for c in cases)


async def test_my_cases_page_size_is_bounded(api: Api) -> None:
    body = await api.query("{ myCases(first: 1000) { caseNumber } }")
    assert codes(body) == ["BAD_USER_INPUT"]


async def test_full_width_digits_in_a_case_number_are_bad_input(
    api: Api, demo: dict[str, Any]
) -> None:
    sample = demo["samples"]["persons"][0]
    wide = sample["caseNumber"].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    body = await api.query(PERSON_FULL, {"id": sample["idNumber"], "case": wide})
    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["rule"] == "CASE_NUMBER_FORMAT"
