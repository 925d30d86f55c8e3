"""Sanction lists in GraphQL: publication, 撤销 / 删除 / 解除 / 更正 and a bound person's release
(courts), checks and feedback after a BLOCK (approval systems), the change feed, and the
interception statistics.

An approval system sees a decision, the entries behind it (list, court, case, dates, the article
each cites) and the legal basis; never a profile; and only for matters its organisation's
departments grant. Every check, of one subject or a batch, is one audit entry (action
SANCTION_CHECK) with a row per subject checked (its outcome BLOCK or ALLOW, found by the
subject's blind index), and the checks are counted in the same transaction for
``sanctionStats``. The rules are the workflow's (:mod:`hub.sanctions.workflow`); this module
decodes, calls it and maps the outcome.
"""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar

import strawberry
from strawberry.types import Info

from connectors.base.identifiers import (
    InvalidIdentifier,
    china_today,
    validate_id_number,
    validate_uscc,
)
from hub.audit.entries import AccessRecord, BatchRecord
from hub.errors import BadUserInput, HubError
from hub.federation import lookups as L
from hub.graphql import resolvers
from hub.graphql.context import ctx
from hub.graphql.enums import (
    SanctionEndGround,
    SanctionGround,
    SanctionList,
    SanctionStatus,
    SubjectKind,
)
from hub.graphql.paging import Counter, PageInfo, page_size
from hub.graphql.payloads import (
    PayloadError,
    WorkflowGateway,
    actor_fields,
    error_fields,
    optional_text_argument,
    record_refusal,
    text_argument,
)
from hub.identifiers import check_characters, normalize_case_number
from hub.policy.enforce import policy_in_force, policy_plan
from hub.policy.masking import Mask, masked
from hub.sanctions import queries, rules, service, workflow
from hub.sanctions.catalogue import Matter
from hub.sanctions.records import BoundPersonRecord

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


@strawberry.enum(
    description="Whom a listed enterprise's consumption restriction binds (法释〔2015〕17号"
    " 第三条第二款)"
)
class SanctionBoundRole(Enum):
    LEGAL_REPRESENTATIVE = strawberry.enum_value("LEGAL_REPRESENTATIVE", description="法定代表人")
    PRINCIPAL = strawberry.enum_value("PRINCIPAL", description="主要负责人")
    DIRECTLY_RESPONSIBLE = strawberry.enum_value(
        "DIRECTLY_RESPONSIBLE", description="影响债务履行的直接责任人员"
    )
    ACTUAL_CONTROLLER = strawberry.enum_value("ACTUAL_CONTROLLER", description="实际控制人")
    KEY_PERSONNEL = strawberry.enum_value(
        "KEY_PERSONNEL",
        description="A registered officer recorded before the court named bound persons: binds"
        " nobody (not a role of 第三条第二款; never accepted as input)",
    )


@strawberry.enum(description="Why a bound person is released on their own")
class SanctionReleaseGround(Enum):
    PRIVATE_CONSUMPTION = strawberry.enum_value(
        "PRIVATE_CONSUMPTION",
        description="法释〔2015〕17号 第三条第二款: 因私消费以个人财产实施，执行法院审查属实，应予准许",
    )
    LEFT_OFFICE = strawberry.enum_value(
        "LEFT_OFFICE",
        description="法发〔2019〕35号 第17条第（2）项: 原法定代表人、主要负责人确因经营管理需要变更，"
        "并非实际控制人、影响债务履行的直接责任人员",
    )


@strawberry.enum(description="What an approval system did after a BLOCK")
class SanctionFeedbackAction(Enum):
    HANDLED = strawberry.enum_value("HANDLED", description="Refused the matter (拦截)")
    OVERRIDDEN = strawberry.enum_value(
        "OVERRIDDEN", description="Granted it anyway, with the reason (e.g. a court's permission)"
    )


@strawberry.type
class SanctionError(PayloadError):
    code: SanctionErrorCode


@strawberry.input(description="A person (idNumber) or an enterprise (uscc): exactly one")
class SubjectInput:
    id_number: str | None = None
    uscc: str | None = None


