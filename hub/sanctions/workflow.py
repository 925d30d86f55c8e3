"""What a court and an approval system do with the sanction lists: typed commands, their rules,
one transaction each, the audit entry with it.

GraphQL (and any other caller) passes typed commands; a publication or an end checks the court's
rights on the case (its own, open, the caller assigned), runs in one transaction with its audit
entry, and returns the entry; a check of one or many subjects answers BLOCK / ALLOW per subject
and writes one audit entry with a row per subject, counted for ``sanctionStats`` in the same
transaction; the hub's own deletion of entries whose term ended (:func:`expire`, run by the
worker) writes its audit entries and changes in one transaction too. What the workflow needs
from the rest of the hub comes through a :class:`Gateway`.

The rules (:mod:`hub.sanctions.rules`), by instrument and article:

- 法释〔2017〕7号 第一条 / 第六条第（四）项: an entry records its ground (情形); 第二条: grounds
  (二)–(六) list for two years (extendable one to three), (一) until performance; 第四条: no
  minor on the dishonest list; 第九条: 撤销 (wrongly listed) and 更正 (inaccurate records);
  第十条: 删除 (第一款 on performance etc. for entries without a term; 第二款 within three working
  days of the term's end — the hub does it, :func:`expire`); 第二条第二款: early deletion.
- 法释〔2015〕17号 第一条: the grounds of a consumption restriction; 第三条第二款: a listed
  enterprise binds its 法定代表人、主要负责人、影响债务履行的直接责任人员、实际控制人 — the court names
  them (by default the legal representative and the registered manager as the principal person
  in charge); a bound person may be released on their own (第三条第二款; 法发〔2019〕35号 第17条);
  第九条: 解除.
- A matter is checked only by the approval systems of the departments that grant it (the
  catalogue's ``departments``; 发改财金〔2016〕141号 names each measure's 实施单位).
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

from connectors.base.identifiers import birth_date_of_id_number
from hub.audit.entries import AccessRecord
from hub.cases.records import CasePurposeRecord
from hub.cases.rules import check_case
from hub.db.engine import lock_for_write
from hub.errors import BadUserInput, Forbidden
from hub.sanctions import rules, service
from hub.sanctions.catalogue import ROLES, Matter
from hub.sanctions.records import BoundPersonRecord

MAX_BOUND_PERSONS = 20


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


@dataclass(frozen=True, slots=True)
class RegisteredPerson:
    """A person market supervision registers for an enterprise: its legal representative, or
    one of its key personnel with their position."""

    id_number: str
    name: str
    position: str | None
    legal_representative: bool


class Gateway(Protocol):
    """The hub as a list action needs it."""

    engine: AsyncEngine

    async def case(self, case_number: str) -> CasePurposeRecord | None: ...

    async def enterprise_register(self, uscc: str) -> list[RegisteredPerson]:
        """The enterprise's legal representative and key personnel (market supervision)."""
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
    legal_basis: str | None  # None: cite the grounds' articles
    grounds: tuple[str, ...] = ()
    extension_years: int = 0
    extension_reason: str | None = None
    # (id number, role) the court names for an enterprise; None: the default
    bound_persons: tuple[tuple[str, str], ...] | None = None


@dataclass(frozen=True, slots=True)
class RevokeEntry:
    """Deprecated: an end that does not say which (use AnnulEntry / DeleteEntry)."""

    entry_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class AnnulEntry:
    """撤销 (法释〔2017〕7号 第九条第一款): the subject should not have been listed."""

    entry_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class DeleteEntry:
    """删除 (法释〔2017〕7号 第十条第一款; 第二条第二款) or, for a consumption restriction, 解除
    (法释〔2015〕17号 第九条), on a ground of :data:`rules.END_GROUNDS`."""

    entry_id: str
    ground: str
    reason: str


