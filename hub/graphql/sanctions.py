"""Sanction lists in GraphQL: publication and revocation (courts), checks (approval systems),
the change feed, and the interception statistics.

An approval system sees a decision, the entries behind it (list, court, case, date) and the
legal basis; never a profile. Every check, of one subject or a batch, is one audit entry
(action SANCTION_CHECK) with a row per subject checked (its outcome BLOCK or ALLOW, found by the
subject's blind index), and the checks are counted in the same transaction for
``sanctionStats``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from connectors.base.identifiers import InvalidIdentifier, validate_id_number, validate_uscc
from hub.audit.entries import AccessRecord, BatchRecord
from hub.errors import BadUserInput, HubError
from hub.federation import lookups as L
from hub.graphql.context import ctx
from hub.graphql.enums import SanctionList, SanctionStatus, SubjectKind
from hub.graphql.payloads import error_fields, record_refusal, text_argument
from hub.identifiers import normalize_case_number
from hub.policy.enforce import policy_plan
from hub.policy.masking import Mask, masked
from hub.sanctions import service, workflow
from hub.sanctions.catalogue import Matter

MAX_CHANGES_PAGE = 1000
FEED_POLL_SECONDS = 0.5


# strawberry.enum marks the workflow's enum in place and returns it: the alias is a type.
strawberry.enum(
    workflow.Decision, name="SanctionDecision", description="What an approval system is to do"
)
SanctionDecision = workflow.Decision


@strawberry.enum(description="How sanctionStats groups the checks")
class SanctionStatsGroup(Enum):
    AGENCY = "AGENCY"
    MATTER = "MATTER"
    MONTH = "MONTH"


@strawberry.enum
class SanctionErrorCode(Enum):
    AUDIT_UNAVAILABLE = "AUDIT_UNAVAILABLE"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    CONNECTOR_UNAVAILABLE = "CONNECTOR_UNAVAILABLE"
    CONNECTOR_TIMEOUT = "CONNECTOR_TIMEOUT"


@strawberry.type
class SanctionError:
    code: SanctionErrorCode
    message: str
    field: str | None = None
    reason: str | None = None
    rule: str | None = None


@strawberry.input(description="A person (idNumber) or an enterprise (uscc): exactly one")
class SubjectInput:
    id_number: str | None = None
    uscc: str | None = None


@strawberry.input
class SanctionEntryPublishInput:
    list: SanctionList
    subject: SubjectInput
    case_number: str
    obligation: str = strawberry.field(description="生效法律文书确定的义务")
    published_on: date
    legal_basis: str = strawberry.field(description="e.g. 法释〔2017〕7号 第一条第（一）项")


@strawberry.type(description="A court's entry on a sanction list, as the court sees it")
class SanctionListEntry:
    id: str
    list: SanctionList
    subject_kind: SubjectKind
    subject_id: str = masked(Mask.ID_NUMBER, subject_kind="subject_kind")
    name: str = masked(Mask.NAME, subject_kind="subject_kind")
    court_code: str
    case_number: str
    obligation: str
    published_on: date
    legal_basis: str
    status: SanctionStatus
    revoked_on: date | None
    revoke_reason: str | None


@strawberry.type
class SanctionEntryPayload:
    entry: SanctionListEntry | None = None
    errors: list[SanctionError] = strawberry.field(default_factory=list)


@strawberry.type(
    description="A restricted matter of the catalogue (policies/sanction_matters.toml)"
)
class SanctionMatter:
    code: str
    name: str
    lists: list[SanctionList]
    subjects: list[SubjectKind]
    extends_to: list[str] = strawberry.field(
        description="For a listed enterprise, the persons it binds too"
    )
    legal_basis: str


@strawberry.type(description="An active entry behind a BLOCK")
class SanctionMatch:
    entry_id: str
    list: SanctionList
    court_code: str
    court_name: str
    case_number: str
    published_on: date
    role: str = strawberry.field(
        description="SUBJECT (listed itself), LEGAL_REPRESENTATIVE or KEY_PERSONNEL (of a listed"
        " enterprise: viaUscc)"
    )
    via_uscc: str | None
    via_name: str | None


@strawberry.type(description="The answer for one subject and one matter")
class SanctionCheckResult:
    subject_kind: SubjectKind
    subject_id: str
    matter: str
    decision: SanctionDecision
    entries: list[SanctionMatch]
    legal_basis: str | None = strawberry.field(
        description="Why the matter is restricted (BLOCK only)"
    )


@strawberry.type(description="A publication or revocation on the lists")
class SanctionChange:
    cursor: str
    change: str = strawberry.field(description="PUBLISHED / REVOKED")
    at: datetime
    entry_id: str
    list: SanctionList
    subject_kind: SubjectKind
    subject_id: str | None = masked(
        Mask.ID_NUMBER,
        subject_kind="subject_kind",
        description="Null where the policy withholds it (approval systems re-check the"
        " subjects they hold with sanctionChecks instead)",
    )
    name: str = masked(Mask.NAME, subject_kind="subject_kind")
    court_code: str
    case_number: str
    published_on: date
    status: SanctionStatus
    revoked_on: date | None


@strawberry.type
class SanctionChangePage:
    nodes: list[SanctionChange]
    end_cursor: str = strawberry.field(description="Pass as after to continue (also when empty)")
    has_more: bool


@strawberry.type
class SanctionStatsRow:
    key: str = strawberry.field(description="The organisation, the matter code or YYYY-MM")
    checks: int
    blocked: int = strawberry.field(description="Interceptions (BLOCK)")


# --- helpers ----------------------------------------------------------------------------------


def _failed(exc: HubError) -> SanctionEntryPayload:
    return SanctionEntryPayload(errors=[SanctionError(**error_fields(exc, SanctionErrorCode))])


def _entry(row: dict[str, Any]) -> SanctionListEntry:
    return SanctionListEntry(
        id=row["id"],
        list=SanctionList(row["list"]),
        subject_kind=SubjectKind(row["subject_kind"]),
        subject_id=row["subject_id"],
        name=row["name"],
        court_code=row["court_code"],
        case_number=row["case_number"],
        obligation=row["obligation"],
        published_on=row["published_on"],
        legal_basis=row["legal_basis"],
        status=SanctionStatus(row["status"]),
        revoked_on=row["revoked_on"],
        revoke_reason=row["revoke_reason"],
    )


def subject_of(subject: SubjectInput, argument: str = "subject") -> tuple[str, str]:
    """(kind, normalised id) of a SubjectInput; BAD_USER_INPUT naming the rule otherwise."""
    if (subject.id_number is None) == (subject.uscc is None):
        raise BadUserInput(
            f"{argument}: give exactly one of idNumber and uscc",
            argument=argument,
            rule="ONE_IDENTIFIER",
        )
    try:
        if subject.id_number is not None:
            return "PERSON", validate_id_number(subject.id_number.strip())
        return "ENTERPRISE", validate_uscc((subject.uscc or "").strip())
    except InvalidIdentifier as exc:
        raise BadUserInput(f"{argument}: {exc}", argument=argument, rule=exc.rule) from None


def _matter(info: Info, code: str) -> Matter:
    catalogue = ctx(info).runtime.sanction_matters
    matter = catalogue.get(code.strip()) if isinstance(code, str) else None
    if matter is None:
        raise BadUserInput(
            f"unknown matter {code!r}; sanctionMatters lists the catalogue"
            f" ({len(catalogue)} matters, e.g. {next(iter(catalogue))})",
            argument="matter",
            rule="MATTER_UNKNOWN",
        )
    return matter


# --- court: publish and revoke ----------------------------------------------------------------


class _RequestGateway:
    """The sanctions workflow's view of the hub during one GraphQL operation."""

    def __init__(self, info: Info) -> None:
        self.context = ctx(info)
        self.engine = self.context.runtime.engine
        self.path = (info.path.key,)

    async def case(self, case_number: str) -> Any:
        return await self.context.loaders.load(L.CASE_PURPOSES, case_number)

    async def enterprise_persons(self, uscc: str) -> list[tuple[str, str, str]]:
        loaders = self.context.loaders
        registration, personnel = await asyncio.gather(
            loaders.load(L.ENTERPRISES, uscc), loaders.load(L.KEY_PERSONNEL, uscc)
        )
        persons = []
        if registration is not None:
            persons.append(
                (
                    registration.legal_representative_id,
                    registration.legal_representative_name,
                    "LEGAL_REPRESENTATIVE",
                )
            )
        persons += [(p.id_number, p.name, "KEY_PERSONNEL") for p in personnel or []]
        return persons

    async def audit(self, conn: Any, accesses: Sequence[AccessRecord]) -> None:
        for access in accesses:
            access.path = self.path
        await self.context.runtime.audit.record_in(conn, self.context, accesses)
        self.context.named.update(a.subject_id for a in accesses if a.subject_id)