@strawberry.input(description="A person the court names as bound by an enterprise's entry")
class SanctionBoundPersonInput:
    id_number: str
    role: SanctionBoundRole


@strawberry.input
class SanctionEntryPublishInput:
    list: SanctionList
    subject: SubjectInput
    case_number: str
    obligation: str = strawberry.field(description="生效法律文书确定的义务")
    published_on: date
    grounds: builtins.list[SanctionGround] | None = strawberry.field(
        default=None,
        description="情形, required (法释〔2017〕7号 第六条第（四）项): the dishonest list's grounds"
        " of 第一条 (一)–(六), or NOT_PERFORMED / DISHONEST_LISTED for a consumption restriction",
    )
    extension_years: int | None = strawberry.field(
        default=None,
        description="1–3 years added to the two-year term for 以暴力、威胁方法妨碍、抗拒执行情节严重"
        " or 多项失信行为 (法释〔2017〕7号 第二条第一款); with extensionReason",
    )
    extension_reason: str | None = None
    bound_persons: builtins.list[SanctionBoundPersonInput] | None = strawberry.field(
        default=None,
        description="For an enterprise: the persons its restriction binds besides its legal"
        " representative (法释〔2015〕17号 第三条第二款), at most 20; null: the registered manager"
        " as the principal person in charge",
    )
    legal_basis: str | None = strawberry.field(
        default=None,
        description="e.g. 法释〔2017〕7号 第一条第（一）项; null: the grounds' articles",
    )


@strawberry.input(description="删除 (失信) or 解除 (限制消费) an entry")
class SanctionEntryDeleteInput:
    ground: SanctionEndGround = strawberry.field(
        description="Dishonest list: PERFORMED … TERMINATED (法释〔2017〕7号 第十条第一款) for an entry"
        " without a term, EARLY (第二条第二款) for one with a term; consumption restriction:"
        " GUARANTEE, APPLICANT_CONSENT, PERFORMED (法释〔2015〕17号 第九条)"
    )
    reason: str


@strawberry.input(
    description="更正 (法释〔2017〕7号 第九条第二款): what is corrected; null keeps it"
)
class SanctionEntryCorrectInput:
    reason: str
    grounds: list[SanctionGround] | None = None
    extension_years: int | None = None
    extension_reason: str | None = None
    obligation: str | None = None
    legal_basis: str | None = None
    bound_persons: list[SanctionBoundPersonInput] | None = strawberry.field(
        default=None,
        description="For an enterprise: the persons the court names, in place of those bound"
        " besides the legal representative (who stays bound); released persons stay released",
    )


@strawberry.input
class SanctionPersonReleaseInput:
    ground: SanctionReleaseGround
    reason: str


@strawberry.input(description="What the approval system did after a BLOCK it was answered")
class SanctionCheckFeedbackInput:
    check_id: str = strawberry.field(description="The checkId of the sanctionCheck answer")
    subject: SubjectInput
    action: SanctionFeedbackAction
    reason: str | None = strawberry.field(default=None, description="Required for OVERRIDDEN")


@strawberry.type(
    description="A person a listed enterprise's entry binds (法释〔2015〕17号 第三条第二款)"
)
class SanctionBoundPerson:
    id_number: str = masked(Mask.ID_NUMBER)
    name: str = masked(Mask.NAME)
    roles: list[SanctionBoundRole]
    position: str | None = strawberry.field(description="As market supervision registers it")
    named_by: str = strawberry.field(
        description="COURT (named in the entry) or REGISTER (the legal representative, or the"
        " registered manager by default)"
    )
    binding: bool = strawberry.field(description="Restricted by the entry now (not released)")
    released_on: date | None
    release_ground: SanctionReleaseGround | None
    release_reason: str | None


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
    revoked_on: date | None = strawberry.field(deprecation_reason="Use endedOn")
    revoke_reason: str | None = strawberry.field(deprecation_reason="Use endReason")
    grounds: builtins.list[SanctionGround] = strawberry.field(
        description="情形 (法释〔2017〕7号 第一条; 法释〔2015〕17号 第一条)"
    )
    term_years: int | None = strawberry.field(
        description="纳入期限 (第二条); null: no term (ground (一)) or the ground is UNKNOWN"
    )
    ends_on: date | None = strawberry.field(
        description="The term's last day; after it the entry restricts nothing and the hub deletes"
        " it within three working days (第十条第二款)"
    )
    extension_reason: str | None
    ended_on: date | None = strawberry.field(description="The day it left its list")
    end_reason: str | None
    end_ground: SanctionEndGround | None
    corrected_on: date | None = strawberry.field(description="The last 更正 (第九条第二款)")
    bound_persons: builtins.list[SanctionBoundPerson] = strawberry.field(
        description="For an enterprise: the persons its consumption restriction binds"
    )


