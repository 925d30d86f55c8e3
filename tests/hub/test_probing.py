"""Masked ID numbers cannot be recovered by probing which candidates exist (Step 8, item 4)."""

from __future__ import annotations

import base64
import json
from datetime import date
from typing import Any

from sqlalchemy import select

from connectors.base.identifiers import make_id_number
from connectors.base.world import build_world
from hub.audit.models import audit_entries
from tests.conftest import TEST_PERSONS, TEST_SEED, Api

PERSONS = "query($ids: [String!]!) { persons(idNumbers: $ids) { idNumber identity { name } } }"
KEY_PERSONNEL = """query($u: String!) { enterprise(uscc: $u) {
  registration { keyPersonnel { idNumber name } } } }"""


def candidates(true_id: str, n: int) -> list[str]:
    """n ID numbers of the true one's region that no test person has, and the true one last."""
    known = {p.id_number for p in build_world(TEST_SEED, TEST_PERSONS).persons}
    out: list[str] = []
    day = date(1950, 1, 1).toordinal()
    while len(out) < n - 1:
        candidate = make_id_number(true_id[:6], date.fromordinal(day), 1, male=True)
        day += 1
        if candidate not in known:
            out.append(candidate)
    return [*out, true_id]


async def rows_of(app: Any, request_id: str) -> list[dict[str, Any]]:
    async with app.state.runtime.engine.connect() as conn:
        result = await conn.execute(
            select(audit_entries).where(audit_entries.c.request_id == request_id)
        )
        return [dict(r._mapping) for r in result]


async def test_a_market_officer_cannot_recover_a_masked_id_number(
    api: Api, app: Any, mint: Any
) -> None:
    world = build_world(TEST_SEED, TEST_PERSONS)
    enterprise = next(e for e in world.enterprises if e.key_personnel)
    officer = mint(sub="probe-market", org="agency:market_supervision", roles=("market_officer",))
    # given the masked ID number of a key person, as the officer sees it
    body = await api.query(KEY_PERSONNEL, {"u": enterprise.uscc}, token=officer)
    masked = body["data"]["enterprise"]["registration"]["keyPersonnel"][0]["idNumber"]
    assert "*" in masked
    true_id = next(
        world.persons[i].id_number
        for i, _ in enterprise.key_personnel
        if world.persons[i].id_number[:2] + "*" * 14 + world.persons[i].id_number[-2:] == masked
    )
    # when the officer asks which of a thousand candidates exists, the true one among them
    response = await api.post(PERSONS, {"ids": candidates(true_id, 1000)}, token=officer)
    body = response.json()
    # then nothing is answered: the call is refused whole, and says why
    assert body["data"] is None or body["data"].get("persons") is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["RATE_LIMITED"]
    assert body["errors"][0]["extensions"]["reason"] == "ENUMERATION"
    assert true_id not in response.text
    # and the attempt is on record, flagged for the auditors
    rows = await rows_of(app, response.headers["X-Request-Id"])
    assert rows and all(r["outcome"] == "RATE_LIMITED" for r in rows)
    assert all("ENUMERATION" in r["flags"].split() for r in rows)


async def test_a_few_unknown_identifiers_a_day_are_answered_then_no_more(
    api: Api, app: Any, mint: Any
) -> None:
    limit = app.state.settings.unknown_subjects_per_day
    officer = mint(sub="probe-budget", org="agency:real_estate", roles=("registry_officer",))
    some = candidates("370602199001011234", limit + 2)[:-1]  # limit + 1 unknown ones
    # given a user who names unknown ID numbers up to the daily limit, a few at a time
    for k in range(0, limit, 5):
        body = await api.query(PERSONS, {"ids": some[k : k + 5]}, token=officer)
        assert body.get("data") and body["data"]["persons"] == [None] * 5, body
    # when one more unknown ID number is named
    body = await api.query(PERSONS, {"ids": some[limit : limit + 1]}, token=officer)
    # then it is refused, and so is every further call naming one, for the day
    assert [e["extensions"]["code"] for e in body["errors"]] == ["RATE_LIMITED"]
    # (a known person is still answered: the limit is on unknown ones)
    known = build_world(TEST_SEED, TEST_PERSONS).persons[0].id_number
    body = await api.query(PERSONS, {"ids": [known]}, token=officer)
    assert body["data"]["persons"][0] is not None


async def test_the_ID_number_mask_keeps_only_the_province_and_the_last_two(
    api: Api, mint: Any
) -> None:
    person = build_world(TEST_SEED, TEST_PERSONS).persons[0]
    officer = mint(sub="probe-mask", org="agency:real_estate", roles=("registry_officer",))
    body = await api.query(PERSONS, {"ids": [person.id_number]}, token=officer)
    masked = body["data"]["persons"][0]["idNumber"]
    assert masked == person.id_number[:2] + "*" * 14 + person.id_number[-2:]
    assert json.dumps(body).count(person.id_number[2:16]) == 0


HISTORY = "query($id: String!) { accessHistory(idNumber: $id) { id subjectId } }"


async def test_an_auditor_cannot_probe_the_log_for_a_masked_id_number(
    api: Api, app: Any, mint: Any
) -> None:
    # given an auditor (who sees ID numbers masked) trying candidates one by one
    limit = app.state.settings.unknown_subjects_per_day
    auditor = mint(sub="probe-auditor", org="court:370602", roles=("auditor",))
    tries = candidates("370612199001011234", limit + 2)[:-1]  # IDs nobody looked up
    answers = [await api.query(HISTORY, {"id": c}, token=auditor) for c in tries]
    # then the searches that find nothing are answered up to the daily limit, then refused
    assert all(a["data"]["accessHistory"] == [] for a in answers[:limit])
    last = answers[limit]
    assert [e["extensions"]["code"] for e in last["errors"]] == ["RATE_LIMITED"]
    assert last["errors"][0]["extensions"]["reason"] == "ENUMERATION"


PERSON_ACCESSES = """query($id: String!, $after: String) {
  personAccesses(idNumber: $id, first: 5, after: $after) { nodes { id } totalCount } }"""


async def test_a_persons_accesses_page_is_no_way_around_the_limit_of_unknown_subjects(
    api: Api, app: Any, mint: Any
) -> None:
    # given an auditor trying candidates, each with a cursor as if on a later page (a later
    # page that is empty says nothing by itself: the hub still asks whether the log knows them)
    limit = app.state.settings.unknown_subjects_per_day
    auditor = mint(sub="probe-auditor-pages", org="court:370602", roles=("auditor",))
    after = base64.urlsafe_b64encode(b"accesses:999999999999").decode()  # its own list's
    tries = candidates("370612199001011234", limit + 2)[:-1]
    answers = [
        await api.query(PERSON_ACCESSES, {"id": c, "after": after}, token=auditor) for c in tries
    ]
    # then the searches that find nothing are answered (and counted 0) up to the daily limit,
    # then refused whole
    assert all(
        a["data"]["personAccesses"] == {"nodes": [], "totalCount": 0} for a in answers[:limit]
    )
    last = answers[limit]
    assert [e["extensions"]["code"] for e in last["errors"]] == ["RATE_LIMITED"]
    assert last["errors"][0]["extensions"]["reason"] == "ENUMERATION"
