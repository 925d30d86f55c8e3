"""The policy matrix (tests/policy_matrix.csv): compiled decisions, and what each role gets over HTTP.

The matrix is expanded from the statement of intent (tests/policy_intent.md) by
``python -m tests.hub.policy_intent``: one row per caller (role, org) and controlled coordinate
of the live schema, every one of them decided. The tests check that the CSV is what the intent
says and covers every coordinate, compare it with the compiled table, and over HTTP with what a
response actually holds, field by field, against the clear values the tests-only reader role
sees (for the coordinates the two profile documents below select).

Where the intent and the policy disagree a test fails until one of them is changed on purpose.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    FieldNode,
    GraphQLObjectType,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    parse,
)

from hub.cases.service import parties_of_open_cases
from hub.graphql.schema import schema as hub_schema
from hub.policy.table import Decision
from tests.conftest import Api, add_case
from tests.hub import policy_intent
from tests.hub.policy_support import DEMO_JUDGE, errors_by_path

MATRIX_FILE = policy_intent.MATRIX_FILE
COLUMNS = policy_intent.COLUMNS
DECISIONS = {"read": Decision.READ, "mask": Decision.MASK, "deny": Decision.DENY}

# The profile coordinates the HTTP test checks are those these two documents select (every one
# of them in the matrix, and shown with a value by the chosen subjects: checked below).
PERSON_MATRIX = """
query PersonMatrix($id: String!, $case: String) {
  person(idNumber: $id, caseNumber: $case) {
    idNumber
    identity {
      idNumber name gender birthDate ethnicity registeredAddress registrationStatus
      issuingAuthority phone
    }
    assets {
      realEstates { unitNumber certificateNumber address owners { ownerKind ownerId ownerName } }
      vehicles { plate vin ownerKind ownerName }
      equities { stakeId }
      deposits { bank answer accounts { accountNumber holderId holderName balance } }
    }
    insurance { records { contributionBase } housingFund { balance accountNumber } }
    qualifications { name certificateNumber }
    enterpriseRoles { enterpriseName }
    legal { cases { caseNumber } sanctions { subjectKind name } }
  }
}
"""

ENTERPRISE_MATRIX = """
query EnterpriseMatrix($uscc: String!, $case: String) {
  enterprise(uscc: $uscc, caseNumber: $case) {
    uscc
    registration {
      name legalRepresentativeName legalRepresentativeId phone address
      legalRepresentative {
        idNumber identity { idNumber name } enterpriseRoles { enterpriseName }
        assets { equities { stakeId } }
      }
      keyPersonnel { name idNumber }
    }
    licences { name }
    shareholders { holderKind holderName }
    penalties { amount }
    insurance { insuredEmployees }
    assets {
      realEstates { unitNumber certificateNumber address owners { ownerKind ownerId ownerName } }
      vehicles { plate vin ownerKind ownerName }
      equities { stakeId }
    }
    legal { cases { caseNumber } sanctions { subjectKind name } }
  }
}
"""

ResponsePath = tuple[str | int, ...]


# --- the matrix file ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    line: int
    role: str
    org: str
    coordinate: str
    expected: str


def read_matrix(path: Path = MATRIX_FILE) -> list[Row]:
    rows = []
    with path.open(encoding="utf-8", newline="") as f:
        records = csv.DictReader(f)
        assert records.fieldnames == COLUMNS, f"{path.name}: columns must be {COLUMNS}"
        for line, rec in enumerate(records, start=2):
            assert None not in rec and all(rec.values()), f"{path.name}:{line}: {rec}"
            assert rec["expected"] in DECISIONS, f"{path.name}:{line}: expected is read/mask/deny"
            rows.append(Row(line, rec["role"], rec["org"], rec["coordinate"], rec["expected"]))
    return rows


MATRIX = read_matrix()
CALLERS = list(dict.fromkeys((r.role, r.org) for r in MATRIX))
CALLER_IDS = [f"{role}@{org}" for role, org in CALLERS]


def expectations(role: str, org: str | None = None) -> dict[str, str]:
    """The matrix of one caller (the role's first org when none is named)."""
    org = org or next(o for r, o in CALLERS if r == role)
    return {r.coordinate: r.expected for r in MATRIX if (r.role, r.org) == (role, org)}


def demo_token(demo: dict[str, Any], role: str, org: str) -> str:
    """The token of the demo user holding ``role`` in ``org`` (judge-zhang for judges)."""
    users = [u for u in demo["users"] if role in u["roles"] and u["org"] == org]
    assert users, f"no demo user has the role {role} in {org}"
    chosen = next((u for u in users if u["id"] == DEMO_JUDGE), users[0])
    return chosen["token"]  # type: ignore[no-any-return]


def test_matrix_file_is_sound(app: Any, demo: dict[str, Any]) -> None:
    # given the matrix and the live schema
    fields = app.state.runtime.policy_fields
    # then no row repeats, every coordinate is a field, every caller covers the same coordinates
    keys = [(r.role, r.org, r.coordinate) for r in MATRIX]
    assert len(keys) == len(set(keys)), "a (role, org, coordinate) appears twice"
    assert sorted({r.coordinate for r in MATRIX} - set(fields)) == []
    coordinate_sets = {caller: frozenset(expectations(*caller)) for caller in CALLERS}
    assert len(set(coordinate_sets.values())) == 1, "every caller must list the same coordinates"
    # and every demo role is there, each of the callers with a demo user of its org
    demo_callers = {(role, u["org"]) for u in demo["users"] for role in u["roles"]}
    assert {role for role, _ in demo_callers} == {role for role, _ in CALLERS}
    assert set(CALLERS) <= demo_callers


@pytest.mark.parametrize(("role", "org"), CALLERS, ids=CALLER_IDS)
def test_every_controlled_coordinate_is_decided(app: Any, role: str, org: str) -> None:
    # given every coordinate the policy governs in the live schema
    live = set(app.state.runtime.policy_fields)
    # then the matrix decides each of them for this caller: a new field forces a decision
    listed = set(expectations(role, org))
    assert sorted(live - listed) == [], (
        f"coordinates with no decision for {role}@{org}: decide them in tests/policy_intent.md,"
        " then run python -m tests.hub.policy_intent"
    )


def test_the_matrix_is_the_statement_of_intent() -> None:
    # given the intent file expanded over the live schema's coordinates
    rows = policy_intent.expand(policy_intent.load(), policy_intent.live_coordinates())
    # then the CSV holds exactly those rows (regenerate it with python -m tests.hub.policy_intent)
    expected = [(r["role"], r["org"], r["coordinate"], r["expected"]) for r in rows]
    assert [(r.role, r.org, r.coordinate, r.expected) for r in MATRIX] == expected


@pytest.mark.parametrize(("role", "org"), CALLERS, ids=CALLER_IDS)
def test_compiled_decisions_match_the_matrix(app: Any, role: str, org: str) -> None:
    # given the compiled policy of the running hub
    grants = app.state.runtime.policy.grants((role,), org)
    # when every coordinate of the matrix is looked up
    wrong = [
        f"policy_matrix.csv:{row.line} {row.coordinate}: expected {row.expected},"
        f" compiled {grants.decision(row.coordinate).name.lower()}"
        for row in MATRIX
        if (row.role, row.org) == (role, org)
        and grants.decision(row.coordinate) != DECISIONS[row.expected]
    ]
    # then each decision is the one the matrix states
    assert wrong == []


# --- locating values in a response -----------------------------------------------------------


@dataclass(frozen=True)
class Located:
    """One value of a response at a schema coordinate."""

    coordinate: str
    path: ResponsePath
    value: Any
    parent: dict[str, Any]  # the object holding the field (for its subject-kind sibling)
    leaf: bool


def locate(document: str, data: dict[str, Any] | None) -> list[Located]:
    """Every value of ``data`` with its coordinate, walking the response alongside the query."""
    gql = hub_schema._schema
    op = next(d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode))
    found: list[Located] = []

    def walk(
        selection_set: SelectionSetNode, type_: GraphQLObjectType, obj: Any, path: ResponsePath
    ) -> None:
        for sel in selection_set.selections:
            assert isinstance(sel, FieldNode), "matrix documents use plain fields only"
            name = sel.name.value
            key = sel.alias.value if sel.alias else name
            here = (*path, key)
            value = obj[key]
            leaf = sel.selection_set is None
            found.append(Located(f"{type_.name}.{name}", here, value, obj, leaf))
            if leaf or value is None:
                continue
            named = get_named_type(type_.fields[name].type)
            assert isinstance(named, GraphQLObjectType)
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is not None:
                        walk(sel.selection_set, named, item, (*here, i))
            else:
                walk(sel.selection_set, named, value, here)

    if data is not None:
        assert gql.query_type is not None
        walk(op.selection_set, gql.query_type, data, ())
    return found