def _actor(info: Info) -> workflow.Actor:
    c = ctx(info)
    p = c.principal
    return workflow.Actor(
        user_id=p.sub,
        org=p.org,
        court_code=p.court_code,
        requires_assignment=bool(c.grants and c.grants.requires_assignment),
    )


async def publish(info: Info, data: SanctionEntryPublishInput) -> SanctionEntryPayload:
    try:
        kind, subject_id = subject_of(data.subject, "subject")
        command = workflow.PublishEntry(
            list=workflow.SanctionList(data.list.value),
            subject_kind=kind,
            subject_id=subject_id,
            case_number=normalize_case_number(data.case_number),
            obligation=text_argument(data.obligation, "obligation", 500),
            published_on=data.published_on,
            legal_basis=text_argument(data.legal_basis, "legalBasis", 128),
        )
        row = await workflow.publish(_RequestGateway(info), _actor(info), command)
    except HubError as exc:
        record_refusal(info, "SANCTION_PUBLISH", exc, {"caseNumber": data.case_number})
        return _failed(exc)
    return SanctionEntryPayload(entry=_entry(row))


async def revoke(info: Info, entry_id: str, reason: str) -> SanctionEntryPayload:
    try:
        command = workflow.RevokeEntry(
            entry_id=text_argument(entry_id, "id", 32),
            reason=text_argument(reason, "reason", 128),
        )
        row = await workflow.revoke(_RequestGateway(info), _actor(info), command)
    except HubError as exc:
        record_refusal(info, "SANCTION_REVOKE", exc, {"entry": entry_id})
        return _failed(exc)
    return SanctionEntryPayload(entry=_entry(row))


