"""Per-request batch loaders: one call per look-up per request, with timeouts and error mapping.

Each :class:`Lookup` gets one DataLoader per request, so sibling connectors run concurrently
and N subjects cost one source call per look-up. A source that raises or times out fails
only the fields that needed it (``CONNECTOR_UNAVAILABLE`` / ``CONNECTOR_TIMEOUT``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

from connectors.base.errors import ConnectorError
from hub.errors import ConnectorFailed
from hub.federation.lookups import Lookup
from hub.federation.resilience import Guard
from hub.policy.table import Decision, Grants

if TYPE_CHECKING:
    from connectors.base.remote import Visible

log = logging.getLogger(__name__)


# Subgraph types the hub shows under another name for some look-ups.
HUB_TYPE = {("shareholders", "Equity"): "Shareholder"}
# Look-ups whose records the hub shows through one field only, remade into its own type
# (public security's registers as a 查人 request's holdings): requested whole when the caller
# may read that field, not at all otherwise.
SHOWN_THROUGH = {
    "accommodations": "PoliceRequest.holdings",
    "bookings": "PoliceRequest.holdings",
    "passages": "PoliceRequest.holdings",
}


class FieldVisibility:
    """Which record fields a remote look-up requests: those the caller's grants let it read
    or see masked (a denied field is never fetched). One per (grants, method), kept with the
    grants, so remote sources can cache selection sets per instance."""

    __slots__ = ("__weakref__", "_decision", "_method")

    def __init__(self, grants: Grants, method: str) -> None:
        self._decision = grants.decision
        self._method = method

    def __call__(self, typename: str, field: str) -> bool:
        through = SHOWN_THROUGH.get(self._method)
        if through is not None:
            return self._decision(through) is not Decision.DENY
        hub_type = HUB_TYPE.get((self._method, typename), typename)
        return self._decision(f"{hub_type}.{field}") is not Decision.DENY

    @classmethod
    def of(cls, grants: Grants, method: str) -> Visible:
        found = grants.wire.get(method)
        if found is None:
            found = grants.wire[method] = cls(grants, method)
        return found


class Loaders:
    def __init__(
        self,
        sources: Mapping[str, Any],
        guards: Mapping[str, Guard],
        request_id: str = "-",
        grants: Grants | None = None,
    ) -> None:
        self.request_id = request_id
        self._sources = sources
        self._guards = guards
        self._grants = grants
        self._loaders: dict[Lookup, DataLoader[str, Any]] = {}
        self.calls: list[str] = []  # look-ups made in this request, in order
        self.outcomes: dict[str, str] = {}  # connector -> OK or the error code (for the audit log)

    def loader(self, lookup: Lookup) -> DataLoader[str, Any]:
        dl = self._loaders.get(lookup)
        if dl is None:
            dl = DataLoader(self._batch_fn(lookup))
            self._loaders[lookup] = dl
        return dl

    async def load(self, lookup: Lookup, key: str) -> Any:
        return await self.loader(lookup).load(key)

    async def load_many(self, lookup: Lookup, keys: list[str]) -> list[Any]:
        return await self.loader(lookup).load_many(keys)

    def _batch_fn(self, lookup: Lookup) -> Any:
        source = self._sources.get(lookup.connector)
        guard = self._guards.get(lookup.connector)
        remote = getattr(source, "remote", False)
        visible = (
            FieldVisibility.of(self._grants, lookup.method)
            if remote and self._grants is not None
            else None
        )
        # The closure holds what it needs, not ``self``: the loaders hold the closure, and a
        # cycle would leave every request's loaders, futures and records to the cyclic GC.
        calls, outcomes, request_id = self.calls, self.outcomes, self.request_id

        async def batch(keys: list[str]) -> list[Any]:
            calls.append(str(lookup))
            if source is None or guard is None:
                raise ConnectorFailed(
                    "CONNECTOR_UNAVAILABLE",
                    lookup.connector,
                    f"{lookup.connector}: connector is not configured",
                )
            method = getattr(source, lookup.method)
            try:
                if visible is not None:
                    found = await guard.call(lookup.method, lambda: method(keys, visible=visible))
                else:
                    found = await guard.call(lookup.method, lambda: method(keys))
            except ConnectorError as exc:
                outcomes[lookup.connector] = exc.code
                cause = exc.__cause__
                if cause is not None and not isinstance(cause, ConnectorError):
                    log.error(
                        "look-up %s failed (request %s)",
                        lookup,
                        request_id,
                        exc_info=(type(cause), cause, cause.__traceback__),
                    )
                raise ConnectorFailed.from_connector_error(exc) from None
            outcomes.setdefault(lookup.connector, "OK")
            if lookup.many:
                return [found.get(k) or [] for k in keys]
            return [found.get(k) for k in keys]

        return batch
