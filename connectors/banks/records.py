"""Typed records a bank returns: a subject's deposit accounts, each with the freezes on it; and
what the hub serves on a bank (freezes, transfers) with the bank's answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any


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


# --- what the hub serves on a bank, and what the bank answers ---------------------------------


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


@dataclass(frozen=True, slots=True)
class FreezeNotice:
    """A court's 协助冻结存款通知书 served through the hub: freeze ``amount`` on the account."""

    order_id: str  # the hub's order: the bank's key for it (served twice, frozen once)
    account_number: str
    court: str
    case_number: str
    ruling_number: str
    amount: Decimal
    currency: str
    served_on: date  # the court day it was served (the term starts then if it takes effect)

    def to_json(self) -> dict[str, Any]:
        return {k: _json(getattr(self, k)) for k in self.__slots__}

    @classmethod
    def from_json(cls, data: Any) -> FreezeNotice:
        values = dict(data)
        values["amount"] = Decimal(values["amount"])
        values["served_on"] = date.fromisoformat(values["served_on"])
        return cls(**values)


@dataclass(frozen=True, slots=True)
class BankFreezeRecord:
    """A freeze as the bank's register holds it (the answer to a notice, and its state later)."""

    order_id: str | None
    account_number: str
    document_number: str  # the bank's registration (回执) number
    amount: Decimal  # frozen (EFFECTIVE; what is left after deductions) or asked (WAITING)
    rank: int
    status: str  # EFFECTIVE / WAITING / EXPIRED / RELEASED
    start_date: date | None
    end_date: date | None

    def to_json(self) -> dict[str, Any]:
        return {k: _json(getattr(self, k)) for k in self.__slots__}

    @classmethod
    def from_json(cls, data: Any) -> BankFreezeRecord:
        values = dict(data)
        values["amount"] = Decimal(values["amount"])
        for name in ("start_date", "end_date"):
            if values.get(name):
                values[name] = date.fromisoformat(values[name])
        return cls(**values)


@dataclass(frozen=True, slots=True)
class TransferNotice:
    """A court's 协助扣划存款通知书: move ``amount`` out of the freeze of ``freeze_order_id``."""

    idempotency_key: str  # the hub's deduction id: the same deduction moves money once
    freeze_order_id: str
    account_number: str
    court: str
    case_number: str
    ruling_number: str
    payee: str  # the court's 执行款 account
    amount: Decimal
    currency: str

    def to_json(self) -> dict[str, Any]:
        return {k: _json(getattr(self, k)) for k in self.__slots__}

    @classmethod
    def from_json(cls, data: Any) -> TransferNotice:
        values = dict(data)
        values["amount"] = Decimal(values["amount"])
        return cls(**values)


@dataclass(frozen=True, slots=True)
class TransferRecord:
    """The bank's transfer receipt (划款回执): what it moved, once, and where to."""

    idempotency_key: str
    transfer_number: str
    account_number: str
    freeze_order_id: str
    case_number: str
    payee: str
    amount: Decimal
    currency: str
    transferred_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {k: _json(getattr(self, k)) for k in self.__slots__}

    @classmethod
    def from_json(cls, data: Any) -> TransferRecord:
        values = dict(data)
        values["amount"] = Decimal(values["amount"])
        values["transferred_at"] = datetime.fromisoformat(values["transferred_at"])
        return cls(**values)