@dataclass(frozen=True, slots=True)
class CorrectEntry:
    """更正 (法释〔2017〕7号 第九条第二款): what the entry records, corrected; None keeps a value."""

    entry_id: str
    reason: str
    grounds: tuple[str, ...] | None = None
    extension_years: int | None = None
    extension_reason: str | None = None
    obligation: str | None = None
    legal_basis: str | None = None
    # the persons the court names for an enterprise's entry, in place of those bound besides the
    # legal representative (who stays); released persons stay released
    bound_persons: tuple[tuple[str, str], ...] | None = None


@dataclass(frozen=True, slots=True)
class ReleasePerson:
    """A person an enterprise's entry binds, released on their own (:data:`rules.RELEASE_GROUNDS`)."""

    entry_id: str
    id_number: str
    ground: str
    reason: str


@dataclass(frozen=True, slots=True)
class CheckFeedback:
    """What an approval system did after a BLOCK: HANDLED (refused the matter) or OVERRIDDEN
    (granted it anyway, with the reason)."""

    check_id: str  # the request id the check answered with
    subject_kind: str
    subject_id: str
    action: str  # HANDLED / OVERRIDDEN
    reason: str | None


@dataclass(frozen=True, slots=True)
class EntryOutcome:
    entry: dict[str, Any]
    persons: list[BoundPersonRecord]


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


def _court(actor: Actor, what: str) -> str:
    if actor.court_code is None:
        raise Forbidden(f"only a court {what} sanction entries", reason="NOT_A_COURT")
    return actor.court_code


async def _bound_persons(
    gateway: Gateway, uscc: str, named: tuple[tuple[str, str], ...] | None
) -> list[service.BoundPerson]:
    """Who an enterprise's entry binds (法释〔2015〕17号 第三条第二款): its legal representative,
    always (the register's); then the persons the court names in their roles or, when it names
    none, the registered manager as the principal person in charge."""
    register = await gateway.enterprise_register(uscc)
    by_id = {p.id_number: p for p in register}
    out: list[service.BoundPerson] = []
    reps = [p for p in register if p.legal_representative]
    for rep in reps:
        out.append(
            service.BoundPerson(
                rep.id_number, rep.name, "LEGAL_REPRESENTATIVE", rep.position, "REGISTER"
            )
        )
    if named is None:
        out += [
            service.BoundPerson(p.id_number, p.name, "PRINCIPAL", p.position, "REGISTER")
            for p in register
            if not p.legal_representative and rules.is_principal(p.position)
        ]
        for rep in reps:
            if rules.is_principal(rep.position):
                out.append(
                    service.BoundPerson(
                        rep.id_number, rep.name, "PRINCIPAL", rep.position, "REGISTER"
                    )
                )
        return out
    if len(named) > MAX_BOUND_PERSONS:
        raise BadUserInput(
            f"boundPersons: at most {MAX_BOUND_PERSONS}",
            argument="boundPersons",
            rule="BATCH_SIZE",
        )
    rep_ids = {r.id_number for r in reps}
    for i, (id_number, role) in enumerate(named):
        argument = f"boundPersons[{i}]"
        if role not in ROLES:
            raise BadUserInput(
                f"{argument}: role must be one of {', '.join(ROLES)} (法释〔2015〕17号 第三条第二款)",
                argument=argument,
                rule="BOUND_ROLE",
            )
        if role == "LEGAL_REPRESENTATIVE" and id_number not in rep_ids:
            raise BadUserInput(
                f"{argument}: {id_number} is not the legal representative market supervision"
                " registers for the enterprise",
                argument=argument,
                rule="NOT_THE_LEGAL_REPRESENTATIVE",
            )
        # Only a person the enterprise's register ties to it: naming anyone else would bind an
        # unrelated resident and tell the caller their name (and that they exist).
        registered = by_id.get(id_number)
        if registered is None:
            raise BadUserInput(
                f"{argument}: the court names persons market supervision registers with the"
                " enterprise (legal representative or key personnel); this number is not among"
                " them",
                argument=argument,
                rule="NOT_ON_REGISTER",
            )
        out.append(
            service.BoundPerson(id_number, registered.name, role, registered.position, "COURT")
        )
    return out


