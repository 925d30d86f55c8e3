"""The auditor's workspace: search the access record, a person's access history, proofs.

Only roles the policy grants ``Query.audit*`` reach these fields (the auditor); every query an
auditor makes is itself recorded (action ``AUDIT_QUERY``).
"""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from connectors.base.tlog.checkpoint import parse_checkpoint, split_note
from hub.audit import queries
from hub.audit.entries import AccessRecord
from hub.errors import BadUserInput, NotFound, RateLimited
from hub.graphql import resolvers
from hub.graphql.context import ctx
from hub.graphql.enums import SubjectKind
from hub.graphql.paging import Counter, PageInfo, decode, encode, natural, page_size
from hub.identifiers import (
    check_characters,
    check_id_number,
    check_uscc,
    normalize_case_number,
)
from hub.policy.masking import Mask, masked

ACTIONS = (
    "PROFILE_VIEW",
    "REFERENCE_VIEW",
    "SUBJECTS_SHOWN",
    "CASE_LIST",
    "PARTY_VIEW",
    "PARTY_REQUEST_FILE",
    "PARTY_REQUEST_INBOX",
    "PARTY_REQUEST_ANSWER",
    "CASE_DOCUMENT_PUBLISH",
    "ORDER_VIEW",
    "ORDER_LIST",
    "ORDER_ASSESS",
    "ORDER_SUBMIT",
    "ORDER_RELEASE",
    "ORDER_RENEW",
    "ORDER_ACCEPT",
    "ORDER_REJECT",
    "ORDER_DELIVERED",
    "ORDER_WAITING",
    "ORDER_EFFECTIVE",
    "ORDER_EXPIRED",
    "ORDER_REJECTED",
    "ORDER_DEDUCTED",
    "ORDER_DEDUCT_REFUSED",
    "DEPOSIT_DEDUCT",
    "DEPOSIT_DEDUCTION_VIEW",
    "DEPOSIT_LEDGER_VIEW",
    "DEPOSIT_INQUIRY_FILE",
    "DEPOSIT_INQUIRY_VIEW",
    "DEPOSIT_INQUIRY_LIST",
    "DEPOSIT_INQUIRY_ANSWER",
    "POLICE_REQUEST_FILE",
    "POLICE_REQUEST_CANCEL",
    "POLICE_VEHICLE_STOP",
    "POLICE_EXIT_BAN_LIFT",
    "POLICE_LOCATE_ANSWER",
    "POLICE_REQUEST_REFUSE",
    "POLICE_REQUEST_CONFIRM",
    "POLICE_SIGHTING_RECORD",
    "POLICE_VEHICLE_HAND_OVER",
    "POLICE_REQUEST_END",
    "POLICE_REQUEST_EXPIRE",
    "POLICE_REQUEST_LIST",
    "POLICE_REQUEST_VIEW",
    "POLICE_HOLDINGS_VIEW",
    "POLICE_EVENT_DELIVER",
    "SANCTION_CHECK",
    "SANCTION_PUBLISH",
    "SANCTION_REVOKE",
    "SANCTION_ANNUL",
    "SANCTION_DELETE",
    "SANCTION_CORRECT",
    "SANCTION_RELEASE",
    "SANCTION_FEEDBACK",
    "SANCTION_FEED",
    "SANCTION_LIST",
    "ACCESS_REFUSED",
    "AUDIT_QUERY",
)
OUTCOMES = (
    "OK",
    "PARTIAL",
    "NOT_FOUND",
    "DENIED",
    "PURPOSE_REQUIRED",
    "RATE_LIMITED",
    "CONFLICT",
    "SHOWN",
)
FLAGS = (
    "NO_CASE",
    "CASE_CLOSED",
    "CASE_OTHER_COURT",
    "DENIED_BURST",
    "OFF_HOURS",
    "BULK",
    "ENUMERATION",
)
CURSOR = "audit"  # auditEvents's cursors
ACCESSES_CURSOR = "accesses"  # personAccesses's: neither list takes the other's
_ENTRY_ID = re.compile(r"[1-9][0-9]{0,17}")  # fullmatch: a positive BIGINT, written plainly


@strawberry.type(description="A connector called for the request and how it answered")
class ConnectorOutcome:
    connector: str
    outcome: str