def selected_coordinates(document: str) -> set[str]:
    """The coordinates a document selects (from the schema, not from any response)."""
    gql = hub_schema._schema
    op = next(d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode))
    out: set[str] = set()

    def walk(selection_set: SelectionSetNode, type_: GraphQLObjectType) -> None:
        for sel in selection_set.selections:
            assert isinstance(sel, FieldNode)
            out.add(f"{type_.name}.{sel.name.value}")
            if sel.selection_set is not None:
                named = get_named_type(type_.fields[sel.name.value].type)
                assert isinstance(named, GraphQLObjectType)
                walk(sel.selection_set, named)

    assert gql.query_type is not None
    walk(op.selection_set, gql.query_type)
    return out


def at(data: Any, path: ResponsePath) -> tuple[ResponsePath | None, Any]:
    """(the path of the first null on the way down, or None if the path is reached; value)."""
    node = data
    for i, step in enumerate(path):
        if node is None:
            return path[:i], None
        node = node[step]  # type: ignore[index]
    return (path if node is None else None), node


def camel(python_name: str) -> str:
    head, *rest = python_name.split("_")
    return head + "".join(p.title() for p in rest)


def covered(located: list[Located]) -> set[str]:
    return {loc.coordinate for loc in located if loc.value not in (None, [])}


