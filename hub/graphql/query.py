"""The root Query: subjects by identifier, the caller, their cases.

Validation, purpose binding and the caller's grants are declared on each subject field
(:class:`~hub.graphql.subject_access.SubjectAccess`); the resolvers only check which subjects exist.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from datetime import date
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry.types import Info

from hub.errors import ConnectorFailed, RateLimited
from hub.federation import lookups as L
from hub.graphql import deposit_inquiries, orders, party_requests, police, resolvers, sanctions
from hub.graphql.audit import (
    AuditCheckpoint,
    AuditEvent,
    AuditEventConnection,
    AuditEventFilter,
    ConsistencyProof,
    InclusionProof,
    resolve_access_history,
    resolve_audit_events,
    resolve_checkpoint,
    resolve_consistency,
    resolve_inclusion,
    resolve_person_accesses,
)
from hub.graphql.audit_reports import (
    AuditActivityDay,
    AuditIntegrityJob,
    AuditIntegrityReport,
    AuditIntegrityStartPayload,
    resolve_activity,
    resolve_integrity,
    resolve_integrity_job,
    resolve_integrity_start,
)
from hub.graphql.context import ctx
from hub.graphql.court import (
    Case,
    CaseConnection,
    CaseFilter,
    Court,
    Me,
    resolve_assigned_cases,
    resolve_courts,
    resolve_me,
    resolve_my_cases,
)
from hub.graphql.deposit_inquiries import DepositInquiryConnection, DepositInquiryFilter
from hub.graphql.enums import CaseStatus
from hub.graphql.orders import (
    AssetInput,
    DepositDeductInput,
    DepositDeductionPayload,
    DepositLedger,
    FreezeOrder,
    FreezeOrderAssessment,
    FreezeOrderConnection,
    FreezeOrderEvent,
    FreezeOrderFilter,
    FreezeOrderPayload,
    FreezeOrderReleaseInput,
    FreezeOrderRenewInput,
    FreezeOrderSubmitInput,
    ReceiptInput,
)
from hub.graphql.parties import MyEnterprise, resolve_my_enterprise
from hub.graphql.party_requests import (
    CaseDocumentPayload,
    CaseDocumentPublishInput,
    PartyRequestAnswerInput,
    PartyRequestConnection,
    PartyRequestFileInput,
    PartyRequestFilter,
    PartyRequestPayload,
)
from hub.graphql.sanction_entries import (
    SanctionEntryFilter,
    SanctionListEntryConnection,
    resolve_sanction_entries,
)
from hub.graphql.subject_access import SubjectAccess
from hub.graphql.subjects import Enterprise, Person
from hub.policy.enforce import plan_for

Subject = TypeVar("Subject", Person, Enterprise)


async def _exist(info: Info[Any, Any], kind: str, keys: list[str]) -> list[bool]:
    """Which subjects the authoritative agency knows. If it cannot answer, every subject is
    returned and the agency's own fields carry the error (the rest of the profile still loads).

    The full record is loaded when the query asks for it and the caller may see some of it
    (the look-up is then shared with the field); otherwise only existence is asked.
    """
    c = ctx(info)
    plan = plan_for(c.grants, c.runtime.policy_fields, info)
    user = c.principal.sub
    guard = c.runtime.probes
    path = tuple(info._raw_info.path.as_list())
    try:
        guard.admit_subjects(user, keys)
        if kind == "PERSON":
            wanted = "identity" in plan.live.get("Person", ())
            lookup = L.IDENTITIES if wanted else L.PERSONS_REGISTERED
        else:
            wanted = "registration" in plan.live.get("Enterprise", ())
            lookup = L.ENTERPRISES if wanted else L.ENTERPRISES_REGISTERED
        try:
            found = await c.loaders.load_many(lookup, keys)
        except ConnectorFailed:
            return [True] * len(keys)
        release = await guard.admit_unknown(user, sum(not rec for rec in found))
        if release is not None:
            c.after_audit.append(release)
    except RateLimited as exc:
        # nothing is answered; the look-ups are on record as refused by the limit
        for access in c.audit_subjects:
            if access.path[: len(path)] == path and access.outcome is None:
                access.outcome = "RATE_LIMITED"
                access.reason = str(exc.extra.get("reason"))
        raise
    return [bool(rec) for rec in found]


def _person(id_number: str) -> Person:
    return Person(key=id_number, id_number=id_number)


def _enterprise(uscc: str) -> Enterprise:
    return Enterprise(key=uscc, uscc=uscc)


async def _one(
    info: Info[Any, Any], kind: str, key: str, subject: Callable[[str], Subject]
) -> Subject | None:
    """The subject of ``key`` if its agency knows it (see :func:`_exist`), else None."""
    return subject(key) if (await _exist(info, kind, [key]))[0] else None


async def _many(
    info: Info[Any, Any], kind: str, keys: list[str], subject: Callable[[str], Subject]
) -> list[Subject | None]:
    """The subjects of ``keys`` in the order asked, None where the agency does not know one."""
    found = await _exist(info, kind, keys)
    return [subject(k) if ok else None for k, ok in zip(keys, found, strict=True)]


@strawberry.type
class Subscription:
    @resolvers.subscription(
        description="Sanction-list changes after a cursor, then each new one (graphql-transport-ws)"
    )
    async def sanction_list_changes(
        self, info: Info, after: str | None = None
    ) -> AsyncGenerator[sanctions.SanctionChange, None]:
        async for change in sanctions.follow(info, after):
            yield change

    @resolvers.subscription(
        description="Order transitions of a case, or of all the caller's orders without one (graphql-transport-ws)"
    )
    async def freeze_order_events(
        self, info: Info, case_number: str | None = None
    ) -> AsyncGenerator[FreezeOrderEvent, None]:
        async for event in orders.events(info, case_number):
            yield event

    @resolvers.subscription(
        description="Court: each bank's answer (or time-out) to a 查控 request of the caller's"
        " cases as it is recorded, until every bank has ended (graphql-transport-ws)"
    )
    async def deposit_inquiry_progress(
        self, info: Info, id: str
    ) -> AsyncGenerator[deposit_inquiries.DepositInquiryProgress, None]:
        async for event in deposit_inquiries.progress(info, id):
            yield event

    @resolvers.subscription(
        description="Court: what happens to a police-assistance request of the caller's cases —"
        " the answer, each sighting of a watched vehicle, confirmations, the end — from after"
        " (an event id; default: the first) until it has ended (graphql-transport-ws)"
    )
    async def police_request_events(
        self, info: Info, id: str, after: int | None = None
    ) -> AsyncGenerator[police.PoliceRequestEvent, None]:
        async for event in police.follow(info, id, after):
            yield event


@strawberry.type
class Mutation:
    @resolvers.mutation(
        description="Auditor: start verifying the whole log in the background (one at a time:"
        " while one runs, that one is answered); returns at once, follow auditIntegrityJob"
    )
    async def audit_integrity_start(self, info: Info) -> AuditIntegrityStartPayload:
        return await resolve_integrity_start(info)

    @resolvers.mutation(
        description="Court: put a 被执行人 of an open case of the court on a sanction list"
    )
    async def sanction_entry_publish(
        self, info: Info, input: sanctions.SanctionEntryPublishInput
    ) -> sanctions.SanctionEntryPayload:
        return await sanctions.publish(info, input)

    @resolvers.mutation(
        description="Court: take an entry of the court off its list (REVOKED, without saying how)",
        deprecation_reason="Use sanctionEntryAnnul (撤销), sanctionEntryDelete (删除 / 解除) or"
        " sanctionEntryCorrect (更正)",
    )
    async def sanction_entry_revoke(
        self, info: Info, id: str, reason: str
    ) -> sanctions.SanctionEntryPayload:
        return await sanctions.revoke(info, id, reason)

    @resolvers.mutation(
        description="Court: 撤销 an entry that should not have been published (法释〔2017〕7号"
        " 第九条第一款)"
    )
    async def sanction_entry_annul(
        self, info: Info, id: str, reason: str
    ) -> sanctions.SanctionEntryPayload:
        return await sanctions.annul(info, id, reason)

    @resolvers.mutation(
        description="Court: 删除 a dishonest-list entry (法释〔2017〕7号 第十条第一款; 第二条第二款 for"
        " an entry with a term) or 解除 a consumption restriction (法释〔2015〕17号 第九条)"
    )
    async def sanction_entry_delete(
        self, info: Info, id: str, input: sanctions.SanctionEntryDeleteInput
    ) -> sanctions.SanctionEntryPayload:
        return await sanctions.delete(info, id, input)

    @resolvers.mutation(
        description="Court: 更正 what an entry records (法释〔2017〕7号 第九条第二款): its grounds"
        " (and so its term and end), obligation or citation"
    )
    async def sanction_entry_correct(
        self, info: Info, id: str, input: sanctions.SanctionEntryCorrectInput
    ) -> sanctions.SanctionEntryPayload:
        return await sanctions.correct(info, id, input)

    @resolvers.mutation(
        description="Court: release one person an enterprise's entry binds, the entry staying"
        " (法释〔2015〕17号 第三条第二款; 法发〔2019〕35号 第17条)"
    )
    async def sanction_entry_person_release(
        self, info: Info, id: str, id_number: str, input: sanctions.SanctionPersonReleaseInput
    ) -> sanctions.SanctionEntryPayload:
        return await sanctions.release_person(info, id, id_number, input)

    @resolvers.mutation(
        description="Approval system: what it did after a BLOCK (handled, or overridden with a"
        " reason); counted in sanctionStats"
    )
    async def sanction_check_feedback(
        self, info: Info, input: sanctions.SanctionCheckFeedbackInput
    ) -> sanctions.SanctionFeedbackPayload:
        return await sanctions.feedback(info, input)

    @resolvers.mutation(
        description="Court: seize (查封), detain (扣押) or freeze (冻结) an asset of a respondent"
        " (被执行人 / 被保全人) of the case"
    )
    async def freeze_order_submit(
        self, info: Info, input: FreezeOrderSubmitInput
    ) -> FreezeOrderPayload | None:
        return await orders.submit(info, input)

    @resolvers.mutation(
        description="Court: file an asynchronous 查控 request — the deposits of many 被执行人 of"
        " an open case of the judge, asked of every bank; answers arrive per bank"
        " (depositInquiry, depositInquiryProgress)"
    )
    async def deposit_inquiry_file(
        self, info: Info, input: deposit_inquiries.DepositInquiryFileInput
    ) -> deposit_inquiries.DepositInquiryPayload | None:
        return await deposit_inquiries.file(info, input)

    @resolvers.mutation(
        description="Enterprise party: file a request (诉求反映: 申请解除 / 申请履行 / 信用修复 /"
        " 其他) against one of its own cases, to the judges assigned to it"
    )
    async def party_request_file(
        self, info: Info, input: PartyRequestFileInput
    ) -> PartyRequestPayload | None:
        return await party_requests.file(info, input)

    @resolvers.mutation(
        description="Court: answer a request of the caller's inbox (GRANTED / REFUSED / NOTED); a"
        " GRANTED 申请解除 releases the case's measures on the party's assets, a GRANTED 信用修复"
        " ends its entries of the case on the sanction lists"
    )
    async def party_request_answer(
        self, info: Info, id: str, input: PartyRequestAnswerInput
    ) -> PartyRequestPayload | None:
        return await party_requests.answer(info, id, input)

    @resolvers.mutation(
        description="Court: publish a judgment document (裁判文书公开) or execution information"
        " (执行信息公开) for a case of the court, read by the case's parties"
    )
    async def case_document_publish(
        self, info: Info, input: CaseDocumentPublishInput
    ) -> CaseDocumentPayload | None:
        return await party_requests.publish(info, input)

    @resolvers.mutation(
        description="Court: ask public security for assistance with a respondent of an open case"
        " of the judge — locate them (查人, 民事诉讼法 第二百五十三条), watch a vehicle the case"
        " holds (车辆布控) or restrict their exit (限制出境, 民事诉讼法 第二百六十六条)"
    )
    async def police_request_file(
        self, info: Info, input: police.PoliceRequestFileInput
    ) -> police.PoliceRequestPayload | None:
        return await police.file(info, input)

    @resolvers.mutation(
        description="Court: withdraw an unanswered police-assistance request, or end a vehicle"
        " watch in place"
    )
    async def police_request_cancel(
        self, info: Info, id: str, reason: str
    ) -> police.PoliceRequestPayload | None:
        return await police.court_change(info, "cancel", id, reason)

    @resolvers.mutation(
        description="Court: ask public security to stop a watched vehicle and hand it over (查扣)"
    )
    async def police_vehicle_stop(
        self, info: Info, id: str, reason: str
    ) -> police.PoliceRequestPayload | None:
        return await police.court_change(info, "stop", id, reason)

    @resolvers.mutation(
        description="Court: lift an exit restriction in force (public security confirms it)"
    )
    async def police_exit_ban_lift(
        self, info: Info, id: str, reason: str
    ) -> police.PoliceRequestPayload | None:
        return await police.court_change(info, "lift", id, reason)

    @resolvers.mutation(
        description="Public security: answer a 查人 request with what it may share, while the"
        " request is valid"
    )
    async def police_request_answer(
        self, info: Info, id: str, input: police.PoliceLocateAnswerInput
    ) -> police.PoliceRequestPayload | None:
        return await police.answer(info, id, input)

    @resolvers.mutation(description="Public security: refuse an open request, with the reason")
    async def police_request_refuse(
        self, info: Info, id: str, reason: str
    ) -> police.PoliceRequestPayload | None:
        return await police.refuse(info, id, reason)

    @resolvers.mutation(
        description="Public security: confirm, with the receipt number — a vehicle watch in"
        " place, an exit restriction in force, or its lifting"
    )
    async def police_request_confirm(
        self, info: Info, id: str, receipt_number: str
    ) -> police.PoliceRequestPayload | None:
        return await police.confirm(info, id, receipt_number)

    @resolvers.mutation(
        description="Public security: record a sighting of a watched vehicle (checkpoint, time,"
        " place), pushed to the court"
    )
    async def police_sighting_record(
        self, info: Info, id: str, input: police.PoliceSightingInput
    ) -> police.PoliceSightingPayload | None:
        return await police.sighting(info, id, input)

    @resolvers.mutation(
        description="Public security: the vehicle the court asked to stop is handed over (查扣),"
        " with the receipt"
    )
    async def police_vehicle_hand_over(
        self, info: Info, id: str, input: police.PoliceHandOverInput
    ) -> police.PoliceRequestPayload | None:
        return await police.hand_over(info, id, input)

    @resolvers.mutation(description="Court: release (解封) an effective or waiting order")
    async def freeze_order_release(
        self, info: Info, id: str, input: FreezeOrderReleaseInput
    ) -> FreezeOrderPayload | None:
        return await orders.release(info, id, input)

    @resolvers.mutation(description="Court: renew (续封) an effective order before it expires")
    async def freeze_order_renew(
        self, info: Info, id: str, input: FreezeOrderRenewInput
    ) -> FreezeOrderPayload | None:
        return await orders.renew(info, id, input)

    @resolvers.mutation(
        description="Court: deduct (扣划) money from a freeze of deposits of the case in effect, by"
        " a ruling, to the court's 执行款 account; served on the bank once"
    )
    async def deposit_deduct(
        self, info: Info, input: DepositDeductInput
    ) -> DepositDeductionPayload | None:
        return await orders.deduct(info, input)

    @resolvers.mutation(description="Agency: register a delivered order, with the receipt")
    async def freeze_order_accept(
        self, info: Info, id: str, receipt: ReceiptInput
    ) -> FreezeOrderPayload | None:
        return await orders.accept(info, id, receipt)

    @resolvers.mutation(description="Agency: refuse a delivered order, with the reason")
    async def freeze_order_reject(
        self, info: Info, id: str, reason: str
    ) -> FreezeOrderPayload | None:
        return await orders.reject(info, id, reason)


@strawberry.type
class Query:
    @resolvers.field(description="Approval systems: may this subject be granted the matter?")
    async def sanction_check(
        self, info: Info, subject: sanctions.SubjectInput, matter: str
    ) -> sanctions.SanctionCheckResult:
        (result,) = await sanctions.check_many(info, [subject], matter, subject_names=["subject"])
        return result

    @resolvers.field(
        description="Approval systems: up to 10,000 subjects for one matter at once, answered in"
        " the order asked (subjects, then idNumbers, then usccs; the plain lists are the faster"
        " form for large batches)"
    )
    async def sanction_checks(
        self,
        info: Info,
        matter: str,
        subjects: list[sanctions.SubjectInput] | None = None,
        id_numbers: list[str] | None = None,
        usccs: list[str] | None = None,
    ) -> list[sanctions.SanctionCheckResult]:
        return await sanctions.check_many(info, subjects or [], matter, id_numbers, usccs)

    @resolvers.field(description="The catalogue of restricted matters")
    def sanction_matters(self, info: Info) -> list[sanctions.SanctionMatter]:
        return sanctions.matters(info)

    @resolvers.field(description="Sanction-list changes after a cursor, oldest first")
    async def sanction_list_changes(
        self, info: Info, after: str | None = None, first: int = 500
    ) -> sanctions.SanctionChangePage:
        return await sanctions.changes(info, after, first)

    @resolvers.field(
        description="Court: the entries the court published (a judge: of the cases the judge is"
        " assigned to), newest published first, a page at a time, with totalCount"
    )
    async def sanction_entries(
        self,
        info: Info,
        filter: SanctionEntryFilter | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> SanctionListEntryConnection | None:
        return await resolve_sanction_entries(info, filter, first, after)

    @resolvers.field(
        name="sanctionStats",
        description="Checks and interceptions per agency, matter or month (府院联动 reports)",
    )
    async def sanction_stats(
        self,
        info: Info,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
        group_by: sanctions.SanctionStatsGroup,
    ) -> list[sanctions.SanctionStatsRow]:
        return await sanctions.stats(info, from_, to, group_by)

    @resolvers.field(description="The authenticated caller")
    async def me(self, info: Info) -> Me:
        return await resolve_me(info)

    @resolvers.field(
        description="Enterprise party (企业纾困360): the caller's own enterprise — its cases, the"
        " measures on its assets, its sanction-list entries. No argument: the enterprise is the"
        " one the caller's token names"
    )
    async def my_enterprise(self, info: Info) -> MyEnterprise | None:
        return await resolve_my_enterprise(info)

    @resolvers.field(
        description="The courts the hub knows, by code: names for the court codes in orders,"
        " sanction entries and orgs (court:370602)"
    )
    async def courts(self, info: Info) -> list[Court] | None:
        return await resolve_courts(info)

    @resolvers.field(
        description="A person's full profile; null if public security does not know them",
        extensions=[SubjectAccess(kind="PERSON", argument="id_number", many=False)],
    )
    async def person(
        self, info: Info, id_number: str, case_number: str | None = None
    ) -> Person | None:
        return await _one(info, "PERSON", id_number, _person)

    @resolvers.field(
        description="Up to 1,000 persons at once, in the order asked; null where unknown",
        extensions=[SubjectAccess(kind="PERSON", argument="id_numbers", many=True)],
    )
    async def persons(
        self, info: Info, id_numbers: list[str], case_number: str | None = None
    ) -> list[Person | None]:
        return await _many(info, "PERSON", id_numbers, _person)

    @resolvers.field(
        description="An enterprise's full profile; null if market supervision does not know it",
        extensions=[SubjectAccess(kind="ENTERPRISE", argument="uscc", many=False)],
    )
    async def enterprise(
        self, info: Info, uscc: str, case_number: str | None = None
    ) -> Enterprise | None:
        return await _one(info, "ENTERPRISE", uscc, _enterprise)

    @resolvers.field(
        description="Up to 1,000 enterprises at once, in the order asked; null where unknown",
        extensions=[SubjectAccess(kind="ENTERPRISE", argument="usccs", many=True)],
    )
    async def enterprises(
        self, info: Info, usccs: list[str], case_number: str | None = None
    ) -> list[Enterprise | None]:
        return await _many(info, "ENTERPRISE", usccs, _enterprise)

    @resolvers.field(description="Search the audit log, newest first (auditors)")
    async def audit_events(
        self,
        info: Info,
        filter: AuditEventFilter | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> AuditEventConnection | None:
        return await resolve_audit_events(info, filter, first, after)

    @resolvers.field(
        description="Who looked at this person, when, from which org, for which case: a page"
        " of entries, newest first (the auditors' own searches left out), with totalCount"
    )
    async def person_accesses(
        self, info: Info, id_number: str, first: int = 50, after: str | None = None
    ) -> AuditEventConnection | None:
        return await resolve_person_accesses(info, id_number, first, after)

    @resolvers.field(
        description="Who looked at this person, when, from which org, for which case",
        deprecation_reason="Use personAccesses: cursor paging (first / after) and totalCount",
    )
    async def access_history(
        self, info: Info, id_number: str, first: int = 100
    ) -> list[AuditEvent] | None:
        return await resolve_access_history(info, id_number, first)

    @resolvers.field(description="The latest signed checkpoint of the audit log")
    async def audit_checkpoint(self, info: Info) -> AuditCheckpoint | None:
        return await resolve_checkpoint(info)

    @resolvers.field(
        description="Proof that an entry is in the tree of the given size (default: latest)"
    )
    async def audit_inclusion_proof(
        self, info: Info, entry_id: str, tree_size: int | None = None
    ) -> InclusionProof | None:
        return await resolve_inclusion(info, entry_id, tree_size)

    @resolvers.field(description="Proof that the tree of toSize extends the tree of fromSize")
    async def audit_consistency_proof(
        self, info: Info, from_size: int, to_size: int
    ) -> ConsistencyProof | None:
        return await resolve_consistency(info, from_size, to_size)

    @resolvers.field(
        description="Accesses per agency per day and denied attempts (at most 366 days)"
    )
    async def audit_activity(
        self,
        info: Info,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
    ) -> list[AuditActivityDay] | None:
        return await resolve_activity(info, from_, to)

    @resolvers.field(
        description="Recompute the whole log now: every leaf, the tree, every signed checkpoint."
        " Waits for the report of a verification started now (or of the one already running);"
        " the work runs in a process of its own. For a long log use auditIntegrityStart and"
        " follow auditIntegrityJob"
    )
    async def audit_integrity(self, info: Info) -> AuditIntegrityReport | None:
        return await resolve_integrity(info)

    @resolvers.field(
        description="A verification of the whole log: its state, progress and report once done"
        " (default: the latest)"
    )
    async def audit_integrity_job(
        self, info: Info, id: str | None = None
    ) -> AuditIntegrityJob | None:
        return await resolve_integrity_job(info, id)

    @resolvers.field(
        description="An order of the caller's court, or addressed to the caller's agency"
    )
    async def freeze_order(self, info: Info, id: str) -> FreezeOrder | None:
        return await orders.one(info, id)

    @resolvers.field(
        description="Court: the over-seizure check of a case (超标的查封, 查封规定 第十九条) — its"
        " outstanding amount beside the known value of what its orders hold and of the asset"
        " about to be added (a respondent's)"
    )
    async def freeze_order_assessment(
        self, info: Info, case_number: str, asset: AssetInput | None = None
    ) -> FreezeOrderAssessment | None:
        return await orders.assess(info, case_number, asset)

    @resolvers.field(
        description="Auditor: a case's deductions (扣划) from frozen deposits, reconciled against"
        " the banks' signed receipts and their own records of transfers"
    )
    async def deposit_ledger(self, info: Info, case_number: str) -> DepositLedger | None:
        return await orders.ledger(info, case_number)

    @resolvers.field(description="Orders of the caller's court (or agency), newest first")
    async def freeze_orders(
        self,
        info: Info,
        filter: FreezeOrderFilter | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> FreezeOrderConnection | None:
        return await orders.many(info, filter, first, after)

    @resolvers.field(
        description="Orders delivered to the caller's agency and waiting for an answer, oldest"
        " served first (the waiting line follows the time of service)"
    )
    async def agency_inbox(
        self, info: Info, first: int = 50, after: str | None = None
    ) -> FreezeOrderConnection | None:
        return await orders.many(info, None, first, after, inbox=True)

    @resolvers.field(
        description="Court: a 查控 request of the caller's cases with every bank's state and"
        " answer (the accounts as a profile's deposits show them)"
    )
    async def deposit_inquiry(self, info: Info, id: str) -> deposit_inquiries.DepositInquiry | None:
        return await deposit_inquiries.inquiry(info, id)

    @resolvers.field(
        description="Court: the 查控 requests of the caller's court — a judge's: of the cases the"
        " judge is assigned to — newest filed first: a page of them (first 1–200, after: the"
        " pageInfo.endCursor before), found by case and status, with totalCount"
    )
    async def deposit_inquiries(
        self,
        info: Info,
        filter: DepositInquiryFilter | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> DepositInquiryConnection | None:
        return await deposit_inquiries.many(info, filter, first, after)

    @resolvers.field(
        description="Court: requests (诉求反映) of enterprise parties in the cases the caller is"
        " assigned to, newest filed first: a page of them (first 1–200, after: the"
        " pageInfo.endCursor before), found by status, with totalCount"
    )
    async def party_request_inbox(
        self,
        info: Info,
        filter: PartyRequestFilter | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> PartyRequestConnection | None:
        return await party_requests.inbox(info, filter, first, after)

    @resolvers.field(
        description="Court: police-assistance requests of the court (a judge: of the cases the"
        " judge is assigned to), newest filed first, a page at a time, with totalCount"
    )
    async def police_requests(
        self,
        info: Info,
        filter: police.PoliceRequestFilter | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> police.PoliceRequestConnection | None:
        return await police.many(info, filter, first, after, inbox=False)

    @resolvers.field(
        description="Public security: the requests it has to act on (open, watches in place, stops"
        " and liftings asked for; or those of the status the filter names), newest filed first"
    )
    async def police_inbox(
        self,
        info: Info,
        filter: police.PoliceRequestFilter | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> police.PoliceRequestConnection | None:
        return await police.many(info, filter, first, after, inbox=True)

    @resolvers.field(
        description="A police-assistance request with what happened to it: of the caller's cases"
        " (court) or any (public security)"
    )
    async def police_request(self, info: Info, id: str) -> police.PoliceRequest | None:
        return await police.one(info, id)

    @resolvers.field(
        description="Cases the caller is assigned to, newest filed first: a page of them (first"
        " 1–200, after: the pageInfo.endCursor before), found by status and part of the case"
        " number, with totalCount"
    )
    async def assigned_cases(
        self,
        info: Info,
        filter: CaseFilter | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> CaseConnection | None:
        return await resolve_assigned_cases(info, filter, first, after)

    @resolvers.field(
        description="Cases the caller is assigned to, newest first",
        deprecation_reason="Use assignedCases: cursor paging (first / after), totalCount and a"
        " case-number search",
    )
    async def my_cases(
        self, info: Info, status: CaseStatus | None = None, first: int = 50, offset: int = 0
    ) -> list[Case]:
        return await resolve_my_cases(info, status, first, offset)
