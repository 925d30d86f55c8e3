"""Typed records market supervision returns: registration, stakes, personnel, licences, penalties, lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(slots=True)
class EnterpriseRecord:
    uscc: str
    name: str
    enterprise_type: str
    legal_representative_id: str
    legal_representative_name: str
    registered_capital: Decimal
    established_on: date
    address: str
    business_scope: str
    status: str
    registration_authority: str
    phone: str | None


@dataclass(slots=True)
class StakeRecord:
    """One shareholder's stake in one enterprise (an equity asset of the holder)."""

    stake_id: str
    uscc: str
    enterprise_name: str
    holder_kind: str
    holder_id: str
    holder_name: str
    subscribed_capital: Decimal
    ratio: Decimal
    subscribed_on: date
    freeze_status: str  # NORMAL / FROZEN


@dataclass(slots=True)
class KeyPersonRecord:
    uscc: str
    id_number: str
    name: str
    position: str


@dataclass(slots=True)
class LicenceRecord:
    licence_number: str
    name: str
    issuing_authority: str
    valid_from: date
    valid_to: date
    status: str


@dataclass(slots=True)
class PenaltyRecord:
    decision_number: str
    violation: str
    penalty: str
    amount: Decimal
    decided_on: date
    authority: str


@dataclass(slots=True)
class AbnormalOperationRecord:
    reason: str
    listed_on: date
    authority: str
    removed_on: date | None
    removal_reason: str | None


@dataclass(slots=True)
class SeriousViolationRecord:
    reason: str
    listed_on: date
    authority: str
    removed_on: date | None


@dataclass(slots=True)
class CreditRecord:
    abnormal_operations: list[AbnormalOperationRecord] = field(default_factory=list)
    serious_violations: list[SeriousViolationRecord] = field(default_factory=list)


@dataclass(slots=True)
class EnterpriseRoleRecord:
    """A person's role in an enterprise: legal representative, shareholder or key personnel."""

    uscc: str
    enterprise_name: str
    role: str  # LEGAL_REPRESENTATIVE / SHAREHOLDER / KEY_PERSONNEL
    position: str | None
    ratio: Decimal | None
