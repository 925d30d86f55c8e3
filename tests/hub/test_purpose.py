"""Purpose binding: a judge must cite an open case of their court, assigned to them, naming the
subject as a party; otherwise PURPOSE_REQUIRED / FORBIDDEN and no agency is asked anything."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from connectors.base.identifiers import make_id_number
from hub.cases import service as cases_service
from tests.conftest import Api
from tests.hub.policy_support import (
    AGENCIES,
    calls,
    client,
    codes,
    demo_token,
    forget_calls,
    recorded_app,
)
from tests.hub.transports import audit_mark, audit_since

PERSON_PROFILE = """
query PurposePerson($id: String!, $case: String) {
  person(idNumber: $id, caseNumber: $case) {
    idNumber
    identity { name }
    assets { realEstates { unitNumber } vehicles { plate } }
    insurance { records { kind } }
  }
}
"""

PERSONS_PROFILE = """
query PurposePersons($ids: [String!]!, $case: String) {
  persons(idNumbers: $ids, caseNumber: $case) {
    idNumber
    identity { name }
    assets { realEstates { unitNumber } vehicles { plate } }
    insurance { records { kind } }
  }
}
"""

ENTERPRISE_PROFILE = """
query PurposeEnterprise($uscc: String!, $case: String) {
  enterprise(uscc: $uscc, caseNumber: $case) { uscc registration { name } }
}
"""

UNKNOWN_CASE = "（2026）鲁0602执99999号"


@pytest.fixture(scope="module")
async def recorded(settings: Any) -> AsyncIterator[tuple[Any, dict[str, Any]]]:
    async with recorded_app(settings) as (app, sources):
        yield app, sources


@pytest.fixture
async def judge(recorded: Any, demo: dict[str, Any]) -> AsyncIterator[Api]:
    """judge-zhang on the recording app, with the calls of earlier tests forgotten."""
    app, sources = recorded
    forget_calls(sources)
    async with client(app, demo_token(demo, "enforcement_judge")) as api:
        yield api


def agency_calls(recorded: Any) -> dict[str, list[Any]]:
    return {name: c for name, c in calls(recorded[1]).items() if name in AGENCIES}


def refusal(body: dict[str, Any]) -> dict[str, Any]:
    """The one error of a refused look-up (the subject field is null)."""
    assert body["data"] is None or all(v is None for v in body["data"].values()), body
    assert len(body["errors"]) == 1, body["errors"]
    return body["errors"][0]  # type: ignore[no-any-return]


async def parties_of(app: Any, case: str) -> set[str]:
    async with app.state.runtime.engine.connect() as conn:
        return {p.subject_id for p in await cases_service.parties_of_case(conn, case)}


async def test_no_case_number_is_purpose_required(
    judge: Api, recorded: Any, demo: dict[str, Any]
) -> None:
    # given a party of one of the judge's open cases
    sample = demo["samples"]["persons"][0]
    # when the judge asks without citing the case
    body = await judge.query(PERSON_PROFILE, {"id": sample["idNumber"]})
    # then PURPOSE_REQUIRED says how to fix it, and nothing was asked of anyone
    error = refusal(body)
    assert error["extensions"]["code"] == "PURPOSE_REQUIRED"
    assert error["path"] == ["person"]
    assert "caseNumber" in error["message"]
    assert calls(recorded[1]) == {name: [] for name in recorded[1]}


async def test_enterprise_without_case_number_is_purpose_required(
    judge: Api, recorded: Any, demo: dict[str, Any]
) -> None:
    # given an enterprise party of one of the judge's open cases
    uscc = demo["samples"]["enterprises"][0]["uscc"]
    # when the judge asks without citing the case
    body = await judge.query(ENTERPRISE_PROFILE, {"uscc": uscc})
    # then
    assert body["data"] == {"enterprise": None}
    assert codes(body) == ["PURPOSE_REQUIRED"]
    assert agency_calls(recorded) == {name: [] for name in AGENCIES}


async def test_unknown_case_is_forbidden(judge: Api, recorded: Any, demo: dict[str, Any]) -> None:
    # given a well-formed case number the hub does not know
    sample = demo["samples"]["persons"][0]
    # when
    body = await judge.query(PERSON_PROFILE, {"id": sample["idNumber"], "case": UNKNOWN_CASE})
    # then
    error = refusal(body)
    assert error["extensions"] == {
        "code": "FORBIDDEN",
        "reason": "CASE_UNKNOWN",
        "caseNumber": UNKNOWN_CASE,
    }
    assert agency_calls(recorded) == {name: [] for name in AGENCIES}


async def test_case_of_another_court_is_forbidden(
    judge: Api, recorded: Any, demo: dict[str, Any]
) -> None:
    # given a party of an open case of the 牟平 court (the judge sits in 芝罘)
    sample = demo["samples"]["otherCourtPersons"][0]
    assert "鲁0612" in sample["caseNumber"]
    # when
    body = await judge.query(
        PERSON_PROFILE, {"id": sample["idNumber"], "case": sample["caseNumber"]}
    )
    # then
    error = refusal(body)
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["extensions"]["reason"] == "CASE_OTHER_COURT"
    assert agency_calls(recorded) == {name: [] for name in AGENCIES}


async def test_closed_case_is_forbidden(judge: Api, recorded: Any, demo: dict[str, Any]) -> None:
    # given a party of one of the judge's closed cases
    sample = demo["samples"]["closedCasePersons"][0]
    # when
    body = await judge.query(
        PERSON_PROFILE, {"id": sample["idNumber"], "case": sample["caseNumber"]}
    )
    # then
    error = refusal(body)
    assert error["extensions"]["reason"] == "CASE_CLOSED"
    assert "closed" in error["message"]
    assert agency_calls(recorded) == {name: [] for name in AGENCIES}


async def test_case_assigned_to_another_judge_is_forbidden(judge: Api, recorded: Any) -> None:
    # given an open case of the same court assigned to judge-zhou only
    app, _ = recorded
    async with app.state.runtime.engine.connect() as conn:
        pairs = await cases_service.parties_of_open_cases(
            conn, judge_id="judge-zhou", subject_kind="PERSON", limit=1
        )
        assert pairs, "the demo has open cases of judge-zhou"
        case, party = pairs[0]
        judges = await cases_service.judges_of_case(conn, case)
    assert "judge-zhang" not in judges and case.startswith("（") and "鲁0602" in case
    # when judge-zhang cites it for its party
    body = await judge.query(PERSON_PROFILE, {"id": party.subject_id, "case": case})
    # then
    error = refusal(body)
    assert error["extensions"]["reason"] == "NOT_ASSIGNED"
    assert "judge-zhang" in error["message"]
    assert agency_calls(recorded) == {name: [] for name in AGENCIES}


async def test_subject_not_a_party_is_forbidden(
    judge: Api, recorded: Any, demo: dict[str, Any]
) -> None:
    # given the judge's open case and a known person who is not a party of it
    persons = demo["samples"]["persons"]
    case = persons[0]["caseNumber"]
    parties = await parties_of(recorded[0], case)
    outsider = next(p["idNumber"] for p in persons if p["idNumber"] not in parties)
    # when
    body = await judge.query(PERSON_PROFILE, {"id": outsider, "case": case})
    # then
    error = refusal(body)
    assert error["extensions"] == {"code": "FORBIDDEN", "reason": "NOT_A_PARTY", "caseNumber": case}
    assert error["path"] == ["person"]
    assert agency_calls(recorded) == {name: [] for name in AGENCIES}


async def test_enterprise_not_a_party_is_forbidden(
    judge: Api, recorded: Any, demo: dict[str, Any]
) -> None:
    # given an enterprise party of one case, cited with a person party's case
    enterprise = demo["samples"]["enterprises"][0]
    case = demo["samples"]["persons"][0]["caseNumber"]
    assert enterprise["uscc"] not in await parties_of(recorded[0], case)
    # when
    body = await judge.query(ENTERPRISE_PROFILE, {"uscc": enterprise["uscc"], "case": case})
    # then
    assert refusal(body)["extensions"]["reason"] == "NOT_A_PARTY"
    assert agency_calls(recorded) == {name: [] for name in AGENCIES}


async def test_persons_loads_parties_and_refuses_the_others(
    judge: Api, recorded: Any, demo: dict[str, Any]
) -> None:
    # given the judge's case, its party, a known non-party and a valid but unknown ID number
    sample = demo["samples"]["persons"][0]
    case, party = sample["caseNumber"], sample["idNumber"]
    parties = await parties_of(recorded[0], case)
    stranger = next(
        p["idNumber"] for p in demo["samples"]["persons"] if p["idNumber"] not in parties
    )
    nobody = make_id_number("650102", date(1990, 5, 6), 11, male=False)
    ids = [stranger, party, nobody, party]
    # when they are looked up in one batch citing the case
    body = await judge.query(PERSONS_PROFILE, {"ids": ids, "case": case})
    # then the party loads (twice, in place) and each non-party is null with FORBIDDEN at its index
    persons = body["data"]["persons"]
    assert [p["idNumber"] if p else None for p in persons] == [None, party, None, party]
    assert persons[1]["identity"]["name"] == sample["name"]
    errors = sorted((tuple(e["path"]), e["extensions"]["reason"]) for e in body["errors"])
    assert errors == [(("persons", 0), "NOT_A_PARTY"), (("persons", 2), "NOT_A_PARTY")]
    assert set(codes(body)) == {"FORBIDDEN"}
    # and the agencies were asked about the party only
    made = agency_calls(recorded)
    assert made["public_security"] and made["real_estate"] and made["social_security"]
    for name, made_calls in made.items():
        for method, keys in made_calls:
            assert set(keys) == {party}, (name, method, keys)


async def test_role_without_purpose_needs_no_case(recorded: Any, demo: dict[str, Any]) -> None:
    # given the registry officer, whose role the policy does not bind to a purpose
    app, sources = recorded
    forget_calls(sources)
    sample = demo["samples"]["persons"][0]
    grants = app.state.runtime.policy.grants(("registry_officer",), "agency:real_estate")
    assert not grants.requires_purpose
    # when the officer asks without a case number
    async with client(app, demo_token(demo, "registry_officer")) as officer:
        body = await officer.query(
            "query($id: String!) { person(idNumber: $id) { identity { name }"
            " assets { realEstates { unitNumber } } } }",
            {"id": sample["idNumber"]},
        )
    # then the granted fields load, and no case was looked up
    assert "errors" not in body, body["errors"]
    assert body["data"]["person"]["identity"]["name"] != sample["name"]  # masked for them
    assert body["data"]["person"]["assets"]["realEstates"]
    assert calls(sources)["court"] == []


@pytest.mark.parametrize(
    "case",
    [
        "2026鲁0602执1号",
        "（2026）执1号",
        "（2026）鲁0602执0号",
        "（1989）鲁0602执1号",
        " ",
        "x" * 500,
    ],
)
async def test_malformed_case_number_is_bad_input_before_purpose(
    judge: Api, recorded: Any, demo: dict[str, Any], case: str
) -> None:
    # given a party of the judge's case, cited with a malformed case number
    sample = demo["samples"]["persons"][0]
    # when
    body = await judge.query(PERSON_PROFILE, {"id": sample["idNumber"], "case": case})
    # then BAD_USER_INPUT names the rule, and no case (nor anything else) was looked up
    error = refusal(body)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["rule"].startswith("CASE_NUMBER")
    assert calls(recorded[1]) == {name: [] for name in recorded[1]}


REFERENCE = """query($u: String!, $case: String) {
  enterprise(uscc: $u, caseNumber: $case) {
    registration { name legalRepresentativeId legalRepresentative { idNumber identity { name } } }
    shareholders { holderName holder { __typename ... on Person { idNumber } ... on Enterprise { uscc } } }
  }
}"""


async def test_purpose_binding_reaches_references(
    judge: Api, recorded: Any, demo: dict[str, Any]
) -> None:
    # given an enterprise party of the judge's case, whose shareholders are not all parties
    app = recorded[0]
    sample = demo["samples"]["enterprises"][0]
    parties = await parties_of(app, sample["caseNumber"])
    # when the judge follows the references
    body = await judge.query(REFERENCE, {"u": sample["uscc"], "case": sample["caseNumber"]})
    # then the enterprise loads, and every referenced non-party is refused with NOT_A_PARTY —
    # but its legal representative, through whom the enterprise acts in the case
    e = body["data"]["enterprise"]
    assert e["registration"]["name"] == sample["name"]
    refused = {
        tuple(err["path"])
        for err in body.get("errors", [])
        if err["extensions"].get("reason") == "NOT_A_PARTY"
    }
    representative = e["registration"]["legalRepresentativeId"]
    assert e["registration"]["legalRepresentative"]["idNumber"] == representative
    for i, holder in enumerate(e["shareholders"]):
        if holder["holder"] is None:
            assert ("enterprise", "shareholders", i, "holder") in refused
    assert refused, "the demo's enterprise parties have shareholders who are not parties"
    # and nothing about a refused subject was asked of any agency
    asked = {k for name, c in agency_calls(recorded).items() for _, keys in c for k in keys}
    assert not (asked - parties - {sample["uscc"], representative})


REPRESENTATIVE = """query($u: String!, $case: String) {
  enterprise(uscc: $u, caseNumber: $case) {
    registration {
      legalRepresentativeName
      legalRepresentative {
        idNumber identity { name } legal { cases { caseNumber } }
        assets { realEstates { unitNumber } } insurance { records { kind } }
      }
      keyPersonnel { idNumber person { idNumber } }
    }
  }
}"""
REGISTRATION = """query($u: String!) {
  enterprise(uscc: $u) { registration { legalRepresentativeId legalRepresentativeName } }
}"""


async def enterprise_with_outside_representative(
    app: Any, reader: Api, role: str
) -> tuple[str, str, str, str]:
    """(case, USCC, representative's ID number, name): an enterprise in ``role`` of an open case
    of the demo judge's whose legal representative is no party of that case."""
    async with app.state.runtime.engine.connect() as conn:
        pairs = await cases_service.parties_of_open_cases(
            conn, judge_id="judge-zhang", role=role, subject_kind="ENTERPRISE", limit=200
        )
    for case, party in pairs:
        body = await reader.query(REGISTRATION, {"u": party.subject_id})
        registration = body["data"]["enterprise"]["registration"]
        representative = registration["legalRepresentativeId"]
        if representative and representative not in await parties_of(app, case):
            return case, party.subject_id, representative, registration["legalRepresentativeName"]
    pytest.fail(f"no {role} enterprise of the judge's cases has an outside representative")


@pytest.mark.parametrize("role", ["被执行人", "申请执行人"])
async def test_a_judge_reaches_the_legal_representative_of_an_enterprise_party(
    judge: Api, recorded: Any, reader: Api, role: str
) -> None:
    """The console's 法定代表人 link on an enterprise's profile always failed for a judge: the
    representative of an enterprise party is rarely a party, and references reached parties
    only. An enterprise party acts through its legal representative (民事诉讼法 第五十一条第二款),
    so the reference from that enterprise reaches them, as a representative, not a respondent."""
    # given an enterprise party of the judge's case whose legal representative is no party
    app = recorded[0]
    case, uscc, representative, name = await enterprise_with_outside_representative(
        app, reader, role
    )
    mark = await audit_mark(app)
    # when the judge follows the enterprise's legal representative, citing the case
    body = await judge.query(REPRESENTATIVE, {"u": uscc, "case": case})
    # then the representative is shown: identity and cases
    person = body["data"]["enterprise"]["registration"]["legalRepresentative"]
    assert person["idNumber"] == representative
    assert person["identity"]["name"] == name
    assert person["legal"]["cases"] is not None
    # but not their property: they are not the case's respondent
    errors = {tuple(e["path"]): e["extensions"] for e in body["errors"]}
    at = ("enterprise", "registration", "legalRepresentative")
    assert person["assets"] is None and person["insurance"] is None
    assert errors[(*at, "assets")]["reason"] == "NOT_A_RESPONDENT"
    assert errors[(*at, "insurance")]["reason"] == "NOT_A_RESPONDENT"
    asked = {
        k
        for name_, c in agency_calls(recorded).items()
        for method, keys in c
        for k in keys
        if method in ("properties_by_owner", "vehicles_by_owner", "stakes_by_holder", "insurance")
    }
    assert representative not in asked
    # and the same person as a key person is not reached: only the representative reference
    for i, key_person in enumerate(body["data"]["enterprise"]["registration"]["keyPersonnel"]):
        if key_person["person"] is None:
            assert errors[(*at[:2], "keyPersonnel", i, "person")]["reason"] == "NOT_A_PARTY"
    # and the reference is on record with the case and the enterprise it represents
    # (the same person met again as a key person is on record as refused there)
    entries = [
        e for e in await audit_since(app, mark, "judge-zhang") if e.subject == representative
    ]
    reached = [e for e in entries if e.outcome != "DENIED"]
    assert [(e.action, e.case_number, e.outcome) for e in reached] == [
        ("REFERENCE_VIEW", case, "OK")
    ]
    assert reached[0].detail["legalRepresentativeOf"] == uscc


async def test_a_legal_representative_is_no_party_for_a_direct_look_up(
    judge: Api, recorded: Any, reader: Api
) -> None:
    # given the legal representative of an enterprise party who is no party of the case
    case, _, representative, _ = await enterprise_with_outside_representative(
        recorded[0], reader, "被执行人"
    )
    # when the judge looks the person up directly, citing the enterprise's case
    body = await judge.query(PERSON_PROFILE, {"id": representative, "case": case})
    # then the look-up is refused: only the enterprise's reference reaches them
    assert refusal(body)["extensions"]["reason"] == "NOT_A_PARTY"
