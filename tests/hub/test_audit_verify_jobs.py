"""Verifying the whole log as a background job: started at once, run in a process of its own,
one at a time per hub, followed with its progress, for auditors only, and on record."""

from __future__ import annotations

import asyncio
import os
import resource
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from bench.audit_generate import generate
from hub.audit import verify_jobs
from hub.audit.keys import AuditKeys
from hub.audit.models import audit_verifications
from hub.config import Settings
from hub.db.engine import create_hub_engine, upgrade
from tests.conftest import PG_ENV, Api, _create_pg_database, _drop_pg_database, start_app

START = """
mutation { auditIntegrityStart { started job { id state requestedBy startedAt checked total } } }
"""
JOB = """
query J($id: String) {
  auditIntegrityJob(id: $id) {
    id state requestedBy startedAt finishedAt checked total error
    report { ok entries treeSize checkpoints problems omittedProblems rootHash checkedAt }
  }
}
"""
AUDITOR = "auditor-sun"


async def finished(api: Api, token: str, job_id: str, seconds: float = 120) -> dict[str, Any]:
    """The job once it is no longer RUNNING."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = await api.query(JOB, {"id": job_id}, token=token)
        job = body["data"]["auditIntegrityJob"]
        if job["state"] != "RUNNING":
            return job  # type: ignore[no-any-return]
        await asyncio.sleep(0.2)
    raise AssertionError(f"verification {job_id} still running after {seconds} s")


async def test_a_verification_starts_at_once_and_reports_when_done(
    api: Api, tokens: dict[str, str]
) -> None:
    # when the auditor starts a verification
    body = await api.query(START, token=tokens[AUDITOR])
    assert "errors" not in body, body
    payload = body["data"]["auditIntegrityStart"]
    job = payload["job"]
    assert job["requestedBy"] == AUDITOR
    assert job["state"] in ("RUNNING", "DONE")
    # then it runs to the end, and its report is the whole log's
    done = await finished(api, tokens[AUDITOR], job["id"])
    assert done["state"] == "DONE", done
    report = done["report"]
    assert report["ok"] is True and report["problems"] == [] and report["omittedProblems"] == 0
    assert report["entries"] >= report["treeSize"] > 0
    assert done["checked"] == done["total"] == report["treeSize"]
    assert done["finishedAt"] is not None and done["error"] is None
    # and the latest job is that one when no id is given
    latest = (await api.query(JOB, {}, token=tokens[AUDITOR]))["data"]["auditIntegrityJob"]
    assert int(latest["id"]) >= int(job["id"])
    # and starting and following it are on record
    events = await api.query(
        '{ auditEvents(filter: {userId: "auditor-sun"}, first: 20) { nodes { action } } }',
        token=tokens[AUDITOR],
    )
    assert any(n["action"] == "AUDIT_QUERY" for n in events["data"]["auditEvents"]["nodes"])


async def test_only_auditors_start_or_follow_verifications(api: Api) -> None:
    # the demo judge is no auditor
    start = await api.query(START)
    assert start["data"] is None
    assert start["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    follow = await api.query(JOB, {})
    assert follow["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("job_id", ["0", "-1", "abc", "1.5", "1 2", "", "  ", "1" * 19])
async def test_a_malformed_job_id_is_refused(api: Api, tokens: dict[str, str], job_id: str) -> None:
    body = await api.query(JOB, {"id": job_id}, token=tokens[AUDITOR])
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["rule"] == "JOB_ID"


@pytest.mark.parametrize("job_id", ["1\x00", "\u202e1", "1\n", "\t1"])
async def test_a_job_id_with_a_control_character_is_refused_as_such(
    api: Api, tokens: dict[str, str], job_id: str
) -> None:
    # as in every text argument: the rule names the character, not the number's form
    body = await api.query(JOB, {"id": job_id}, token=tokens[AUDITOR])
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["rule"] == "CONTROL_CHARACTER"


async def test_spaces_around_a_job_id_are_not_part_of_it(
    api: Api, tokens: dict[str, str]
) -> None:
    # given a verification
    started = await api.query(START, token=tokens[AUDITOR])
    job_id = started["data"]["auditIntegrityStart"]["job"]["id"]
    # when it is asked for with spaces around its number
    body = await api.query(JOB, {"id": f"  {job_id} "}, token=tokens[AUDITOR])
    # then it is that job
    assert "errors" not in body, body
    assert body["data"]["auditIntegrityJob"]["id"] == job_id
    await finished(api, tokens[AUDITOR], job_id)


async def test_an_unknown_job_is_not_found(api: Api, tokens: dict[str, str]) -> None:
    body = await api.query(JOB, {"id": "999999999"}, token=tokens[AUDITOR])
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


# --- one at a time, and a job whose process is gone --------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def engine(request: Any, tmp_path: Any) -> AsyncIterator[Any]:
    """A fresh hub database on SQLite, and on PostgreSQL (a database of its own)."""
    if request.param == "sqlite":
        url, dropped = f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}", None
    else:
        base = os.environ[PG_ENV]
        name, url = await _create_pg_database(base)
        dropped = (base, name)
    e = create_hub_engine(url)
    try:
        await upgrade(e)
        yield e
    finally:
        await e.dispose()
        if dropped is not None:
            await _drop_pg_database(*dropped)


async def test_one_verification_runs_at_a_time(engine: Any) -> None:
    # given a verification started (its process not run here)
    first, created = await verify_jobs.start(engine, requested_by="auditor-a")
    assert created and first.state == "RUNNING"
    # when another auditor asks for one, and two more at once
    second, again = await verify_jobs.start(engine, requested_by="auditor-b")
    both = await asyncio.gather(
        verify_jobs.start(engine, requested_by="auditor-c"),
        verify_jobs.start(engine, requested_by="auditor-d"),
    )
    # then each is answered the running one
    assert (second.id, again) == (first.id, False)
    assert [(j.id, c) for j, c in both] == [(first.id, False), (first.id, False)]
    assert second.requested_by == "auditor-a"
    # and the database refuses a second RUNNING row outright
    with pytest.raises(IntegrityError, match=r"(?i)unique"):
        async with engine.begin() as conn:
            now = datetime.now(UTC)
            await conn.execute(
                insert(audit_verifications).values(
                    state="RUNNING", requested_by="x", started_at=now, updated_at=now, checked=0
                )
            )


async def test_a_verification_not_heard_from_is_failed_and_another_may_start(
    engine: Any,
) -> None:
    # given a running verification whose process stopped 31 seconds ago
    gone, _ = await verify_jobs.start(engine, requested_by="auditor-a")
    async with engine.begin() as conn:
        await conn.execute(
            update(audit_verifications)
            .where(audit_verifications.c.id == gone.id)
            .values(updated_at=datetime.now(UTC) - timedelta(seconds=verify_jobs.STALE + 1))
        )
    # when a verification is asked for
    fresh, created = await verify_jobs.start(engine, requested_by="auditor-b")
    # then a new one starts and the old one is failed, saying why
    assert created and fresh.id != gone.id
    old = await verify_jobs.get(engine, gone.id)
    assert old is not None and old.state == "FAILED"
    assert old.error is not None and "not heard from" in old.error


async def _mark_done(engine: Any, job_id: int, seconds_ago: float) -> None:
    at = datetime.now(UTC) - timedelta(seconds=seconds_ago)
    async with engine.begin() as conn:
        await conn.execute(
            update(audit_verifications)
            .where(audit_verifications.c.id == job_id)
            .values(state="DONE", finished_at=at, updated_at=at, report="{}")
        )


async def test_no_verification_starts_within_the_pause_after_one_is_done(engine: Any) -> None:
    # given a verification done 10 seconds ago
    done, _ = await verify_jobs.start(engine, requested_by="auditor-a", pause=60)
    await _mark_done(engine, done.id, seconds_ago=10)
    # when another is asked for, with a pause of 60 seconds
    with pytest.raises(verify_jobs.TooSoon) as raised:
        await verify_jobs.start(engine, requested_by="auditor-b", pause=60)
    # then none starts: the answer names the job done and when the next may start
    assert raised.value.latest.id == done.id
    finished_at = raised.value.latest.finished_at
    assert finished_at is not None
    assert raised.value.next_at == finished_at + timedelta(seconds=60)
    async with engine.connect() as conn:
        states = (await conn.execute(select(audit_verifications.c.state))).scalars().all()
    assert states == ["DONE"]


async def test_a_verification_starts_once_the_pause_has_passed(engine: Any) -> None:
    # given a verification done 61 seconds ago
    done, _ = await verify_jobs.start(engine, requested_by="auditor-a", pause=60)
    await _mark_done(engine, done.id, seconds_ago=61)
    # then a new one starts
    fresh, created = await verify_jobs.start(engine, requested_by="auditor-b", pause=60)
    assert created and fresh.id != done.id


async def test_a_failed_verification_may_be_started_again_at_once(engine: Any) -> None:
    # given a verification that failed just now
    failed, _ = await verify_jobs.start(engine, requested_by="auditor-a", pause=60)
    await verify_jobs.finish(engine, failed.id, error="the verifying process exited")
    # then a new one starts, the pause notwithstanding
    fresh, created = await verify_jobs.start(engine, requested_by="auditor-a", pause=60)
    assert created and fresh.id != failed.id


async def test_the_api_refuses_a_verification_within_the_pause(
    settings: Settings, tokens: dict[str, str], tmp_path: Any
) -> None:
    # given a hub (a database of its own) that pauses an hour between two verifications, and
    # one verification done
    url = f"sqlite+aiosqlite:///{tmp_path / 'paused.sqlite3'}"
    e = create_hub_engine(url)
    try:
        await upgrade(e)
    finally:
        await e.dispose()
    app, lifespan = await start_app(settings.replace(database_url=url, audit_verify_pause=3600))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            api = Api(client, tokens[AUDITOR])
            first = await api.query(START)
            assert "errors" not in first, first
            job_id = first["data"]["auditIntegrityStart"]["job"]["id"]
            assert (await finished(api, tokens[AUDITOR], job_id))["state"] == "DONE"
            # when the auditor starts another, or asks the old field for a fresh report
            for query in (START, "{ auditIntegrity { ok } }"):
                body = await api.query(query)
                # then it is refused, naming the pause and the job whose report is there to read
                assert not any((body["data"] or {}).values()), body
                [error] = body["errors"]
                assert error["extensions"] == {"code": "RATE_LIMITED", "reason": "PAUSE"}
                assert f'auditIntegrityJob(id: "{job_id}")' in error["message"]
            # and no verification was started
            async with app.state.runtime.engine.connect() as conn:
                ids = (await conn.execute(select(audit_verifications.c.id))).scalars().all()
            assert [str(i) for i in ids] == [job_id]
    finally:
        await lifespan.__aexit__(None, None, None)


async def test_a_job_heard_from_recently_is_still_running(engine: Any) -> None:
    job, _ = await verify_jobs.start(engine, requested_by="auditor-a")
    async with engine.begin() as conn:
        await conn.execute(
            update(audit_verifications)
            .where(audit_verifications.c.id == job.id)
            .values(updated_at=datetime.now(UTC) - timedelta(seconds=verify_jobs.STALE - 5))
        )
    again = await verify_jobs.get(engine, job.id)
    assert again is not None and again.state == "RUNNING"


# --- the serving loop stays free -------------------------------------------------------------

LARGE = 30_000


@pytest.fixture(scope="module")
async def large_log(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Any]:
    """An app of the test settings over a hub database holding a log of LARGE entries."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('large') / 'large.sqlite3'}"
    large = settings.replace(database_url=url)
    e = create_hub_engine(url)
    try:
        await upgrade(e)
        keys = AuditKeys.load(large.audit_key_path, large.audit_signing_path, large.audit_origin)
        await generate(e, keys, LARGE)
    finally:
        await e.dispose()
    app, lifespan = await start_app(large)
    try:
        yield app
    finally:
        await lifespan.__aexit__(None, None, None)


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


