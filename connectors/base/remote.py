"""The remote source seam: an agency's subgraph service reached over HTTP with ``_entities``.

A :class:`RemoteSource` subclass per agency (``connectors/<agency>/remote.py``) has the same
batch methods as the agency's embedded source and returns the same records; mypy checks both
against the agency's source ``Protocol``. Each method is an ``_entities`` look-up of
``Person``/``Enterprise``/an own entity by key, selecting one field, as the subgraph's own types
declare it (:func:`connectors.base.subgraph.lookups_of`); a source refuses to open when the
subgraph serves a look-up it has no method for.

Look-ups that a request dispatches together are coalesced, as in the embedded source: one HTTP
request per agency carries them all, each as an aliased ``_entities`` field. A caller may pass
``visible(type, field)``; only the fields it allows (plus the identifiers records link by) are
requested over the wire, and the others come back as ``None``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import logging
import types
import typing
import weakref
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx
import orjson

from connectors.base.annotations import Annotation, Measure
from connectors.base.errors import ConnectorTimeout, ConnectorUnavailable
from connectors.base.identifiers import InvalidIdentifier, validate_id_number, validate_uscc
from connectors.base.subgraph import TYPE_OF_RECORD, EntityLookup, _camel

log = logging.getLogger(__name__)

Visible = Callable[[str, str], bool]  # (subgraph type name, GraphQL field name) -> requested?

# Identifiers and kinds records link by (references, masking by subject kind, waiting lines,
# order checks): always requested, whatever the caller may see of them.
LINK_FIELDS = frozenset(
    {
        "id_number",
        "uscc",
        "plate",
        "unit_number",
        "stake_id",
        "owner_id",
        "owner_kind",
        "holder_id",
        "holder_kind",
        "legal_representative_id",
    }
)
COALESCE_TICKS = 3
MAX_REPRESENTATIONS = 500  # per aliased _entities field


def _everything(_type: str, _field: str) -> bool:
    return True


def _links_only(_type: str, _field: str) -> bool:
    return False


def _decoder(hint: Any) -> Any:
    """A function from the JSON value of a scalar field to its record value, or None when the
    JSON value is the record value (str, int, bool)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        inner = next(a for a in typing.get_args(hint) if a is not type(None))
        return _decoder(inner)
    if hint is datetime:
        return datetime.fromisoformat
    if hint is date:
        return date.fromisoformat
    if hint is Decimal:
        return lambda v: Decimal(str(v))
    return None  # str, int, bool: as they come


class _Selection:
    """Selection sets and decoders of the records of one subgraph, per visibility."""

    def __init__(self) -> None:
        self._shapes: dict[type, list[tuple[str, str, Any, type | None]]] = {}

    def _fields(self, record: type) -> list[tuple[str, str, Any, type | None]]:
        shape = self._shapes.get(record)
        if shape is None:
            hints = typing.get_type_hints(record)
            shape = []
            for f in dataclasses.fields(record):
                hint = hints[f.name]
                nested = _nested_record(hint)
                decoder = None if nested is not None else _decoder(hint)
                shape.append((f.name, _camel(f.name), decoder, nested))
            self._shapes[record] = shape
        return shape

    def select(self, record: type, visible: Visible) -> str:
        typename = TYPE_OF_RECORD[record]
        parts = []
        for name, gql, _dec, nested in self._fields(record):
            if nested is not None:
                inner = self.select(nested, visible)
                if inner and visible(typename, gql):
                    parts.append(f"{gql} {{ {inner} }}")
            elif name in LINK_FIELDS or visible(typename, gql):
                parts.append(gql)
        return " ".join(parts) or "__typename"

    def decode(self, record: type, data: Mapping[str, Any] | None) -> Any:
        if data is None:
            return None
        values = []
        for _name, gql, dec, nested in self._fields(record):
            value = data.get(gql)
            if value is not None:
                if nested is not None:
                    if isinstance(value, list):
                        value = [self.decode(nested, v) for v in value]
                    else:
                        value = self.decode(nested, value)
                elif dec is not None:
                    value = dec(value)
            values.append(value)
        return record(*values)


def _nested_record(hint: Any) -> type | None:
    for arg in (hint, *typing.get_args(hint)):
        if isinstance(arg, type) and dataclasses.is_dataclass(arg):
            return arg
        for inner in typing.get_args(arg):
            if isinstance(inner, type) and dataclasses.is_dataclass(inner):
                return inner
    return None


def subject_typenames(key: str) -> tuple[str, ...]:
    """Person, Enterprise or (for the rare key valid as both) each; none for a key valid as
    neither (no agency holds it)."""
    names = []
    try:
        validate_id_number(key)
        names.append("Person")
    except InvalidIdentifier:
        pass
    try:
        validate_uscc(key)
        names.append("Enterprise")
    except InvalidIdentifier:
        pass
    return tuple(names)


@dataclasses.dataclass(slots=True)
class _Call:
    method: str
    keys: list[str]
    visible: Visible
    future: asyncio.Future[Any]


