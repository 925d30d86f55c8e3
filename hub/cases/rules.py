"""What a cited case allows a court user: its court, its status, the judges assigned, its parties,
and whose property it may reach.

Pure rules over a :class:`CasePurposeRecord`, shared by look-ups (purpose binding) and court
actions (orders, sanction entries); each refusal is ``FORBIDDEN`` with the reason.

:func:`check_case` is the one place a court action's rights on a case are decided: known, the
caller's court's, open (for new measures and look-ups), and the caller assigned to it when the
policy marks the role ``@assignment``. Submitting, releasing and renewing an order, publishing
and revoking a list entry all call it.

Property measures and the asset sections of a profile are for the respondent only:

- 《中华人民共和国民事诉讼法》(2023 修正) 第二百五十三条: 人民法院有权向有关单位查询**被执行人**的
  存款、债券、股票、基金份额等财产情况 … 扣押、冻结、划拨、变价**被执行人**的财产; 第二百五十四条:
  扣留、提取**被执行人**应当履行义务部分的收入; 第二百五十五条: 查封、扣押、冻结、拍卖、变卖
  **被执行人**应当履行义务部分的财产.
- 《最高人民法院关于人民法院民事执行中查封、扣押、冻结财产的规定》(法释〔2004〕15号, 2020 修正)
  第一条: 人民法院查封、扣押、冻结**被执行人**的动产、不动产及其他财产权，应当作出裁定; 第二条:
  人民法院可以查封、扣押、冻结**被执行人**占有的动产、登记在**被执行人**名下的不动产、特定动产及
  其他财产权.

So the applicant (申请执行人) of a case is a party, but not one whose property the case reaches.
In a preservation case (执保, 财产保全执行) the measures are for the 被保全人. The case type is the
类型代字 of the case number (《最高人民法院关于人民法院案件案号的若干规定》法〔2015〕137号 and its
《人民法院案件类型及其代字标准》: 执 首次执行, 执恢 恢复执行, 执保 财产保全执行); a case of any other
type (民初, 执异, 执复 …) is no basis for a measure.
"""

from __future__ import annotations

from collections.abc import Sequence

from hub.cases.records import CasePurposeRecord
from hub.errors import BadUserInput, Forbidden, HubError
from hub.identifiers import parse_case_number

# Case type (类型代字) -> the role whose property measures are for.
RESPONDENT_ROLE = {"执": "被执行人", "执恢": "被执行人", "执保": "被保全人"}


def check_case(
    record: CasePurposeRecord | None,
    case_number: str,
    *,
    court_code: str | None,
    org: str,
    user_id: str,
    open_required: bool = True,
    assignment_required: bool = True,
) -> CasePurposeRecord:
    """The case, if the caller's court may act on it (known, its own, open, the caller
    assigned when the role requires it)."""
    if record is None:
        raise Forbidden(
            f"case {case_number} is not known to the hub",
            reason="CASE_UNKNOWN",
            caseNumber=case_number,
        )
    if record.court_code != court_code:
        raise Forbidden(
            f"case {case_number} belongs to another court than {org}",
            reason="CASE_OTHER_COURT",
            caseNumber=case_number,
        )
    if open_required and record.status != "OPEN":
        raise Forbidden(
            f"case {case_number} is closed; look-ups need an open case",
            reason="CASE_CLOSED",
            caseNumber=case_number,
        )
    if assignment_required and user_id not in record.judges:
        raise Forbidden(
            f"{user_id} is not assigned to case {case_number}",
            reason="NOT_ASSIGNED",
            caseNumber=case_number,
        )
    return record


def party_verdicts(
    record: CasePurposeRecord, keys: Sequence[str], case_number: str
) -> list[HubError | None]:
    """Per subject: None when it is a party of the case, else the refusal."""
    return [
        None
        if key in record.parties
        else Forbidden(
            f"{key} is not a party of case {case_number}",
            reason="NOT_A_PARTY",
            caseNumber=case_number,
        )
        for key in keys
    ]


def case_type_of(case_number: str) -> str:
    """The 类型代字 of a case number (执, 执恢, 执保, 民初 …), or "" if it cannot be read."""
    try:
        return parse_case_number(case_number).kind
    except BadUserInput:
        return ""


def respondent_role(case_type: str) -> str | None:
    """The role property measures are for in a case of this type (None: no measures)."""
    return RESPONDENT_ROLE.get(case_type)


def check_measure_case(record: CasePurposeRecord) -> None:
    """A property measure needs an enforcement or preservation case (执, 执恢, 执保)."""
    if respondent_role(record.case_type) is None:
        raise Forbidden(
            f"case {record.case_number} is a {record.case_type or 'unknown'} case; property"
            " measures and asset sections are for enforcement (执, 执恢) and preservation (执保)"
            " cases — cite the enforcement case",
            reason="CASE_TYPE",
            caseNumber=record.case_number,
        )


def respondent_verdict(record: CasePurposeRecord, key: str) -> Forbidden | None:
    """None when the case reaches ``key``'s property (a 被执行人 / 被保全人 of it), else the
    refusal (``CASE_TYPE`` or ``NOT_A_RESPONDENT``)."""
    try:
        check_measure_case(record)
    except Forbidden as exc:
        return exc
    if key in record.respondents:
        return None
    role = respondent_role(record.case_type)
    return Forbidden(
        f"{key} is not a {role} of case {record.case_number}: property measures and asset"
        f" sections are for the {role} (民事诉讼法 第二百五十三条至第二百五十五条)",
        reason="NOT_A_RESPONDENT",
        caseNumber=record.case_number,
    )
