"""Tax's federation subgraph: registrations, filings, arrears, refunds, income tax withheld."""

from __future__ import annotations

from typing import Any

from connectors.base.subgraph import (
    SubgraphSchema,
    build_subgraph,
    entity,
    loader_field,
    record_type,
)
from connectors.tax.records import (
    IncomeTaxRecord,
    TaxArrearsRecord,
    TaxFilingRecord,
    TaxRefundRecord,
    TaxRegistrationRecord,
)

MANY = frozenset({"businesses", "filings", "arrears", "refunds", "income_tax"})

TaxRegistration = record_type(
    TaxRegistrationRecord,
    "TaxRegistration",
    description="Tax registration (税务登记) with the taxpayer's credit grade (纳税信用级别)",
)
TaxFiling = record_type(TaxFilingRecord, "TaxFiling", description="A monthly return (纳税申报)")
TaxArrears = record_type(
    TaxArrearsRecord, "TaxArrears", description="Tax owed past its deadline (欠税) and late fee"
)
TaxRefund = record_type(TaxRefundRecord, "TaxRefund", description="An approved refund (退税)")
IncomeTaxWithholding = record_type(
    IncomeTaxRecord,
    "IncomeTaxWithholding",
    description="Individual income tax withheld (个人所得税扣缴) for a person, one month",
)

Person = entity(
    "Person",
    "id_number",
    {
        "income_tax": loader_field(
            "income_tax",
            IncomeTaxWithholding,
            many=True,
            key_attr="id_number",
            description="Income tax withheld for the person, by month and withholder",
        ),
        "tax_businesses": loader_field(
            "businesses",
            TaxRegistration,
            many=True,
            key_attr="id_number",
            description="Individual businesses (个体工商户) the person operates",
        ),
    },
    description="A natural person, keyed by ID number",
)
Enterprise = entity(
    "Enterprise",
    "uscc",
    {
        "tax_registration": loader_field(
            "registrations",
            TaxRegistration,
            many=False,
            key_attr="uscc",
            description="Tax registration and credit grade",
        ),
        "tax_filings": loader_field(
            "filings",
            TaxFiling,
            many=True,
            key_attr="uscc",
            description="Monthly returns and payments",
        ),
        "tax_arrears": loader_field(
            "arrears", TaxArrears, many=True, key_attr="uscc", description="Tax owed (欠税)"
        ),
        "tax_refunds": loader_field(
            "refunds", TaxRefund, many=True, key_attr="uscc", description="Approved refunds"
        ),
    },
    description="An enterprise, keyed by unified social credit code",
)


def build_schema(source: Any = None) -> SubgraphSchema:
    return build_subgraph(types=[Person, Enterprise])
