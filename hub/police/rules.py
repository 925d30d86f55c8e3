"""The rules of police assistance (公安协助), as functions, each with the article it comes from.

- 查人 is a 查询 of a respondent through a unit that holds information on them:
  《中华人民共和国民事诉讼法》(2023 修正) 第二百五十三条 — "被执行人未按执行通知履行法律文书确定的
  义务，人民法院有权向有关单位查询被执行人的…财产情况" — the person asked about is the
  **被执行人** (:func:`check_respondent`), of a case the judge may act on (purpose binding as for
  look-ups). The cooperation between courts and public security is the mechanism of
  最高人民法院、公安部《关于建立快速查询信息共享及网络执行查控协作工作机制的意见》(法〔2016〕41号).
  A request is valid until the date the judge gives (at most :data:`MAX_VALIDITY` ahead, the hub's
  own bound); nothing is answered after it (:func:`check_valid`).
- 车辆布控 is for a vehicle the case holds: an order of the case seizing or detaining the vehicle
  in effect (《最高人民法院关于人民法院民事执行中查封、扣押、冻结财产的规定》第十条 is cited by
  number only; see docs/police.md), and the watch lasts only as long as that measure
  (:func:`watch_holds`).
- 限制出境 (边控): 民事诉讼法 第二百六十六条 — "被执行人不履行法律文书确定的义务的，人民法院可以对其
  采取或者通知有关单位协助采取限制出境 …措施"; 《中华人民共和国出境入境管理法》第十二条 —
  "中国公民有下列情形之一的，不准出境：…（三）有未了结的民事案件，人民法院决定不准出境的" — so the
  restricted person is a natural person (a 中国公民, :func:`check_natural_person`) who is a
  respondent; 《最高人民法院关于适用〈中华人民共和国民事诉讼法〉的解释》第五百一十六条 — "对被执行人
  限制出境的，应当由申请执行人向执行法院提出书面申请；必要时，执行法院可以依职权决定" — so the
  request names its basis: the applicant's written application or the court's own motion
  (:class:`hub.police.states.ExitBanBasis`). The restriction has an end date the court sets.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hub.cases.records import CasePurposeRecord
from hub.cases.rules import respondent_role
from hub.errors import BadUserInput, Conflict, Forbidden

LOCATE_BASIS = "民事诉讼法 第二百五十三条; 法〔2016〕41号"
EXIT_BAN_BASIS = (
    "民事诉讼法 第二百六十六条; 出境入境管理法 第十二条第（三）项; 民诉法解释 第五百一十六条"
)
VEHICLE_BASIS = "查封规定 第十条; 法〔2016〕41号"
MAX_VALIDITY = timedelta(days=90)  # the hub's bound on a 查人 request's validity
MAX_EXIT_BAN_DAYS = 5 * 366  # the hub's bound against a mistyped end date, not a legal term
MAX_TEXT = 500  # characters of a reason, a refusal, a place
MAX_FINDINGS = 50  # records in one 查人 answer


def check_respondent(record: CasePurposeRecord, subject_id: str) -> None:
    """FORBIDDEN (reason NOT_A_RESPONDENT) unless ``subject_id`` is a 被执行人 (被保全人 in 执保)
    of the case: 民事诉讼法 第二百五十三条 and 第二百六十六条 speak of the 被执行人."""
    role = respondent_role(record.case_type)
    if role is None:
        raise Forbidden(
            f"case {record.case_number} is a {record.case_type or 'unknown'} case; police"
            " assistance is for enforcement (执, 执恢) and preservation (执保) cases",
            reason="CASE_TYPE",
            caseNumber=record.case_number,
        )
    if subject_id not in record.respondents:
        raise Forbidden(
            f"{subject_id} is not a {role} of case {record.case_number}: police assistance is"
            f" asked for the 被执行人 (民事诉讼法 第二百五十三条, 第二百六十六条)",
            reason="NOT_A_RESPONDENT",
            caseNumber=record.case_number,
        )


def check_natural_person(subject_kind: str) -> None:
    """BAD_USER_INPUT (rule NATURAL_PERSON_ONLY) for an enterprise: 出境入境管理法 第十二条 bars
    the exit of a 中国公民."""
    if subject_kind != "PERSON":
        raise BadUserInput(
            "an exit restriction (限制出境) is of a natural person: 出境入境管理法 第十二条 —"
            " 中国公民 … 有未了结的民事案件，人民法院决定不准出境的; give the ID number of the"
            " respondent (or of the person responsible for an enterprise respondent)",
            argument="subject",
            rule="NATURAL_PERSON_ONLY",
        )


def check_validity(valid_until: datetime, now: datetime) -> datetime:
    """A 查人 request's validity: after now, at most :data:`MAX_VALIDITY` ahead."""
    if valid_until.tzinfo is None:
        raise BadUserInput(
            "validUntil needs a time zone (2026-12-31T23:59:59+08:00)",
            argument="validUntil",
            rule="TIME_ZONE",
        )
    if valid_until <= now or valid_until > now + MAX_VALIDITY:
        raise BadUserInput(
            f"validUntil must be after now and at most {MAX_VALIDITY.days} days ahead",
            argument="validUntil",
            rule="VALIDITY",
        )
    return valid_until


def check_valid(request_id: str, valid_until: datetime | None, now: datetime) -> None:
    """CONFLICT (reason VALIDITY_ENDED) once a 查人 request's validity has ended: nothing is
    answered after it."""
    if valid_until is not None and now >= valid_until:
        raise Conflict(
            f"request {request_id} was valid until {valid_until.isoformat()}; nothing is answered"
            " after its validity ends — the court files a new request if it still needs one",
            reason="VALIDITY_ENDED",
        )


def check_term_end(term_end: date, today: date) -> date:
    if term_end <= today or (term_end - today).days > MAX_EXIT_BAN_DAYS:
        raise BadUserInput(
            f"termEnd must be after today and at most {MAX_EXIT_BAN_DAYS} days ahead",
            argument="termEnd",
            rule="TERM_END",
        )
    return term_end


def watch_holds(order: dict[str, object], case_number: str) -> str | None:
    """None while the order holds the vehicle for the case (a SEIZE or DETAIN of a VEHICLE of
    the case, EFFECTIVE); else why the watch cannot be (or stay) in place."""
    if order["case_number"] != case_number:
        return f"order {order['id']} is not an order of case {case_number}"
    if order["asset_type"] != "VEHICLE" or order["kind"] not in ("SEIZE", "DETAIN"):
        return f"order {order['id']} does not seize or detain a vehicle"
    if order["status"] != "EFFECTIVE":
        return f"order {order['id']} is {order['status']}: the case no longer holds the vehicle"
    return None


def text(value: str | None, name: str, *, required: bool = True) -> str | None:
    """A short text: stripped, 1 to :data:`MAX_TEXT` characters, no control characters."""
    from hub.identifiers import check_characters

    if value is None and not required:
        return None
    check_characters(value or "", argument=name)
    clean = (value or "").strip()
    if not clean or len(clean) > MAX_TEXT:
        raise BadUserInput(
            f"{name} must be 1 to {MAX_TEXT} characters", argument=name, rule="TEXT_LENGTH"
        )
    return clean
