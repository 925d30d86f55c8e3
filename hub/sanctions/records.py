"""Typed records of sanction-list entries."""

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
