"""Social security's federation subgraph: insurances, housing fund, qualifications, employer figures."""

from __future__ import annotations

from typing import Any

from connectors.base.subgraph import (
    SubgraphSchema,
    build_subgraph,
    entity,
    loader_field,
    record_type,
)
from connectors.social_security.records import (
    EnterpriseInsuranceRecord,
    HousingFundRecord,
    InsuranceRecord,
    QualificationRecord,
)

MANY = frozenset({"insurance", "qualifications"})

SocialInsurance = record_type(
    InsuranceRecord, "SocialInsurance", description="One of the five insurances"
)
HousingFund = record_type(
    HousingFundRecord, "HousingFund", description="Housing provident fund account"
)
Qualification = record_type(
    QualificationRecord, "Qualification", description="Professional qualification"
)
EnterpriseInsurance = record_type(
    EnterpriseInsuranceRecord,
    "EnterpriseInsurance",
    description="Insured employees and arrears of an enterprise",
)

Person = entity(
    "Person",
    "id_number",
    {
        "insurance": loader_field(
            "insurance",
            SocialInsurance,
            many=True,
            key_attr="id_number",
            description="The five insurances (五险)",
        ),
        "housing_fund": loader_field(
            "housing_fund",
            HousingFund,
            many=False,
            key_attr="id_number",
            description="Housing provident fund account",
        ),
        "qualifications": loader_field(
            "qualifications",
            Qualification,
            many=True,
            key_attr="id_number",
            description="Professional qualifications",
        ),
    },
    description="A natural person, keyed by ID number",
)
Enterprise = entity(
    "Enterprise",
    "uscc",
    {
        "insurance": loader_field(
            "enterprise_insurance",
            EnterpriseInsurance,
            many=False,
            key_attr="uscc",
            description="Insured employees and arrears",
        )
    },
    description="An enterprise, keyed by unified social credit code",
)


def build_schema(source: Any = None) -> SubgraphSchema:
    return build_subgraph(types=[Person, Enterprise])
