"""Whom a listed enterprise's consumption restriction binds: 《最高人民法院关于限制被执行人高消费及有关
消费的若干规定》(法释〔2010〕8号, 法释〔2015〕17号修正) 第三条第二款 — "被执行人为单位的，被采取限制消费
措施后，被执行人及其法定代表人、主要负责人、影响债务履行的直接责任人员、实际控制人不得实施前款规定的行为。
因私消费以个人财产实施前款规定行为的，可以向执行法院提出申请。执行法院审查属实的，应予准许。" — the
persons the court names (by default the legal representative and the registered manager), for
all nine items of 第一款, each released on their own.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from connectors.base.identifiers import make_id_number
from hub.audit.models import audit_entries
from hub.sanctions.models import sanction_changes, sanction_entries, sanction_entry_persons
from tests.conftest import Api
from tests.hub.test_sanctions import (
    REGISTRATION,
    approver,  # noqa: F401  (fixture)
    free_parties,
    listed,  # noqa: F401  (fixture)
    publish_input,
    sanction_rows,
    today,
)

PUBLISH = """mutation($input: SanctionEntryPublishInput!) { sanctionEntryPublish(input: $input) {
  entry { id status legalBasis
    boundPersons { idNumber name roles position namedBy binding releasedOn releaseGround } }
  errors { code message field reason rule } } }"""
RELEASE = """mutation($id: String!, $idNumber: String!, $input: SanctionPersonReleaseInput!) {
  sanctionEntryPersonRelease(id: $id, idNumber: $idNumber, input: $input) {
    entry { id status boundPersons { idNumber roles binding releasedOn releaseGround releaseReason } }
    errors { code message field reason rule } } }"""
# what a check answered before bound persons had roles and bases of their own, and since
PLAIN_CHECK = """query($s: SubjectInput!, $m: String!) { sanctionCheck(subject: $s, matter: $m) {
  decision legalBasis entries { entryId role viaUscc } } }"""
CHECK = """query($s: SubjectInput!, $m: String!) { sanctionCheck(subject: $s, matter: $m) {
  decision legalBasis entries { entryId role roles legalBasis viaUscc } } }"""
PLAIN_PUBLISH = """mutation($input: SanctionEntryPublishInput!) { sanctionEntryPublish(input: $input) {
  entry { id status legalBasis } errors { code message field reason rule } } }"""
BOUND_BASIS = "法释〔2015〕17号 第三条第二款（第一款第（一）项所列行为）"


def is_manager(position: str) -> bool:
    return "经理" in position and "副" not in position and "财务" not in position


async def listed_persons(app: Any) -> set[str]:
    """Everyone an ACTIVE entry names: listed subjects and the persons of listed enterprises."""
    e, p = sanction_entries.c, sanction_entry_persons.c
    async with app.state.runtime.engine.connect() as conn:
        direct = {
            r[0] for r in await conn.execute(select(e.subject_id).where(e.status == "ACTIVE"))
        }
        bound = {
            r[0]
            for r in await conn.execute(
                select(p.id_number)
                .join_from(sanction_entry_persons, sanction_entries, e.id == p.entry_id)
                .where(e.status == "ACTIVE")
            )
        }
    return direct | bound


async def an_enterprise(
    reader: Api, app: Any, *positions: str
) -> tuple[dict[str, str], dict[str, Any]]:
    """A respondent enterprise of judge-zhang off the lists, with key personnel holding each of
    ``positions`` (besides its legal representative), none of its persons on any list."""
    taken = await listed_persons(app)
    for party in await free_parties(app, "ENTERPRISE", judge="judge-zhang"):
        body = await reader.query(REGISTRATION, {"u": party["id"]})
        registration = (body["data"]["enterprise"] or {}).get("registration")
        if not registration:
            continue
        rep = registration["legalRepresentativeId"]
        people = {k["idNumber"]: k["position"] for k in registration["keyPersonnel"] or []}
        if ({rep} | set(people)) & taken:
            continue
        others = [pos for i, pos in people.items() if i != rep]
        if all(any(p in pos for pos in others) for p in positions):
            return party, {**registration, "positions": people}
    raise AssertionError(f"no respondent enterprise off the lists with {positions}")


def holding(registration: dict[str, Any], position: str) -> str:
    rep = registration["legalRepresentativeId"]
    return next(
        i
        for i, pos in registration["positions"].items()
        if i != rep and position in pos and "副" not in pos
    )


async def publish(
    api: Api, listed_ids: list[str], data: dict[str, Any], document: str = PUBLISH
) -> dict[str, Any]:
    body = await api.query(document, {"input": data})
    assert "errors" not in body, body
    payload = body["data"]["sanctionEntryPublish"]
    assert payload["errors"] == [], payload
    listed_ids.append(payload["entry"]["id"])
    return payload["entry"]  # type: ignore[no-any-return]


async def ask(
    api: Api, token: str, id_number: str, matter: str, document: str = CHECK
) -> dict[str, Any]:
    body = await api.query(document, {"s": {"idNumber": id_number}, "m": matter}, token=token)
    assert "errors" not in body, body
    return body["data"]["sanctionCheck"]  # type: ignore[no-any-return]


# --- who is bound by default -------------------------------------------------------------------------


async def test_a_supervisor_is_not_bound_but_the_legal_representative_is(
    api: Api,
    app: Any,
    reader: Api,
    approver: Any,  # noqa: F811
    listed: list[str],  # noqa: F811
) -> None:
    """法释〔2015〕17号 第三条第二款 binds "被执行人及其法定代表人、主要负责人、影响债务履行的直接责任
    人员、实际控制人" — a 监事 (supervisor) is none of them, nor is an ordinary 董事 (director).
    A match through the enterprise cites 第三条第二款, not 第一款."""
    # given a respondent enterprise with a supervisor, on the consumption-restriction list
    party, registration = await an_enterprise(reader, app, "监事")
    rep = registration["legalRepresentativeId"]
    supervisor = holding(registration, "监事")
    directors = [i for i, pos in registration["positions"].items() if pos == "董事" and i != rep]
    entry = await publish(
        api,
        listed,
        publish_input("CONSUMPTION_RESTRICTION", party, "ENTERPRISE"),
        PLAIN_PUBLISH,
    )
    token = approver("XF-FLIGHT")
    # when the airline's approval system checks the supervisor (and any ordinary director)
    for person in [supervisor, *directors]:
        result = await ask(api, token, person, "XF-FLIGHT", PLAIN_CHECK)
        # then they may fly: the enterprise's entry does not bind them
        assert (result["decision"], result["entries"]) == ("ALLOW", []), person
    # but the legal representative is blocked through the enterprise, citing 第三条第二款
    result = await ask(api, token, rep, "XF-FLIGHT", PLAIN_CHECK)
    assert result["decision"] == "BLOCK"
    assert [(m["entryId"], m["role"], m["viaUscc"]) for m in result["entries"]] == [
        (entry["id"], "LEGAL_REPRESENTATIVE", party["id"])
    ]
    assert result["legalBasis"] == BOUND_BASIS
    [match] = (await ask(api, token, rep, "XF-FLIGHT"))["entries"]
    assert match["legalBasis"] == BOUND_BASIS
    # while the enterprise itself, the 被执行人, is blocked under 第一款
    body = await api.query(CHECK, {"s": {"uscc": party["id"]}, "m": "XF-FLIGHT"}, token=token)
    enterprise = body["data"]["sanctionCheck"]
    assert (
        enterprise["legalBasis"]
        == "法释〔2015〕17号 第三条第一款第（一）项；中办发〔2016〕64号 二（七）"
    )
    assert [m["role"] for m in enterprise["entries"]] == ["SUBJECT"]


async def test_the_school_item_binds_the_legal_representative(
    api: Api,
    app: Any,
    reader: Api,
    approver: Any,  # noqa: F811
    listed: list[str],  # noqa: F811
) -> None:
    """第三条第二款 binds the persons for "前款规定的行为" — every item of 第一款, （七）子女就读高收费
    私立学校 included."""
    # given a respondent enterprise on the dishonest list (which restricts consumption too,
    # 第一条第二款)
    party, registration = await an_enterprise(reader, app)
    rep = registration["legalRepresentativeId"]
    entry = await publish(
        api, listed, publish_input("DISHONEST", party, "ENTERPRISE"), PLAIN_PUBLISH
    )
    # when the education department checks its legal representative's child's school place
    result = await ask(api, approver("XF-SCHOOL"), rep, "XF-SCHOOL", PLAIN_CHECK)
    # then it is blocked, through the enterprise, under 第三条第二款 for item （七）
    assert result["decision"] == "BLOCK"
    assert [(m["entryId"], m["role"]) for m in result["entries"]] == [
        (entry["id"], "LEGAL_REPRESENTATIVE")
    ]
    assert result["legalBasis"] == "法释〔2015〕17号 第三条第二款（第一款第（七）项所列行为）"


async def test_one_block_lists_a_person_once(
    api: Api,
    app: Any,
    reader: Api,
    approver: Any,  # noqa: F811
    listed: list[str],  # noqa: F811
) -> None:
    """A legal representative registered also as a key person (董事长, 执行董事 …) is one person
    the entry binds: one match, with every role they hold in it."""
    # given an enterprise whose legal representative is among its registered key personnel
    party, registration = await an_enterprise(reader, app)
    rep = registration["legalRepresentativeId"]
    assert rep in registration["positions"], "the register lists the legal representative"
    entry = await publish(
        api,
        listed,
        publish_input("CONSUMPTION_RESTRICTION", party, "ENTERPRISE"),
        PLAIN_PUBLISH,
    )
    # when the legal representative is checked
    token = approver("XF-FLIGHT")
    result = await ask(api, token, rep, "XF-FLIGHT", PLAIN_CHECK)
    # then the entry is there once
    mine = [m for m in result["entries"] if m["entryId"] == entry["id"]]
    assert len(mine) == 1, result["entries"]
    # with every role the person holds in it
    result = await ask(api, token, rep, "XF-FLIGHT")
    mine = [m for m in result["entries"] if m["entryId"] == entry["id"]]
    expected = ["LEGAL_REPRESENTATIVE"]
    if is_manager(registration["positions"][rep]):  # 执行董事兼总经理: also the principal
        expected.append("PRINCIPAL")
    assert (mine[0]["role"], mine[0]["roles"]) == ("LEGAL_REPRESENTATIVE", expected)


async def test_the_entry_binds_the_registered_manager_by_default(
    api: Api,
    app: Any,
    reader: Api,
    listed: list[str],  # noqa: F811
) -> None:
    """With no persons named, the court's entry binds the legal representative and the
    registered manager as the 主要负责人; the payload shows them, named by the register."""
    party, registration = await an_enterprise(reader, app)
    rep = registration["legalRepresentativeId"]
    managers = sorted(i for i, pos in registration["positions"].items() if is_manager(pos))
    entry = await publish(
        api, listed, publish_input("CONSUMPTION_RESTRICTION", party, "ENTERPRISE")
    )
    bound = {p["idNumber"]: (p["roles"], p["namedBy"], p["binding"]) for p in entry["boundPersons"]}
    expected: dict[str, tuple[list[str], str, bool]] = {
        rep: (["LEGAL_REPRESENTATIVE"], "REGISTER", True)
    }
    for m in managers:
        roles = ["LEGAL_REPRESENTATIVE", "PRINCIPAL"] if m == rep else ["PRINCIPAL"]
        expected[m] = (roles, "REGISTER", True)
    assert bound == expected


# --- persons the court names -------------------------------------------------------------------------


async def test_the_court_names_the_bound_persons(
    api: Api,
    app: Any,
    reader: Api,
    approver: Any,  # noqa: F811
    listed: list[str],  # noqa: F811
) -> None:
    """The court names the 主要负责人、影响债务履行的直接责任人员、实际控制人 (第三条第二款) in the entry;
    the legal representative is bound by the article in any case."""
    party, registration = await an_enterprise(reader, app, "监事")
    rep = registration["legalRepresentativeId"]
    supervisor = holding(registration, "监事")
    managers = {i for i, pos in registration["positions"].items() if is_manager(pos) and i != rep}
    # an actual controller the register does not list: a person public security knows
    taken = await listed_persons(app)
    controller = next(
        p["id"]
        for p in await free_parties(app, "PERSON", role="申请执行人")
        if p["id"] not in taken and p["id"] not in registration["positions"]
    )
    before = await sanction_rows(app)
    refusals = [
        (
            [{"idNumber": supervisor, "role": "LEGAL_REPRESENTATIVE"}],
            "NOT_THE_LEGAL_REPRESENTATIVE",
        ),
        ([{"idNumber": supervisor, "role": "KEY_PERSONNEL"}], "BOUND_ROLE"),
        (
            [
                {
                    "idNumber": make_id_number("110101", date(1951, 3, 4), 499, male=False),
                    "role": "ACTUAL_CONTROLLER",
                }
            ],
            "NOT_ON_REGISTER",
        ),
        # a resident the register does not tie to the enterprise: refused the same way, so the
        # field neither binds a stranger nor tells their name or that they exist
        ([{"idNumber": controller, "role": "ACTUAL_CONTROLLER"}], "NOT_ON_REGISTER"),
    ]
    for named, rule in refusals:
        body = await api.query(
            PUBLISH,
            {
                "input": publish_input(
                    "CONSUMPTION_RESTRICTION", party, "ENTERPRISE", boundPersons=named
                )
            },
        )
        [error] = body["data"]["sanctionEntryPublish"]["errors"]
        assert (error["code"], error["rule"]) == ("BAD_USER_INPUT", rule), named
    # a person's entry binds nobody else
    person = (await free_parties(app, "PERSON", judge="judge-zhang"))[0]
    body = await api.query(
        PUBLISH,
        {
            "input": publish_input(
                "CONSUMPTION_RESTRICTION",
                person,
                boundPersons=[{"idNumber": controller, "role": "ACTUAL_CONTROLLER"}],
            )
        },
    )
    [error] = body["data"]["sanctionEntryPublish"]["errors"]
    assert error["rule"] == "BOUND_PERSONS_OF_ENTERPRISE"
    assert await sanction_rows(app) == before
    # when the court names the supervisor as directly responsible
    entry = await publish(
        api,
        listed,
        publish_input(
            "CONSUMPTION_RESTRICTION",
            party,
            "ENTERPRISE",
            boundPersons=[{"idNumber": supervisor, "role": "DIRECTLY_RESPONSIBLE"}],
        ),
    )
    # then the entry binds them and the legal representative — not the manager it did not name
    bound = {p["idNumber"]: (p["roles"], p["namedBy"]) for p in entry["boundPersons"]}
    assert bound == {
        rep: (["LEGAL_REPRESENTATIVE"], "REGISTER"),
        supervisor: (["DIRECTLY_RESPONSIBLE"], "COURT"),
    }
    token = approver("XF-HOTEL")
    for person_id, role in ((supervisor, "DIRECTLY_RESPONSIBLE"),):
        result = await ask(api, token, person_id, "XF-HOTEL")
        assert [(m["entryId"], m["role"]) for m in result["entries"]] == [(entry["id"], role)]
    for manager in managers:
        result = await ask(api, token, manager, "XF-HOTEL")
        assert entry["id"] not in [m["entryId"] for m in result["entries"]]


# --- a person released on their own ------------------------------------------------------------------


async def test_a_person_is_released_on_their_own(
    api: Api,
    app: Any,
    reader: Api,
    approver: Any,  # noqa: F811
    listed: list[str],  # noqa: F811
) -> None:
    """第三条第二款: "因私消费以个人财产实施前款规定行为的，可以向执行法院提出申请。执行法院审查属实的，
    应予准许。" 法发〔2019〕35号 第17条第（2）项: a former 法定代表人 or 主要负责人 "申请解除对其本人的
    限制消费措施的，应举证证明其并非单位的实际控制人、影响债务履行的直接责任人员。人民法院经审查属实的，
    应予准许" — the person is released, the entry and the others stay."""
    party, registration = await an_enterprise(reader, app, "监事")
    rep = registration["legalRepresentativeId"]
    supervisor = holding(registration, "监事")
    entry = await publish(
        api,
        listed,
        publish_input(
            "CONSUMPTION_RESTRICTION",
            party,
            "ENTERPRISE",
            boundPersons=[{"idNumber": supervisor, "role": "ACTUAL_CONTROLLER"}],
        ),
    )
    token = approver("XF-FLIGHT")
    # an actual controller is not released as a former officer who left
    body = await api.query(
        RELEASE,
        {
            "id": entry["id"],
            "idNumber": supervisor,
            "input": {"ground": "LEFT_OFFICE", "reason": "已不再担任监事"},
        },
    )
    [error] = body["data"]["sanctionEntryPersonRelease"]["errors"]
    assert (error["code"], error["rule"]) == ("BAD_USER_INPUT", "RELEASE_GROUND")
    # when the court releases the legal representative who left office
    body = await api.query(
        RELEASE,
        {
            "id": entry["id"],
            "idNumber": rep,
            "input": {"ground": "LEFT_OFFICE", "reason": "法定代表人已变更，非实际控制人"},
        },
    )
    payload = body["data"]["sanctionEntryPersonRelease"]
    assert payload["errors"] == [], payload
    released = {p["idNumber"]: p for p in payload["entry"]["boundPersons"]}
    assert payload["entry"]["status"] == "ACTIVE"
    assert (
        released[rep]["binding"],
        released[rep]["releasedOn"],
        released[rep]["releaseGround"],
    ) == (
        False,
        today().isoformat(),
        "LEFT_OFFICE",
    )
    assert released[supervisor]["binding"] is True
    # then the legal representative may fly, the controller and the enterprise may not
    result = await ask(api, token, rep, "XF-FLIGHT")
    assert entry["id"] not in [m["entryId"] for m in result["entries"]]
    result = await ask(api, token, supervisor, "XF-FLIGHT")
    assert [(m["entryId"], m["role"]) for m in result["entries"]] == [
        (entry["id"], "ACTUAL_CONTROLLER")
    ]
    body = await api.query(CHECK, {"s": {"uscc": party["id"]}, "m": "XF-FLIGHT"}, token=token)
    assert body["data"]["sanctionCheck"]["decision"] == "BLOCK"
    # private consumption with their own property releases the controller too
    body = await api.query(
        RELEASE,
        {
            "id": entry["id"],
            "idNumber": supervisor,
            "input": {"ground": "PRIVATE_CONSUMPTION", "reason": "以个人财产因私消费，经审查属实"},
        },
    )
    assert body["data"]["sanctionEntryPersonRelease"]["errors"] == []
    assert (await ask(api, token, supervisor, "XF-FLIGHT"))["decision"] == "ALLOW"
    # a second release is a conflict, a person the entry does not bind is not found
    body = await api.query(
        RELEASE,
        {"id": entry["id"], "idNumber": rep, "input": {"ground": "LEFT_OFFICE", "reason": "x"}},
    )
    assert body["data"]["sanctionEntryPersonRelease"]["errors"][0]["code"] == "CONFLICT"
    stranger = make_id_number("110101", date(1961, 7, 8), 498, male=True)
    body = await api.query(
        RELEASE,
        {
            "id": entry["id"],
            "idNumber": stranger,
            "input": {"ground": "LEFT_OFFICE", "reason": "x"},
        },
    )
    assert body["data"]["sanctionEntryPersonRelease"]["errors"][0]["code"] == "NOT_FOUND"
    # each release is a change of the entry and on record with the person as its subject
    async with app.state.runtime.engine.connect() as conn:
        changes = list(
            (
                await conn.execute(
                    select(sanction_changes.c.change)
                    .where(sanction_changes.c.entry_id == entry["id"])
                    .order_by(sanction_changes.c.seq)
                )
            ).scalars()
        )
        records = [
            (r.subject_index, json.loads(r.content)["detail"])
            for r in await conn.execute(
                select(audit_entries)
                .where(
                    audit_entries.c.action == "SANCTION_RELEASE", audit_entries.c.outcome == "OK"
                )
                .order_by(audit_entries.c.id)
            )
        ]
    assert changes == ["PUBLISHED", "RELEASED", "RELEASED"]
    keys = app.state.runtime.audit.keys
    mine = [(index, d["ground"], d["basis"]) for index, d in records if d["entry"] == entry["id"]]
    assert mine == [
        (keys.blind_index(rep), "LEFT_OFFICE", "法发〔2019〕35号 第17条第（2）项"),
        (keys.blind_index(supervisor), "PRIVATE_CONSUMPTION", "法释〔2015〕17号 第三条第二款"),
    ]


