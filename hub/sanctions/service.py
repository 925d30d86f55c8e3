"""Sanction lists: publication and revocation by courts, checks by approval systems, the change
feed and the check counts. Async functions take an ``AsyncConnection`` (the caller owns the
transaction); the batch look-ups are synchronous and run through the court source."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ARRAY,
    Connection,
    String,
    and_,
    any_,
    bindparam,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from connectors.base.source import KeyedQuery
from hub.cases.models import case_parties, cases, courts
from hub.errors import BadUserInput, Conflict, Forbidden, NotFound
from hub.sanctions.catalogue import Matter
from hub.sanctions.models import (
    sanction_changes,
    sanction_check_counts,
    sanction_entries,
    sanction_entry_persons,
)
from hub.sanctions.records import SanctionEntryRecord

PREFIX = {"DISHONEST": "SX", "CONSUMPTION_RESTRICTION": "XF"}
COURT_ZONE = ZoneInfo("Asia/Shanghai")  # the courts' calendar: dates of entries and counts


def court_date(moment: datetime) -> date:
    return moment.astimezone(COURT_ZONE).date()


MAX_CHECK = 10_000

_ENTRY = KeyedQuery(
    select(*(sanction_entries.c[f.name] for f in dataclasses.fields(SanctionEntryRecord))).order_by(
        sanction_entries.c.published_on.desc(), sanction_entries.c.id
    ),
    sanction_entries.c.subject_id,
)


def entries_by_subject(
    conn: Connection, subject_ids: Sequence[str]
) -> dict[str, list[SanctionEntryRecord]]:
    """Batch look-up (synchronous; run through the court source like an agency look-up)."""
    out: dict[str, list[SanctionEntryRecord]] = {}
    for r in _ENTRY.rows(conn, subject_ids):
        out.setdefault(r[3], []).append(SanctionEntryRecord(*r))
    return out


# --- checks -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Match:
    """An active entry that restricts a checked subject, and how: as the listed subject itself,
    or as the legal representative / key personnel of a listed enterprise (``via``)."""

    entry_id: str
    list: str
    court_code: str
    court_name: str
    case_number: str
    published_on: date
    role: str  # SUBJECT / LEGAL_REPRESENTATIVE / KEY_PERSONNEL
    via_uscc: str | None
    via_name: str | None


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
    )
    .select_from(
        sanction_entry_persons.join(sanction_entries, _E.id == _P.entry_id).join(
            courts, _C.code == _E.court_code
        )
    )
    .where(_ACTIVE, text("sanction_entries.subject_kind = 'ENTERPRISE'"))
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


def matches(conn: Connection, matter: Matter, subjects: Sequence[str]) -> dict[str, list[Match]]:
    """The active entries restricting each subject for ``matter`` (absent: none)."""
    out: dict[str, list[Match]] = {}
    lists = set(matter.lists)
    for subject_id, list_, entry_id, court, court_name, case, published in _rows(
        conn, _DIRECT, subjects
    ):
        if list_ in lists:
            out.setdefault(subject_id, []).append(
                Match(entry_id, list_, court, court_name, case, published, "SUBJECT", None, None)
            )
    if matter.extends_to:
        roles = set(matter.extends_to)
        for row in _rows(conn, _EXTENDED, subjects):
            person, list_, entry_id, court, court_name, case, published, role, uscc, name = row
            if list_ in lists and role in roles:
                out.setdefault(person, []).append(
                    Match(entry_id, list_, court, court_name, case, published, role, uscc, name)
                )
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
) -> list[tuple[str, int, int]]:
    """(key, checks, blocked) per agency (organisation), matter or month, from start to end."""
    c = sanction_check_counts.c
    rows = (
        await conn.execute(
            select(c.day, c.org, c.matter, c.decision, c.n).where(c.day >= start, c.day <= end)
        )
    ).all()
    totals: dict[str, list[int]] = {}
    for day, org, matter, decision, n in rows:
        key = {"AGENCY": org, "MATTER": matter, "MONTH": f"{day:%Y-%m}"}[group_by]
        entry = totals.setdefault(key, [0, 0])
        entry[0] += n
        if decision == "BLOCK":
            entry[1] += n
    return [(key, checks, blocked) for key, (checks, blocked) in sorted(totals.items())]


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
    actor: str,
    persons: Sequence[tuple[str, str, str]],
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
    }
    await conn.execute(insert(sanction_entries).values(**row))
    if persons:
        await conn.execute(
            insert(sanction_entry_persons),
            [
                {"entry_id": entry_id, "id_number": pid, "name": pname, "role": role}
                for pid, pname, role in dict.fromkeys(persons)
            ],
        )
    await conn.execute(
        insert(sanction_changes).values(entry_id=entry_id, change="PUBLISHED", at=now)
    )
    return row


async def revoke(
    conn: AsyncConnection, entry_id: str, *, court_code: str, reason: str, actor: str, now: datetime
) -> dict[str, Any]:
    await _serialise(conn)
    row = await get_entry(conn, entry_id)
    if row["court_code"] != court_code:
        raise Forbidden(f"entry {entry_id} was published by another court", reason="OTHER_COURT")
    if row["status"] != "ACTIVE":
        raise Conflict(f"entry {entry_id} is {row['status']}; only an ACTIVE entry can be revoked")
    today = court_date(now)
    await conn.execute(
        update(sanction_entries)
        .where(sanction_entries.c.id == entry_id)
        .values(status="REVOKED", revoked_on=today, revoke_reason=reason, revoked_by=actor)
    )
    await conn.execute(insert(sanction_changes).values(entry_id=entry_id, change="REVOKED", at=now))
    return await get_entry(conn, entry_id)


async def get_entry(conn: AsyncConnection, entry_id: str) -> dict[str, Any]:
    row = (
        await conn.execute(select(sanction_entries).where(sanction_entries.c.id == entry_id))
    ).first()
    if row is None:
        raise NotFound(f"no sanction entry {entry_id}")
    return dict(row._mapping)


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
    return [{**r._mapping, "at": aware(r.at)} for r in rows]


def aware(value: datetime) -> datetime:
    """SQLite hands back timestamps without their zone; they are stored in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def parse_cursor(cursor: str | None) -> int:
    if cursor is None or cursor == "":
        return 0
    if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > 18:
        raise BadUserInput(
            f"after must be a cursor this feed returned (digits), got {cursor!r}",
            argument="after",
            rule="CURSOR",
        )
    return int(cursor)