async def test_healthz_answers_at_once_while_a_long_log_is_verified(
    large_log: Any, tokens: dict[str, str]
) -> None:
    verifications = large_log.state.runtime.verifications
    transport = httpx.ASGITransport(app=large_log)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        api = Api(client, tokens[AUDITOR])
        own, children = cpu_seconds(resource.RUSAGE_SELF), cpu_seconds(resource.RUSAGE_CHILDREN)
        # when a verification of the long log starts
        body = await api.query(START)
        job = body["data"]["auditIntegrityStart"]["job"]
        # then the mutation answered without waiting for the work
        assert job["state"] == "RUNNING", body
        # and while it runs, /healthz answers every time at once, and progress only grows
        waits: list[float] = []
        seen: list[int] = []
        state = "RUNNING"
        deadline = time.monotonic() + 180
        while state == "RUNNING" and time.monotonic() < deadline:
            asked = time.perf_counter()
            health = await client.get("/healthz")
            waits.append(time.perf_counter() - asked)
            assert health.status_code == 200
            current = (await api.query(JOB, {"id": job["id"]}))["data"]["auditIntegrityJob"]
            state = current["state"]
            seen.append(current["checked"])
            await asyncio.sleep(0.05)
        assert state == "DONE", current
        assert len(waits) >= 3, "the verification ended before /healthz was asked thrice"
        assert max(waits) < 0.5, sorted(waits)[-5:]
        assert seen == sorted(seen)
        # and the work was done by another process: the verifying process (once it has ended)
        # used more CPU than this one, which served /healthz and the job's progress meanwhile
        for _ in range(600):  # its watcher reaps it just after it wrote the report
            if not verifications.running:
                break
            await asyncio.sleep(0.05)
        assert verifications.running == 0
        served = cpu_seconds(resource.RUSAGE_SELF) - own
        verified = cpu_seconds(resource.RUSAGE_CHILDREN) - children
        assert verified > served, (verified, served)
        # and the report covers the whole long log (and the auditor's own queries, on record)
        report = current["report"]
        assert report["ok"] is True, report["problems"]
        assert report["entries"] >= report["treeSize"] >= LARGE
        assert current["checked"] == current["total"] == report["treeSize"]