@strawberry.type
class SanctionEntryPayload:
    entry: SanctionListEntry | None = None
    errors: list[SanctionError] = strawberry.field(default_factory=list)


@strawberry.type(description="A department that grants restricted matters")
class SanctionDepartment:
    code: str
    name: str
    orgs: list[str] = strawberry.field(
        description="The organisations whose approval systems check its matters"
    )


@strawberry.type(
    description="A restricted matter of the catalogue (policies/sanction_matters.toml)"
)
class SanctionMatter:
    code: str
    name: str
    category: str | None = strawberry.field(description="中办发〔2016〕64号's heading")
    lists: list[SanctionList]
    subjects: list[SubjectKind]
    extends_to: list[str] = strawberry.field(
        description="For a listed enterprise, the persons its entry binds too (roles)"
    )
    consumption_items: list[int] = strawberry.field(
        description="The items of 法释〔2015〕17号 第三条第一款 it is (1 = （一） … 9 = （九）)"
    )
    departments: list[SanctionDepartment] = strawberry.field(
        description="The departments that grant it (实施单位)"
    )
    checkable: bool = strawberry.field(
        description="Whether the caller's organisation grants it (its approval system may check it)"
    )
    legal_basis: str


@strawberry.type(description="An entry in force behind a BLOCK")
class SanctionMatch:
    entry_id: str
    list: SanctionList
    court_code: str
    court_name: str
    case_number: str
    published_on: date
    ends_on: date | None = strawberry.field(description="The term's last day (null: no term)")
    role: str = strawberry.field(
        description="SUBJECT (listed itself), or the first of roles (a person a listed enterprise's"
        " entry binds: viaUscc)"
    )
    roles: builtins.list[str] = strawberry.field(
        description="Every role the person holds in the entry (a person is listed once per entry)"
    )
    legal_basis: str = strawberry.field(
        description="What this entry's restriction cites: the matter's basis for the listed"
        " subject, 法释〔2015〕17号 第三条第二款 for a person bound through an enterprise"
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
        description="Why the matter is restricted (BLOCK only): every basis its entries cite"
    )
    check_id: str = strawberry.field(
        description="The check's reference on the audit log: report what was done after a BLOCK"
        " with sanctionCheckFeedback"
    )


@strawberry.type(description="A change on the lists")
class SanctionChange:
    cursor: str
    change: str = strawberry.field(
        description="PUBLISHED, ANNULLED, DELETED, LIFTED, CORRECTED, RELEASED (a bound person),"
        " REVOKED (deprecated revocation)"
    )
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
    grounds: builtins.list[SanctionGround]
    ends_on: date | None
    end_ground: SanctionEndGround | None


@strawberry.type(description="A page of the change feed, oldest first")
class SanctionChangePage:
    nodes: list[SanctionChange]
    page_info: PageInfo = strawberry.field(
        description="endCursor is the feed's position also when the page is empty: pass it as"
        " after to continue, or to poll for what comes next"
    )
    end_cursor: str = strawberry.field(
        description="Pass as after to continue (also when empty)",
        deprecation_reason="Use pageInfo.endCursor",
    )
    has_more: bool = strawberry.field(deprecation_reason="Use pageInfo.hasNextPage")
    count: strawberry.Private[Counter]

    @resolvers.field(description="How many changes the feed holds, on all pages together")
    async def total_count(self) -> int:
        return await self.count()


