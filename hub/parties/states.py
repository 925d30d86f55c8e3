"""A request's kinds and states, which state may follow which, and the kinds of published
documents."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from hub.errors import Conflict


class RequestKind(StrEnum):
    RELEASE = "RELEASE"  # 申请解除: the measures on its assets released
    PERFORMANCE = "PERFORMANCE"  # 申请履行: the court asked to have the judgment performed
    CREDIT_REPAIR = "CREDIT_REPAIR"  # 信用修复: its entries on the sanction lists removed
    OTHER = "OTHER"  # 其他


class RequestStatus(StrEnum):
    OPEN = "OPEN"  # filed, not answered yet
    GRANTED = "GRANTED"  # 准许
    REFUSED = "REFUSED"  # 不予准许
    NOTED = "NOTED"  # 已阅 (answered without a decision on the merits)


class Decision(StrEnum):
    """The judge's answer; the request takes the state of the same name."""

    GRANTED = "GRANTED"
    REFUSED = "REFUSED"
    NOTED = "NOTED"


class DocumentKind(StrEnum):
    JUDGMENT = "JUDGMENT"  # 裁判文书公开
    EXECUTION_INFO = "EXECUTION_INFO"  # 执行信息公开


S = RequestStatus
TRANSITIONS: Final[Mapping[RequestStatus, frozenset[RequestStatus]]] = {
    S.OPEN: frozenset({S.GRANTED, S.REFUSED, S.NOTED}),
    S.GRANTED: frozenset(),
    S.REFUSED: frozenset(),
    S.NOTED: frozenset(),
}

# The kinds only a respondent (被执行人; 被保全人 in 执保) files: the measures and the list
# entries of a case are on the respondent (民事诉讼法 第二百五十三条至第二百五十五条;
# 法释〔2017〕7号 第一条).
RESPONDENT_KINDS: Final = frozenset({RequestKind.RELEASE, RequestKind.CREDIT_REPAIR})


def may_become(current: str, target: RequestStatus) -> bool:
    return target in TRANSITIONS[RequestStatus(current)]


def check_move(request_id: str, current: str, target: RequestStatus) -> None:
    """Refuses (CONFLICT, reason ANSWERED) a move the table does not allow."""
    if not may_become(current, target):
        raise Conflict(
            f"request {request_id} is {current}; only an OPEN request is answered, once",
            reason="ANSWERED",
        )