# --- the rich subjects the HTTP test looks at ------------------------------------------------


@dataclass
class Profile:
    kind: str
    document: str
    key_variable: str
    subject: str
    case: str
    clear: dict[str, Any]  # the reader's response: every value in clear

    def variables(self, *, with_case: bool) -> dict[str, Any]:
        return {self.key_variable: self.subject, "case": self.case if with_case else None}


async def _candidates(app: Any, demo: dict[str, Any], kind: str) -> list[tuple[str, str]]:
    """(subject, case) of the demo samples, then of every party of the judge's open cases."""
    samples = demo["samples"]["persons" if kind == "PERSON" else "enterprises"]
    key = "idNumber" if kind == "PERSON" else "uscc"
    out = [(s[key], s["caseNumber"]) for s in samples]
    async with app.state.runtime.engine.connect() as conn:
        for role in ("被执行人", "申请执行人"):
            pairs = await parties_of_open_cases(
                conn, judge_id=DEMO_JUDGE, subject_kind=kind, role=role, limit=60
            )
            out += [(p.subject_id, case) for case, p in pairs]
    return list(dict.fromkeys(out))


async def _asked(reader: Api, kind: str, candidates: list[tuple[str, str]]) -> list[Profile]:
    document, key = (PERSON_MATRIX, "id") if kind == "PERSON" else (ENTERPRISE_MATRIX, "uscc")
    out = []
    for subject, case in candidates:
        body = await reader.query(document, {key: subject})
        assert "errors" not in body, body["errors"][:3]
        out.append(Profile(kind, document, key, subject, case, body))
    return out


