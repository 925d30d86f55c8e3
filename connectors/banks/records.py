"""Typed records a bank returns: a subject's deposit accounts, each with the freezes on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(slots=True)
class AccountFreezeRecord:
    court: str
    case_number: str
    document_number: str
    amount: Decimal
    rank: int
    start_date: date | None
    end_date: date | None
    status: str


@dataclass(slots=True)
class DepositAccountRecord:
    account_number: str
    holder_kind: str
    holder_id: str
    holder_name: str
    kind: str
    currency: str
    balance: Decimal
    frozen_amount: Decimal  # the sum of the EFFECTIVE freezes
    available_balance: Decimal  # balance − frozen_amount
    opened_on: date
    matures_on: date | None
    branch: str
    status: str
    freezes: list[AccountFreezeRecord] = field(default_factory=list)
