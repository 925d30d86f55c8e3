"""What a court and an approval system do with the sanction lists: typed commands, their rules,
one transaction each, the audit entry with it.

GraphQL (and any other caller) passes typed commands; a publication or revocation checks the
court's rights on the case (its own, open, the caller assigned), runs in one transaction with
its audit entry, and returns the entry; a check of one or many subjects answers BLOCK / ALLOW
per subject and writes one audit entry with a row per subject, counted for ``sanctionStats`` in
the same transaction. What the workflow needs from the rest of the hub comes through a
:class:`Gateway`.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.audit.entries import AccessRecord
from hub.cases.records import CasePurposeRecord
from hub.cases.rules import check_case
from hub.db.engine import lock_for_write
from hub.errors import BadUserInput, Forbidden
from hub.sanctions import service
from hub.sanctions.catalogue import Matter


class SanctionList(StrEnum):
    DISHONEST = "DISHONEST"  # 失信被执行人名单
    CONSUMPTION_RESTRICTION = "CONSUMPTION_RESTRICTION"  # 限制消费


class Decision(StrEnum):
    BLOCK = "BLOCK"  # a listed subject: refuse the matter
    ALLOW = "ALLOW"  # not listed for this matter


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: str
    org: str
    court_code: str | None
    requires_assignment: bool = False


class Gateway(Protocol):
    """The hub as a list action needs it."""

    engine: AsyncEngine

    async def case(self, case_number: str) -> CasePurposeRecord | None: ...

    async def enterprise_persons(self, uscc: str) -> list[tuple[str, str, str]]:
        """(id number, name, LEGAL_REPRESENTATIVE | KEY_PERSONNEL) of an enterprise."""
        ...

    async def audit(self, conn: AsyncConnection, accesses: Sequence[AccessRecord]) -> None: ...


@dataclass(frozen=True, slots=True)
class PublishEntry:
    list: SanctionList
    subject_kind: str  # PERSON / ENTERPRISE
    subject_id: str  # validated
    case_number: str  # normalised
    obligation: str
    published_on: date
    legal_basis: str


@dataclass(frozen=True, slots=True)
class RevokeEntry:
    entry_id: str
    reason: str


def now() -> datetime:
    return datetime.now(UTC)


def _access(action: str, row: dict[str, Any], detail: dict[str, Any]) -> AccessRecord:
    return AccessRecord(
        action=action,
        subject_kind=row["subject_kind"],
        subject_id=row["subject_id"],
        case_number=row["case_number"],
        path=(),
        outcome="OK",
        detail={"entry": row["id"], "list": row["list"], **detail},
    )


async def _assigned(gateway: Gateway, actor: Actor, case_number: str) -> None:
    if actor.requires_assignment:
        check_case(
            await gateway.case(case_number),
            case_number,
            court_code=actor.court_code,
            org=actor.org,
            user_id=actor.user_id,
            open_required=False,
        )


async def publish(gateway: Gateway, actor: Actor, cmd: PublishEntry) -> dict[str, Any]:
    """A 被执行人 of an open case of the court onto a list (the caller assigned to the case)."""
    today = service.court_date(now())
    if cmd.published_on > today:
        raise BadUserInput(
            f"publishedOn {cmd.published_on} is in the future",
            argument="publishedOn",
            rule="NOT_IN_FUTURE",
        )
    court = actor.court_code
    if court is None:
        raise Forbidden("only a court publishes sanction entries", reason="NOT_A_COURT")
    await _assigned(gateway, actor, cmd.case_number)
    async with gateway.engine.connect() as conn:
        party_kind, name, filed_on = await service.respondent(
            conn, court_code=court, case_number=cmd.case_number, subject_id=cmd.subject_id
        )
    if cmd.published_on < filed_on:
        raise BadUserInput(
            f"publishedOn {cmd.published_on} is before the case was filed ({filed_on})",
            argument="publishedOn",
            rule="BEFORE_FILING",
        )
    if party_kind != cmd.subject_kind:
        raise BadUserInput(
            f"{cmd.subject_id} is a {party_kind} party, not {cmd.subject_kind}",
            argument="subject",
            rule="SUBJECT_KIND",
        )
    persons = (
        await gateway.enterprise_persons(cmd.subject_id) if cmd.subject_kind == "ENTERPRISE" else []
    )
    async with gateway.engine.begin() as conn:
        await lock_for_write(conn)
        row = await service.publish(
            conn,
            list_=cmd.list.value,
            subject_kind=cmd.subject_kind,
            subject_id=cmd.subject_id,
            name=name,
            court_code=court,
            case_number=cmd.case_number,
            obligation=cmd.obligation,
            published_on=cmd.published_on,
            legal_basis=cmd.legal_basis,
            actor=actor.user_id,
            persons=persons,
            now=now(),
        )
        await gateway.audit(conn, [_access("SANCTION_PUBLISH", row, {"persons": len(persons)})])
    return row


async def revoke(gateway: Gateway, actor: Actor, cmd: RevokeEntry) -> dict[str, Any]:
    """Take an entry of the court off its list (the caller assigned to the entry's case)."""
    court = actor.court_code
    if court is None:
        raise Forbidden("only a court revokes sanction entries", reason="NOT_A_COURT")
    async with gateway.engine.connect() as conn:
        existing = await service.get_entry(conn, cmd.entry_id)
    if existing["court_code"] == court:  # another court's entry: the service says so
        await _assigned(gateway, actor, existing["case_number"])
    async with gateway.engine.begin() as conn:
        await lock_for_write(conn)
        row = await service.revoke(
            conn, cmd.entry_id, court_code=court, reason=cmd.reason, actor=actor.user_id, now=now()
        )
        await gateway.audit(conn, [_access("SANCTION_REVOKE", row, {"reason": cmd.reason})])
    return row


# --- checks ------------------------------------------------------------------------------------


class CheckLog(Protocol):
    """The audit log as a check needs it (:class:`hub.audit.writer.AuditLog`)."""

    def seal(self, subject_ids: Sequence[str]) -> list[tuple[str, str]]: ...

    def check_entry(
        self,
        context: Any,
        matter: str,
        checks: Sequence[tuple[str, str, str, list[str]]],
        sealed: Sequence[tuple[str, str]],
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]: ...

    async def append_check(
        self,
        entry: dict[str, Any],
        subjects: list[dict[str, Any]],
        *,
        also: Sequence[Any] = (),
        started: Callable[[], None] | None = None,
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    subject_kind: str
    subject_id: str
    decision: Decision
    matches: list[service.Match]


async def check(
    *,
    matches: Any,
    log: CheckLog,
    context: Any,
    org: str,
    matter: Matter,
    subjects: Sequence[tuple[str, str]],
) -> tuple[list[CheckOutcome], asyncio.Future[None]]:
    """BLOCK / ALLOW for each (kind, id), in the order asked, and the audit write under way:
    one entry for the check with a row per subject, and the counts, in one transaction. The
    caller releases the answer only once the write has completed (it starts before the answer
    is laid out, so the database stores the rows meanwhile)."""
    ids = [subject_id for _, subject_id in subjects]
    lookup = asyncio.ensure_future(matches(matter, ids))
    # While the database searches the lists (on its own thread), seal the subjects for the
    # audit log, a slice at a time so the search gets going: encryption and blind index do not
    # depend on the answer.
    sealed: list[tuple[str, str]] = []
    for start in range(0, len(ids), 500):
        await asyncio.sleep(0)
        sealed += log.seal(ids[start : start + 500])
    found = await lookup
    outcomes = []
    counts: Counter[str] = Counter()
    for kind, subject_id in subjects:
        hits = found.get(subject_id) or []
        decision = Decision.BLOCK if hits else Decision.ALLOW
        counts[decision.value] += 1
        outcomes.append(CheckOutcome(kind, subject_id, decision, hits))
    entry, rows = log.check_entry(
        context,
        matter.code,
        [(o.subject_kind, o.subject_id, o.decision.value, [m.entry_id for m in o.matches]) for o in outcomes],
        sealed,
    )
    started = asyncio.Event()
    write = asyncio.ensure_future(
        log.append_check(
            entry,
            rows,
            also=[service.counter(service.court_date(now()), org, matter.code, dict(counts))],
            started=started.set,
        )
    )
    waiter = asyncio.ensure_future(started.wait())
    await asyncio.wait((waiter, write), return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    return outcomes, write
