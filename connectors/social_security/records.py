"""Typed records social security returns: insurances, housing fund, qualifications, employer figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(slots=True)
class InsuranceRecord:
    kind: str
    employer_uscc: str
    employer_name: str
    contribution_base: Decimal
    months_paid: int
    last_paid_month: str
    status: str


@dataclass(slots=True)
class HousingFundRecord:
    account_number: str
    employer_uscc: str
    employer_name: str
    balance: Decimal
    monthly_deposit: Decimal
    opened_on: date
    status: str


@dataclass(slots=True)
class QualificationRecord:
    certificate_number: str
    name: str
    level: str
    issuing_authority: str
    issued_on: date


@dataclass(slots=True)
class EnterpriseInsuranceRecord:
    uscc: str
    insured_employees: int
    arrears_amount: Decimal
    arrears_months: int
    as_of: date