@strawberry.type
class SanctionStatsRow:
    key: str = strawberry.field(description="The organisation, the matter code or YYYY-MM")
    checks: int
    blocked: int = strawberry.field(description="Interceptions (BLOCK)")
    handled: int = strawberry.field(
        description="BLOCKs the agency reported handled (the matter refused), by the check's day"
    )
    overridden: int = strawberry.field(
        description="BLOCKs the agency reported overridden (granted anyway, with a reason)"
    )


@strawberry.type(description="What an approval system reported after a BLOCK")
class SanctionFeedback:
    check_id: str
    matter: str
    action: SanctionFeedbackAction
    reason: str | None
    check_day: date
    reported_at: datetime


@strawberry.type
class SanctionFeedbackPayload:
    feedback: SanctionFeedback | None = None
    errors: list[SanctionError] = strawberry.field(default_factory=list)


# --- helpers ----------------------------------------------------------------------------------


def _failed(exc: HubError) -> SanctionEntryPayload:
    return SanctionEntryPayload(errors=[SanctionError(**error_fields(exc, SanctionErrorCode))])


def _grounds(value: str) -> list[SanctionGround]:
    return [SanctionGround(g) for g in rules.parse_grounds(value)]


def _person(p: BoundPersonRecord) -> SanctionBoundPerson:
    return SanctionBoundPerson(
        id_number=p.id_number,
        name=p.name,
        roles=[SanctionBoundRole(r) for r in p.roles],
        position=p.position,
        named_by=p.named_by,
        binding=p.released_on is None and p.roles != ["KEY_PERSONNEL"],
        released_on=p.released_on,
        release_ground=SanctionReleaseGround(p.release_ground) if p.release_ground else None,
        release_reason=p.release_reason,
    )


def list_entry(
    row: dict[str, Any], persons: Sequence[BoundPersonRecord] = ()
) -> SanctionListEntry:
    """A court's entry as the court sees it, with the persons it binds."""
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
        grounds=_grounds(row["grounds"]),
        term_years=row["term_years"],
        ends_on=row["ends_on"],
        extension_reason=row["extension_reason"],
        ended_on=row["revoked_on"],
        end_reason=row["revoke_reason"],
        end_ground=SanctionEndGround(row["end_ground"]) if row["end_ground"] else None,
        corrected_on=row["corrected_on"],
        bound_persons=[_person(p) for p in persons],
    )


def _done(outcome: workflow.EntryOutcome) -> SanctionEntryPayload:
    return SanctionEntryPayload(entry=list_entry(outcome.entry, outcome.persons))


def subject_of(subject: SubjectInput, argument: str = "subject") -> tuple[str, str]:
    """(kind, normalised id) of a SubjectInput; BAD_USER_INPUT naming the rule otherwise."""
    if (subject.id_number is None) == (subject.uscc is None):
        raise BadUserInput(
            f"{argument}: give exactly one of idNumber and uscc",
            argument=argument,
            rule="ONE_IDENTIFIER",
        )
    value = subject.id_number if subject.id_number is not None else subject.uscc or ""
    check_characters(value, argument=argument)
    try:
        if subject.id_number is not None:
            return "PERSON", validate_id_number(subject.id_number.strip())
        return "ENTERPRISE", validate_uscc((subject.uscc or "").strip())
    except InvalidIdentifier as exc:
        raise BadUserInput(f"{argument}: {exc}", argument=argument, rule=exc.rule) from None


def _id_number(value: str, argument: str) -> str:
    check_characters(value or "", argument=argument)
    try:
        return validate_id_number((value or "").strip())
    except InvalidIdentifier as exc:
        raise BadUserInput(f"{argument}: {exc}", argument=argument, rule=exc.rule) from None


def _named(persons: list[SanctionBoundPersonInput] | None) -> tuple[tuple[str, str], ...] | None:
    """(id number, role) of the persons the court names; BAD_USER_INPUT for a bad ID number."""
    if persons is None:
        return None
    return tuple(
        (_id_number(p.id_number, f"boundPersons[{i}]"), str(p.role.value))
        for i, p in enumerate(persons)
    )


