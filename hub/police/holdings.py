"""What public security holds on a respondent, as findings a 查人 answer can send: its
accommodation registrations (旅馆住宿登记), transport bookings (交通订票) and the checkpoint
passages (卡口通行) of the respondent's vehicles, newest first.

The registers write China Standard Time without a zone; a holding's time carries UTC+8."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from hub.police.states import Finding

CST = timezone(timedelta(hours=8), "CST")


@dataclass(frozen=True, slots=True)
class Holding:
    category: Finding
    at: datetime  # aware, UTC+8
    place: str
    detail: str


def _cst(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=CST)


def _minute(value: datetime) -> str:
    return f"{value:%Y-%m-%d %H:%M}"


def holdings(
    accommodations: Iterable[Any], bookings: Iterable[Any], passages: Iterable[Any]
) -> list[Holding]:
    """The records as holdings, newest first (ties: accommodation, transport, checkpoint)."""
    out = [
        Holding(
            Finding.ACCOMMODATION,
            _cst(a.check_in),
            a.place,
            f"{a.hotel}，入住 {_minute(a.check_in)}，"
            + (f"退房 {_minute(a.check_out)}" if a.check_out is not None else "未退房"),
        )
        for a in accommodations
    ]
    out += [
        Holding(
            Finding.TRANSPORT,
            _cst(b.departure),
            f"{b.origin}→{b.destination}",
            f"{b.mode} {b.number}，出发 {_minute(b.departure)}",
        )
        for b in bookings
    ]
    out += [
        Holding(Finding.CHECKPOINT, _cst(p.passed_at), p.place, f"{p.plate} 经 {p.checkpoint}")
        for p in passages
    ]
    rank = {Finding.ACCOMMODATION: 0, Finding.TRANSPORT: 1, Finding.CHECKPOINT: 2}
    out.sort(key=lambda h: (-h.at.timestamp(), rank[h.category]))
    return out


def counts(found: Sequence[Holding]) -> dict[str, int]:
    """How many holdings of each category (for the audit entry: no times or places)."""
    out: dict[str, int] = {}
    for h in found:
        out[h.category.value] = out.get(h.category.value, 0) + 1
    return out
