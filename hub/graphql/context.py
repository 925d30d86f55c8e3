"""What every resolver sees: the caller, the operation's batch loaders, the runtime.

A transport makes one :class:`HubContext` per HTTP request or websocket connection; every
GraphQL *operation* then runs with its own :class:`AuthedContext`
(:meth:`HubContext.for_operation`, made by the audit trail extension): the authenticated
caller and the grants of the policy in force when it starts (never None there), its own
request id, loaders, cited cases and audit records. Operations of one batch or one connection
share nothing that decides what they may see or what is recorded about them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from strawberry.types import Info

from hub.audit.entries import AccessRecord, BatchRecord
from hub.auth.tokens import Principal
from hub.errors import Unauthenticated
from hub.federation.loaders import Loaders
from hub.policy.table import Grants

if TYPE_CHECKING:
    from hub.runtime import Runtime


@dataclass(kw_only=True)
class HubContext:
    """One HTTP request or websocket connection, as its transport made it."""

    request: Any
    response: Any
    runtime: Runtime
    request_id: str
    # The authenticated caller: None only for the GraphiQL page itself, and for a websocket
    # until its connection_init is accepted (no operation runs before then).
    principal: Principal | None = None
    client: str | None = None  # the caller's address (through trusted proxies only)
    upstream_request_id: str | None = None  # a trusted proxy's X-Request-Id
    connection_params: dict[str, Any] | None = None  # websocket connection_init payload
    numbered: bool = False  # operations get their own request ids (batches, websockets)
    operations: int = 0  # operations started with this context as their base
    budget: int | None = None  # query cost left for the operations of a batch

    def for_operation(self) -> AuthedContext:
        """A fresh context for one operation run on this request or connection.

        Raises :class:`Unauthenticated` when no caller is known: nothing runs for no one."""
        principal = self.principal
        if principal is None:
            raise Unauthenticated("sign in: send Authorization: Bearer <JWT>", reason="MISSING")
        self.operations += 1
        request_id = f"{self.request_id}-{self.operations}" if self.numbered else self.request_id
        policy = self.runtime.policy
        grants = policy.grants(principal.roles, principal.org)
        return AuthedContext(
            parent=self,
            principal=principal,
            policy=policy,
            grants=grants,
            loaders=Loaders(self.runtime.sources, self.runtime.guards, request_id, grants),
            runtime=self.runtime,
            request_id=request_id,
            client=self.client,
            upstream_request_id=self.upstream_request_id,
        )


@dataclass(kw_only=True)
class AuthedContext:
    """One GraphQL operation of an authenticated caller: what every resolver sees."""

    parent: HubContext  # the request's or connection's context
    principal: Principal
    grants: Grants  # the caller's compiled grants, of the policy in force at the start
    loaders: Loaders
    # the policy those grants are of: a subscription ends when the runtime's is another
    # (hub.policy.enforce.policy_in_force)
    policy: Any = None
    runtime: Runtime
    request_id: str
    client: str | None = None  # the caller's address (through trusted proxies only)
    upstream_request_id: str | None = None  # a trusted proxy's X-Request-Id
    purposes: dict[str, str | None] = field(default_factory=dict)  # subject id -> case cited
    cited_cases: dict[str, Any] = field(default_factory=dict)  # case number -> purpose record
    started: float = field(default_factory=time.perf_counter)
    audit_subjects: list[AccessRecord] = field(default_factory=list)  # subjects touched
    audit_batches: list[BatchRecord] = field(default_factory=list)  # lists of subjects served
    audit_recorded: int = 0  # how many of audit_subjects are written already
    audit_writes: list[Any] = field(default_factory=list)  # audit writes under way (futures)
    after_audit: list[Any] = field(default_factory=list)  # called once the entries are settled
    cache_plans: bool = True  # False for documents too large for the shared caches
    shown: set[str] = field(default_factory=set)  # identifiers released in clear
    named: set[str] = field(default_factory=set)  # subjects of entries written by workflows
    party_counted: int = 0  # an enterprise party's refused attempts counted when let in


def ctx(info: Info[Any, Any]) -> AuthedContext:
    """The operation's context. Every operation runs with one (the audit trail extension
    makes it); anything else reaching a resolver is refused, not trusted."""
    context = info.context
    if not isinstance(context, AuthedContext):
        raise Unauthenticated("sign in: send Authorization: Bearer <JWT>", reason="MISSING")
    return context
