"""Every access to subject data is on record before it is released; the record holds no ids in clear."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from hub.audit.models import audit_entries, audit_subjects
from tests.conftest import Api
from tests.hub.queries import PERSON_FULL

PERSONS = (
    "query($ids:[String!]!, $case:String){ persons(idNumbers:$ids, caseNumber:$case){ idNumber } }"
)
REFERENCE = """query($u:String!, $case:String){ enterprise(uscc:$u, caseNumber:$case){
  registration { legalRepresentative { idNumber } } } }"""


async def entries(app: Any, request_id: str) -> list[dict[str, Any]]:
    async with app.state.runtime.engine.connect() as conn:
        rows = await conn.execute(
            select(audit_entries)
            .where(audit_entries.c.request_id == request_id)
            .order_by(audit_entries.c.id)
        )
        return [dict(r._mapping) for r in rows]


async def ask(
    api: Api, query: str, variables: dict[str, Any], token: str | None = None
) -> tuple[dict[str, Any], str]:
    response = await api.post(query, variables, token=token)
    return response.json(), response.headers["X-Request-Id"]


async def test_a_profile_view_is_recorded(api: Api, app: Any, demo: dict[str, Any]) -> None:
    # given a party of the judge's open case
    sample = demo["samples"]["persons"][0]
    # when the judge looks at the full profile
    body, rid = await ask(
        api, PERSON_FULL, {"id": sample["idNumber"], "case": sample["caseNumber"]}
    )
    assert "errors" not in body
    # then one entry records who, which case, which subject (by blind index), what and how
    rows = await entries(app, rid)
    keys = app.state.runtime.audit.keys
    assert len(rows) == 1
    row = rows[0]
    assert (row["user_id"], row["org"], row["roles"]) == (
        "judge-zhang",
        "court:370602",
        "enforcement_judge",
    )
    assert (row["action"], row["outcome"], row["case_number"]) == (
        "PROFILE_VIEW",
        "OK",
        sample["caseNumber"],
    )
    assert row["subject_kind"] == "PERSON"
    assert row["subject_index"] == keys.blind_index(sample["idNumber"])
    content = json.loads(row["content"])
    assert keys.decrypt(content["subject"]) == sample["idNumber"]
    assert "Identity.name" in content["fields"]["granted"]
    assert set(content["connectors"]) >= {"public_security", "real_estate", "social_security"}
    assert content["latencyMs"] > 0
    assert "NO_CASE" not in row["flags"].split()


async def test_no_subject_id_is_stored_in_clear(api: Api, app: Any, demo: dict[str, Any]) -> None:
    sample = demo["samples"]["persons"][1]
    _, rid = await ask(api, PERSON_FULL, {"id": sample["idNumber"], "case": sample["caseNumber"]})
    rows = await entries(app, rid)
    assert rows
    dump = json.dumps(
        [{k: (v.hex() if isinstance(v, bytes) else str(v)) for k, v in r.items()} for r in rows]
    )
    assert sample["idNumber"] not in dump
    assert sample["name"] not in dump


async def test_a_batch_records_one_entry_per_subject(
    api: Api, app: Any, demo: dict[str, Any]
) -> None:
    samples = [
        p
        for p in demo["samples"]["persons"]
        if p["caseNumber"] == demo["samples"]["persons"][0]["caseNumber"]
    ]
    case = samples[0]["caseNumber"]
    from datetime import date

    from connectors.base.identifiers import make_id_number

    outsider = make_id_number("650102", date(1990, 1, 1), 3, male=True)
    _, rid = await ask(api, PERSONS, {"ids": [samples[0]["idNumber"], outsider], "case": case})
    rows = await entries(app, rid)
    assert [r["outcome"] for r in rows] == ["OK", "DENIED"]
    keys = app.state.runtime.audit.keys
    assert rows[1]["subject_index"] == keys.blind_index(outsider)
    assert json.loads(rows[1]["content"])["reason"] == "NOT_A_PARTY"


async def test_denied_and_purposeless_attempts_are_recorded(
    api: Api, app: Any, demo: dict[str, Any], tokens: dict[str, str]
) -> None:
    sample = demo["samples"]["persons"][0]
    # the judge without a case
    _, rid = await ask(api, PERSON_FULL, {"id": sample["idNumber"]})
    [row] = await entries(app, rid)
    assert row["outcome"] == "PURPOSE_REQUIRED"
    assert "NO_CASE" in row["flags"].split()
    # the auditor, who may see no subject data
    _, rid = await ask(api, PERSON_FULL, {"id": sample["idNumber"]}, token=tokens["auditor-sun"])
    [row] = await entries(app, rid)
    assert (row["outcome"], row["user_id"]) == ("DENIED", "auditor-sun")
    # another court's judge citing a case of this court
    _, rid = await ask(
        api,
        PERSON_FULL,
        {"id": sample["idNumber"], "case": sample["caseNumber"]},
        token=tokens["judge-li"],
    )
    [row] = await entries(app, rid)
    assert row["outcome"] == "DENIED"
    assert "CASE_OTHER_COURT" in row["flags"].split()


async def test_references_are_recorded(api: Api, app: Any, demo: dict[str, Any]) -> None:
    sample = demo["samples"]["enterprises"][0]
    _, rid = await ask(api, REFERENCE, {"u": sample["uscc"], "case": sample["caseNumber"]})
    rows = await entries(app, rid)
    assert rows[0]["action"] == "PROFILE_VIEW"
    assert [r["action"] for r in rows[1:]] == ["REFERENCE_VIEW"]


async def test_a_request_without_subjects_writes_nothing(api: Api, app: Any) -> None:
    _, rid = await ask(api, "{ me { userId } }", {})
    assert await entries(app, rid) == []


async def test_fail_closed_when_the_audit_store_is_down(
    api: Api, app: Any, demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an audit store that cannot be written
    from sqlalchemy.ext.asyncio import create_async_engine

    broken = create_async_engine("sqlite+aiosqlite:////nonexistent-dir/audit.sqlite3")
    monkeypatch.setattr(app.state.runtime.audit, "writer", broken)
    sample = demo["samples"]["persons"][0]
    # when the judge asks for a profile
    body, _ = await ask(api, PERSON_FULL, {"id": sample["idNumber"], "case": sample["caseNumber"]})
    # then nothing is released: no data, AUDIT_UNAVAILABLE
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["AUDIT_UNAVAILABLE"]
    assert sample["idNumber"] not in json.dumps(body, ensure_ascii=False)
    await broken.dispose()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entries SET user_id = 'someone-else'",
        "UPDATE audit_entries SET outcome = 'OK'",
        "DELETE FROM audit_entries",
    ],
)
async def test_audit_entries_are_append_only(
    app: Any, api: Api, demo: dict[str, Any], statement: str
) -> None:
    sample = demo["samples"]["persons"][0]
    await ask(api, PERSON_FULL, {"id": sample["idNumber"], "case": sample["caseNumber"]})
    engine = app.state.runtime.engine
    with pytest.raises(DBAPIError, match="append-only"):
        async with engine.begin() as conn:
            await conn.execute(text(statement))


@pytest.mark.postgres
async def test_truncate_is_refused_on_postgresql(app: Any) -> None:
    # (SQLite has no TRUNCATE; its DELETE is refused above)
    engine = app.state.runtime.engine
    assert engine.dialect.name == "postgresql"
    with pytest.raises(DBAPIError, match="append-only"):
        async with engine.begin() as conn:
            await conn.execute(text("TRUNCATE audit_entries CASCADE"))


async def test_listing_my_cases_is_recorded(api: Api, app: Any) -> None:
    body, rid = await ask(api, "{ myCases(first: 3) { caseNumber parties { subjectId } } }", {})
    [listed] = await entries(app, rid)
    assert (listed["action"], listed["subject_index"], listed["outcome"]) == (
        "CASE_LIST",
        None,
        "OK",
    )
    # the parties' identifiers that left are on record too, a row each (outcome SHOWN) of the
    # same entry, which commits to them; each is found by subject
    parties = {p["subjectId"] for c in body["data"]["myCases"] for p in c["parties"]}
    assert listed["subjects_hash"] is not None
    async with app.state.runtime.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(audit_subjects.c.subject_index, audit_subjects.c.outcome).where(
                    audit_subjects.c.entry_id == listed["id"]
                )
            )
        ).all()
    assert {r.outcome for r in rows} == {"SHOWN"}
    indexes = {r.subject_index for r in rows}
    keys = app.state.runtime.audit.keys
    assert indexes == {keys.blind_index(p) for p in parties}