@strawberry.type(description="One entry of the audit log")
class AuditEvent:
    id: str
    occurred_at: datetime
    request_id: str
    user_id: str = masked(
        Mask.ID_NUMBER,
        subject_kind="user_kind",
        description="The user: a staff id, or an enterprise party's authorised person's ID number",
    )
    user_kind: strawberry.Private[str]  # PERSON (a party's ID number) or STAFF
    org: str
    roles: list[str]
    case_number: str | None
    action: str = strawberry.field(description=", ".join(ACTIONS))
    subject_kind: SubjectKind | None
    subject_id: str | None = masked(
        Mask.ID_NUMBER, subject_kind="subject_kind", description="null once redacted"
    )
    outcome: str = strawberry.field(description=", ".join(OUTCOMES))
    flags: list[str] = strawberry.field(description="Anomaly flags: " + ", ".join(FLAGS))
    fields_granted: list[str]
    fields_masked: list[str]
    fields_denied: list[str]
    connectors: list[ConnectorOutcome]
    latency_ms: float | None
    client: str | None
    reason: str | None
    redacted: bool
    leaf_index: int | None = strawberry.field(
        description="Position in the Merkle tree, once integrated"
    )
    subject_position: int | None = strawberry.field(
        description="For an entry of many subjects (a batch sanction check) found by subject:"
        " this subject's position in the batch (0-based); the event's subject, outcome and"
        " redaction are that subject's"
    )


@strawberry.type(description="A page of audit entries, newest first")
class AuditEventConnection:
    nodes: list[AuditEvent]
    page_info: PageInfo
    count: strawberry.Private[Counter]

    @resolvers.field(
        description="How many entries the search finds, on all pages together (filtered by"
        " subject, an entry for many subjects counts once for each time the subject is in it)"
    )
    async def total_count(self) -> int:
        return await self.count()


@strawberry.input(description="Every field narrows the search; all are optional")
class AuditEventFilter:
    subject_id_number: str | None = None
    subject_uscc: str | None = None
    user_id: str | None = None
    org: str | None = None
    case_number: str | None = None
    from_: datetime | None = strawberry.field(name="from", default=None)
    to: datetime | None = None
    outcome: str | None = None
    flag: str | None = None


@strawberry.type(description="A signed checkpoint of the audit log (C2SP tlog-checkpoint)")
class AuditCheckpoint:
    origin: str
    tree_size: int
    root_hash: str = strawberry.field(description="base64")
    note: str = strawberry.field(description="The signed note, to keep outside the hub")
    created_at: datetime


@strawberry.type(description="RFC 9162 inclusion proof of an entry in a tree of a given size")
class InclusionProof:
    entry_id: str
    leaf_index: int
    tree_size: int
    leaf_hash: str
    hashes: list[str] = strawberry.field(description="base64, from the leaf up")


@strawberry.type(description="RFC 9162 consistency proof between two tree sizes")
class ConsistencyProof:
    from_size: int
    to_size: int
    hashes: list[str]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _event(row: dict[str, Any], keys: Any) -> AuditEvent:
    content = json.loads(row["content"]) if row["content"] else {}
    if row.get("position") is not None and row.get("entry_content"):
        # A subject of a batch: its own contents, the request's client from the entry.
        content = {"client": json.loads(row["entry_content"]).get("client"), **content}
    subject = content.get("subject")
    fields = content.get("fields") or {}
    return AuditEvent(
        id=str(row["id"]),
        occurred_at=row["occurred_at"],
        request_id=row["request_id"],
        user_id=row["user_id"],
        # an enterprise party (org enterprise:<USCC>, hub.auth.tokens) is a person by ID number
        user_kind="PERSON" if row["org"].partition(":")[0] == "enterprise" else "STAFF",
        org=row["org"],
        roles=row["roles"].split(),
        case_number=row["case_number"],
        action=row["action"],
        subject_kind=SubjectKind(row["subject_kind"]) if row["subject_kind"] else None,
        subject_id=keys.decrypt(subject) if subject else None,
        outcome=row["outcome"],
        flags=row["flags"].split(),
        fields_granted=fields.get("granted", []),
        fields_masked=fields.get("masked", []),
        fields_denied=fields.get("denied", []),
        connectors=[
            ConnectorOutcome(connector=k, outcome=v)
            for k, v in sorted((content.get("connectors") or {}).items())
        ],
        latency_ms=content.get("latencyMs"),
        client=content.get("client"),
        reason=content.get("reason"),
        redacted=row["redacted_at"] is not None,
        leaf_index=row.get("leaf_index"),
        subject_position=row.get("position"),
    )


def _cursor(row: dict[str, Any], kind: str) -> str:
    position = row.get("position")
    return encode(kind, row["id"]) if position is None else encode(kind, row["id"], position)


def _after(cursor: str | None, kind: str) -> tuple[int, int | None] | None:
    """(entry id, subject position or None) of the last row of the page before, from a cursor
    of list ``kind`` (CURSOR or ACCESSES_CURSOR)."""
    try:
        both = decode(cursor, kind, natural, natural)
    except BadUserInput:
        (entry,) = decode(cursor, kind, natural) or (None,)
        return entry, None
    return None if both is None else (both[0], both[1])