async def test_the_old_field_waits_for_a_report_computed_in_another_process(
    large_log: Any, tokens: dict[str, str]
) -> None:
    transport = httpx.ASGITransport(app=large_log)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        api = Api(client, tokens[AUDITOR])
        asked = datetime.now(UTC)
        own, children = cpu_seconds(resource.RUSAGE_SELF), cpu_seconds(resource.RUSAGE_CHILDREN)
        # when the old field is asked while /healthz is polled
        query = asyncio.create_task(
            api.query("{ auditIntegrity { ok entries treeSize problems checkedAt } }")
        )
        waits = []
        while not query.done():
            t = time.perf_counter()
            assert (await client.get("/healthz")).status_code == 200
            waits.append(time.perf_counter() - t)
            await asyncio.sleep(0.05)
        body = query.result()
        # then it answers the report of a verification made after it was asked
        report = body["data"]["auditIntegrity"]
        assert report["ok"] is True and report["treeSize"] >= LARGE
        assert datetime.fromisoformat(report["checkedAt"]) >= asked
        # and the loop stayed free meanwhile
        assert waits and max(waits) < 0.5, sorted(waits)[-5:]
        # and the work was another process's (see the test above)
        for _ in range(600):
            if not large_log.state.runtime.verifications.running:
                break
            await asyncio.sleep(0.05)
        served = cpu_seconds(resource.RUSAGE_SELF) - own
        verified = cpu_seconds(resource.RUSAGE_CHILDREN) - children
        assert verified > served, (verified, served)
    # and it was made by a job started for it, which is done
    async with large_log.state.runtime.engine.connect() as conn:
        latest = (
            await conn.execute(
                select(audit_verifications.c.state, audit_verifications.c.started_at)
                .order_by(audit_verifications.c.id.desc())
                .limit(1)
            )
        ).one()
    assert latest.state == "DONE" and latest.started_at >= asked