def _ground_codes(grounds: list[SanctionGround] | None) -> tuple[str, ...] | None:
    return None if grounds is None else tuple(str(g.value) for g in grounds)


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


# --- court: publish and end ---------------------------------------------------------------------


class _RequestGateway(WorkflowGateway):
    """The sanctions workflow's view of the hub during one GraphQL operation, with the
    enterprise's register (market supervision) for the persons an entry binds."""

    async def enterprise_register(self, uscc: str) -> list[workflow.RegisteredPerson]:
        loaders = self.context.loaders
        registration, personnel = await asyncio.gather(
            loaders.load(L.ENTERPRISES, uscc), loaders.load(L.KEY_PERSONNEL, uscc)
        )
        positions = {p.id_number: p.position for p in personnel or []}
        persons = []
        rep = None
        if registration is not None:
            rep = registration.legal_representative_id
            persons.append(
                workflow.RegisteredPerson(
                    rep, registration.legal_representative_name, positions.get(rep), True
                )
            )
        persons += [
            workflow.RegisteredPerson(p.id_number, p.name, p.position, False)
            for p in personnel or []
            if p.id_number != rep
        ]
        return persons


RequestGateway = _RequestGateway  # for workflows that act through the sanctions workflow


def _actor(info: Info) -> workflow.Actor:
    return workflow.Actor(**actor_fields(info))


Command = TypeVar("Command")


async def _entry_action(
    info: Info,
    action: str,
    refused: dict[str, Any],
    decode: Callable[[], Command],
    step: Callable[[workflow.Gateway, workflow.Actor, Command], Awaitable[workflow.EntryOutcome]],
) -> SanctionEntryPayload:
    """A court's action on a list entry: decode the input into the workflow's command, run the
    workflow step, map its outcome to the payload; a refusal is an entry of ``action``."""
    try:
        command = decode()
        outcome = await step(_RequestGateway(info), _actor(info), command)
    except HubError as exc:
        record_refusal(info, action, exc, refused)
        return _failed(exc)
    return _done(outcome)


async def publish(info: Info, data: SanctionEntryPublishInput) -> SanctionEntryPayload:
    def decode() -> workflow.PublishEntry:
        kind, subject_id = subject_of(data.subject, "subject")
        return workflow.PublishEntry(
            list=workflow.SanctionList(data.list.value),
            subject_kind=kind,
            subject_id=subject_id,
            case_number=normalize_case_number(data.case_number),
            obligation=text_argument(data.obligation, "obligation", 500),
            published_on=data.published_on,
            legal_basis=optional_text_argument(data.legal_basis, "legalBasis", 128),
            grounds=_ground_codes(data.grounds) or (),
            extension_years=data.extension_years or 0,
            extension_reason=optional_text_argument(data.extension_reason, "extensionReason", 128),
            bound_persons=_named(data.bound_persons),
        )

    return await _entry_action(
        info, "SANCTION_PUBLISH", {"caseNumber": data.case_number}, decode, workflow.publish
    )


async def revoke(info: Info, entry_id: str, reason: str) -> SanctionEntryPayload:
    return await _end_with_reason(
        info, "SANCTION_REVOKE", entry_id, reason, workflow.RevokeEntry, workflow.revoke
    )


async def annul(info: Info, entry_id: str, reason: str) -> SanctionEntryPayload:
    return await _end_with_reason(
        info, "SANCTION_ANNUL", entry_id, reason, workflow.AnnulEntry, workflow.annul
    )


async def _end_with_reason(
    info: Info,
    action: str,
    entry_id: str,
    reason: str,
    command: Callable[..., Command],
    step: Callable[[workflow.Gateway, workflow.Actor, Command], Awaitable[workflow.EntryOutcome]],
) -> SanctionEntryPayload:
    """An end of an entry that names only the entry and the reason (``command``: RevokeEntry,
    AnnulEntry)."""
    return await _entry_action(
        info,
        action,
        {"entry": entry_id},
        lambda: command(
            entry_id=text_argument(entry_id, "id", 32),
            reason=text_argument(reason, "reason", 128),
        ),
        step,
    )


