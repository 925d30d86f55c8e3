"""The real-estate registry's typed source: properties by owner or by unit number."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Connection, select

from connectors.base.annotations import (
    Annotation,
    Measure,
    lapse_register,
    measures_of,
    store_annotation,
)
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

    async def measures(self, unit_numbers: Sequence[str]) -> dict[str, list[Measure]]:
        """The register of courts' seizures of each unit (every row, in rank order)."""
        ...


# 查封不动产的期限不得超过三年 (民诉法解释 第四百八十五条): the term a waiting seizure the registry
# put into effect itself runs for.
TERM_YEARS = 3


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
    store_annotation(conn, seizures, "unit_number", a)
    return True


def _measures(conn: Connection, keys: Sequence[str]) -> dict[str, list[Measure]]:
    return measures_of(conn, seizures, "unit_number", keys)


def _lapse(conn: Connection, today: date) -> list[str]:
    return lapse_register(conn, seizures, "unit_number", today=today, years=TERM_YEARS)


class EmbeddedRealEstateSource(DatabaseSource):
    connector = "real_estate"

    async def properties_by_owner(
        self, owner_ids: Sequence[str]
    ) -> dict[str, list[PropertyRecord]]:
        return await self.run(_properties_by_owner, owner_ids)

    async def properties_by_unit(self, unit_numbers: Sequence[str]) -> dict[str, PropertyRecord]:
        return await self.run(_load_units, unit_numbers)

    async def measures(self, unit_numbers: Sequence[str]) -> dict[str, list[Measure]]:
        return await self.run(_measures, unit_numbers)

    async def annotate(self, annotation: Annotation) -> bool:
        return await self.write(_annotate, annotation)

    async def lapse(self, today: date) -> list[str]:
        """The registry's lapse job: seizures whose term ended lapse, the next takes effect."""
        return await self.write(_lapse, today)


if TYPE_CHECKING:
    # The embedded source has every batch method of the agency's source, with its types.
    _embedded_is_a_source: type[RealEstateSource] = EmbeddedRealEstateSource
