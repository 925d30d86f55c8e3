"""Enumerations of the API (ASCII codes; agency values in Chinese stay strings)."""

from enum import Enum

import strawberry

from hub.sanctions import workflow as lists


@strawberry.enum(description="Whether a subject is a natural person or an enterprise")
class SubjectKind(Enum):
    PERSON = "PERSON"
    ENTERPRISE = "ENTERPRISE"


@strawberry.enum(description="Registration status of a motor vehicle")
class VehicleStatus(Enum):
    NORMAL = "NORMAL"
    MORTGAGED = "MORTGAGED"
    SEIZED = "SEIZED"
    STOLEN = "STOLEN"


@strawberry.enum(description="The five social insurances (五险)")
class InsuranceKind(Enum):
    PENSION = "PENSION"
    MEDICAL = "MEDICAL"
    UNEMPLOYMENT = "UNEMPLOYMENT"
    INJURY = "INJURY"
    MATERNITY = "MATERNITY"


@strawberry.enum(description="A person's role in an enterprise")
class EnterpriseRoleKind(Enum):
    LEGAL_REPRESENTATIVE = "LEGAL_REPRESENTATIVE"
    SHAREHOLDER = "SHAREHOLDER"
    KEY_PERSONNEL = "KEY_PERSONNEL"


@strawberry.enum(description="Whether a case is still open")
class CaseStatus(Enum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


# strawberry.enum marks the domain's enum in place and returns it: the alias is a type to mypy.
strawberry.enum(
    lists.SanctionList, name="SanctionList", description="The court's credit-sanction lists"
)
SanctionList = lists.SanctionList


@strawberry.enum(description="Whether a sanction entry is in force")
class SanctionStatus(Enum):
    ACTIVE = "ACTIVE"
    REVOKED = "REVOKED"


@strawberry.enum(description="State of a seizure annotation at the agency")
class SeizureStatus(Enum):
    EFFECTIVE = "EFFECTIVE"
    WAITING = "WAITING"
    RELEASED = "RELEASED"
    EXPIRED = "EXPIRED"