async def delete(info: Info, entry_id: str, data: SanctionEntryDeleteInput) -> SanctionEntryPayload:
    return await _entry_action(
        info,
        "SANCTION_DELETE",
        {"entry": entry_id},
        lambda: workflow.DeleteEntry(
            entry_id=text_argument(entry_id, "id", 32),
            ground=str(data.ground.value),
            reason=text_argument(data.reason, "reason", 128),
        ),
        workflow.delete,
    )


async def correct(
    info: Info, entry_id: str, data: SanctionEntryCorrectInput
) -> SanctionEntryPayload:
    return await _entry_action(
        info,
        "SANCTION_CORRECT",
        {"entry": entry_id},
        lambda: workflow.CorrectEntry(
            entry_id=text_argument(entry_id, "id", 32),
            reason=text_argument(data.reason, "reason", 128),
            grounds=_ground_codes(data.grounds),
            extension_years=data.extension_years,
            extension_reason=optional_text_argument(data.extension_reason, "extensionReason", 128),
            obligation=optional_text_argument(data.obligation, "obligation", 500),
            legal_basis=optional_text_argument(data.legal_basis, "legalBasis", 128),
            bound_persons=_named(data.bound_persons),
        ),
        workflow.correct,
    )


async def release_person(
    info: Info, entry_id: str, id_number: str, data: SanctionPersonReleaseInput
) -> SanctionEntryPayload:
    return await _entry_action(
        info,
        "SANCTION_RELEASE",
        {"entry": entry_id},
        lambda: workflow.ReleasePerson(
            entry_id=text_argument(entry_id, "id", 32),
            id_number=_id_number(id_number, "idNumber"),
            ground=str(data.ground.value),
            reason=text_argument(data.reason, "reason", 128),
        ),
        workflow.release_person,
    )


# --- approval systems: feedback after a BLOCK ------------------------------------------------------


async def feedback(info: Info, data: SanctionCheckFeedbackInput) -> SanctionFeedbackPayload:
    try:
        kind, subject_id = subject_of(data.subject, "subject")
        command = workflow.CheckFeedback(
            check_id=text_argument(data.check_id, "checkId", 64),
            subject_kind=kind,
            subject_id=subject_id,
            action=str(data.action.value),
            reason=optional_text_argument(data.reason, "reason", 256),
        )
        c = ctx(info)
        row = await workflow.feedback(
            _RequestGateway(info),
            _actor(info),
            command,
            blind_index=c.runtime.audit.keys.blind_index,
        )
    except HubError as exc:
        record_refusal(info, "SANCTION_FEEDBACK", exc, {"checkId": data.check_id})
        return SanctionFeedbackPayload(
            errors=[SanctionError(**error_fields(exc, SanctionErrorCode))]
        )
    return SanctionFeedbackPayload(
        feedback=SanctionFeedback(
            check_id=row["request_id"],
            matter=row["matter"],
            action=SanctionFeedbackAction(row["action"]),
            reason=row["reason"],
            check_day=row["check_day"],
            reported_at=row["reported_at"],
        )
    )


# --- approval systems: checks ------------------------------------------------------------------


