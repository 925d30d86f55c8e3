"""Source wrappers for tests: record every call, fail, or hang."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from connectors import registry
from connectors.base.errors import ConnectorUnavailable
from hub.config import Settings


def _is_lookup(source: Any, name: str) -> bool:
    return not name.startswith("_") and asyncio.iscoroutinefunction(getattr(source, name, None))


class RecordingSource:
    """Wraps a real source; ``calls`` lists (method, keys) of every batch call."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.calls: list[tuple[str, list[str]]] = []

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)
        if not _is_lookup(self._inner, name):
            return target

        async def call(keys: Sequence[str]) -> Any:
            self.calls.append((name, list(keys)))
            return await target(keys)

        return call

    def methods(self) -> list[str]:
        return [m for m, _ in self.calls]


class FailingSource(RecordingSource):
    """Every look-up raises: as an agency that errors (``unexpected=False``) or crashes."""

    def __init__(self, inner: Any, *, unexpected: bool = False) -> None:
        super().__init__(inner)
        self.unexpected = unexpected

    def __getattr__(self, name: str) -> Any:
        target = super().__getattr__(name)
        if not _is_lookup(self._inner, name):
            return target

        async def call(keys: Sequence[str]) -> Any:
            self.calls.append((name, list(keys)))
            if self.unexpected:
                raise RuntimeError("agency exploded with internal detail /etc/secret")
            raise ConnectorUnavailable(
                self._inner.connector, f"{self._inner.connector}: agency refused the connection"
            )

        return call


class SlowSource(RecordingSource):
    """Every look-up answers as the real source does, ``delay`` seconds late."""

    def __init__(self, inner: Any, delay: float) -> None:
        super().__init__(inner)
        self.delay = delay

    def __getattr__(self, name: str) -> Any:
        target = super().__getattr__(name)
        if not _is_lookup(self._inner, name):
            return target

        async def call(keys: Sequence[str]) -> Any:
            await asyncio.sleep(self.delay)
            return await target(keys)

        return call


class HangingSource(RecordingSource):
    """Every look-up sleeps longer than any timeout used in tests."""

    def __getattr__(self, name: str) -> Any:
        target = super().__getattr__(name)
        if not _is_lookup(self._inner, name):
            return target

        async def call(keys: Sequence[str]) -> Any:
            self.calls.append((name, list(keys)))
            await asyncio.sleep(30)
            raise AssertionError("unreachable")

        return call


def wrapped_sources(
    settings: Settings,
    wrapper: type[RecordingSource] = RecordingSource,
    only: Sequence[str] | None = None,
    **kw: Any,
) -> dict[str, Any]:
    out = {}
    for name in registry.names():
        inner = registry.get(name).embedded(settings.connectors[name].url)
        out[name] = wrapper(inner, **kw) if only is None or name in only else RecordingSource(inner)
    return out