async def publish(gateway: Gateway, actor: Actor, cmd: PublishEntry) -> EntryOutcome:
    """A 被执行人 of an open case of the court onto a list (the caller assigned to the case),
    with its ground, term and end, and for an enterprise the persons it binds."""
    today = service.court_date(now())
    if cmd.published_on > today:
        raise BadUserInput(
            f"publishedOn {cmd.published_on} is in the future",
            argument="publishedOn",
            rule="NOT_IN_FUTURE",
        )
    court = _court(actor, "publishes")
    term = rules.term_of(
        cmd.list.value,
        cmd.grounds,
        cmd.published_on,
        extension_years=cmd.extension_years,
        extension_reason=cmd.extension_reason,
    )
    if cmd.subject_kind == "PERSON":
        rules.refuse_minor(
            cmd.list.value, birth_date_of_id_number(cmd.subject_id), cmd.published_on
        )
        if cmd.bound_persons:
            raise BadUserInput(
                "boundPersons: only an enterprise's entry binds persons (法释〔2015〕17号 第三条第二款)",
                argument="boundPersons",
                rule="BOUND_PERSONS_OF_ENTERPRISE",
            )
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
        await _bound_persons(gateway, cmd.subject_id, cmd.bound_persons)
        if cmd.subject_kind == "ENTERPRISE"
        else []
    )
    legal_basis = cmd.legal_basis or rules.legal_basis_of(
        cmd.list.value, term.grounds, term.term_years
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
            legal_basis=legal_basis,
            grounds=term.grounds,
            term_years=term.term_years,
            ends_on=term.ends_on,
            extension_reason=term.extension_reason,
            actor=actor.user_id,
            persons=persons,
            now=now(),
        )
        detail = {
            "persons": len({p.id_number for p in persons}),
            "grounds": list(term.grounds),
            "endsOn": term.ends_on.isoformat() if term.ends_on else None,
        }
        await gateway.audit(conn, [_access("SANCTION_PUBLISH", row, detail)])
        bound = await service.persons_of(conn, row["id"])
    return EntryOutcome(row, bound)


async def _court_entry(gateway: Gateway, actor: Actor, entry_id: str, what: str) -> dict[str, Any]:
    """The entry, once the caller may act on it. Another court's entry, and one of a case the
    judge is not assigned to, are answered as an entry that does not exist (NOT_FOUND, the
    reason kept for the audit record): a refusal naming the case would tell of it."""
    court = _court(actor, what)
    async with gateway.engine.connect() as conn:
        existing = await service.get_entry(conn, entry_id)
    if existing["court_code"] != court:
        raise service.no_entry(entry_id, "OTHER_COURT")
    try:
        await _assigned(gateway, actor, existing["case_number"])
    except Forbidden as exc:
        raise service.no_entry(entry_id, str(exc.extra.get("reason") or exc.code)) from None
    return existing


async def _end(
    gateway: Gateway,
    actor: Actor,
    entry_id: str,
    *,
    status: str,
    ground: str | None,
    reason: str,
    action: str,
    basis: str | None,
) -> EntryOutcome:
    court = _court(actor, "ends")
    async with gateway.engine.begin() as conn:
        await lock_for_write(conn)
        row = await service.end(
            conn,
            entry_id,
            court_code=court,
            status=status,
            end_ground=ground,
            reason=reason,
            actor=actor.user_id,
            now=now(),
        )
        detail: dict[str, Any] = {"reason": reason, "status": status}
        if ground is not None:
            detail |= {"ground": ground, "basis": basis}
        await gateway.audit(conn, [_access(action, row, detail)])
        bound = await service.persons_of(conn, entry_id)
    return EntryOutcome(row, bound)


async def revoke(gateway: Gateway, actor: Actor, cmd: RevokeEntry) -> EntryOutcome:
    """Deprecated: take an entry of the court off its list without saying how (REVOKED)."""
    await _court_entry(gateway, actor, cmd.entry_id, "revokes")
    return await _end(
        gateway,
        actor,
        cmd.entry_id,
        status="REVOKED",
        ground=None,
        reason=cmd.reason,
        action="SANCTION_REVOKE",
        basis=None,
    )