@pytest.mark.parametrize("who", ["judge-li", "approval-market"])
async def test_only_the_entrys_court_releases_a_person(
    api: Api,
    app: Any,
    reader: Api,
    tokens: dict[str, str],
    listed: list[str],  # noqa: F811
    who: str,
) -> None:
    party, registration = await an_enterprise(reader, app)
    rep = registration["legalRepresentativeId"]
    entry = await publish(
        api, listed, publish_input("CONSUMPTION_RESTRICTION", party, "ENTERPRISE")
    )
    body = await api.query(
        RELEASE,
        {"id": entry["id"], "idNumber": rep, "input": {"ground": "LEFT_OFFICE", "reason": "x"}},
        token=tokens[who],
    )
    if who == "judge-li":  # another court: answered as an entry that does not exist
        [error] = body["data"]["sanctionEntryPersonRelease"]["errors"]
        assert (error["code"], error["reason"]) == ("NOT_FOUND", None)
    else:  # an approval system: the policy refuses the mutation itself
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


CORRECT = """mutation($id: String!, $input: SanctionEntryCorrectInput!) {
  sanctionEntryCorrect(id: $id, input: $input) {
    entry { id status correctedOn boundPersons { idNumber roles namedBy binding } }
    errors { code message field reason rule } } }"""


