"""A bank's batch methods over its service (the remote source): look-ups through its subgraph,
the register (freezes served, released, transfers) through its ``/bank/…`` routes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson

from connectors.banks.records import (
    BankFreezeRecord,
    DepositAccountRecord,
    FreezeNotice,
    TransferNotice,
    TransferRecord,
)
from connectors.base.errors import ConnectorUnavailable
from connectors.base.remote import RemoteSource, Visible

if TYPE_CHECKING:
    from connectors.banks.source import BankSource


class RemoteBankSource(RemoteSource):
    """A bank's look-ups as ``_entities`` calls; the same records as the embedded source."""

    async def deposits(
        self, holder_ids: Sequence[str], visible: Visible | None = None
    ) -> dict[str, list[DepositAccountRecord]]:
        return await self._lookup("deposits", holder_ids, visible)

    async def _bank(self, path: str, body: Any) -> Any:
        """One call of the bank's register routes: 404 is LookupError, 422 ValueError (the
        bank's refusal of a notice), anything else but 200 the bank unavailable."""
        response = await self._request("POST", f"/bank/{path}", body)
        if response.status_code in (404, 422):
            try:
                message = str(orjson.loads(response.content).get("error", "refused"))
            except (orjson.JSONDecodeError, AttributeError):
                message = "refused"
            raise (LookupError if response.status_code == 404 else ValueError)(message)
        if response.status_code != 200:
            raise ConnectorUnavailable(
                self.connector, f"{self.connector}: bank answered HTTP {response.status_code}"
            )
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise self._bad_answer(exc) from exc

    async def accounts(
        self, numbers: Sequence[str], visible: Visible | None = None
    ) -> dict[str, DepositAccountRecord]:
        """The accounts (the hub's order checks: holder, currency); every field, as the hub
        asks it for its own rules, never for a caller to read."""
        from connectors.banks.source import account_from_json

        found = await self._chunked("accounts", "accounts", numbers)
        return {k: account_from_json(v) for k, v in found.items()}

    async def freezes(self, numbers: Sequence[str]) -> dict[str, list[BankFreezeRecord]]:
        found = await self._chunked("freezes", "accounts", numbers)
        return {k: [BankFreezeRecord.from_json(r) for r in rows] for k, rows in found.items()}

    async def _chunked(self, what: str, name: str, keys: Sequence[str]) -> dict[str, Any]:
        """A look-up by keys, at most the service's MAX_KEYS a call; the answers merged."""
        from connectors.banks.service import MAX_KEYS

        unique = list(dict.fromkeys(keys))
        out: dict[str, Any] = {}
        for start in range(0, len(unique), MAX_KEYS):
            part = unique[start : start + MAX_KEYS]
            found = await self._bank(what, {name: part})
            try:
                out.update((k, v) for k, v in found[what].items() if k in part)
            except (KeyError, TypeError, AttributeError) as exc:
                raise self._bad_answer(exc) from exc
        return out

    async def serve_freeze(self, notice: FreezeNotice) -> BankFreezeRecord:
        return BankFreezeRecord.from_json(await self._bank("serve", notice.to_json()))

    async def transfer(self, notice: TransferNotice) -> TransferRecord:
        return TransferRecord.from_json(await self._bank("transfer", notice.to_json()))

    async def transfers(self, case_numbers: Sequence[str]) -> dict[str, list[TransferRecord]]:
        found = await self._chunked("transfers", "cases", case_numbers)
        return {k: [TransferRecord.from_json(r) for r in rows] for k, rows in found.items()}


if TYPE_CHECKING:
    # The remote source has every batch method of a bank's source, with its types.
    _remote_is_a_source: type[BankSource] = RemoteBankSource
