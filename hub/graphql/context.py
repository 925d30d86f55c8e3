"""What every resolver sees: the caller, the request's batch loaders, the runtime."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from strawberry.types import Info

from hub.auth.tokens import Principal
from hub.federation.loaders import Loaders

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
    client: str | None = None
    purposes: dict[str, str] = field(default_factory=dict)  # subject id -> case number cited


def ctx(info: Info[Any, Any]) -> HubContext:
    return info.context  # type: ignore[no-any-return]
