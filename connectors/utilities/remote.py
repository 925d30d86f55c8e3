"""The utilities' batch methods over their subgraph service (the remote source)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from connectors.base.remote import RemoteSource, Visible
from connectors.utilities.records import UtilityAccountRecord

if TYPE_CHECKING:
    from connectors.utilities.source import UtilitiesSource


class RemoteUtilitiesSource(RemoteSource):
    """The utilities' look-ups as ``_entities`` calls; the same records as the embedded
    source."""

    async def accounts_by_holder(
        self, holder_ids: Sequence[str], visible: Visible | None = None
    ) -> dict[str, list[UtilityAccountRecord]]:
        return await self._lookup("accounts_by_holder", holder_ids, visible)

    async def accounts_by_address(
        self, addresses: Sequence[str], visible: Visible | None = None
    ) -> dict[str, list[UtilityAccountRecord]]:
        return await self._lookup("accounts_by_address", addresses, visible)


if TYPE_CHECKING:
    # The remote source has every batch method of the agency's source, with its types.
    _remote_is_a_source: type[UtilitiesSource] = RemoteUtilitiesSource
