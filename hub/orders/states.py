"""An order's states, kinds and asset types, and which state may follow which."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from hub.errors import Conflict


class OrderStatus(StrEnum):
    SUBMITTED = "SUBMITTED"
    DELIVERED = "DELIVERED"
    EFFECTIVE = "EFFECTIVE"
    WAITING = "WAITING"
    REJECTED = "REJECTED"
    RELEASED = "RELEASED"
    EXPIRED = "EXPIRED"


class OrderKind(StrEnum):
    SEIZE = "SEIZE"  # 查封
    DETAIN = "DETAIN"  # 扣押 (a vehicle taken into the court's control)
    FREEZE = "FREEZE"  # 冻结


class AssetType(StrEnum):
    REAL_ESTATE = "REAL_ESTATE"
    VEHICLE = "VEHICLE"
    EQUITY = "EQUITY"
    DEPOSIT = "DEPOSIT"  # a bank account's deposits (存款): frozen by amount at its bank


S = OrderStatus
TRANSITIONS: Final[Mapping[OrderStatus, frozenset[OrderStatus]]] = {
    S.SUBMITTED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset({S.EFFECTIVE, S.WAITING, S.REJECTED}),
    S.WAITING: frozenset({S.EFFECTIVE, S.RELEASED}),
    S.EFFECTIVE: frozenset({S.RELEASED, S.EXPIRED}),
    S.REJECTED: frozenset(),
    S.RELEASED: frozenset(),
    S.EXPIRED: frozenset(),
}
RENEWABLE: Final = frozenset({S.EFFECTIVE})  # a renewal keeps the state


def may_become(current: str, target: OrderStatus) -> bool:
    return target in TRANSITIONS[OrderStatus(current)]


def check_move(order_id: str, current: str, target: OrderStatus, verb: str) -> None:
    """Refuses (CONFLICT) a move the table does not allow, naming the state the order is in."""
    if not may_become(current, target):
        allowed = sorted(s.value for s, nxt in TRANSITIONS.items() if target in nxt)
        raise Conflict(
            f"order {order_id} is {current}; only {' or '.join(allowed)} orders can be {verb}"
        )
