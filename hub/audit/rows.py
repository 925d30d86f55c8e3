"""Audit entry rows and subject rows: building them from what a request did, and inserting them.

An entry row has the columns of ``audit_entries`` (less the id); its ``content`` is canonical
JSON committed to by ``content_hash`` with a fresh salt, the subject encrypted and blind-indexed
with the audit keys. An entry for many subjects (a batch check, a list) has no subject of its
own and commits to its subject rows (``audit_subjects``) through ``subjects_hash``.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from hub.audit.entries import (
    AccessRecord,
    BatchRecord,
    content_hash,
    content_json,
    new_salt,
    subjects_hash,
)
from hub.audit.flags import FlagTracker
from hub.audit.keys import AuditKeys
from hub.audit.models import audit_entries, audit_subjects

# --- building ----------------------------------------------------------------------------------


def entry_row(
    *,
    occurred_at: datetime,
    request_id: str,
    user_id: str,
    org: str,
    roles: str,
    case_number: str | None,
    action: str,
    subject_kind: str | None,
    subject_index: str | None,
    outcome: str,
    flags: str,
    content: str,
    subjects_hash: bytes | None = None,
) -> dict[str, Any]:
    """A row of ``audit_entries``, its content committed to with a fresh salt."""
    salt = new_salt()
    return {
        "occurred_at": occurred_at,
        "request_id": request_id,
        "user_id": user_id,
        "org": org,
        "roles": roles,
        "case_number": case_number,
        "action": action,
        "subject_kind": subject_kind,
        "subject_index": subject_index,
        "outcome": outcome,
        "flags": flags,
        "content": content,
        "salt": salt,
        "content_hash": content_hash(salt, content),
        "redacted_at": None,
        "subjects_hash": subjects_hash,
    }


def _connector_failure(error: Any) -> bool:
    """An agency that did not answer (a hub error CONNECTOR_*); any other exception may carry
    a ``code`` of its own (SQLAlchemy's are None or a documentation key)."""
    code = getattr(getattr(error, "original_error", None), "code", None)
    return isinstance(code, str) and code.startswith("CONNECTOR")


def outcome_of(access: AccessRecord, data: Any, errors: Sequence[Any]) -> str:
    """What a request's result was for one subject: OK, PARTIAL, NOT_FOUND, or the refusal."""
    if access.outcome is not None:
        return access.outcome
    n = len(access.path)
    mine = [e for e in errors if tuple(e.path or ())[:n] == access.path]
    if any(_connector_failure(e) for e in mine):
        return "PARTIAL"
    value: Any = data
    for step in access.path:
        if value is None:
            break
        value = value[step] if isinstance(value, list) else value.get(step)
    if value is None and not mine:
        return "NOT_FOUND"
    return "OK"


def access_entries(
    keys: AuditKeys,
    flags: FlagTracker,
    context: Any,
    accesses: Sequence[AccessRecord],
    data: Any,
    errors: Sequence[Any],
) -> tuple[list[dict[str, Any]], list[tuple[dict[str, Any], list[dict[str, Any]]]]]:
    """The entries of :func:`access_rows`, those that carry subject rows apart — the subjects an
    attempt named (``named``, the entry's outcome) and those shown (``shown``, outcome SHOWN) —
    each committed to its rows by ``subjects_hash``."""
    rows = access_rows(keys, flags, context, accesses, data, errors)
    plain: list[dict[str, Any]] = []
    hosts: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    for access, row in zip(accesses, rows, strict=True):
        if not access.shown and not access.named:
            plain.append(row)
            continue
        listed = [(kind, s, row["outcome"]) for kind, s in access.named]
        listed += [(kind, s, "SHOWN") for kind, s in access.shown]
        sealed = seal(keys, [subject_id for _, subject_id, _ in listed])
        subject_rows = subject_rows_of(
            [
                (kind, outcome, {"subject": cipher}, index)
                for (kind, _, outcome), (cipher, index) in zip(listed, sealed, strict=True)
            ]
        )
        row["subjects_hash"] = subjects_hash(subject_rows)
        hosts.append((row, subject_rows))
    return plain, hosts


def access_rows(
    keys: AuditKeys,
    flags: FlagTracker,
    context: Any,
    accesses: Sequence[AccessRecord],
    data: Any,
    errors: Sequence[Any],
) -> list[dict[str, Any]]:
    """An entry per subject a request touched, with its outcome and anomaly flags."""
    principal = context.principal
    now = datetime.now(UTC)
    latency_ms = round((time.perf_counter() - context.started) * 1000, 2)
    connectors = dict(context.loaders.outcomes)
    out = []
    for access in accesses:
        outcome = outcome_of(access, data, errors)
        index = keys.blind_index(access.subject_id) if access.subject_id else None
        content = content_json(
            {
                "subject": keys.encrypt(access.subject_id) if access.subject_id else None,
                "fields": {
                    "granted": access.granted,
                    "masked": access.masked,
                    "denied": access.denied,
                },
                "connectors": connectors,
                "latencyMs": latency_ms,
                "client": context.client,
                **(
                    {"upstreamRequestId": context.upstream_request_id}
                    if getattr(context, "upstream_request_id", None)
                    else {}
                ),
                "reason": access.reason,
                "detail": access.detail,
            }
        ).decode()
        out.append(
            entry_row(
                occurred_at=now,
                request_id=context.request_id,
                user_id=principal.sub,
                org=principal.org,
                roles=" ".join(principal.roles),
                case_number=access.case_number,
                action=access.action,
                subject_kind=access.subject_kind,
                subject_index=index,
                outcome=outcome,
                flags=" ".join(
                    flags.flags(
                        user=principal.sub,
                        org=principal.org,
                        access=access,
                        outcome=outcome,
                        subject_index=index,
                        now=now,
                    )
                ),
                content=content,
            )
        )
    return out


def system_row(
    keys: AuditKeys,
    *,
    action: str,
    case_number: str | None,
    subject_kind: str | None,
    subject_id: str | None,
    detail: dict[str, Any],
) -> dict[str, Any]:
    """The entry of something the hub did on its own: the actor is the hub."""
    now = datetime.now(UTC)
    content = content_json(
        {
            "subject": keys.encrypt(subject_id) if subject_id else None,
            "detail": detail,
        }
    ).decode()
    return entry_row(
        occurred_at=now,
        request_id="-",
        user_id="hub",
        org="hub:system",
        roles="system",
        case_number=case_number,
        action=action,
        subject_kind=subject_kind,
        subject_index=keys.blind_index(subject_id) if subject_id else None,
        outcome="OK",
        flags="",
        content=content,
    )


def seal(keys: AuditKeys, subject_ids: Sequence[str]) -> list[tuple[str, str]]:
    """(ciphertext, blind index) of each subject id, for :func:`check_entry`."""
    encrypt, index = keys.encrypt, keys.blind_index
    nonces = os.urandom(12 * len(subject_ids))  # one system call, not one per subject
    return [(encrypt(s, nonces[12 * i : 12 * i + 12]), index(s)) for i, s in enumerate(subject_ids)]


def check_entry(
    flags: FlagTracker | None,
    context: Any,
    matter: str,
    checks: Sequence[tuple[str, str, str, list[str]]],
    sealed: Sequence[tuple[str, str]],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The entry of a sanction check, one or many subjects: (kind, id, BLOCK|ALLOW, entry
    ids) each. One entry (action SANCTION_CHECK, no subject of its own) and one subject row
    per subject in the order asked, with its decision and the entries behind it; the entry
    commits to the rows through ``subjects_hash``."""
    blocked = sum(decision == "BLOCK" for _, _, decision, _ in checks)
    return many_entry(
        flags,
        context,
        action="SANCTION_CHECK",
        case_number=None,
        detail={"matter": matter, "subjects": len(checks), "blocked": blocked},
        subjects=[
            (kind, decision, {"subject": cipher, "entries": entries}, index)
            for (kind, _, decision, entries), (cipher, index) in zip(checks, sealed, strict=True)
        ],
    )


def batch_entry(
    keys: AuditKeys, flags: FlagTracker | None, context: Any, record: BatchRecord
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The entry of a list of subjects served by one field (:class:`BatchRecord`)."""
    sealed = seal(keys, [subject_id for _, subject_id in record.subjects])
    return many_entry(
        flags,
        context,
        action=record.action,
        case_number=record.case_number,
        case_closed=record.case_closed,
        detail={**record.detail, "subjects": len(record.subjects)},
        subjects=[
            (kind, "OK", {"subject": cipher}, index)
            for (kind, _), (cipher, index) in zip(record.subjects, sealed, strict=True)
        ],
    )


def subject_rows_of(
    subjects: Sequence[tuple[str, str, dict[str, Any], str]],
) -> list[dict[str, Any]]:
    """Subject rows for (kind, outcome, contents, blind index), in order, each contents with
    its own salt."""
    salts = os.urandom(16 * len(subjects))
    rows = []
    for position, (kind, outcome, contents, index) in enumerate(subjects):
        content = content_json(contents).decode()
        salt = salts[16 * position : 16 * position + 16]
        rows.append(
            {
                "position": position,
                "subject_kind": kind,
                "subject_index": index,
                "outcome": outcome,
                "content": content,
                "salt": salt,
                "content_hash": content_hash(salt, content),
                "redacted_at": None,
            }
        )
    return rows


def many_entry(
    flags: FlagTracker | None,
    context: Any,
    *,
    action: str,
    case_number: str | None,
    detail: dict[str, Any],
    subjects: Sequence[tuple[str, str, dict[str, Any], str]],
    case_closed: bool = False,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One entry (no subject of its own) and a row per (kind, outcome, contents, blind
    index), in order; the entry commits to the rows through ``subjects_hash``. Its anomaly
    flags are decided by ``flags`` as for any entry of a user's operation (None: the hub's own
    entry, which has none); with no subject of its own it counts toward no BULK window."""
    principal = context.principal
    now = datetime.now(UTC)
    decided = (
        flags.flags(
            user=principal.sub,
            org=principal.org,
            access=AccessRecord(
                action=action,
                subject_kind=None,
                subject_id=None,
                case_number=case_number,
                path=(),
                outcome="OK",
                case_closed=case_closed,
            ),
            outcome="OK",
            subject_index=None,
            now=now,
        )
        if flags is not None
        else []
    )
    rows = subject_rows_of(subjects)
    entry = entry_row(
        occurred_at=now,
        request_id=context.request_id,
        user_id=principal.sub,
        org=principal.org,
        roles=" ".join(principal.roles),
        case_number=case_number,
        action=action,
        subject_kind=None,
        subject_index=None,
        outcome="OK",
        flags=" ".join(decided),
        content=content_json({"client": context.client, "detail": detail}).decode(),
        subjects_hash=subjects_hash(rows),
    )
    return entry, rows


# --- inserting ---------------------------------------------------------------------------------

_COLUMNS = [c.name for c in audit_entries.columns if c.name != "id"]


@functools.cache
def _sqlite_insert(dialect: Any) -> str:
    return str(audit_entries.insert().compile(dialect=dialect, column_keys=_COLUMNS))


def _sqlite_tuples(dialect: Any, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Entry rows as the driver takes them, the timestamps converted as SQLAlchemy would."""
    stamp = audit_entries.c.occurred_at.type.dialect_impl(dialect).bind_processor(dialect)
    get = itemgetter(*_COLUMNS)
    at = _COLUMNS.index("occurred_at")
    redacted = _COLUMNS.index("redacted_at")
    last: tuple[Any, Any] = (None, None)
    tuples = []
    for row in rows:
        values = list(get(row))
        when = values[at]
        if when is not last[0]:
            last = (when, stamp(when) if stamp else when)
        values[at] = last[1]
        if values[redacted] is not None and stamp:
            values[redacted] = stamp(values[redacted])
        tuples.append(tuple(values))
    return tuples


async def insert_entries(conn: Any, rows: list[dict[str, Any]]) -> None:
    """Insert entries. On SQLite the rows go to the driver as tuples, the timestamps converted
    as SQLAlchemy would (10,000 entries of a batch check: a third of the generic path's time)."""
    if conn.dialect.name != "sqlite":
        await conn.execute(audit_entries.insert(), rows)
        return
    await conn.exec_driver_sql(_sqlite_insert(conn.dialect), _sqlite_tuples(conn.dialect, rows))


_SQLITE_ENTRIES_PER_STATEMENT = 64  # a few hundred parameters each, statements cached


@functools.lru_cache(maxsize=_SQLITE_ENTRIES_PER_STATEMENT)
def _sqlite_entries_returning(rows: int) -> str:
    one = "(" + ", ".join("?" * len(_COLUMNS)) + ")"
    return (
        f"INSERT INTO audit_entries ({', '.join(_COLUMNS)}) VALUES {', '.join([one] * rows)}"
        " RETURNING id, content_hash"
    )


async def insert_small_batches(
    conn: Any, batches: Sequence[tuple[dict[str, Any], list[dict[str, Any]]]]
) -> None:
    """Entries with a few subject rows each (a page of orders, identifiers shown), all of a
    group commit in two statements: the entries (their ids read back by their content hash,
    unique by its salt) and then every subject row."""
    if not batches:
        return
    entries = [entry for entry, _ in batches]
    if conn.dialect.name == "sqlite":
        ids: dict[bytes, int] = {}
        tuples = _sqlite_tuples(conn.dialect, entries)
        for k in range(0, len(tuples), _SQLITE_ENTRIES_PER_STATEMENT):
            chunk = tuples[k : k + _SQLITE_ENTRIES_PER_STATEMENT]
            result = await conn.exec_driver_sql(
                _sqlite_entries_returning(len(chunk)), tuple(v for t in chunk for v in t)
            )
            ids.update({bytes(h): int(i) for i, h in result.fetchall()})
    else:
        result = await conn.execute(
            audit_entries.insert().returning(
                audit_entries.c.id, audit_entries.c.content_hash, sort_by_parameter_order=True
            ),
            entries,
        )
        ids = {bytes(h): int(i) for i, h in result.all()}
    rows = [
        {**row, "entry_id": ids[bytes(entry["content_hash"])]}
        for entry, subject_rows in batches
        for row in subject_rows
    ]
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        values = {c: [r[c] for r in rows] for c in _SUBJECT_COLUMNS}
        await conn.execute(_pg_subjects_insert_many(), values)
        return
    get = itemgetter("entry_id", *_SUBJECT_BOUND)
    for k in range(0, len(rows), _SQLITE_ROWS_PER_STATEMENT):
        part = rows[k : k + _SQLITE_ROWS_PER_STATEMENT]
        await conn.exec_driver_sql(
            _sqlite_subjects_insert(len(part)), tuple(v for r in part for v in get(r))
        )


_SUBJECT_COLUMNS = [c.name for c in audit_subjects.columns]
# Bound per row on SQLite (entry_id is the same for all and redacted_at NULL: literals).
_SUBJECT_BOUND = [c for c in _SUBJECT_COLUMNS if c not in ("entry_id", "redacted_at")]
_SQLITE_ROWS_PER_STATEMENT = 4000  # 28,000 parameters, under SQLite's 32,766


@functools.lru_cache(maxsize=32)  # one per batch size in use; up to 120 kB each
def _sqlite_subjects_insert(rows: int) -> str:
    values = "(?, " + ", ".join("?" * len(_SUBJECT_BOUND)) + ", NULL)"
    return (
        f"INSERT INTO audit_subjects ({', '.join(_SUBJECT_COLUMNS)})"
        f" VALUES {', '.join([values] * rows)}"
    )


async def insert_batch(
    conn: Any,
    entry: dict[str, Any],
    subjects: list[dict[str, Any]],
    *,
    started: Callable[[], None] | None = None,
) -> int:
    """Insert an entry and its subject rows; returns the entry's id. ``started`` is called just
    before the rows leave for the database.

    The rows go in large statements (one on PostgreSQL, up to 4,000 rows each on SQLite) rather
    than row by row: the database then does the work without taking turns with the event loop
    for each row, so it overlaps what the request does meanwhile."""
    entry_id = int(
        (
            await conn.execute(audit_entries.insert().returning(audit_entries.c.id), entry)
        ).scalar_one()
    )
    if conn.dialect.name == "postgresql":
        if started is not None:
            started()
        if subjects:
            values = {c: [r[c] for r in subjects] for c in _SUBJECT_COLUMNS if c != "entry_id"}
            await conn.execute(_pg_subjects_insert(), {"entry_id": entry_id, **values})
        return entry_id
    # SQLite: a few statements of up to 4,000 rows (the same number in each), all of them in
    # one call to the driver, so they run on the driver's thread without waiting for the event
    # loop; the odd rows (fewer than the statements) go first.
    get = itemgetter(*_SUBJECT_BOUND)

    def params(chunk: list[dict[str, Any]]) -> tuple[Any, ...]:
        out: list[Any] = []
        for row in chunk:
            out.append(entry_id)
            out.extend(get(row))
        return tuple(out)

    statements = -(-len(subjects) // _SQLITE_ROWS_PER_STATEMENT)
    size = len(subjects) // statements if statements else 0
    whole = size * statements
    if whole < len(subjects):
        rest = subjects[whole:]
        await conn.exec_driver_sql(_sqlite_subjects_insert(len(rest)), params(rest))
    if started is not None:
        started()
    if whole:
        await conn.exec_driver_sql(
            _sqlite_subjects_insert(size),
            [params(subjects[k : k + size]) for k in range(0, whole, size)],
        )
    return entry_id


@functools.cache
def _pg_subjects_insert_many() -> Any:
    """Subject rows of several entries at once (their entry ids as an array too)."""
    from sqlalchemy import text

    types = {
        "entry_id": "bigint[]",
        "position": "integer[]",
        "subject_kind": "varchar[]",
        "subject_index": "varchar[]",
        "outcome": "varchar[]",
        "content": "text[]",
        "salt": "bytea[]",
        "content_hash": "bytea[]",
        "redacted_at": "timestamptz[]",
    }
    columns = ", ".join(types)
    arrays = ", ".join(f"CAST(:{c} AS {t})" for c, t in types.items())
    return text(f"INSERT INTO audit_subjects ({columns}) SELECT * FROM unnest({arrays})")


@functools.cache
def _pg_subjects_insert() -> Any:
    from sqlalchemy import text

    types = {
        "position": "integer[]",
        "subject_kind": "varchar[]",
        "subject_index": "varchar[]",
        "outcome": "varchar[]",
        "content": "text[]",
        "salt": "bytea[]",
        "content_hash": "bytea[]",
        "redacted_at": "timestamptz[]",
    }
    columns = ", ".join(_SUBJECT_COLUMNS)
    arrays = ", ".join(f"CAST(:{c} AS {t})" for c, t in types.items())
    return text(
        f"INSERT INTO audit_subjects ({columns})"
        f" SELECT CAST(:entry_id AS bigint), * FROM unnest({arrays})"
    )
