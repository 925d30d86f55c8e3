"""The asynchronous 查控 request: a judge files one request for a list of subjects of a case, the
hub asks every bank in rounds, each bank's answer is recorded as it comes.

- **Filing** (:func:`file`): the case is the judge's court's, open, the judge assigned
  (:func:`hub.cases.rules.check_case`), and every subject a 被执行人 / 被保全人 of it
  (:func:`hub.cases.rules.respondent_verdict`; 《民事诉讼法》(2023) 第二百五十三条: 人民法院有权向
  有关单位查询被执行人的存款 …) — the rule the profile's deposits apply. One refused subject refuses
  the request and nothing is written. The request, its subjects, one PENDING row per bank and the
  audit entry (``DEPOSIT_INQUIRY_FILE``, a subject row per subject) commit together.
- **A round** (:func:`run_round`): every bank row due (PENDING, its next attempt reached) is
  grouped by bank, and each bank is asked **once** for the subjects of all its due requests
  together (the source's batch look-up ``deposits(keys)``), the banks in parallel. A bank's
  answer makes its rows ANSWERED, with each request's subjects' accounts; a failure is retried in
  a later round after :func:`hub.inquiries.rules.backoff`; a row still PENDING at the request's
  deadline ends TIMED_OUT. Each answer or time-out is on record (``DEPOSIT_INQUIRY_ANSWER``, the
  hub as actor, a subject row per subject) in the transaction that records it. A request whose
  banks have all ended is DONE (decided once the round's rows are committed).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from connectors.base.annotations import REGISTER_TZ
from connectors.base.errors import ConnectorError, ConnectorTimeout
from hub.cases.records import CasePurposeRecord
from hub.cases.rules import check_case, respondent_verdict
from hub.errors import Forbidden
from hub.inquiries import rules, service

logger = logging.getLogger("hub.inquiries")


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: str
    org: str
    court_code: str | None
    requires_assignment: bool


@dataclass(frozen=True, slots=True)
class FileInquiry:
    case_number: str
    subjects: tuple[tuple[str, str], ...]  # (PERSON | ENTERPRISE, id), checked by rules.subjects


class Gateway(Protocol):
    """What filing needs of the rest of the hub during one operation."""

    @property
    def engine(self) -> AsyncEngine: ...

    async def case(self, case_number: str) -> CasePurposeRecord | None: ...

    async def audit(
        self,
        conn: AsyncConnection,
        *,
        case_number: str,
        detail: dict[str, Any],
        subjects: Sequence[tuple[str, str]],
    ) -> None: ...


class SystemLog(Protocol):
    """The audit log as the round needs it (:class:`hub.audit.writer.AuditLog`)."""

    async def record_many_in(
        self,
        conn: Any,
        context: Any,
        *,
        action: str,
        case_number: str | None,
        detail: dict[str, Any],
        subjects: Sequence[tuple[str, str]],
    ) -> None: ...


def now() -> datetime:
    return datetime.now(UTC)


async def file(
    gateway: Gateway, actor: Actor, cmd: FileInquiry, *, banks: Sequence[str]
) -> dict[str, Any]:
    """File the request; returns its row. FORBIDDEN (nothing written) for a case the judge may
    not act on or a subject the case does not reach."""
    record = check_case(
        await gateway.case(cmd.case_number),
        cmd.case_number,
        court_code=actor.court_code,
        org=actor.org,
        user_id=actor.user_id,
        assignment_required=actor.requires_assignment,
    )
    for i, (_, key) in enumerate(cmd.subjects):
        refusal = respondent_verdict(record, key)
        if refusal is not None:
            raise Forbidden(
                f"subjects[{i}]: {refusal.message}",
                reason=str(refusal.extra.get("reason")),
                caseNumber=cmd.case_number,
                argument=f"subjects[{i}]",
            )
    moment = now()
    values = {
        "id": service.new_inquiry_id(moment.astimezone(REGISTER_TZ).date()),
        "court_code": record.court_code,
        "case_number": cmd.case_number,
        "filed_by": actor.user_id,
        "filed_at": moment,
        "deadline": moment + rules.ANSWER_WITHIN,
        "status": service.OPEN,
        "subjects": len(cmd.subjects),
    }
    async with gateway.engine.begin() as conn:
        await service.insert_inquiry(conn, values, cmd.subjects, banks)
        await gateway.audit(
            conn,
            case_number=cmd.case_number,
            detail={"inquiry": values["id"], "banks": list(banks)},
            subjects=cmd.subjects,
        )
    return values


# --- the rounds ----------------------------------------------------------------------------------

Ask = Callable[[str, list[str]], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Progress:
    """One bank's row of one request that changed in a round."""

    inquiry_id: str
    bank: str
    state: str  # ANSWERED / TIMED_OUT / PENDING (failed, asked again later)
    error: str | None
    done: bool  # the request is DONE with this change


CALL_TIMEOUT = 30.0  # seconds for one round's batched call to a bank (HUB_INQUIRY_CALL_TIMEOUT)


