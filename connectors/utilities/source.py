"""The utilities' typed source: accounts with their monthly usage, by holder and by address."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection, select

from connectors.base.source import DatabaseSource, KeyedQuery, record_select
from connectors.utilities.models import accounts, usage
from connectors.utilities.records import UtilityAccountRecord, UtilityUsageRecord


class UtilitiesSource(Protocol):
    async def accounts_by_holder(
        self, holder_ids: Sequence[str]
    ) -> dict[str, list[UtilityAccountRecord]]:
        """Each holder's accounts (ID number or USCC), by kind then account number; usage by
        period."""
        ...

    async def accounts_by_address(
        self, addresses: Sequence[str]
    ) -> dict[str, list[UtilityAccountRecord]]:
        """The accounts supplied at each address (written as the household register writes
        it), whoever holds them; the same order."""
        ...


# Every field of the account but its nested usage (read by _USAGE).
_ACCOUNT_COLUMNS = [
    accounts.c[f.name] for f in dataclasses.fields(UtilityAccountRecord) if f.name != "usage"
]


def _by(key: Any) -> KeyedQuery:
    stmt = select(key, *_ACCOUNT_COLUMNS).order_by(accounts.c.kind, accounts.c.account_number)
    return KeyedQuery(stmt, key)


_BY_HOLDER = _by(accounts.c.holder_id)
_BY_ADDRESS = _by(accounts.c.address)
_USAGE = KeyedQuery(
    select(
        usage.c.account_number, *record_select(UtilityUsageRecord, usage).selected_columns
    ).order_by(usage.c.period),
    usage.c.account_number,
)


def _accounts(
    query: KeyedQuery, conn: Connection, keys: Sequence[str]
) -> dict[str, list[UtilityAccountRecord]]:
    out: dict[str, list[UtilityAccountRecord]] = defaultdict(list)
    found: dict[str, UtilityAccountRecord] = {}
    for r in query.rows(conn, keys):
        record = found.get(r[1])
        if record is None:
            record = found[r[1]] = UtilityAccountRecord(*r[1:])
        out[r[0]].append(record)
    if found:
        for r in _USAGE.rows(conn, list(found)):
            found[r[0]].usage.append(UtilityUsageRecord(*r[1:]))
    return dict(out)


def _accounts_by_holder(
    conn: Connection, keys: Sequence[str]
) -> dict[str, list[UtilityAccountRecord]]:
    return _accounts(_BY_HOLDER, conn, keys)


def _accounts_by_address(
    conn: Connection, keys: Sequence[str]
) -> dict[str, list[UtilityAccountRecord]]:
    return _accounts(_BY_ADDRESS, conn, keys)


class EmbeddedUtilitiesSource(DatabaseSource):
    connector = "utilities"

    async def accounts_by_holder(
        self, holder_ids: Sequence[str]
    ) -> dict[str, list[UtilityAccountRecord]]:
        return await self.run(_accounts_by_holder, holder_ids)

    async def accounts_by_address(
        self, addresses: Sequence[str]
    ) -> dict[str, list[UtilityAccountRecord]]:
        return await self.run(_accounts_by_address, addresses)


if TYPE_CHECKING:
    # The embedded source has every batch method of the agency's source, with its types.
    _embedded_is_a_source: type[UtilitiesSource] = EmbeddedUtilitiesSource
