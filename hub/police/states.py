"""A police-assistance request's kinds, states and events, and which state may follow which for
each kind."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from hub.errors import Conflict


class RequestKind(StrEnum):
    LOCATE = "LOCATE"  # 查人: where the respondent was last registered, booked, seen
    VEHICLE_WATCH = "VEHICLE_WATCH"  # 车辆布控: a seized vehicle watched, stopped, handed over
    EXIT_BAN = "EXIT_BAN"  # 限制出境 (边控)


class RequestStatus(StrEnum):
    OPEN = "OPEN"  # filed, waiting for public security
    ANSWERED = "ANSWERED"  # LOCATE: the police answered with what they may share
    REFUSED = "REFUSED"  # the police refused, with the reason
    CANCELLED = "CANCELLED"  # the court withdrew it before an answer
    EXPIRED = "EXPIRED"  # LOCATE: its validity ended unanswered; EXIT_BAN: its term ended
    WATCHING = "WATCHING"  # VEHICLE_WATCH: the watch (布控) is in place
    STOP_REQUESTED = "STOP_REQUESTED"  # VEHICLE_WATCH: the court asked for 查扣
    HANDED_OVER = "HANDED_OVER"  # VEHICLE_WATCH: stopped and handed over, with the receipt
    ENDED = "ENDED"  # VEHICLE_WATCH: ended with the seizure (released, lapsed) or by the court
    IN_FORCE = "IN_FORCE"  # EXIT_BAN: 边控 confirmed by public security
    LIFT_REQUESTED = "LIFT_REQUESTED"  # EXIT_BAN: the court lifted it; public security to confirm
    LIFTED = "LIFTED"  # EXIT_BAN: lifting confirmed


class Event(StrEnum):
    FILED = "FILED"
    ANSWERED = "ANSWERED"
    REFUSED = "REFUSED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"
    CONFIRMED = "CONFIRMED"  # the watch in place, the 边控 in force
    SIGHTING = "SIGHTING"
    STOP_REQUESTED = "STOP_REQUESTED"
    HANDED_OVER = "HANDED_OVER"
    ENDED = "ENDED"
    LIFT_REQUESTED = "LIFT_REQUESTED"
    LIFTED = "LIFTED"


class Finding(StrEnum):
    """What public security may share about where a respondent is (查人)."""

    ACCOMMODATION = "ACCOMMODATION"  # 旅馆住宿登记
    TRANSPORT = "TRANSPORT"  # 交通订票 (rail, air, coach)
    CHECKPOINT = "CHECKPOINT"  # 卡口通行


class ExitBanBasis(StrEnum):
    """民诉法解释 第五百一十六条: on the applicant's written application, or of the court's own
    motion where necessary."""

    APPLICATION = "APPLICATION"  # 申请执行人书面申请
    EX_OFFICIO = "EX_OFFICIO"  # 依职权决定


S = RequestStatus
K = RequestKind
TRANSITIONS: Final[Mapping[RequestKind, Mapping[RequestStatus, frozenset[RequestStatus]]]] = {
    K.LOCATE: {
        S.OPEN: frozenset({S.ANSWERED, S.REFUSED, S.CANCELLED, S.EXPIRED}),
    },
    K.VEHICLE_WATCH: {
        S.OPEN: frozenset({S.WATCHING, S.REFUSED, S.CANCELLED, S.ENDED}),
        S.WATCHING: frozenset({S.STOP_REQUESTED, S.ENDED}),
        S.STOP_REQUESTED: frozenset({S.HANDED_OVER, S.ENDED}),
    },
    K.EXIT_BAN: {
        S.OPEN: frozenset({S.IN_FORCE, S.REFUSED, S.CANCELLED, S.EXPIRED}),
        S.IN_FORCE: frozenset({S.LIFT_REQUESTED, S.EXPIRED}),
        S.LIFT_REQUESTED: frozenset({S.LIFTED}),
    },
}
# Where sightings are recorded: a watch in place (a stop asked for included)
SIGHTED: Final = frozenset({S.WATCHING, S.STOP_REQUESTED})
# What the police have to act on (their inbox)
FOR_POLICE: Final = frozenset({S.OPEN, S.WATCHING, S.STOP_REQUESTED, S.LIFT_REQUESTED})


def may_become(kind: str, current: str, target: RequestStatus) -> bool:
    return target in TRANSITIONS[RequestKind(kind)].get(RequestStatus(current), frozenset())


def check_move(request_id: str, kind: str, current: str, target: RequestStatus, verb: str) -> None:
    """Refuses (CONFLICT, reason STATE) a move the table does not allow, naming the state."""
    if not may_become(kind, current, target):
        allowed = sorted(
            s.value for s, nxt in TRANSITIONS[RequestKind(kind)].items() if target in nxt
        )
        raise Conflict(
            f"request {request_id} ({kind}) is {current}; only"
            f" {' or '.join(allowed) or 'no'} requests of its kind can be {verb}",
            reason="STATE",
        )
