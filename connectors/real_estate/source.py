"""The real-estate registry's typed source: properties by owner or by unit number."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Connection, insert, select, update

from connectors.base.annotations import Annotation
from connectors.base.source import DatabaseSource, KeyedQuery, record_select
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


_UNIT_COLUMNS = (
    "unit_number",
    "certificate_number",
    "address",
    "usage",
    "area",
    "ownership_kind",
    "registered_on",
)
_UNIT = KeyedQuery(select(*(units.c[n] for n in _UNIT_COLUMNS)), units.c.unit_number)
_OWNER = KeyedQuery(
    select(owners.c.unit_number, *record_select(OwnerRecord, owners).selected_columns),
    owners.c.unit_number,
)
_MORTGAGE = KeyedQuery(
    select(
        mortgages.c.unit_number, *record_select(MortgageRecord, mortgages).selected_columns
    ).order_by(mortgages.c.registered_on),
    mortgages.c.unit_number,
)
_SEIZURE = KeyedQuery(
    select(
        seizures.c.unit_number, *record_select(SeizureRecord, seizures).selected_columns
    ).order_by(seizures.c.rank),
    seizures.c.unit_number,
)
_OWNED = KeyedQuery(select(owners.c.owner_id, owners.c.unit_number), owners.c.owner_id)


def _load_units(conn: Connection, unit_numbers: Sequence[str]) -> dict[str, PropertyRecord]:
    found = {r[0]: PropertyRecord(*r) for r in _UNIT.rows(conn, unit_numbers)}
    if not found:
        return found
    keys = list(found)
    for r in _OWNER.rows(conn, keys):
        found[r[0]].owners.append(OwnerRecord(*r[1:]))
    for r in _MORTGAGE.rows(conn, keys):
        found[r[0]].mortgages.append(MortgageRecord(*r[1:]))
    for r in _SEIZURE.rows(conn, keys):
        found[r[0]].seizures.append(SeizureRecord(*r[1:]))
    return found


def _properties_by_owner(conn: Connection, keys: Sequence[str]) -> dict[str, list[PropertyRecord]]:
    owned = _OWNED.rows(conn, keys)
    props = _load_units(conn, sorted({r[1] for r in owned}))
    out: dict[str, list[PropertyRecord]] = defaultdict(list)
    for owner_id, unit_number in owned:
        prop = props.get(unit_number)
        if prop is not None:
            out[owner_id].append(prop)
    for lst in out.values():
        lst.sort(key=lambda p: (p.registered_on, p.unit_number))
    return out


def _annotate(conn: Connection, a: Annotation) -> bool:
    """Register (or bring up to date) the seizure annotation of a court order on its unit."""
    if (
        conn.execute(select(units.c.unit_number).where(units.c.unit_number == a.asset_id)).first()
        is None
    ):
        raise LookupError(f"no unit {a.asset_id} at the real-estate registry")
    values = {
        "unit_number": a.asset_id,
        "court": a.court,
        "case_number": a.case_number,
        "document_number": a.document_number,
        "kind": a.kind,
        "rank": a.rank,
        "start_date": a.start_date,
        "end_date": a.end_date,
        "status": a.status,
    }
    done = conn.execute(update(seizures).where(seizures.c.order_id == a.order_id).values(**values))
    if done.rowcount == 0:
        conn.execute(insert(seizures).values(order_id=a.order_id, **values))
    return True


class EmbeddedRealEstateSource(DatabaseSource):
    connector = "real_estate"

    async def properties_by_owner(
        self, owner_ids: Sequence[str]
    ) -> dict[str, list[PropertyRecord]]:
        return await self.run(_properties_by_owner, owner_ids)

    async def properties_by_unit(self, unit_numbers: Sequence[str]) -> dict[str, PropertyRecord]:
        return await self.run(_load_units, unit_numbers)

    async def annotate(self, annotation: Annotation) -> bool:
        return await self.write(_annotate, annotation)


if TYPE_CHECKING:
    # The embedded source has every batch method of the agency's source, with its types.
    _embedded_is_a_source: type[RealEstateSource] = EmbeddedRealEstateSource