def _record(
    info: Info, query: str, detail: dict[str, Any], subject: tuple[str, str] | None = None
) -> AccessRecord:
    """The auditor's own queries are on record too."""
    kind, key = subject if subject else (None, None)
    access = AccessRecord(
        action="AUDIT_QUERY",
        subject_kind=kind,
        subject_id=key,
        case_number=None,
        path=(info.path.key,),
        detail={"query": query, **detail},
    )
    ctx(info).audit_subjects.append(access)
    return access


async def _unknown_subject(info: Info, access: AccessRecord, index: str) -> None:
    """A subject search that finds nothing says the subject is not in the log. Auditors see ID
    numbers masked, so such answers are limited like look-ups of unknown subjects (the
    candidates a mask leaves open cannot be tried one by one): over the daily limit the search
    is refused whole (RATE_LIMITED, flagged ENUMERATION)."""
    c = ctx(info)
    async with c.runtime.engine.connect() as conn:
        if await queries.subject_in_log(conn, index):
            return
    try:
        release = await c.runtime.probes.admit_unknown(c.principal.sub, 1)
    except RateLimited as exc:
        access.outcome = "RATE_LIMITED"
        access.reason = str(exc.extra.get("reason"))
        raise
    access.outcome = "NOT_FOUND"
    if release is not None:
        c.after_audit.append(release)


def _subject_filter(f: AuditEventFilter) -> tuple[str, str] | None:
    if f.subject_id_number and f.subject_uscc:
        raise BadUserInput(
            "filter by subjectIdNumber or subjectUscc, not both", rule="FILTER_SUBJECT"
        )
    if f.subject_id_number:
        return "PERSON", check_id_number(f.subject_id_number, argument="filter.subjectIdNumber")
    if f.subject_uscc:
        return "ENTERPRISE", check_uscc(f.subject_uscc, argument="filter.subjectUscc")
    return None


async def resolve_audit_events(
    info: Info, filter: AuditEventFilter | None, first: int, after: str | None
) -> AuditEventConnection:
    page_size(first)
    f = filter or AuditEventFilter()
    if f.outcome is not None and f.outcome not in OUTCOMES:
        raise BadUserInput(
            f"outcome must be one of {', '.join(OUTCOMES)}",
            argument="filter.outcome",
            rule="OUTCOME",
        )
    if f.flag is not None and f.flag not in FLAGS:
        raise BadUserInput(
            f"flag must be one of {', '.join(FLAGS)}", argument="filter.flag", rule="FLAG"
        )
    if f.from_ and f.to and f.from_ >= f.to:
        raise BadUserInput("from must be before to", argument="filter", rule="TIME_RANGE")
    for name, value in (("filter.userId", f.user_id), ("filter.org", f.org)):
        if value is not None:
            check_characters(value, argument=name)
    subject = _subject_filter(f)
    c = ctx(info)
    keys = c.runtime.audit.keys
    case = (
        normalize_case_number(f.case_number, argument="filter.caseNumber")
        if f.case_number
        else None
    )
    before = _after(after, CURSOR)
    access = _record(
        info,
        "auditEvents",
        {
            "filter": {
                k: v
                for k, v in {
                    "userId": f.user_id,
                    "org": f.org,
                    "caseNumber": case,
                    "outcome": f.outcome,
                    "flag": f.flag,
                }.items()
                if v
            },
        },
        subject,
    )
    event_filter = queries.EventFilter(
        subject_index=keys.blind_index(subject[1]) if subject else None,
        user_id=f.user_id,
        org=f.org,
        case_number=case,
        since=f.from_,
        until=f.to,
        outcome=f.outcome,
        flag=f.flag,
    )
    async with c.runtime.engine.connect() as conn:
        rows = await queries.search(conn, event_filter, first=first, before=before)
    if (
        subject is not None
        and event_filter.subject_index is not None
        and not any(r["action"] != "AUDIT_QUERY" for r in rows)
    ):
        await _unknown_subject(info, access, event_filter.subject_index)
    return _connection(c, keys, event_filter, rows, first, CURSOR)


def _connection(
    c: Any,
    keys: Any,
    event_filter: queries.EventFilter,
    rows: list[dict[str, Any]],
    first: int,
    kind: str,
) -> AuditEventConnection:
    page = rows[:first]

    async def count() -> int:
        async with c.runtime.engine.connect() as conn:
            return await queries.count(conn, event_filter)

    return AuditEventConnection(
        nodes=[_event(r, keys) for r in page],
        page_info=PageInfo(
            end_cursor=_cursor(page[-1], kind) if page else None,
            has_next_page=len(rows) > first,
        ),
        count=count,
    )


