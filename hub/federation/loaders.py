"""Per-request batch loaders: one call per look-up per request, with timeouts and error mapping.

Each :class:`Lookup` gets one DataLoader per request, so sibling connectors run concurrently
and N subjects cost one source call per look-up. A source that raises or times out fails
only the fields that needed it (``CONNECTOR_UNAVAILABLE`` / ``CONNECTOR_TIMEOUT``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from strawberry.dataloader import DataLoader

from connectors.base.errors import ConnectorError
from hub.errors import ConnectorFailed
from hub.federation.lookups import Lookup

log = logging.getLogger(__name__)


class Loaders:
    def __init__(
        self, sources: Mapping[str, Any], timeouts: Mapping[str, float], request_id: str = "-"
    ) -> None:
        self.request_id = request_id
        self._sources = sources
        self._timeouts = timeouts
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
        timeout = self._timeouts.get(lookup.connector, 2.0)

        async def batch(keys: list[str]) -> list[Any]:
            self.calls.append(str(lookup))
            if source is None:
                raise ConnectorFailed(
                    "CONNECTOR_UNAVAILABLE",
                    lookup.connector,
                    f"{lookup.connector}: connector is not configured",
                )
            try:
                async with asyncio.timeout(timeout):
                    found = await getattr(source, lookup.method)(keys)
            except TimeoutError:
                self.outcomes[lookup.connector] = "CONNECTOR_TIMEOUT"
                raise ConnectorFailed(
                    "CONNECTOR_TIMEOUT",
                    lookup.connector,
                    f"{lookup.connector}: no answer within {timeout:g} s; its fields are null, the rest is complete",
                ) from None
            except ConnectorError as exc:
                self.outcomes[lookup.connector] = exc.code
                raise ConnectorFailed.from_connector_error(exc) from None
            except Exception:
                self.outcomes[lookup.connector] = "CONNECTOR_UNAVAILABLE"
                log.exception("look-up %s failed (request %s)", lookup, self.request_id)
                raise ConnectorFailed(
                    "CONNECTOR_UNAVAILABLE",
                    lookup.connector,
                    f"{lookup.connector}: the agency failed to answer; its fields are null, the rest is complete",
                ) from None
            self.outcomes.setdefault(lookup.connector, "OK")
            if lookup.many:
                return [found.get(k) or [] for k in keys]
            return [found.get(k) for k in keys]

        return batch