@pytest.fixture(scope="module")
async def profiles(app: Any, reader: Api, demo: dict[str, Any]) -> dict[str, Profile]:
    """A person and an enterprise, parties of the judge's open cases, rich enough to show every
    coordinate of the matrix with a value (asked for with the reader token first): the pair
    whose values cover the most coordinates together (other tests' records, a revoked list
    entry say, can make one person the richest alone without being the best partner)."""
    persons = await _asked(reader, "PERSON", await _candidates(app, demo, "PERSON"))
    enterprises = await _asked(reader, "ENTERPRISE", await _candidates(app, demo, "ENTERPRISE"))
    shows = {id(p): covered(locate(p.document, p.clear["data"])) for p in persons + enterprises}
    best = max(
        ((p, e) for p in persons for e in enterprises),
        key=lambda pair: len(shows[id(pair[0])] | shows[id(pair[1])]),
    )
    person, enterprise = best
    # The judge cites a case whose measures reach the subject (its 被执行人): the matrix is
    # about the table, and asset sections are a respondent's only (purpose binding, tested in
    # tests/hub/test_order_parties.py). A richest subject may be an applicant of its demo case.
    for profile in (person, enterprise):
        profile.case = await add_case(
            app, [("被执行人", profile.kind, profile.subject, "被执行人")]
        )
        profile.clear = await reader.query(
            profile.document, {profile.key_variable: profile.subject}
        )
    return {"PERSON": person, "ENTERPRISE": enterprise}


PROFILE_COORDINATES = selected_coordinates(PERSON_MATRIX) | selected_coordinates(ENTERPRISE_MATRIX)


def test_documents_select_only_coordinates_of_the_matrix() -> None:
    # every coordinate the HTTP test looks at has a row for every caller
    assert sorted(PROFILE_COORDINATES - set(expectations(*CALLERS[0]))) == []
    assert len(PROFILE_COORDINATES) >= 68


def test_profiles_show_a_value_at_every_coordinate(profiles: dict[str, Profile]) -> None:
    # the chosen subjects are rich enough that every profile coordinate is checked against a
    # real value
    shown: set[str] = set()
    for p in profiles.values():
        shown |= covered(locate(p.document, p.clear["data"]))
    missing = sorted(PROFILE_COORDINATES - shown)
    assert not missing, f"no value to check at {missing}"


# --- the HTTP test ----------------------------------------------------------------------------


def check_response(
    expect: dict[str, str],
    fields: dict[str, Any],
    profile: Profile,
    body: dict[str, Any],
) -> tuple[list[str], int]:
    """Problems found comparing ``body`` with the matrix and the clear values, and how many
    values were compared (hidden under a refused ancestor does not count)."""
    problems: list[str] = []
    clear = locate(profile.document, profile.clear["data"])
    coordinate_of = {loc.path: loc.coordinate for loc in clear}
    errors = errors_by_path(body)
    # Purpose binding reaches references: a purpose-bound caller following a reference to a
    # subject who is not a party of the cited case is refused there, and the asset sections of a
    # subject reached who is not its respondent (an enterprise party's legal representative)
    # are refused, whatever the matrix says (tests/hub/test_purpose.py tests both).
    not_a_party = {
        tuple(e.get("path") or ())
        for e in body.get("errors", [])
        if e["extensions"].get("reason") in ("NOT_A_PARTY", "NOT_A_RESPONDENT")
    }
    for e in body.get("errors", []):
        path = tuple(e.get("path") or ())
        code = e["extensions"]["code"]
        if path in not_a_party:
            continue
        if code != "FORBIDDEN" or expect.get(coordinate_of.get(path, "")) != "deny":
            problems.append(f"unexpected {code} at {path}: {e['message']}")
    data = body.get("data")
    compared = 0
    for loc in clear:
        expected = expect[loc.coordinate]
        where = f"{loc.coordinate} at {loc.path} (expected {expected})"
        null_at, value = at(data, loc.path)
        if loc.path in not_a_party:
            continue
        if null_at is not None and null_at != loc.path:
            # hidden: an ancestor is null, and must be a refused field the matrix denies
            if null_at in not_a_party:
                continue
            if null_at not in errors or expect.get(coordinate_of.get(null_at, "")) != "deny":
                problems.append(f"{where}: ancestor {null_at} is null without being denied")
            continue
        compared += 1
        if expected == "deny":
            if value is not None:
                problems.append(f"{where}: released {value!r}")
            elif errors.get(loc.path, {}).get("extensions", {}).get("code") != "FORBIDDEN":
                problems.append(f"{where}: null without FORBIDDEN at its path")
            continue
        if loc.path in errors:
            problems.append(f"{where}: error {errors[loc.path]['message']}")
            continue
        if not loc.leaf:
            if value is None or (isinstance(value, list) and len(value) != len(loc.value or [])):
                problems.append(f"{where}: group is {value!r}, reader saw {loc.value!r}")
            continue
        if expected == "read":
            if value != loc.value:
                problems.append(f"{where}: {value!r} != clear {loc.value!r}")
            continue
        kind_attr = fields[loc.coordinate].kind_attr
        enterprise = kind_attr is not None and loc.parent[camel(kind_attr)] == "ENTERPRISE"
        if loc.value is None or enterprise:
            if value != loc.value:
                problems.append(f"{where}: {value!r} should pass as {loc.value!r}")
        elif not (isinstance(value, str) and "*" in value and value != loc.value):
            problems.append(f"{where}: {value!r} is not a mask of {loc.value!r}")
    return problems, compared