async def annul(gateway: Gateway, actor: Actor, cmd: AnnulEntry) -> EntryOutcome:
    """撤销 (法释〔2017〕7号 第九条第一款): an entry that should not have been published."""
    await _court_entry(gateway, actor, cmd.entry_id, "annuls")
    return await _end(
        gateway,
        actor,
        cmd.entry_id,
        status="ANNULLED",
        ground=rules.WRONGLY_LISTED,
        reason=cmd.reason,
        action="SANCTION_ANNUL",
        basis="法释〔2017〕7号 第九条第一款",
    )


async def delete(gateway: Gateway, actor: Actor, cmd: DeleteEntry) -> EntryOutcome:
    """删除 a dishonest entry (法释〔2017〕7号 第十条第一款, or 第二条第二款 for one with a term)
    or 解除 a consumption restriction (法释〔2015〕17号 第九条)."""
    existing = await _court_entry(gateway, actor, cmd.entry_id, "deletes")
    status, basis = rules.end_of(
        existing["list"], cmd.ground, has_term=existing["term_years"] is not None
    )
    return await _end(
        gateway,
        actor,
        cmd.entry_id,
        status=status,
        ground=cmd.ground,
        reason=cmd.reason,
        action="SANCTION_DELETE",
        basis=basis,
    )


async def correct(gateway: Gateway, actor: Actor, cmd: CorrectEntry) -> EntryOutcome:
    """更正 (法释〔2017〕7号 第九条第二款): the entry's ground, term extension, obligation or
    citation corrected; the term and end follow the corrected grounds from the day of
    publication (an UNKNOWN ground of an entry older than the hub's record of it is how it gets
    its term)."""
    existing = await _court_entry(gateway, actor, cmd.entry_id, "corrects")
    court = _court(actor, "corrects")
    values: dict[str, Any] = {}
    if cmd.obligation is not None:
        values["obligation"] = cmd.obligation
    if cmd.legal_basis is not None:
        values["legal_basis"] = cmd.legal_basis
    old_grounds = rules.parse_grounds(existing["grounds"])
    if cmd.grounds is not None or cmd.extension_years is not None:
        grounds = cmd.grounds if cmd.grounds is not None else old_grounds
        if rules.UNKNOWN in grounds:
            raise BadUserInput(
                "grounds: give the ground the court found (法释〔2017〕7号 第一条)",
                argument="grounds",
                rule="GROUND_OF_LIST",
            )
        years = cmd.extension_years
        if years is None:
            base = existing["term_years"]
            years = base - rules.BASE_TERM_YEARS if base else 0
        reason = cmd.extension_reason or existing["extension_reason"]
        term = rules.term_of(
            existing["list"],
            grounds,
            existing["published_on"],
            extension_years=years,
            extension_reason=reason,
        )
        values |= {
            "grounds": term.grounds,
            "term_years": term.term_years,
            "ends_on": term.ends_on,
            "extension_reason": term.extension_reason,
        }
    named: list[service.BoundPerson] | None = None
    if cmd.bound_persons is not None:
        if existing["subject_kind"] != "ENTERPRISE":
            raise BadUserInput(
                "boundPersons: only an enterprise's entry binds persons (法释〔2015〕17号 第三条第二款)",
                argument="boundPersons",
                rule="BOUND_PERSONS_OF_ENTERPRISE",
            )
        persons = await _bound_persons(gateway, existing["subject_id"], cmd.bound_persons)
        named = [p for p in persons if p.named_by == "COURT"]
    if not values and named is None:
        raise BadUserInput(
            "give what is corrected (grounds, extensionYears, obligation, legalBasis,"
            " boundPersons)",
            argument="input",
            rule="NOTHING_TO_CORRECT",
        )
    async with gateway.engine.begin() as conn:
        await lock_for_write(conn)
        before, row = await service.correct(
            conn, cmd.entry_id, court_code=court, values=values, named=named, now=now()
        )
        changed = {
            k: {"from": _plain(before[k]), "to": _plain(row[k])}
            for k in (
                "grounds",
                "term_years",
                "ends_on",
                "extension_reason",
                "obligation",
                "legal_basis",
            )
            if before[k] != row[k]
        }
        detail: dict[str, Any] = {
            "reason": cmd.reason,
            "changed": changed,
            "basis": "法释〔2017〕7号 第九条第二款",
        }
        if named is not None:
            detail["personsNamed"] = len({p.id_number for p in named})
        await gateway.audit(conn, [_access("SANCTION_CORRECT", row, detail)])
        bound = await service.persons_of(conn, cmd.entry_id)
    return EntryOutcome(row, bound)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


