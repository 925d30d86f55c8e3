"""What every resolver sees: the caller, the request's batch loaders, the runtime."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from strawberry.types import Info

from hub.audit.entries import AccessRecord
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
    client: str | None = None
    purposes: dict[str, str | None] = field(default_factory=dict)  # subject id -> case cited
    cited_cases: dict[str, Any] = field(default_factory=dict)  # case number -> purpose record
    started: float = field(default_factory=time.perf_counter)
    audit_subjects: list[AccessRecord] = field(default_factory=list)  # subjects touched
    audit_recorded: int = 0  # how many of them are written already
    audit_writes: list[Any] = field(default_factory=list)  # audit writes under way (futures)
    connection_params: dict[str, Any] | None = None  # websocket connection_init payload


def ctx(info: Info[Any, Any]) -> HubContext:
    return info.context  # type: ignore[no-any-return]