def _keyed(
    matter: Matter,
    subjects: list[SubjectInput],
    id_numbers: list[str],
    usccs: list[str],
    subject_names: Sequence[str] | None = None,
) -> list[tuple[str, str]]:
    """(kind, id) of every subject asked, in order: subjects, then idNumbers, then usccs.
    Errors name the argument at fault: ``subject_names`` (default ``subjects[i]``) for the
    subjects, ``idNumbers[i]`` and ``usccs[i]`` for the others."""
    total = len(subjects) + len(id_numbers) + len(usccs)
    if total > service.MAX_CHECK:
        raise BadUserInput(
            f"at most {service.MAX_CHECK:,} subjects per check, got {total:,}; split it",
            argument="subjects",
            rule="BATCH_SIZE",
        )
    names = list(subject_names or [f"subjects[{i}]" for i in range(len(subjects))])
    keyed = [subject_of(s, name) for s, name in zip(subjects, names, strict=True)]
    today = china_today()
    for argument, kind, values, validate in (
        ("idNumbers", "PERSON", id_numbers, lambda v: validate_id_number(v, today=today)),
        ("usccs", "ENTERPRISE", usccs, validate_uscc),
    ):
        for i, value in enumerate(values):
            check_characters(value, argument=f"{argument}[{i}]")
            try:
                keyed.append((kind, validate(value)))
            except InvalidIdentifier as exc:
                raise BadUserInput(
                    f"{argument}[{i}]: {exc}", argument=f"{argument}[{i}]", rule=exc.rule
                ) from None
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
    *,
    subject_names: Sequence[str] | None = None,
) -> list[SanctionCheckResult]:
    """``sanctionChecks`` (and, with ``subject_names=["subject"]``, ``sanctionCheck``, whose
    argument is ``subject``)."""
    c = ctx(info)
    matter = _matter(info, matter_code)
    workflow.authorise(matter, c.principal.org)  # before anything about the subjects
    keyed = _keyed(matter, subjects, id_numbers or [], usccs or [], subject_names)
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
    results = []
    bases_of = {
        "SUBJECT": matter.legal_basis,
        None: matter.bound_basis if matter.extends_to else "",
    }
    for o in outcomes:
        entries = [_match(m, bases_of) for m in o.matches]
        bases = list(dict.fromkeys(m.legal_basis for m in entries))
        results.append(
            SanctionCheckResult(
                subject_kind=kinds[o.subject_kind],
                subject_id=o.subject_id,
                matter=matter.code,
                decision=SanctionDecision(o.decision.value),
                entries=entries,
                legal_basis="；".join(bases) if bases else None,
                check_id=c.request_id,
            )
        )
    return results


def _match(m: service.Match, bases: dict[str | None, str]) -> SanctionMatch:
    """A match cites the matter's basis when the subject is listed itself (``bases["SUBJECT"]``),
    and 法释〔2015〕17号 第三条第二款 when it is a person a listed enterprise's entry binds (not
    第一款, which is about the 被执行人 itself: ``bases[None]``)."""
    return SanctionMatch(
        entry_id=m.entry_id,
        list=SanctionList(m.list),
        court_code=m.court_code,
        court_name=m.court_name,
        case_number=m.case_number,
        published_on=m.published_on,
        ends_on=m.ends_on,
        role=m.role,
        roles=list(m.roles),
        legal_basis=bases["SUBJECT"] if m.role == "SUBJECT" else bases[None],
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
        grounds=_grounds(row["grounds"]),
        ends_on=row["ends_on"],
        end_ground=SanctionEndGround(row["end_ground"]) if row["end_ground"] else None,
    )


async def changes(info: Info, after: str | None, first: int) -> SanctionChangePage:
    page_size(first, limit=MAX_CHANGES_PAGE)
    cursor = service.parse_cursor(after)
    engine = ctx(info).runtime.engine
    async with engine.connect() as conn:
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

    async def count() -> int:
        async with engine.connect() as conn:
            return await queries.count_changes(conn)

    more = len(rows) > first
    return SanctionChangePage(
        nodes=[_change(r) for r in page],
        page_info=PageInfo(end_cursor=end, has_next_page=more),
        end_cursor=end,
        has_more=more,
        count=count,
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
            policy_in_force(info)  # before the event is recorded and leaves
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
    return [
        SanctionStatsRow(key=k, checks=n, blocked=b, handled=h, overridden=o)
        for k, n, b, h, o in rows
    ]


def matters(info: Info) -> list[SanctionMatter]:
    c = ctx(info)
    org = c.principal.org if c.principal is not None else ""
    return [
        SanctionMatter(
            code=m.code,
            name=m.name,
            category=m.category,
            lists=[SanctionList(x) for x in m.lists],
            subjects=[SubjectKind(x) for x in m.subjects],
            extends_to=list(m.extends_to),
            consumption_items=list(m.consumption_items),
            departments=[
                SanctionDepartment(code=d.code, name=d.name, orgs=list(d.orgs))
                for d in m.departments
            ],
            checkable=m.granted_by(org),
            legal_basis=m.legal_basis,
        )
        for m in c.runtime.sanction_matters.values()
    ]
