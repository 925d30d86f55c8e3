"""A bank's batch methods over its subgraph service (the remote source)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from connectors.banks.records import DepositAccountRecord
from connectors.base.remote import RemoteSource, Visible

if TYPE_CHECKING:
    from connectors.banks.source import BankSource


class RemoteBankSource(RemoteSource):
    """A bank's look-ups as ``_entities`` calls; the same records as the embedded source."""

    async def deposits(
        self, holder_ids: Sequence[str], visible: Visible | None = None
    ) -> dict[str, list[DepositAccountRecord]]:
        return await self._lookup("deposits", holder_ids, visible)


if TYPE_CHECKING:
    # The remote source has every batch method of a bank's source, with its types.
    _remote_is_a_source: type[BankSource] = RemoteBankSource
