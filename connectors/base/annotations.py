"""Judicial annotations an agency registers on its own records when it executes a court order.

The hub sends the current state of an accepted order (its rank in the waiting line, status and
term); the agency keeps one annotation per order and replaces it on every send, so a repeated
or reordered delivery leaves the same record.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import Column, Date, Integer, String, Table, delete, func, insert, select

ACTIVE = ("EFFECTIVE", "WAITING")
STATUSES = ("EFFECTIVE", "WAITING", "RELEASED", "EXPIRED")
KINDS = ("SEIZE", "DETAIN", "FREEZE")  # 查封, 扣押 (vehicles), 冻结
_TEXT_FIELDS = ("order_id", "asset_id", "court", "case_number", "document_number")


@dataclass(frozen=True, slots=True)
class Annotation:
    order_id: str
    asset_id: str  # unit number, plate or stake id
    kind: str  # SEIZE / DETAIN / FREEZE
    court: str
    case_number: str
    document_number: str  # the agency's receipt number (协助执行通知书回执)
    rank: int  # 1 = in effect; 2, 3, … wait in this order
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


def annotation_table(name: str, metadata: Any, asset_column: str, length: int) -> Any:
    """The table an agency keeps its judicial annotations in, one row per court order."""
    return Table(
        name,
        metadata,
        Column("order_id", String(32), primary_key=True),
        Column(asset_column, String(length), nullable=False, index=True),
        Column("court", String(64), nullable=False),
        Column("case_number", String(64), nullable=False),
        Column("document_number", String(64), nullable=False),
        Column("kind", String(8), nullable=False),
        Column("rank", Integer, nullable=False),
        Column("start_date", Date, nullable=False),
        Column("end_date", Date),
        Column("status", String(10), nullable=False),
    )


def store_annotation(conn: Any, table: Any, asset_column: str, a: Annotation) -> bool:
    """Insert or replace the row of ``a.order_id``; True when the asset has an active measure."""
    conn.execute(delete(table).where(table.c.order_id == a.order_id))
    values = a.to_json() | {"start_date": a.start_date, "end_date": a.end_date}
    values[asset_column] = values.pop("asset_id")
    conn.execute(insert(table).values(**values))
    active = conn.execute(
        select(func.count())
        .select_from(table)
        .where(table.c[asset_column] == a.asset_id, table.c.status.in_(ACTIVE))
    ).scalar()
    return bool(active)
