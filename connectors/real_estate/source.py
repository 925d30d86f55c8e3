"""The real-estate registry's typed source: properties by owner or by unit number."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import Connection, select

from connectors.base.source import DatabaseSource, record_select, select_in
from connectors.real_estate.models import mortgages, owners, seizures, units
from connectors.real_estate.records import (
    MortgageRecord,
    OwnerRecord,
    PropertyRecord,
    SeizureRecord,
)


class RealEstateSource(Protocol):
    async def properties_by_owner(
        self, owner_ids: Sequence[str]
    ) -> dict[str, list[PropertyRecord]]: ...

    async def properties_by_unit(
        self, unit_numbers: Sequence[str]
    ) -> dict[str, PropertyRecord]: ...


_UNIT = select(
    *(
        units.c[n]
        for n in (
            "unit_number",
            "certificate_number",
            "address",
            "usage",
            "area",
            "ownership_kind",
            "registered_on",
        )
    )
).order_by(units.c.registered_on)
_OWNER = select(
    owners.c.unit_number, *(owners.c[n] for n in ("owner_kind", "owner_id", "owner_name", "share"))
)
_MORTGAGE = select(
    mortgages.c.unit_number, *record_select(MortgageRecord, mortgages).selected_columns
).order_by(mortgages.c.registered_on)
_SEIZURE = select(
    seizures.c.unit_number, *record_select(SeizureRecord, seizures).selected_columns
).order_by(seizures.c.rank)
_OWNED = select(owners.c.owner_id, owners.c.unit_number)


def _load_units(conn: Connection, unit_numbers: Sequence[str]) -> dict[str, PropertyRecord]:
    found = {
        r.unit_number: PropertyRecord(*r)
        for r in select_in(conn, _UNIT, units.c.unit_number, unit_numbers)
    }
    if not found:
        return found
    keys = list(found)
    for r in select_in(conn, _OWNER, owners.c.unit_number, keys):
        found[r[0]].owners.append(OwnerRecord(*r[1:]))
    for r in select_in(conn, _MORTGAGE, mortgages.c.unit_number, keys):
        found[r[0]].mortgages.append(MortgageRecord(*r[1:]))
    for r in select_in(conn, _SEIZURE, seizures.c.unit_number, keys):
        found[r[0]].seizures.append(SeizureRecord(*r[1:]))
    return found


def _properties_by_owner(conn: Connection, keys: Sequence[str]) -> dict[str, list[PropertyRecord]]:
    owned = select_in(conn, _OWNED, owners.c.owner_id, keys)
    props = _load_units(conn, sorted({r.unit_number for r in owned}))
    out: dict[str, list[PropertyRecord]] = defaultdict(list)
    for r in owned:
        prop = props.get(r.unit_number)
        if prop is not None:
            out[r.owner_id].append(prop)
    for lst in out.values():
        lst.sort(key=lambda p: (p.registered_on, p.unit_number))
    return out


class EmbeddedRealEstateSource(DatabaseSource):
    connector = "real_estate"

    async def properties_by_owner(
        self, owner_ids: Sequence[str]
    ) -> dict[str, list[PropertyRecord]]:
        return await self.run(_properties_by_owner, owner_ids)

    async def properties_by_unit(self, unit_numbers: Sequence[str]) -> dict[str, PropertyRecord]:
        return await self.run(_load_units, unit_numbers)