# --- approval systems: checks ------------------------------------------------------------------


def _keyed(
    matter: Matter,
    subjects: list[SubjectInput],
    id_numbers: list[str],
    usccs: list[str],
) -> list[tuple[str, str]]:
    """(kind, id) of every subject asked, in order: subjects, then idNumbers, then usccs."""
    total = len(subjects) + len(id_numbers) + len(usccs)
    if total > service.MAX_CHECK:
        raise BadUserInput(
            f"at most {service.MAX_CHECK:,} subjects per check, got {total:,}; split it",
            argument="subjects",
            rule="BATCH_SIZE",
        )
    keyed = [subject_of(s, f"subjects[{i}]") for i, s in enumerate(subjects)]
    today = date.today()
    for argument, kind, values, validate in (
        ("idNumbers", "PERSON", id_numbers, lambda v: validate_id_number(v, today=today)),
        ("usccs", "ENTERPRISE", usccs, validate_uscc),
    ):
        for i, value in enumerate(values):
            try:
                keyed.append((kind, validate(value)))
            except InvalidIdentifier as exc:
                raise BadUserInput(
                    f"{argument}[{i}]: {exc}", argument=f"{argument}[{i}]", rule=exc.rule
                ) from None
    names = [f"subjects[{i}]" for i in range(len(subjects))]
    names += [f"idNumbers[{i}]" for i in range(len(id_numbers))]
    names += [f"usccs[{i}]" for i in range(len(usccs))]
    for name, (kind, _) in zip(names, keyed, strict=True):
        if kind not in matter.subjects:
            raise BadUserInput(
                f"{name}: matter {matter.code} applies to {' and '.join(matter.subjects)} only",
                argument=name,
                rule="MATTER_SUBJECT_KIND",
            )
    return keyed


async def check_many(
    info: Info,
    subjects: list[SubjectInput],
    matter_code: str,
    id_numbers: list[str] | None = None,
    usccs: list[str] | None = None,
) -> list[SanctionCheckResult]:
    c = ctx(info)
    matter = _matter(info, matter_code)
    keyed = _keyed(matter, subjects, id_numbers or [], usccs or [])
    if not keyed:
        return []
    outcomes, write = await workflow.check(
        matches=c.runtime.sources["court"].sanction_matches,
        log=c.runtime.audit,
        context=c,
        org=c.principal.org,
        matter=matter,
        subjects=keyed,
    )
    c.audit_writes.append(write)  # the answer leaves once it is committed
    kinds = {k.value: k for k in SubjectKind}
    return [
        SanctionCheckResult(
            subject_kind=kinds[o.subject_kind],
            subject_id=o.subject_id,
            matter=matter.code,
            decision=SanctionDecision(o.decision.value),
            entries=[_match(m) for m in o.matches],
            legal_basis=matter.legal_basis if o.matches else None,
        )
        for o in outcomes
    ]