class RemoteSource:
    """The machinery of an agency's batch methods over its subgraph service at ``url``
    (``…/graphql``); each agency's subclass declares the methods."""

    remote = True

    def __init__(
        self,
        connector: str,
        url: str,
        lookups: Sequence[EntityLookup],
        *,
        timeout: float = 2.0,
        max_connections: int = 64,
        token: str | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.connector = connector
        self.url = url.rstrip("/")
        self._by_method: dict[str, list[EntityLookup]] = {}
        for lookup in lookups:
            self._by_method.setdefault(lookup.method, []).append(lookup)
        unserved = sorted(set(self._by_method) - set(self.methods()))
        if unserved:
            raise TypeError(
                f"{type(self).__name__} has no method for the look-ups {', '.join(unserved)}"
                f" that the {connector} subgraph serves"
            )
        self._selection = _Selection()
        # Fragments per visibility (one per caller's grants and look-up), dropped with it.
        self._fragments: weakref.WeakKeyDictionary[Any, dict[EntityLookup, str]] = (
            weakref.WeakKeyDictionary()
        )
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._headers = headers
        self._client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
        )
        self._pending: list[_Call] = []
        self._tasks: set[asyncio.Task[None]] = set()

    # --- the batch methods ------------------------------------------------------------------

    @classmethod
    def methods(cls) -> list[str]:
        """The batch methods the agency's subclass declares."""
        return sorted(
            name
            for klass in cls.__mro__
            if klass is not RemoteSource and issubclass(klass, RemoteSource)
            for name, value in vars(klass).items()
            if not name.startswith("_") and inspect.iscoroutinefunction(value)
        )

    async def _lookup(
        self, method: str, keys: Sequence[str], visible: Visible | None
    ) -> dict[str, Any]:
        """The subgraph's look-up ``method`` for ``keys``, requesting the fields ``visible``
        allows (all when None)."""
        if method not in self._by_method:
            raise AttributeError(f"the {self.connector} subgraph serves no look-up {method!r}")
        return await self._call(method, keys, visible or _everything)

    async def _exists_via(self, method: str, keys: Sequence[str]) -> dict[str, bool]:
        """Which keys the agency holds, through look-up ``method`` requesting no field but the
        identifiers records link by (existence only, no personal data)."""
        found = await self._lookup(method, keys, _links_only)
        return {k: True for k, v in found.items() if v is not None}

    async def _call(self, method: str, keys: Sequence[str], visible: Visible) -> dict[str, Any]:
        keys = list(dict.fromkeys(keys))
        if not keys:
            return {}
        loop = asyncio.get_running_loop()
        future: asyncio.Future[dict[str, Any]] = loop.create_future()
        self._pending.append(_Call(method, keys, visible, future))
        if len(self._pending) == 1:
            self._flush_after(loop, COALESCE_TICKS)
        return await future

    def _flush_after(self, loop: asyncio.AbstractEventLoop, ticks: int) -> None:
        if ticks > 0:
            loop.call_soon(self._flush_after, loop, ticks - 1)
            return
        calls, self._pending = self._pending, []
        if calls:
            task = loop.create_task(self._send(calls))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    # --- one request for a batch of calls ------------------------------------------------------

    def _representations(self, call: _Call) -> list[tuple[str, dict[str, str], EntityLookup]]:
        lookups = {lk.typename: lk for lk in self._by_method[call.method]}
        reps = []
        for key in call.keys:
            if len(lookups) == 1:
                (lookup,) = lookups.values()
                reps.append((key, {"__typename": lookup.typename, lookup.key: key}, lookup))
                continue
            # Subject look-ups answer by the key alone, whatever its kind: one representation
            # (the first kind the key is valid as) is enough.
            for typename in subject_typenames(key):
                if typename in lookups:
                    lookup = lookups[typename]
                    reps.append((key, {"__typename": typename, lookup.key: key}, lookup))
                    break
        return reps

    def _fragment(self, lookup: EntityLookup, visible: Visible) -> str:
        """The inline fragment of a look-up for a visibility, built once per pair."""
        try:
            cached = self._fragments[visible]
        except KeyError:
            cached = self._fragments[visible] = {}
        except TypeError:  # a visibility that cannot be weakly referenced: no cache
            cached = {}
        fragment = cached.get(lookup)
        if fragment is None:
            selection = self._selection.select(lookup.record, visible)
            if lookup.field is None:
                fragment = f"... on {lookup.typename} {{ {selection} }}"
            else:
                fragment = f"... on {lookup.typename} {{ {lookup.field} {{ {selection} }} }}"
            cached[lookup] = fragment
        return fragment

    async def _send(self, calls: list[_Call]) -> None:
        try:
            plans = []
            variables: dict[str, Any] = {}
            fields = []
            for i, call in enumerate(calls):
                reps = self._representations(call)
                chunks = [
                    reps[j : j + MAX_REPRESENTATIONS]
                    for j in range(0, len(reps), MAX_REPRESENTATIONS)
                ]
                for c, chunk in enumerate(chunks):
                    alias = f"e{i}_{c}"
                    variables[alias] = [r for _, r, _ in chunk]
                    fragments = " ".join(
                        dict.fromkeys(self._fragment(lk, call.visible) for _, _, lk in chunk)
                    )
                    fields.append(
                        f"{alias}: _entities(representations: ${alias}) {{ {fragments} }}"
                    )
                plans.append((call, chunks))
            if not fields:
                for call in calls:
                    call.future.set_result({}) if not call.future.done() else None
                return
            params = ", ".join(f"${a}: [_Any!]!" for a in variables)
            query = f"query ({params}) {{ {' '.join(fields)} }}"
            data = await self._post(query, variables)
        except BaseException as exc:
            for call in calls:
                if not call.future.done():
                    call.future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for i, (call, chunks) in enumerate(plans):
            if call.future.done():
                continue
            try:
                call.future.set_result(self._collect(i, call, chunks, data))
            except Exception as exc:
                call.future.set_exception(self._bad_answer(exc))

    def _collect(
        self, i: int, call: _Call, chunks: list[Any], data: Mapping[str, Any]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for c, chunk in enumerate(chunks):
            entities = data[f"e{i}_{c}"]
            if len(entities) != len(chunk):
                raise ValueError("_entities answered a different number of representations")
            for (key, _rep, lookup), entity in zip(chunk, entities, strict=True):
                if entity is None:
                    continue
                value = entity if lookup.field is None else entity.get(lookup.field)
                if not value:  # None, or an empty list: the agency holds nothing for the key
                    continue
                if lookup.many:
                    out.setdefault(key, []).extend(
                        self._selection.decode(lookup.record, v) for v in value
                    )
                else:
                    out[key] = self._selection.decode(lookup.record, value)
        return out

    async def _request(self, method: str, path: str, body: Any = None) -> httpx.Response:
        """One HTTP exchange with the agency service; transport failures as connector errors."""
        try:
            return await self._client.request(
                method,
                f"{self.url}{path}",
                content=None if body is None else orjson.dumps(body),
                headers=self._headers,
            )
        except httpx.TimeoutException as exc:
            raise ConnectorTimeout(self.connector, f"{self.connector}: no answer in time") from exc
        except httpx.HTTPError as exc:
            raise ConnectorUnavailable(
                self.connector, f"{self.connector}: agency unreachable ({type(exc).__name__})"
            ) from exc

    async def _post(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        response = await self._request("POST", "/graphql", {"query": query, "variables": variables})
        if response.status_code != 200:
            raise ConnectorUnavailable(
                self.connector, f"{self.connector}: agency answered HTTP {response.status_code}"
            )
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise self._bad_answer(exc) from exc
        if body.get("errors"):
            # The agency's own words stay in the hub's log: they are the agency's text, may
            # name its tables, hosts or other subjects, and are not the caller's to read.
            first = body["errors"][0] if isinstance(body["errors"], list) else body["errors"]
            message = first.get("message", "error") if isinstance(first, dict) else first
            log.warning("%s: agency answered with an error: %r", self.connector, str(message)[:500])
            raise ConnectorUnavailable(
                self.connector, f"{self.connector}: the agency answered with an error"
            )
        data = body.get("data")
        if not isinstance(data, dict):
            raise self._bad_answer(ValueError("no data"))
        return data

    def _bad_answer(self, exc: BaseException) -> ConnectorUnavailable:
        error = ConnectorUnavailable(
            self.connector, f"{self.connector}: malformed answer ({type(exc).__name__})"
        )
        error.__cause__ = exc
        return error

    # --- writes and probes -----------------------------------------------------------------

    async def annotate(self, annotation: Annotation) -> bool:
        """Send a judicial annotation to the agency (it replaces the order's earlier one)."""
        response = await self._request("POST", "/annotations", annotation.to_json())
        if response.status_code == 404:
            raise LookupError(response.json().get("error", "unknown asset"))
        if response.status_code != 200:
            raise ConnectorUnavailable(
                self.connector,
                f"{self.connector}: annotation refused (HTTP {response.status_code})",
            )
        return True

    async def _measures(self, asset_ids: Sequence[str]) -> dict[str, list[Measure]]:
        """The agency's register of courts' measures on each asset (``POST /measures``), for
        the subclasses of agencies that keep one."""
        keys = list(dict.fromkeys(asset_ids))
        out: dict[str, list[Measure]] = {}
        for start in range(0, len(keys), MAX_REPRESENTATIONS):
            part = keys[start : start + MAX_REPRESENTATIONS]
            response = await self._request("POST", "/measures", {"assets": part})
            if response.status_code != 200:
                raise ConnectorUnavailable(
                    self.connector,
                    f"{self.connector}: register look-up answered HTTP {response.status_code}",
                )
            try:
                found = orjson.loads(response.content)["measures"]
                for asset, rows in found.items():
                    if asset in part:
                        out[asset] = [Measure.from_json(r) for r in rows]
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
                raise self._bad_answer(exc) from exc
        return out

    async def ping(self) -> None:
        """Raise unless the agency's service answers its health probe."""
        response = await self._request("GET", "/healthz")
        if response.status_code != 200:
            raise ConnectorUnavailable(
                self.connector, f"{self.connector}: health probe answered {response.status_code}"
            )

    async def aclose(self) -> None:
        await self._client.aclose()