def _http_params() -> list[Any]:
    """One case per caller."""
    return [pytest.param(role, org, id=f"{role}@{org}") for role, org in CALLERS]


@pytest.mark.parametrize(("role", "org"), _http_params())
async def test_each_role_sees_the_matrix_over_http(
    api: Api, app: Any, demo: dict[str, Any], profiles: dict[str, Profile], role: str, org: str
) -> None:
    # given the role's demo user, and the reader's clear view of a rich person and enterprise
    token = demo_token(demo, role, org)
    grants = app.state.runtime.policy.grants((role,), org)
    expect = expectations(role, org)
    fields = app.state.runtime.policy_fields
    for kind, profile in profiles.items():
        # when the role asks for every coordinate of the matrix in one request (the judge cites
        # the case the subject is a party of)
        variables = profile.variables(with_case=grants.requires_purpose)
        body = await api.query(profile.document, variables, token=token)
        # then every value is read, masked or refused exactly as the matrix says
        problems, compared = check_response(expect, fields, profile, body)
        assert problems == [], f"{role} / {kind}:\n" + "\n".join(problems)
        if role in ("auditor", "approval_system", "enterprise_party", "bank_officer"):
            # no profile at all
            root = "person" if kind == "PERSON" else "enterprise"
            assert body["data"] == {root: None}
            assert [tuple(e["path"]) for e in body["errors"]] == [(root,)]
            assert "may not look up" in body["errors"][0]["message"]
        else:
            assert compared >= 10, f"{role} / {kind}: only {compared} values compared"


# --- the checker itself must fail on a wrong response -----------------------------


def test_checker_catches_a_leak_a_missing_mask_and_a_bare_null(
    app: Any, profiles: dict[str, Profile]
) -> None:
    # given the registry officer's expectations and responses doctored from the clear one
    expect = expectations("registry_officer")
    fields = app.state.runtime.policy_fields
    profile = profiles["PERSON"]
    clear = profile.clear["data"]["person"]
    doctored = {
        "leak": {"data": {"person": clear}},
        "bare_null": {"data": {"person": {**clear, "insurance": None}}},
    }
    # when each is checked
    found = {
        name: check_response(expect, fields, profile, body)[0] for name, body in doctored.items()
    }
    # then each is caught: clear ID number and name, a denied group without its error
    assert any(re.search(r"^Person\.idNumber .* is not a mask", p) for p in found["leak"])
    assert any(re.search(r"^Identity\.name .* is not a mask", p) for p in found["leak"])
    assert any(re.search(r"^Identity\.phone .* released", p) for p in found["leak"])
    assert any(
        p.startswith("Person.insurance ") and "without FORBIDDEN" in p for p in found["bare_null"]
    )