async def test_the_court_names_the_persons_of_an_existing_entry_by_correcting_it(
    api: Api,
    app: Any,
    reader: Api,
    approver: Any,  # noqa: F811
    listed: list[str],  # noqa: F811
) -> None:
    """法释〔2017〕7号 第九条第二款 (更正): an entry that bound the wrong persons — or one older than the
    court's naming, whose registered officers bind nobody — gets the persons 第三条第二款 names."""
    party, registration = await an_enterprise(reader, app, "监事")
    rep = registration["legalRepresentativeId"]
    supervisor = holding(registration, "监事")
    managers = {i for i, pos in registration["positions"].items() if is_manager(pos) and i != rep}
    entry = await publish(
        api, listed, publish_input("CONSUMPTION_RESTRICTION", party, "ENTERPRISE")
    )
    # when the court corrects it, naming the supervisor as the actual controller
    body = await api.query(
        CORRECT,
        {
            "id": entry["id"],
            "input": {
                "reason": "实际控制人认定有误",
                "boundPersons": [{"idNumber": supervisor, "role": "ACTUAL_CONTROLLER"}],
            },
        },
    )
    payload = body["data"]["sanctionEntryCorrect"]
    assert payload["errors"] == [], payload
    # then the entry binds the legal representative and the supervisor, no longer the manager
    bound = {p["idNumber"]: (p["roles"], p["namedBy"]) for p in payload["entry"]["boundPersons"]}
    assert bound == {
        rep: (["LEGAL_REPRESENTATIVE"], "REGISTER"),
        supervisor: (["ACTUAL_CONTROLLER"], "COURT"),
    }
    assert payload["entry"]["correctedOn"] == today().isoformat()
    token = approver("XF-TRAVEL")
    assert [m["role"] for m in (await ask(api, token, supervisor, "XF-TRAVEL"))["entries"]] == [
        "ACTUAL_CONTROLLER"
    ]
    for manager in managers:
        result = await ask(api, token, manager, "XF-TRAVEL")
        assert entry["id"] not in [m["entryId"] for m in result["entries"]]
    # a person's entry takes no bound persons
    person = (await free_parties(app, "PERSON", judge="judge-zhang"))[0]
    other = await publish(api, listed, publish_input("CONSUMPTION_RESTRICTION", person))
    body = await api.query(
        CORRECT,
        {
            "id": other["id"],
            "input": {
                "reason": "x",
                "boundPersons": [{"idNumber": supervisor, "role": "ACTUAL_CONTROLLER"}],
            },
        },
    )
    [error] = body["data"]["sanctionEntryCorrect"]["errors"]
    assert error["rule"] == "BOUND_PERSONS_OF_ENTERPRISE"
