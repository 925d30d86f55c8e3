"""Sanction lists: publication and ending by courts (撤销, 删除, 解除, 更正, a bound person released),
the hub's deletion of entries whose term ended, checks by approval systems, the change feed, the
check counts and the agencies' feedback. Async functions take an ``AsyncConnection`` (the caller
owns the transaction); the batch look-ups are synchronous and run through the court source. The
rules these apply are in :mod:`hub.sanctions.rules`; which rule applies when is decided by
:mod:`hub.sanctions.workflow`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ARRAY,
    Connection,
    String,
    and_,
    any_,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from connectors.base.source import KeyedQuery
from hub.audit.models import audit_entries, audit_subjects
from hub.cases.models import case_parties, cases, courts
from hub.errors import BadUserInput, Conflict, Forbidden, NotFound, quoted
from hub.sanctions import queries
from hub.sanctions.catalogue import LEGACY_ROLE, ROLES, Matter
from hub.sanctions.models import (
    sanction_changes,
    sanction_check_counts,
    sanction_check_feedback,
    sanction_entries,
    sanction_entry_persons,
)
from hub.sanctions.records import BoundPersonRecord, SanctionEntryRecord
from hub.sanctions.rules import TERM_DELETION, TERM_ENDED, join_grounds, parse_grounds

PREFIX = {"DISHONEST": "SX", "CONSUMPTION_RESTRICTION": "XF"}
COURT_ZONE = ZoneInfo("Asia/Shanghai")  # the courts' calendar: dates of entries and counts


def court_date(moment: datetime) -> date:
    return moment.astimezone(COURT_ZONE).date()


MAX_CHECK = 10_000

_RECORD_COLUMNS = (
    "id",
    "list",
    "subject_kind",
    "subject_id",
    "name",
    "court_code",
    "case_number",
    "obligation",
    "published_on",
    "legal_basis",
    "status",
    "revoked_on",
    "grounds",
    "term_years",
    "ends_on",
    "end_ground",
)
_ENTRY = KeyedQuery(
    select(*(sanction_entries.c[name] for name in _RECORD_COLUMNS)).order_by(
        sanction_entries.c.published_on.desc(), sanction_entries.c.id
    ),
    sanction_entries.c.subject_id,
)
_GROUNDS = _RECORD_COLUMNS.index("grounds")


def entries_by_subject(
    conn: Connection, subject_ids: Sequence[str]
) -> dict[str, list[SanctionEntryRecord]]:
    """Batch look-up (synchronous; run through the court source like an agency look-up)."""
    out: dict[str, list[SanctionEntryRecord]] = {}
    for r in _ENTRY.rows(conn, subject_ids):
        values = list(r)
        values[_GROUNDS] = parse_grounds(values[_GROUNDS])
        out.setdefault(r[3], []).append(SanctionEntryRecord(*values))
    return out


async def entries_of_subject(conn: AsyncConnection, subject_id: str) -> list[SanctionEntryRecord]:
    """Every entry naming ``subject_id`` as the listed subject, in force or ended, newest
    published first (an enterprise party's own entries)."""
    found = await conn.run_sync(lambda sync: entries_by_subject(sync, [subject_id]))
    return found.get(subject_id, [])


# --- checks -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Match:
    """An entry in force that restricts a checked subject, and how: as the listed subject
    itself, or as a person a listed enterprise's entry binds (``via``) in one or more roles —
    one match per entry however many roles the person holds in it."""

    entry_id: str
    list: str
    court_code: str
    court_name: str
    case_number: str
    published_on: date
    role: str  # SUBJECT, or the first of ``roles`` in ROLES order
    via_uscc: str | None
    via_name: str | None
    ends_on: date | None = None
    roles: tuple[str, ...] = ("SUBJECT",)


_E, _P, _C = sanction_entries.c, sanction_entry_persons.c, courts.c
# Literal conditions: a KeyedQuery binds only its keys.
_ACTIVE = text("sanction_entries.status = 'ACTIVE'")
_DIRECT = KeyedQuery(
    select(
        _E.subject_id,
        _E.list,
        _E.id,
        _E.court_code,
        _C.name,
        _E.case_number,
        _E.published_on,
        _E.ends_on,
    )
    .select_from(sanction_entries.join(courts, _C.code == _E.court_code))
    .where(_ACTIVE)
    .order_by(_E.published_on, _E.id),
    _E.subject_id,
)
_EXTENDED = KeyedQuery(
    select(
        _P.id_number,
        _E.list,
        _E.id,
        _E.court_code,
        _C.name,
        _E.case_number,
        _E.published_on,
        _P.role,
        _E.subject_id,
        _E.name,
        _E.ends_on,
    )
    .select_from(
        sanction_entry_persons.join(sanction_entries, _E.id == _P.entry_id).join(
            courts, _C.code == _E.court_code
        )
    )
    .where(
        _ACTIVE,
        text("sanction_entries.subject_kind = 'ENTERPRISE'"),
        text("sanction_entry_persons.released_on IS NULL"),
    )
    .order_by(_E.published_on, _E.id),
    _P.id_number,
)


def _rows(conn: Connection, query: KeyedQuery, keys: Sequence[str]) -> list[Any]:
    """``query`` for ``keys``: chunked IN lists on SQLite, one ``= ANY(array)`` on PostgreSQL
    (a single statement whatever the number of keys, planned once)."""
    if conn.dialect.name != "postgresql":
        return query.rows(conn, keys)
    key = query.key
    stmt = query.base.where(key == any_(bindparam("keys", type_=ARRAY(String))))
    return list(conn.execute(stmt, {"keys": list(dict.fromkeys(keys))}))


_ROLE_ORDER = {role: i for i, role in enumerate(ROLES)}


def matches(
    conn: Connection, matter: Matter, subjects: Sequence[str], today: date
) -> dict[str, list[Match]]:
    """The entries in force on ``today`` restricting each subject for ``matter`` (absent: none).

    An ACTIVE entry whose term ended before ``today`` no longer restricts, whether or not the
    hub has deleted it yet (法释〔2017〕7号 第二条, 第十条第二款). Through an enterprise, only the
    persons its entry binds in the roles the matter extends to (法释〔2015〕17号 第三条第二款), not
    released, each once per entry."""
    out: dict[str, list[Match]] = {}
    lists = set(matter.lists)
    for subject_id, list_, entry_id, court, court_name, case, published, ends in _rows(
        conn, _DIRECT, subjects
    ):
        if list_ in lists and (ends is None or ends >= today):
            out.setdefault(subject_id, []).append(
                Match(
                    entry_id, list_, court, court_name, case, published, "SUBJECT", None, None, ends
                )
            )
    if matter.extends_to:
        allowed = set(matter.extends_to)
        bound: dict[tuple[str, str], tuple[Match, set[str]]] = {}
        for row in _rows(conn, _EXTENDED, subjects):
            person, list_, entry_id, court, court_name, case, published, role, uscc, name, ends = (
                row
            )
            if list_ not in lists or role not in allowed or (ends is not None and ends < today):
                continue
            found = bound.get((person, entry_id))
            if found is None:
                match = Match(
                    entry_id, list_, court, court_name, case, published, role, uscc, name, ends
                )
                bound[person, entry_id] = (match, {role})
            else:
                found[1].add(role)
        for (person, _), (match, roles) in bound.items():
            ordered = tuple(sorted(roles, key=_ROLE_ORDER.__getitem__))
            out.setdefault(person, []).append(replace(match, role=ordered[0], roles=ordered))
    return out


def counter(day: date, org: str, matter: str, decisions: dict[str, int]) -> Any:
    """A function adding the checks' decisions to the counts, in the audit write's transaction."""

    async def count(conn: AsyncConnection) -> None:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        for decision, n in decisions.items():
            if not n:
                continue
            stmt = dialect.insert(sanction_check_counts).values(
                day=day, org=org, matter=matter, decision=decision, n=n
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=["day", "org", "matter", "decision"],
                set_={"n": sanction_check_counts.c.n + stmt.excluded.n},
            )
            await conn.execute(stmt)

    return count


async def stats(
    conn: AsyncConnection, *, start: date, end: date, group_by: str
) -> list[tuple[str, int, int, int, int]]:
    """(key, checks, blocked, handled, overridden) per agency (organisation), matter or month,
    from start to end: the checks made on those days, and what the agencies reported doing
    after the BLOCKs among them (counted by the day of the check)."""
    c, f = sanction_check_counts.c, sanction_check_feedback.c
    rows = (
        await conn.execute(
            select(c.day, c.org, c.matter, c.decision, c.n).where(c.day >= start, c.day <= end)
        )
    ).all()
    feedback = (
        await conn.execute(
            select(f.check_day, f.org, f.matter, f.action, func.count())
            .where(f.check_day >= start, f.check_day <= end)
            .group_by(f.check_day, f.org, f.matter, f.action)
        )
    ).all()
    totals: dict[str, list[int]] = {}

    def key_of(day: date, org: str, matter: str) -> str:
        return {"AGENCY": org, "MATTER": matter, "MONTH": f"{day:%Y-%m}"}[group_by]

    for day, org, matter, decision, n in rows:
        entry = totals.setdefault(key_of(day, org, matter), [0, 0, 0, 0])
        entry[0] += n
        if decision == "BLOCK":
            entry[1] += n
    for day, org, matter, action, n in feedback:
        entry = totals.setdefault(key_of(day, org, matter), [0, 0, 0, 0])
        entry[2 if action == "HANDLED" else 3] += n
    return [(key, *counts) for key, counts in sorted(totals.items())]  # type: ignore[misc]


# --- publication and revocation ---------------------------------------------------------------


async def _serialise(conn: AsyncConnection) -> None:
    """Publications and revocations one at a time, so the change feed's sequence numbers become
    visible in order (SQLite's write lock, taken by the caller, already does this)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('sanction_changes'))"))


async def respondent(
    conn: AsyncConnection, *, court_code: str, case_number: str, subject_id: str
) -> tuple[str, str, date]:
    """(kind, name, the case's filing date) of ``subject_id`` as a 被执行人 of an open case of
    ``court_code``."""
    case = (
        await conn.execute(
            select(cases.c.id, cases.c.court_code, cases.c.status, cases.c.filed_on).where(
                cases.c.case_number == case_number
            )
        )
    ).first()
    if case is None:
        raise Forbidden(f"case {case_number} is not known to the hub", reason="CASE_UNKNOWN")
    if case.court_code != court_code:
        raise Forbidden(f"case {case_number} belongs to another court", reason="CASE_OTHER_COURT")
    if case.status != "OPEN":
        raise Forbidden(f"case {case_number} is closed", reason="CASE_CLOSED")
    party = (
        await conn.execute(
            select(case_parties.c.subject_kind, case_parties.c.name).where(
                case_parties.c.case_id == case.id,
                case_parties.c.subject_id == subject_id,
                case_parties.c.role == "被执行人",
            )
        )
    ).first()
    if party is None:
        raise Forbidden(
            f"{subject_id} is not a 被执行人 (respondent) of case {case_number}",
            reason="NOT_A_RESPONDENT",
        )
    return party.subject_kind, party.name, case.filed_on


async def _next_id(conn: AsyncConnection, list_: str, court_code: str, year: int) -> str:
    prefix = f"{PREFIX[list_]}-{court_code}-{year}-"
    last = (
        await conn.execute(
            select(func.max(sanction_entries.c.id)).where(sanction_entries.c.id.like(f"{prefix}%"))
        )
    ).scalar()
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{n:06d}"


@dataclass(frozen=True, slots=True)
class BoundPerson:
    """A person an enterprise's entry binds, as it is recorded at publication."""

    id_number: str
    name: str
    role: str  # one of ROLES
    position: str | None
    named_by: str  # COURT / REGISTER


async def publish(
    conn: AsyncConnection,
    *,
    list_: str,
    subject_kind: str,
    subject_id: str,
    name: str,
    court_code: str,
    case_number: str,
    obligation: str,
    published_on: date,
    legal_basis: str,
    grounds: Sequence[str],
    term_years: int | None,
    ends_on: date | None,
    extension_reason: str | None,
    actor: str,
    persons: Sequence[BoundPerson],
    now: datetime,
) -> dict[str, Any]:
    """A new ACTIVE entry with its persons and its change; CONFLICT if one is already active."""
    await _serialise(conn)
    duplicate = (
        await conn.execute(
            select(sanction_entries.c.id).where(
                sanction_entries.c.list == list_,
                sanction_entries.c.subject_id == subject_id,
                sanction_entries.c.case_number == case_number,
                sanction_entries.c.status == "ACTIVE",
            )
        )
    ).scalar()
    if duplicate is not None:
        raise Conflict(
            f"{subject_id} is already on the {list_} list for case {case_number} ({duplicate})"
        )
    entry_id = await _next_id(conn, list_, court_code, published_on.year)
    row = {
        "id": entry_id,
        "list": list_,
        "subject_kind": subject_kind,
        "subject_id": subject_id,
        "name": name,
        "court_code": court_code,
        "case_number": case_number,
        "obligation": obligation,
        "published_on": published_on,
        "legal_basis": legal_basis,
        "status": "ACTIVE",
        "revoked_on": None,
        "revoke_reason": None,
        "published_by": actor,
        "revoked_by": None,
        "grounds": join_grounds(grounds),
        "term_years": term_years,
        "ends_on": ends_on,
        "extension_reason": extension_reason,
        "end_ground": None,
        "corrected_on": None,
    }
    await conn.execute(insert(sanction_entries).values(**row))
    rows = {
        (p.id_number, p.role): {
            "entry_id": entry_id,
            "id_number": p.id_number,
            "name": p.name,
            "role": p.role,
            "position": p.position,
            "named_by": p.named_by,
            "released_on": None,
            "release_ground": None,
            "release_reason": None,
            "released_by": None,
        }
        for p in persons
    }
    if rows:
        await conn.execute(insert(sanction_entry_persons), list(rows.values()))
    await conn.execute(
        insert(sanction_changes).values(entry_id=entry_id, change="PUBLISHED", at=now)
    )
    return row


def no_entry(entry_id: str, withheld: str | None = None) -> NotFound:
    """NOT_FOUND for an entry: one that does not exist and one the caller may not act on
    (another court's, a colleague's case's) are answered word for word alike, as orders are
    (hub.orders.service.no_order); ``withheld`` is why, for the audit record only."""
    error = NotFound(f"no sanction entry {entry_id}")
    error.withheld = withheld
    return error


async def _active_entry_of(conn: AsyncConnection, entry_id: str, court_code: str) -> dict[str, Any]:
    row = await get_entry(conn, entry_id)
    if row["court_code"] != court_code:
        raise no_entry(entry_id, "OTHER_COURT")
    if row["status"] != "ACTIVE":
        raise Conflict(f"entry {entry_id} is {row['status']}; only an ACTIVE entry can change")
    return row


async def end(
    conn: AsyncConnection,
    entry_id: str,
    *,
    court_code: str,
    status: str,
    end_ground: str | None,
    reason: str,
    actor: str,
    now: datetime,
) -> dict[str, Any]:
    """An ACTIVE entry of the court leaves its list: ANNULLED (撤销), DELETED (删除), LIFTED
    (解除) or, through the deprecated revocation, REVOKED; the change is the status."""
    await _serialise(conn)
    await _active_entry_of(conn, entry_id, court_code)
    await conn.execute(
        update(sanction_entries)
        .where(sanction_entries.c.id == entry_id)
        .values(
            status=status,
            revoked_on=court_date(now),
            revoke_reason=reason,
            revoked_by=actor,
            end_ground=end_ground,
        )
    )
    await conn.execute(insert(sanction_changes).values(entry_id=entry_id, change=status, at=now))
    return await get_entry(conn, entry_id)


async def active_entry(conn: AsyncConnection, entry_id: str, court_code: str) -> dict[str, Any]:
    """The entry, if it is ACTIVE and the court's (FORBIDDEN / CONFLICT otherwise)."""
    return await _active_entry_of(conn, entry_id, court_code)


async def correct(
    conn: AsyncConnection,
    entry_id: str,
    *,
    court_code: str,
    values: dict[str, Any],
    named: Sequence[BoundPerson] | None = None,
    now: datetime,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """更正: the entry's recorded values replaced, and with ``named`` the persons the court names
    in place of those bound besides the legal representative (the default principal included;
    released persons and the legacy officers' rows stay on record); (before, after). The change
    is CORRECTED."""
    await _serialise(conn)
    before = await _active_entry_of(conn, entry_id, court_code)
    if named is not None:
        p = sanction_entry_persons.c
        await conn.execute(
            delete(sanction_entry_persons).where(
                p.entry_id == entry_id,
                p.released_on.is_(None),
                p.role.not_in(["LEGAL_REPRESENTATIVE", LEGACY_ROLE]),
            )
        )
        kept = {
            (r.id_number, r.role)
            for r in await conn.execute(select(p.id_number, p.role).where(p.entry_id == entry_id))
        }
        rows = {
            (x.id_number, x.role): {
                "entry_id": entry_id,
                "id_number": x.id_number,
                "name": x.name,
                "role": x.role,
                "position": x.position,
                "named_by": x.named_by,
                "released_on": None,
                "release_ground": None,
                "release_reason": None,
                "released_by": None,
            }
            for x in named
            if (x.id_number, x.role) not in kept
        }
        if rows:
            await conn.execute(insert(sanction_entry_persons), list(rows.values()))
    stored = {**values}
    if "grounds" in stored:
        stored["grounds"] = join_grounds(stored["grounds"])
    await conn.execute(
        update(sanction_entries)
        .where(sanction_entries.c.id == entry_id)
        .values(**stored, corrected_on=court_date(now))
    )
    await conn.execute(
        insert(sanction_changes).values(entry_id=entry_id, change="CORRECTED", at=now)
    )
    return before, await get_entry(conn, entry_id)


async def release_person(
    conn: AsyncConnection,
    entry_id: str,
    id_number: str,
    *,
    court_code: str,
    ground: str,
    reason: str,
    actor: str,
    now: datetime,
) -> tuple[dict[str, Any], BoundPersonRecord]:
    """One bound person of an ACTIVE entry released on their own (the entry stays); the change
    is RELEASED. NOT_FOUND if the entry does not bind them, CONFLICT if already released."""
    await _serialise(conn)
    row = await _active_entry_of(conn, entry_id, court_code)
    p = sanction_entry_persons.c
    persons = [r for r in await persons_of(conn, entry_id) if r.id_number == id_number]
    bound = [r for r in persons if set(r.roles) - {LEGACY_ROLE}]
    if not bound:
        raise NotFound(f"entry {entry_id} binds no person {id_number}")
    (person,) = bound
    if person.released_on is not None:
        raise Conflict(f"{id_number} was released from entry {entry_id} on {person.released_on}")
    today = court_date(now)
    await conn.execute(
        update(sanction_entry_persons)
        .where(p.entry_id == entry_id, p.id_number == id_number, p.role != LEGACY_ROLE)
        .values(released_on=today, release_ground=ground, release_reason=reason, released_by=actor)
    )
    await conn.execute(
        insert(sanction_changes).values(entry_id=entry_id, change="RELEASED", at=now)
    )
    (after,) = [
        r
        for r in await persons_of(conn, entry_id)
        if r.id_number == id_number and LEGACY_ROLE not in r.roles
    ]
    return row, after


async def persons_of(conn: AsyncConnection, entry_id: str) -> list[BoundPersonRecord]:
    """The persons an entry records, one record per person (their roles together); the legacy
    KEY_PERSONNEL rows, which bind nobody, as records of their own."""
    return (await queries.persons_of_entries(conn, [entry_id])).get(entry_id, [])


async def expire(conn: AsyncConnection, *, today: date, now: datetime) -> list[dict[str, Any]]:
    """Entries whose term ended before ``today`` are deleted (法释〔2017〕7号 第十条第二款): status
    DELETED, ground TERM_ENDED, by the hub (no judge); a DELETED change each. The rows before
    the deletion, oldest end first."""
    await _serialise(conn)
    e = sanction_entries.c
    rows = [
        dict(r._mapping)
        for r in await conn.execute(
            select(sanction_entries)
            .where(e.status == "ACTIVE", e.ends_on.is_not(None), e.ends_on < today)
            .order_by(e.ends_on, e.id)
        )
    ]
    if not rows:
        return []
    words = TERM_DELETION[TERM_ENDED][1]
    await conn.execute(
        update(sanction_entries)
        .where(e.id.in_([r["id"] for r in rows]), e.status == "ACTIVE")
        .values(
            status="DELETED",
            revoked_on=today,
            revoke_reason=f"{words}（法释〔2017〕7号 第十条第二款）",
            revoked_by=None,
            end_ground=TERM_ENDED,
        )
    )
    await conn.execute(
        insert(sanction_changes),
        [{"entry_id": r["id"], "change": "DELETED", "at": now} for r in rows],
    )
    return rows


async def revoke(
    conn: AsyncConnection, entry_id: str, *, court_code: str, reason: str, actor: str, now: datetime
) -> dict[str, Any]:
    """The deprecated revocation: the entry leaves its list as REVOKED, without saying whether
    it was annulled, deleted or lifted."""
    return await end(
        conn,
        entry_id,
        court_code=court_code,
        status="REVOKED",
        end_ground=None,
        reason=reason,
        actor=actor,
        now=now,
    )


async def get_entry(conn: AsyncConnection, entry_id: str) -> dict[str, Any]:
    row = (
        await conn.execute(select(sanction_entries).where(sanction_entries.c.id == entry_id))
    ).first()
    if row is None:
        raise no_entry(entry_id)
    return dict(row._mapping)


# --- what agencies did after a BLOCK -----------------------------------------------------------


async def feedback(
    conn: AsyncConnection,
    *,
    request_id: str,
    subject_index: str,
    org: str,
    action: str,
    reason: str | None,
    actor: str,
    now: datetime,
) -> dict[str, Any]:
    """Record what ``org`` did after a BLOCK it was answered: the check is the one on the audit
    log (its request id, the subject's blind index), made by ``org``, BLOCK for that subject.
    NOT_FOUND when the log holds no such check of the organisation, BAD_USER_INPUT when it
    answered ALLOW, CONFLICT when already reported."""
    ae, s_ = audit_entries.c, audit_subjects.c
    rows = (
        await conn.execute(
            select(ae.org, ae.occurred_at, ae.content, s_.outcome)
            .select_from(audit_subjects.join(audit_entries, ae.id == s_.entry_id))
            .where(
                s_.subject_index == subject_index,
                ae.request_id == request_id,
                ae.action == "SANCTION_CHECK",
            )
        )
    ).all()
    mine = [r for r in rows if r.org == org]
    if not mine:
        raise NotFound(
            f"no sanction check {request_id} of this subject by {org} is on record (checkId is"
            " the checkId a sanctionCheck answered)"
        )
    blocked = [r for r in mine if r.outcome == "BLOCK"]
    if not blocked:
        raise BadUserInput(
            f"check {request_id} answered ALLOW for this subject: feedback is for a BLOCK",
            argument="checkId",
            rule="NOT_A_BLOCK",
        )
    check = blocked[0]
    if check.content is None:
        raise Conflict(f"the record of check {request_id} was redacted; it takes no feedback")
    matter = json.loads(check.content)["detail"]["matter"]
    f = sanction_check_feedback.c
    done = (
        await conn.execute(
            select(f.action).where(f.request_id == request_id, f.subject_index == subject_index)
        )
    ).scalar()
    if done is not None:
        raise Conflict(f"what was done after check {request_id} was already reported ({done})")
    row = {
        "request_id": request_id,
        "subject_index": subject_index,
        "check_day": court_date(check.occurred_at),
        "org": org,
        "matter": matter,
        "action": action,
        "reason": reason,
        "reported_at": now,
        "reported_by": actor,
    }
    await conn.execute(insert(sanction_check_feedback).values(**row))
    return row


# --- the change feed --------------------------------------------------------------------------


async def changes_after(conn: AsyncConnection, after: int, limit: int) -> list[dict[str, Any]]:
    """Changes with a sequence number above ``after``, oldest first, at most ``limit``."""
    ch, e = sanction_changes.c, sanction_entries.c
    rows = await conn.execute(
        select(ch.seq, ch.change, ch.at, sanction_entries)
        .join_from(sanction_changes, sanction_entries, and_(e.id == ch.entry_id))
        .where(ch.seq > after)
        .order_by(ch.seq)
        .limit(limit)
    )
    return [dict(r._mapping) for r in rows]


def parse_cursor(cursor: str | None) -> int:
    if cursor is None or cursor == "":
        return 0
    if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > 18:
        raise BadUserInput(
            f"after must be a cursor this feed returned (digits), got {quoted(cursor)}",
            argument="after",
            rule="CURSOR",
        )
    return int(cursor)
