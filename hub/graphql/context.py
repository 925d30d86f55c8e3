"""What every resolver sees: the caller, the operation's batch loaders, the runtime.

A transport makes one :class:`HubContext` per HTTP request or websocket connection; every
GraphQL *operation* then runs with its own copy (:meth:`HubContext.for_operation`, made by the
audit trail extension): its own request id, loaders, cited cases and audit records, and the
grants of the policy in force when it starts. Operations of one batch or one connection share
nothing that decides what they may see or what is recorded about them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from strawberry.types import Info

from hub.audit.entries import AccessRecord, BatchRecord
from hub.auth.tokens import Principal
from hub.federation.loaders import Loaders
from hub.policy.table import Grants

if TYPE_CHECKING:
    from hub.runtime import Runtime


@dataclass
class HubContext:
    request: Any
    response: Any
    principal: Principal
    loaders: Loaders
    runtime: Runtime
    request_id: str
    grants: Grants | None = None  # the caller's compiled grants (None only for the GraphiQL page)
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
    connection_params: dict[str, Any] | None = None  # websocket connection_init payload
    numbered: bool = False  # operations get their own request ids (batches, websockets)
    operations: int = 0  # operations started with this context as their base
    budget: int | None = None  # query cost left for the operations of a batch (on the base)
    parent: HubContext | None = None
    cache_plans: bool = True  # False for documents too large for the shared caches
    shown: set[str] = field(default_factory=set)  # identifiers released in clear
    named: set[str] = field(default_factory=set)  # subjects of entries written by workflows

    def for_operation(self) -> HubContext:
        """A fresh context for one operation run on this request or connection."""
        if not self.numbered and self.operations == 0:
            # The only operation of a plain HTTP request: its context was made for it just
            # now (by the view, with the grants in force) and nothing else will use it.
            self.operations = 1
            return self
        self.operations += 1
        request_id = f"{self.request_id}-{self.operations}" if self.numbered else self.request_id
        principal = self.principal
        grants = (
            self.runtime.policy.grants(principal.roles, principal.org)
            if principal is not None
            else None
        )
        return HubContext(
            request=self.request,
            response=self.response,
            principal=principal,
            loaders=Loaders(self.runtime.sources, self.runtime.guards, request_id, grants),
            runtime=self.runtime,
            request_id=request_id,
            grants=grants,
            client=self.client,
            upstream_request_id=self.upstream_request_id,
            connection_params=self.connection_params,
            parent=self,
        )


def ctx(info: Info[Any, Any]) -> HubContext:
    return info.context  # type: ignore[no-any-return]
