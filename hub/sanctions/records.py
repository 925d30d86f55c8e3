"""Typed records of sanction-list entries and the persons an enterprise's entry binds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(slots=True)
class SanctionEntryRecord:
    id: str
    list: str
    subject_kind: str
    subject_id: str
    name: str
    court_code: str
    case_number: str
    obligation: str
    published_on: date
    legal_basis: str
    status: str
    revoked_on: date | None
    grounds: tuple[str, ...]  # 情形; ("UNKNOWN",) for entries older than the record of it
    term_years: int | None  # 纳入期限; None without a term
    ends_on: date | None  # the term's last day
    end_ground: str | None  # why it ended (撤销, 删除, 解除)


@dataclass(slots=True)
class BoundPersonRecord:
    """A person a listed enterprise's entry binds (法释〔2015〕17号 第三条第二款)."""

    entry_id: str
    id_number: str
    name: str
    roles: list[str]
    position: str | None
    named_by: str  # COURT / REGISTER
    released_on: date | None
    release_ground: str | None
    release_reason: str | None