def _match(m: service.Match) -> SanctionMatch:
    return SanctionMatch(
        entry_id=m.entry_id,
        list=SanctionList(m.list),
        court_code=m.court_code,
        court_name=m.court_name,
        case_number=m.case_number,
        published_on=m.published_on,
        role=m.role,
        via_uscc=m.via_uscc,
        via_name=m.via_name,
    )


# --- the change feed ---------------------------------------------------------------------------


def _change(row: dict[str, Any]) -> SanctionChange:
    return SanctionChange(
        cursor=str(row["seq"]),
        change=row["change"],
        at=row["at"],
        entry_id=row["id"],
        list=SanctionList(row["list"]),
        subject_kind=SubjectKind(row["subject_kind"]),
        subject_id=row["subject_id"],
        name=row["name"],
        court_code=row["court_code"],
        case_number=row["case_number"],
        published_on=row["published_on"],
        status=SanctionStatus(row["status"]),
        revoked_on=row["revoked_on"],
    )


async def changes(info: Info, after: str | None, first: int) -> SanctionChangePage:
    if not 1 <= first <= MAX_CHANGES_PAGE:
        raise BadUserInput(
            f"first must be 1 to {MAX_CHANGES_PAGE}", argument="first", rule="PAGE_SIZE"
        )
    cursor = service.parse_cursor(after)
    async with ctx(info).runtime.engine.connect() as conn:
        rows = await service.changes_after(conn, cursor, first + 1)
    page = rows[:first]
    end = str(page[-1]["seq"]) if page else str(cursor)
    if page:
        ctx(info).audit_batches.append(
            BatchRecord(
                action="SANCTION_FEED",
                path=tuple(info.path.as_list()),
                subjects=[(r["subject_kind"], r["subject_id"]) for r in page],
                detail={"after": cursor, "end": end},
            )
        )
    return SanctionChangePage(
        nodes=[_change(r) for r in page], end_cursor=end, has_more=len(rows) > first
    )


async def follow(info: Info, after: str | None) -> Any:
    """Every change after the cursor, then each new one as it is committed."""
    from hub.errors import Unauthenticated

    c = ctx(info)
    if c.principal is None:
        raise Unauthenticated(
            'send the token in the connection_init payload: {"Authorization": "Bearer …"}'
        )
    plan = policy_plan(info)  # refuses a role the policy does not let follow the lists
    cursor = service.parse_cursor(after)
    while True:
        async with c.runtime.engine.connect() as conn:
            rows = await service.changes_after(conn, cursor, MAX_CHANGES_PAGE)
        for row in rows:
            cursor = row["seq"]
            # each event is on record (written before it leaves) and shown as the policy says
            c.audit_subjects.append(
                AccessRecord(
                    action="SANCTION_FEED",
                    subject_kind=row["subject_kind"],
                    subject_id=row["subject_id"],
                    case_number=None,
                    path=tuple(info.path.as_list()),
                    outcome="OK",
                    detail={"entry": row["id"], "change": row["change"], "cursor": cursor},
                )
            )
            yield plan.apply(_change(row))
        if len(rows) < MAX_CHANGES_PAGE:
            await asyncio.sleep(FEED_POLL_SECONDS)


# --- statistics --------------------------------------------------------------------------------


async def stats(
    info: Info, start: date, end: date, group_by: SanctionStatsGroup
) -> list[SanctionStatsRow]:
    if end < start:
        raise BadUserInput("to is before from", argument="to", rule="DATE_RANGE")
    if (end - start).days > 3660:
        raise BadUserInput("at most ten years at once", argument="to", rule="DATE_RANGE")
    async with ctx(info).runtime.engine.connect() as conn:
        rows = await service.stats(conn, start=start, end=end, group_by=group_by.value)
    return [SanctionStatsRow(key=k, checks=n, blocked=b) for k, n, b in rows]


def matters(info: Info) -> list[SanctionMatter]:
    return [
        SanctionMatter(
            code=m.code,
            name=m.name,
            lists=[SanctionList(x) for x in m.lists],
            subjects=[SubjectKind(x) for x in m.subjects],
            extends_to=list(m.extends_to),
            legal_basis=m.legal_basis,
        )
        for m in ctx(info).runtime.sanction_matters.values()
    ]