def asker(
    sources: Mapping[str, Any],
    guards: Mapping[str, Any] | None = None,
    timeout: float = CALL_TIMEOUT,
) -> Ask:
    """How a round asks a bank: its source's batch look-up, through the bank's guard (retries,
    breaker, concurrency limit) when there is one, under ``timeout`` — not the bank's look-up
    timeout, which is sized for one judge's subject: a round asks for every due subject of
    every request at once (1,000 subjects take a demo bank about 0.3 s, a real one longer)."""

    async def ask(bank: str, keys: list[str]) -> dict[str, Any]:
        source = sources.get(bank)
        if source is None:
            raise ConnectorError(bank, f"{bank}: connector is not configured")
        guard = (guards or {}).get(bank)
        if guard is not None:
            found: dict[str, Any] = await guard.call(
                "deposits", lambda: source.deposits(keys), seconds=timeout
            )
            return found
        try:
            return dict(await asyncio.wait_for(source.deposits(keys), timeout))
        except TimeoutError as exc:
            raise ConnectorTimeout(bank, f"{bank}: no answer within {timeout} s") from exc

    return ask


async def run_round(
    engine: AsyncEngine, log: SystemLog, ask: Ask, *, at: datetime | None = None
) -> list[Progress]:
    """One round: each bank asked once for every due subject; what changed."""
    moment = at or now()
    async with engine.connect() as conn:
        rows = await service.due(conn, moment)
        subjects = await service.subjects_of(conn, sorted({r["inquiry_id"] for r in rows}))
    late = [r for r in rows if r["deadline"] <= moment]
    asked: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r["deadline"] > moment:
            asked.setdefault(r["bank"], []).append(r)

    async def one(bank: str, mine: list[dict[str, Any]]) -> list[Progress]:
        keys = sorted({s for r in mine for _, s in subjects[r["inquiry_id"]]})
        try:
            found: dict[str, Any] | None = await ask(bank, keys)
            error = None
        except ConnectorError as exc:
            found, error = None, exc.code
        except Exception:  # a source that crashed: this bank only, asked again later
            logger.exception("查控 round: %s failed", bank)
            found, error = None, "CONNECTOR_UNAVAILABLE"
        return await _record(engine, log, bank, mine, subjects, found, error, moment)

    progress: list[Progress] = []
    for r in late:
        progress += await _record(engine, log, r["bank"], [r], subjects, None, "TIMED_OUT", moment)
    for changes in await asyncio.gather(*(one(b, m) for b, m in asked.items())):
        progress += changes
    # Closed after every bank's row is committed: the banks record in transactions of their
    # own, concurrently, and none of them sees the others' rows before they commit.
    closed = set()
    for inquiry in sorted({p.inquiry_id for p in progress if p.state != service.PENDING}):
        async with engine.begin() as conn:
            if await service.close_if_done(conn, inquiry):
                closed.add(inquiry)
    last = {p.inquiry_id: i for i, p in enumerate(progress)}
    return [
        replace(p, done=p.inquiry_id in closed and last[p.inquiry_id] == i)
        for i, p in enumerate(progress)
    ]


async def _record(
    engine: AsyncEngine,
    log: SystemLog,
    bank: str,
    rows: list[dict[str, Any]],
    subjects: dict[str, list[tuple[str, str]]],
    found: dict[str, Any] | None,
    error: str | None,
    moment: datetime,
) -> list[Progress]:
    out = []
    for r in rows:
        inquiry, mine = r["inquiry_id"], subjects[r["inquiry_id"]]
        attempts = r["attempts"] + (error != "TIMED_OUT")
        if found is not None:
            state = service.ANSWERED
            values: dict[str, Any] = {
                "state": state,
                "attempts": attempts,
                "answered_at": moment,
                "last_error": None,
                "accounts": service.accounts_json(found, [s for _, s in mine]),
            }
            detail: dict[str, Any] = {
                "inquiry": inquiry,
                "bank": bank,
                "answer": "ANSWERED",
                "accounts": sum(len(found.get(s) or []) for _, s in mine),
            }
        elif error == "TIMED_OUT":
            state = service.TIMED_OUT
            values = {"state": state, "answered_at": moment}
            detail = {"inquiry": inquiry, "bank": bank, "answer": "TIMED_OUT"}
        else:
            state = service.PENDING
            values = {
                "attempts": attempts,
                "last_error": error,
                "next_attempt_at": moment + rules.backoff(attempts),
            }
            detail = {}
        async with engine.begin() as conn:
            if not await service.set_bank(conn, inquiry, bank, values):
                continue  # another worker recorded it
            if state != service.PENDING:
                await log.record_many_in(
                    conn,
                    None,
                    action="DEPOSIT_INQUIRY_ANSWER",
                    case_number=r["case_number"],
                    detail=detail,
                    subjects=mine,
                )
        out.append(Progress(inquiry, bank, state, error, done=False))
    return out