async def release_person(gateway: Gateway, actor: Actor, cmd: ReleasePerson) -> EntryOutcome:
    """A person a listed enterprise's entry binds, released on their own (the entry and the
    others stay): 法释〔2015〕17号 第三条第二款 (因私消费以个人财产, 审查属实) or 法发〔2019〕35号
    第17条第（2）项 (a former 法定代表人 / 主要负责人 who left office, neither 实际控制人 nor
    影响债务履行的直接责任人员)."""
    if cmd.ground not in rules.RELEASE_GROUNDS:
        raise BadUserInput(
            f"ground must be one of {', '.join(rules.RELEASE_GROUNDS)}",
            argument="ground",
            rule="RELEASE_GROUND",
        )
    await _court_entry(gateway, actor, cmd.entry_id, "releases persons of")
    court = _court(actor, "releases persons of")
    if cmd.ground == "LEFT_OFFICE":
        async with gateway.engine.connect() as conn:
            person = [
                p
                for p in await service.persons_of(conn, cmd.entry_id)
                if p.id_number == cmd.id_number
            ]
        roles = {r for p in person for r in p.roles} - {"KEY_PERSONNEL"}
        if roles - set(rules.LEFT_OFFICE_ROLES):
            raise BadUserInput(
                "ground LEFT_OFFICE releases a former 法定代表人 or 主要负责人 who is neither 实际"
                " 控制人 nor 影响债务履行的直接责任人员 (法发〔2019〕35号 第17条第（2）项); this person"
                f" is bound as {', '.join(sorted(roles))}",
                argument="ground",
                rule="RELEASE_GROUND",
            )
    source, _ = rules.RELEASE_GROUNDS[cmd.ground]
    async with gateway.engine.begin() as conn:
        await lock_for_write(conn)
        row, released = await service.release_person(
            conn,
            cmd.entry_id,
            cmd.id_number,
            court_code=court,
            ground=cmd.ground,
            reason=cmd.reason,
            actor=actor.user_id,
            now=now(),
        )
        access = AccessRecord(
            action="SANCTION_RELEASE",
            subject_kind="PERSON",
            subject_id=cmd.id_number,
            case_number=row["case_number"],
            path=(),
            outcome="OK",
            detail={
                "entry": row["id"],
                "list": row["list"],
                "ground": cmd.ground,
                "basis": source,
                "reason": cmd.reason,
                "roles": released.roles,
            },
        )
        await gateway.audit(conn, [access])
        bound = await service.persons_of(conn, cmd.entry_id)
    return EntryOutcome(row, bound)


# --- the hub's own deletion when a term ends --------------------------------------------------


class SystemLog(Protocol):
    """The audit log as the hub's own actions need it (:class:`hub.audit.writer.AuditLog`)."""

    async def record_system_in(
        self, conn: AsyncConnection, records: Sequence[dict[str, Any]]
    ) -> None: ...


