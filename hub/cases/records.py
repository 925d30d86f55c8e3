"""Typed records of the court's case data, as the GraphQL layer reads them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(slots=True)
class CourtRecord:
    code: str
    abbr: str
    name: str


@dataclass(slots=True)
class CaseRecord:
    case_number: str
    court_code: str
    court_name: str
    kind: str
    cause: str
    status: str
    filed_on: date
    closed_on: date | None
    amount: Decimal


@dataclass(slots=True)
class CaseParticipationRecord:
    """A subject's part in a case: the case plus the role it plays there."""

    case_number: str
    court_code: str
    court_name: str
    kind: str
    cause: str
    status: str
    filed_on: date
    closed_on: date | None
    amount: Decimal
    role: str


@dataclass(slots=True)
class CaseJudgeRecord:
    """A judge of a case as a party is told of them: name and part, not the user id."""

    case_number: str
    name: str | None  # None for a judge the hub has no user record of
    role: str  # 承办人 / 合议庭成员


@dataclass(slots=True)
class PartyRecord:
    role: str
    subject_kind: str
    subject_id: str
    name: str


@dataclass(slots=True)
class UserRecord:
    id: str
    name: str
    org: str
    roles: str
    title: str


@dataclass(slots=True)
class CasePurposeRecord:
    """What purpose binding and court actions need to know about a cited case."""

    case_number: str
    court_code: str
    status: str
    judges: frozenset[str]
    parties: frozenset[str]  # subject ids (ID numbers, USCCs)
    # the case type (类型代字 of the case number: 执, 执恢, 执保, 民初 …) and the parties in the
    # role property measures are for in that type (被执行人; 被保全人 in 执保): see hub.cases.rules
    case_type: str
    respondents: frozenset[str]
    amount: Decimal  # 执行标的: what the case is to recover, CNY
