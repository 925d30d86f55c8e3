"""An agency's register of judicial measures (查封、扣押、冻结) on its assets, and its terms.

Every agency that registers courts' measures (the real-estate registry's ``seizures``, public
security's ``vehicle_seizures``, market supervision's ``equity_freezes``) keeps one register row
per measure: the court, case and document, its place in the asset's waiting line (``rank``, by
the time the court's notice was served), its status and its term. Measures the hub delivered
carry the hub's order id; measures served on the agency in other ways (on paper, before the hub
existed) have none — they are the agency's own, and the hub ranks its orders after them.

The hub sends the current state of an accepted order (:class:`Annotation`); the agency keeps one
row per order and replaces it on every send, so a repeated or reordered delivery leaves the same
record. The hub reads an asset's register (:func:`measures_of`) to place a new order in line.

Terms are calendar terms on the court's calendar (Asia/Shanghai): a measure of N years that
starts on day S (counted) ends on the day before S's anniversary N years on (:func:`term_end`),
so three years from 2024-02-29 end on 2027-02-28. 查封规定 (法释〔2004〕15号, 2020 修正) 第二十七条:
"查封、扣押、冻结期限届满，人民法院未办理延期手续的，查封、扣押、冻结的效力消灭。" — a measure whose
term ended lapses, and 第二十六条: "查封、扣押、冻结解除的，登记在先的轮候查封、扣押、冻结即自动生效。"
— the one registered first among those waiting takes effect. :func:`settle` is the register's
own application of both (the agency's lapse job, and the demo data as of its day).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Column,
    Connection,
    Date,
    Integer,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    update,
)

from connectors.base.source import KeyedQuery

ACTIVE = ("EFFECTIVE", "WAITING")
STATUSES = ("EFFECTIVE", "WAITING", "RELEASED", "EXPIRED")
KINDS = ("SEIZE", "DETAIN", "FREEZE")  # 查封, 扣押 (vehicles), 冻结
# Registers keep the calendar of the courts they serve: a term ends at the end of a day there.
REGISTER_TZ = ZoneInfo("Asia/Shanghai")
_TEXT_FIELDS = ("order_id", "asset_id", "court", "case_number", "document_number")


# --- calendar terms ----------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The anniversary of ``day`` ``months`` calendar months on; where that month has no such
    day (29 February, 31 April), the first day of the month after it."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    if day.day <= last:
        return date(year, month0 + 1, day.day)
    return date(year, month0 + 1, last) + timedelta(days=1)


def term_end(start: date, *, months: int | None = None, days: int | None = None) -> date:
    """The last day of a term that starts on ``start`` (counted): ``months`` calendar months end
    the day before the anniversary (the month's last day where the anniversary does not exist),
    ``days`` days end ``days - 1`` days after ``start``. Exactly one of the two is given."""
    if (months is None) == (days is None):
        raise ValueError("a term is counted in months or in days")
    if months is not None:
        if months < 1:
            raise ValueError("a term has at least one month")
        return add_months(start, months) - timedelta(days=1)
    assert days is not None
    if days < 1:
        raise ValueError("a term has at least one day")
    return start + timedelta(days=days - 1)


# --- the register's rows ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Measure:
    """One row of an agency's register: a court's measure on an asset and where it stands."""

    asset_id: str  # unit number, plate or stake id
    order_id: str | None  # the hub's order, for a measure delivered through the hub
    kind: str  # SEIZE / DETAIN / FREEZE
    court: str
    case_number: str
    document_number: str
    rank: int  # place in the asset's waiting line, by the time the notice was served
    status: str  # EFFECTIVE / WAITING / RELEASED / EXPIRED
    start_date: date
    end_date: date | None  # None while waiting: the term starts when it takes effect

    def in_effect_on(self, day: date) -> bool:
        """In effect on ``day``: registered EFFECTIVE and its term not ended (a term that ended
        lapsed even if the register has not recorded it yet)."""
        return self.status == "EFFECTIVE" and (self.end_date is None or self.end_date >= day)

    def active_on(self, day: date) -> bool:
        """In effect or waiting in line on ``day``."""
        return self.status == "WAITING" or self.in_effect_on(day)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["start_date"] = self.start_date.isoformat()
        out["end_date"] = self.end_date.isoformat() if self.end_date else None
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Measure:
        values = dict(data)
        values["start_date"] = date.fromisoformat(values["start_date"])
        if values.get("end_date"):
            values["end_date"] = date.fromisoformat(values["end_date"])
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Annotation:
    order_id: str
    asset_id: str  # unit number, plate or stake id
    kind: str  # SEIZE / DETAIN / FREEZE
    court: str
    case_number: str
    document_number: str  # the agency's receipt number (协助执行通知书回执)
    rank: int  # place in the waiting line, by the time the court's notice was served
    status: str  # EFFECTIVE / WAITING / RELEASED / EXPIRED
    start_date: date
    end_date: date | None  # None while waiting: the term starts when it takes effect

    def __post_init__(self) -> None:
        for name in _TEXT_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip() or len(value) > 64:
                raise ValueError(f"annotation {name} must be a non-empty string of at most 64")
        if self.kind not in KINDS:
            raise ValueError(f"annotation kind must be one of {', '.join(KINDS)}")
        if self.status not in STATUSES:
            raise ValueError(f"annotation status must be one of {', '.join(STATUSES)}")
        if not isinstance(self.rank, int) or isinstance(self.rank, bool) or self.rank < 1:
            raise ValueError("annotation rank must be an integer of at least 1")
        if not isinstance(self.start_date, date):
            raise ValueError("annotation start_date must be a date")
        if self.end_date is not None and not isinstance(self.end_date, date):
            raise ValueError("annotation end_date must be a date or null")

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["start_date"] = self.start_date.isoformat()
        out["end_date"] = self.end_date.isoformat() if self.end_date else None
        return out

    @classmethod
    def from_json(cls, data: Any) -> Annotation:
        """An annotation from its JSON form; ValueError names what is wrong."""
        if not isinstance(data, dict):
            raise ValueError("an annotation is a JSON object")
        values = dict(data)
        for name in ("start_date", "end_date"):
            raw = values.get(name)
            if isinstance(raw, str):
                try:
                    values[name] = date.fromisoformat(raw)
                except ValueError:
                    raise ValueError(f"annotation {name} must be a date (YYYY-MM-DD)") from None
        try:
            return cls(**values)
        except TypeError as exc:  # missing or unknown keys
            raise ValueError(f"annotation fields: {exc}") from None


def annotation_table(name: str, metadata: Any, asset_column: str, length: int) -> Table:
    """The table an agency keeps its register of judicial measures in, one row per measure
    (``order_id`` is the hub's order, or NULL for a measure served on the agency otherwise)."""
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("order_id", String(32), unique=True),
        Column(asset_column, String(length), nullable=False, index=True),
        Column("court", String(64), nullable=False),
        Column("case_number", String(64), nullable=False),
        Column("document_number", String(64), nullable=False),
        Column("kind", String(8), nullable=False),  # SEIZE / DETAIN / FREEZE
        Column("rank", Integer, nullable=False),  # place in line by service time
        Column("start_date", Date, nullable=False),
        Column("end_date", Date),  # none while waiting: the term starts when it takes effect
        Column("status", String(10), nullable=False),  # EFFECTIVE / WAITING / RELEASED / EXPIRED
    )


def store_annotation(conn: Connection, table: Table, asset_column: str, a: Annotation) -> bool:
    """Insert or replace the row of ``a.order_id``; True when the asset has an active measure."""
    conn.execute(delete(table).where(table.c.order_id == a.order_id))
    values = a.to_json() | {"start_date": a.start_date, "end_date": a.end_date}
    values[asset_column] = values.pop("asset_id")
    conn.execute(insert(table).values(**values))
    return has_active(conn, table, asset_column, a.asset_id)


def has_active(conn: Connection, table: Table, asset_column: str, asset_id: str) -> bool:
    """Whether the register holds a measure in effect or waiting on the asset."""
    active = conn.execute(
        select(func.count())
        .select_from(table)
        .where(table.c[asset_column] == asset_id, table.c.status.in_(ACTIVE))
    ).scalar()
    return bool(active)


_MEASURE_COLUMNS = (
    "order_id",
    "kind",
    "court",
    "case_number",
    "document_number",
    "rank",
    "status",
    "start_date",
    "end_date",
)


@cache
def _measure_query(table: Table, asset_column: str) -> KeyedQuery:
    return KeyedQuery(
        select(table.c[asset_column], *(table.c[n] for n in _MEASURE_COLUMNS)).order_by(
            table.c[asset_column], table.c.rank
        ),
        table.c[asset_column],
    )


def measures_of(
    conn: Connection, table: Table, asset_column: str, asset_ids: Sequence[str]
) -> dict[str, list[Measure]]:
    """Every register row of each asset (any status), in rank order."""
    out: dict[str, list[Measure]] = defaultdict(list)
    for row in _measure_query(table, asset_column).rows(conn, asset_ids):
        out[row[0]].append(Measure(row[0], *row[1:]))
    return dict(out)


# --- the register's own rule: lapse, and the next in line takes effect -------------------------


def settle(rows: Iterable[dict[str, Any]], *, today: date, years: int) -> list[dict[str, Any]]:
    """Apply the register's rule to one asset's rows (dicts with ``order_id``, ``rank``,
    ``status``, ``start_date``, ``end_date``), changing them in place; returns those changed.

    A measure in effect whose term ended before ``today`` lapses (EXPIRED, 查封规定 第二十七条).
    Then the measure registered first among those waiting takes effect the day after the one
    ahead ended (第二十六条), for the class's term of ``years`` years — unless it was delivered
    through the hub (``order_id`` set): the hub's worker puts its own orders into effect and
    tells the register. A waiting measure takes effect here only after one ahead lapsed in
    this pass: releases are recorded with the next measure's effect by whoever releases.
    """
    changed: list[dict[str, Any]] = []
    free_from: date | None = None
    for row in sorted(rows, key=lambda r: r["rank"]):
        status = row["status"]
        if status == "EFFECTIVE":
            end = row["end_date"]
            if end is None or end >= today:
                return changed  # in effect: the rest wait
            row["status"] = "EXPIRED"
            changed.append(row)
            free_from = end + timedelta(days=1)
        elif status == "WAITING":
            if free_from is None or row["order_id"] is not None:
                return changed
            start = max(row["start_date"], free_from)
            end = term_end(start, months=12 * years)
            row.update(start_date=start, end_date=end, status="EFFECTIVE")
            changed.append(row)
            if end >= today:
                return changed
            row["status"] = "EXPIRED"
            free_from = end + timedelta(days=1)
    return changed


def lapse_register(
    conn: Connection, table: Table, asset_column: str, *, today: date, years: int
) -> list[str]:
    """The agency's lapse job: :func:`settle` every asset with a measure in effect whose term
    ended before ``today``; returns the assets whose rows changed."""
    due = list(
        conn.execute(
            select(table.c[asset_column])
            .where(table.c.status == "EFFECTIVE", table.c.end_date < today)
            .distinct()
            .order_by(table.c[asset_column])
        ).scalars()
    )
    changed_assets: list[str] = []
    columns = ("id", "order_id", "rank", "status", "start_date", "end_date")
    for asset in due:
        rows = [
            dict(zip(columns, r, strict=True))
            for r in conn.execute(
                select(*(table.c[n] for n in columns)).where(table.c[asset_column] == asset)
            )
        ]
        changed = settle(rows, today=today, years=years)
        for row in changed:
            conn.execute(
                update(table)
                .where(table.c.id == row["id"])
                .values(
                    status=row["status"], start_date=row["start_date"], end_date=row["end_date"]
                )
            )
        if changed:
            changed_assets.append(asset)
    return changed_assets