async def resolve_person_accesses(
    info: Info, id_number: str, first: int, after: str | None
) -> AuditEventConnection:
    """Who looked at this person (the auditors' own searches left out), newest first, paged."""
    page_size(first)
    key = check_id_number(id_number)
    before = _after(after, ACCESSES_CURSOR)
    c = ctx(info)
    keys = c.runtime.audit.keys
    access = _record(info, "personAccesses", {}, ("PERSON", key))
    event_filter = queries.EventFilter(
        subject_index=keys.blind_index(key), exclude_action="AUDIT_QUERY"
    )
    async with c.runtime.engine.connect() as conn:
        rows = await queries.search(conn, event_filter, first=first, before=before)
    if not rows:
        # an empty answer tells that the log holds nothing about the person: limited like a
        # look-up of an unknown subject, whatever the cursor (a later page is no way around it)
        await _unknown_subject(info, access, event_filter.subject_index or "")
    return _connection(c, keys, event_filter, rows, first, ACCESSES_CURSOR)


async def resolve_access_history(info: Info, id_number: str, first: int) -> list[AuditEvent]:
    page_size(first)
    key = check_id_number(id_number)
    c = ctx(info)
    keys = c.runtime.audit.keys
    access = _record(info, "accessHistory", {}, ("PERSON", key))
    index = keys.blind_index(key)
    async with c.runtime.engine.connect() as conn:
        rows = await queries.search(
            conn, queries.EventFilter(subject_index=index), first=first, before=None
        )
    events = [_event(r, keys) for r in rows[:first] if r["action"] != "AUDIT_QUERY"]
    if not events:
        await _unknown_subject(info, access, index)
    return events


async def resolve_checkpoint(info: Info) -> AuditCheckpoint | None:
    c = ctx(info)
    _record(info, "auditCheckpoint", {})
    async with c.runtime.engine.connect() as conn:
        row = await queries.checkpoint_at(conn, None)
    if row is None:
        return None
    body, _ = split_note(row.note)
    cp = parse_checkpoint(body)
    return AuditCheckpoint(
        origin=cp.origin,
        tree_size=cp.size,
        root_hash=_b64(cp.root),
        note=row.note,
        created_at=row.created_at,
    )


async def resolve_inclusion(info: Info, entry_id: str, tree_size: int | None) -> InclusionProof:
    if _ENTRY_ID.fullmatch(entry_id) is None:
        raise BadUserInput(
            "entryId must be the id of an audit entry (a positive whole number)",
            argument="entryId",
            rule="ENTRY_ID",
        )
    eid = int(entry_id)
    if tree_size is not None and tree_size < 1:
        raise BadUserInput(
            f"treeSize must be the size of a signed tree (1 or more), got {tree_size};"
            " leave it out for the latest",
            argument="treeSize",
            rule="TREE_SIZE",
        )
    c = ctx(info)
    _record(info, "auditInclusionProof", {"entryId": entry_id, "treeSize": tree_size})
    async with c.runtime.engine.connect() as conn:
        leaf = await queries.leaf_of_entry(conn, eid)
        if leaf is None:
            raise NotFound(
                f"entry {entry_id} is not in the tree (yet); integration follows within a second"
            )
        checkpoint = await queries.checkpoint_at(conn, tree_size)
        if checkpoint is None:
            raise NotFound(
                f"there is no signed checkpoint of size {tree_size}; use auditCheckpoint"
            )
        if leaf.leaf_index >= checkpoint.tree_size:
            raise BadUserInput(
                f"entry {entry_id} (leaf {leaf.leaf_index}) is not in a tree of size {checkpoint.tree_size}",
                argument="treeSize",
                rule="TREE_SIZE",
            )
        proof = await queries.inclusion(conn, leaf, checkpoint)
    return InclusionProof(
        entry_id=entry_id,
        leaf_index=leaf.leaf_index,
        tree_size=checkpoint.tree_size,
        leaf_hash=_b64(bytes(leaf.leaf_hash)),
        hashes=[_b64(h) for h in proof],
    )


async def resolve_consistency(info: Info, from_size: int, to_size: int) -> ConsistencyProof:
    if not 0 < from_size <= to_size:
        raise BadUserInput(
            f"need 0 < fromSize <= toSize, got fromSize {from_size} and toSize {to_size}",
            argument="fromSize" if from_size < 1 else "toSize",
            rule="TREE_SIZE",
        )
    c = ctx(info)
    _record(info, "auditConsistencyProof", {"fromSize": from_size, "toSize": to_size})
    async with c.runtime.engine.connect() as conn:
        checkpoints = []
        for size in (from_size, to_size):
            checkpoint = await queries.checkpoint_at(conn, size)
            if checkpoint is None:
                raise NotFound(f"there is no signed checkpoint of size {size}")
            checkpoints.append(checkpoint)
        proof = await queries.consistency(conn, *checkpoints)
    return ConsistencyProof(
        from_size=from_size,
        to_size=to_size,
        hashes=[_b64(h) for h in proof],
    )
