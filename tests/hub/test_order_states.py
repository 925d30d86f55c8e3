"""The order's state table: which state may follow which (hub/orders/states.py)."""

from __future__ import annotations

import pytest

from hub.errors import Conflict
from hub.orders.states import TRANSITIONS, OrderStatus, check_move, may_become

S = OrderStatus

# From the workflow's diagram: deliver, accept (in effect or waiting), reject, release (in effect
# or waiting), a waiting order taking effect, a lapse.
ALLOWED = {
    ("SUBMITTED", "DELIVERED"),
    ("DELIVERED", "EFFECTIVE"),
    ("DELIVERED", "WAITING"),
    ("DELIVERED", "REJECTED"),
    ("WAITING", "EFFECTIVE"),
    ("WAITING", "RELEASED"),
    ("EFFECTIVE", "RELEASED"),
    ("EFFECTIVE", "EXPIRED"),
}


def test_the_table_is_the_diagram() -> None:
    # every state has a row, and exactly the moves of the diagram are allowed
    assert set(TRANSITIONS) == set(OrderStatus)
    table = {(a.value, b.value) for a, nexts in TRANSITIONS.items() for b in nexts}
    assert table == ALLOWED


@pytest.mark.parametrize("state", ["REJECTED", "RELEASED", "EXPIRED"])
def test_ended_orders_go_nowhere(state: str) -> None:
    assert not any(may_become(state, target) for target in OrderStatus)


def test_a_move_the_table_refuses_names_the_state_and_what_could() -> None:
    with pytest.raises(Conflict) as refused:
        check_move("FO-2026-1", "REJECTED", S.RELEASED, "released")
    assert str(refused.value) == (
        "order FO-2026-1 is REJECTED; only EFFECTIVE or WAITING orders can be released"
    )
    check_move("FO-2026-1", "WAITING", S.RELEASED, "released")  # allowed: no error
