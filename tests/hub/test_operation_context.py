"""Past authentication every operation has a caller: the operation context's principal and
grants are never None, and an operation with no caller runs nothing."""

from __future__ import annotations

from typing import Any

import pytest

from hub.errors import Unauthenticated
from hub.graphql.context import AuthedContext, HubContext
from hub.graphql.schema import build_schema


def transport_context(app: Any, principal: Any) -> HubContext:
    return HubContext(
        request=None,
        response=None,
        principal=principal,
        runtime=app.state.runtime,
        request_id="in-process",
    )


async def test_an_operation_without_a_caller_runs_nothing(app: Any) -> None:
    # given a transport context that knows no caller (as before a websocket's connection_init)
    context = transport_context(app, None)
    # when an operation is executed with it
    result = await build_schema().execute("{ me { userId } }", context_value=context)
    # then nothing runs: no data, one UNAUTHENTICATED error
    assert result.data is None
    assert [e.extensions["code"] for e in result.errors or []] == ["UNAUTHENTICATED"]


async def test_an_operation_context_carries_the_caller_and_its_grants(app: Any, mint: Any) -> None:
    # given a transport context of an authenticated officer
    runtime = app.state.runtime
    principal = runtime.verifier.verify(
        mint(sub="officer-1", org="agency:real_estate", roles=("registry_officer",))
    )
    base = transport_context(app, principal)
    # when two operations start on it
    first, second = base.for_operation(), base.for_operation()
    # then each has the caller and the grants of the policy in force, never None
    assert isinstance(first, AuthedContext)
    assert not isinstance(first, HubContext)
    assert first.principal is principal
    assert first.grants is runtime.policy.grants(principal.roles, principal.org)
    assert first.parent is base and second.parent is base
    assert first.loaders is not second.loaders


def test_no_operation_context_is_made_for_no_caller(app: Any) -> None:
    # given a transport context without a caller
    base = transport_context(app, None)
    # then it makes no operation context
    with pytest.raises(Unauthenticated):
        base.for_operation()
    assert base.operations == 0
