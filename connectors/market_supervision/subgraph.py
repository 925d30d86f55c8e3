"""Market supervision's federation subgraph: enterprise registration and lists, persons' roles and stakes."""

from __future__ import annotations

from typing import Any

from connectors.base.subgraph import (
    SubgraphSchema,
    build_subgraph,
    entity,
    loader_field,
    record_type,
)
from connectors.market_supervision.records import (
    AbnormalOperationRecord,
    CreditRecord,
    EnterpriseRecord,
    EnterpriseRoleRecord,
    KeyPersonRecord,
    LicenceRecord,
    PenaltyRecord,
    SeriousViolationRecord,
    StakeRecord,
)

MANY = frozenset(
    {
        "shareholders",
        "stakes_by_holder",
        "key_personnel",
        "licences",
        "penalties",
        "roles_by_person",
    }
)

EnterpriseRegistration = record_type(
    EnterpriseRecord,
    "EnterpriseRegistration",
    description="Registration (登记信息) of an enterprise",
)
Equity = record_type(
    StakeRecord,
    "Equity",
    description="An equity stake (股权)",
    key="stake_id",
    reference="stakes_by_id",
)
KeyPerson = record_type(KeyPersonRecord, "KeyPerson", description="Key personnel (主要人员)")
Licence = record_type(LicenceRecord, "Licence", description="A licence")
Penalty = record_type(PenaltyRecord, "Penalty", description="An administrative penalty (行政处罚)")
AbnormalOperation = record_type(
    AbnormalOperationRecord,
    "AbnormalOperation",
    description="Abnormal-operations list entry (经营异常名录)",
)
SeriousViolation = record_type(
    SeriousViolationRecord,
    "SeriousViolation",
    description="Serious-violation list entry (严重违法失信名单)",
)
EnterpriseCredit = record_type(
    CreditRecord,
    "EnterpriseCredit",
    description="Credit lists of an enterprise",
    nested={AbnormalOperationRecord: AbnormalOperation, SeriousViolationRecord: SeriousViolation},
)
EnterpriseRole = record_type(
    EnterpriseRoleRecord, "EnterpriseRole", description="A person's role in an enterprise"
)

Person = entity(
    "Person",
    "id_number",
    {
        "enterprise_roles": loader_field(
            "roles_by_person",
            EnterpriseRole,
            many=True,
            key_attr="id_number",
            description="Legal representative, shareholder, key personnel roles",
        ),
        "equities": loader_field(
            "stakes_by_holder",
            Equity,
            many=True,
            key_attr="id_number",
            description="Stakes the person holds",
        ),
    },
    description="A natural person, keyed by ID number",
)
Enterprise = entity(
    "Enterprise",
    "uscc",
    {
        "registration": loader_field(
            "enterprises",
            EnterpriseRegistration,
            many=False,
            key_attr="uscc",
            description="Registration",
        ),
        "shareholders": loader_field(
            "shareholders",
            Equity,
            many=True,
            key_attr="uscc",
            description="Stakes held in this enterprise",
        ),
        "equities": loader_field(
            "stakes_by_holder",
            Equity,
            many=True,
            key_attr="uscc",
            description="Stakes this enterprise holds in others",
        ),
        "key_personnel": loader_field(
            "key_personnel", KeyPerson, many=True, key_attr="uscc", description="Key personnel"
        ),
        "licences": loader_field(
            "licences", Licence, many=True, key_attr="uscc", description="Licences"
        ),
        "penalties": loader_field(
            "penalties", Penalty, many=True, key_attr="uscc", description="Administrative penalties"
        ),
        "credit": loader_field(
            "credit",
            EnterpriseCredit,
            many=False,
            key_attr="uscc",
            description="Abnormal-operations and serious-violation lists",
        ),
    },
    description="An enterprise, keyed by unified social credit code",
)


def build_schema(source: Any = None) -> SubgraphSchema:
    return build_subgraph(types=[Person, Enterprise, Equity])
