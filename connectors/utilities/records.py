"""Typed records the utilities return: an account with its monthly usage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(slots=True)
class UtilityUsageRecord:
    period: str
    consumption: Decimal
    amount_due: Decimal
    amount_paid: Decimal


@dataclass(slots=True)
class UtilityAccountRecord:
    account_number: str
    provider: str
    kind: str
    address: str
    holder_kind: str
    holder_id: str
    holder_name: str
    opened_on: date
    status: str
    arrears: Decimal
    usage: list[UtilityUsageRecord] = field(default_factory=list)
