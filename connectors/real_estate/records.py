"""Typed records the real-estate registry returns: units with owners, mortgages and seizures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(slots=True)
class OwnerRecord:
    owner_kind: str
    owner_id: str
    owner_name: str
    share: Decimal


@dataclass(slots=True)
class MortgageRecord:
    certificate_number: str
    mortgagee: str
    secured_amount: Decimal
    term_start: date
    term_end: date
    registered_on: date


@dataclass(slots=True)
class SeizureRecord:
    court: str
    case_number: str
    document_number: str
    kind: str
    rank: int
    start_date: date
    end_date: date | None
    status: str


@dataclass(slots=True)
class PropertyRecord:
    unit_number: str
    certificate_number: str
    address: str
    usage: str
    area: Decimal
    ownership_kind: str
    registered_on: date
    owners: list[OwnerRecord] = field(default_factory=list)
    mortgages: list[MortgageRecord] = field(default_factory=list)
    seizures: list[SeizureRecord] = field(default_factory=list)