async def expire(
    engine: AsyncEngine,
    log: SystemLog,
    *,
    calendar: rules.WorkingCalendar,
    at: datetime | None = None,
) -> list[dict[str, Any]]:
    """Delete every entry whose term has ended (法释〔2017〕7号 第十条第二款: "纳入期限届满后三个工作
    日内，人民法院应当删除失信信息"), in one transaction with a DELETED change and an audit entry
    each (the hub as the actor, the entry's last day, the deadline counted in working days by
    ``calendar``, and whether it was met). Such an entry stopped restricting the day after its
    last day, before this runs; the deletion brings the record in line. Returns the entries
    deleted (as they were)."""
    moment = at or now()
    today = service.court_date(moment)
    async with engine.begin() as conn:
        await lock_for_write(conn)
        rows = await service.expire(conn, today=today, now=moment)
        records = []
        for row in rows:
            due = calendar.add_working_days(row["ends_on"], rules.DELETION_WORKING_DAYS)
            records.append(
                {
                    "action": "SANCTION_DELETE",
                    "case_number": row["case_number"],
                    "subject_kind": row["subject_kind"],
                    "subject_id": row["subject_id"],
                    "detail": {
                        "entry": row["id"],
                        "list": row["list"],
                        "status": "DELETED",
                        "ground": rules.TERM_ENDED,
                        "basis": "法释〔2017〕7号 第十条第二款",
                        "endsOn": row["ends_on"].isoformat(),
                        "due": due.isoformat(),
                        "late": today > due,
                    },
                }
            )
        if records:
            await log.record_system_in(conn, records)
    return rows


# --- what an approval system did after a BLOCK -------------------------------------------------


async def feedback(
    gateway: Gateway, actor: Actor, cmd: CheckFeedback, *, blind_index: Any
) -> dict[str, Any]:
    """自动监督: an approval system reports what it did after a BLOCK it was answered — HANDLED
    (the matter refused) or OVERRIDDEN (granted anyway; the reason is required) — once per check
    and subject, audited (SANCTION_FEEDBACK) in the same transaction, counted in
    ``sanctionStats``."""
    if cmd.action not in ("HANDLED", "OVERRIDDEN"):
        raise BadUserInput(
            "action: HANDLED or OVERRIDDEN", argument="action", rule="FEEDBACK_ACTION"
        )
    if cmd.action == "OVERRIDDEN" and not cmd.reason:
        raise BadUserInput(
            "reason: say why the matter was granted despite the BLOCK",
            argument="reason",
            rule="REASON_REQUIRED",
        )
    async with gateway.engine.begin() as conn:
        await lock_for_write(conn)
        row = await service.feedback(
            conn,
            request_id=cmd.check_id,
            subject_index=blind_index(cmd.subject_id),
            org=actor.org,
            action=cmd.action,
            reason=cmd.reason,
            actor=actor.user_id,
            now=now(),
        )
        access = AccessRecord(
            action="SANCTION_FEEDBACK",
            subject_kind=cmd.subject_kind,
            subject_id=cmd.subject_id,
            case_number=None,
            path=(),
            outcome="OK",
            detail={
                "checkId": cmd.check_id,
                "matter": row["matter"],
                "action": cmd.action,
                "reason": cmd.reason,
            },
        )
        await gateway.audit(conn, [access])
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


def authorise(matter: Matter, org: str) -> None:
    """A matter is checked by the approval systems of the departments that grant it (the
    catalogue's ``departments``, each with the organisations that act for it); FORBIDDEN with
    reason MATTER_NOT_GRANTED otherwise, naming who grants it."""
    if matter.granted_by(org):
        return
    granting = "、".join(d.name for d in matter.departments)
    orgs = ", ".join(matter.orgs) or "no approval system connected to the hub"
    raise Forbidden(
        f"{org} does not grant {matter.code} ({matter.name}): {granting} grants it ({orgs});"
        " sanctionMatters says which matters your organisation may check (checkable)",
        reason="MATTER_NOT_GRANTED",
    )


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
    is laid out, so the database stores the rows meanwhile).

    ``org`` must grant the matter (:func:`authorise`); entries restrict on the court's today."""
    authorise(matter, org)
    ids = [subject_id for _, subject_id in subjects]
    today = service.court_date(now())
    lookup = asyncio.ensure_future(matches(matter, ids, today))
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
        [
            (o.subject_kind, o.subject_id, o.decision.value, [m.entry_id for m in o.matches])
            for o in outcomes
        ],
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
