"""Typed records tax returns: registrations, filings, arrears, refunds, income tax withheld."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(slots=True)
class TaxRegistrationRecord:
    taxpayer_id: str
    name: str
    taxpayer_kind: str
    authority: str
    registered_on: date
    status: str
    credit_grade: str | None
    graded_year: int | None


@dataclass(slots=True)
class TaxFilingRecord:
    period: str
    filed_on: date | None
    tax_payable: Decimal
    tax_paid: Decimal


@dataclass(slots=True)
class TaxArrearsRecord:
    tax_kind: str
    period: str
    due_on: date
    amount: Decimal
    late_fee: Decimal
    as_of: date


@dataclass(slots=True)
class TaxRefundRecord:
    refund_number: str
    kind: str
    amount: Decimal
    approved_on: date
    status: str


@dataclass(slots=True)
class IncomeTaxRecord:
    period: str
    withholder_uscc: str
    withholder_name: str
    income_kind: str
    income: Decimal
    tax_withheld: Decimal
