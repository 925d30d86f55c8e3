"""Market supervision's typed source: enterprises, stakes, personnel, licences, penalties, credit lists."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection, select, update

from connectors.base.annotations import (
    Annotation,
    Measure,
    has_active,
    lapse_register,
    measures_of,
    store_annotation,
)
from connectors.base.source import DatabaseSource, KeyedQuery, group_rows, record_select
from connectors.market_supervision.models import (
    abnormal_operations,
    enterprises,
    equity_freezes,
    key_personnel,
    licences,
    penalties,
    serious_violations,
    shareholders,
)
from connectors.market_supervision.records import (
    AbnormalOperationRecord,
    CreditRecord,
    EnterpriseRecord,
    EnterpriseRoleRecord,
    KeyPersonRecord,
    LicenceRecord,
    PenaltyRecord,
    SeriousViolationRecord,
    StakeRecord,
)


class MarketSupervisionSource(Protocol):
    async def enterprises(self, usccs: Sequence[str]) -> dict[str, EnterpriseRecord]: ...

    async def registered(self, usccs: Sequence[str]) -> dict[str, bool]:
        """Which USCCs are registered (existence only)."""
        ...

    async def shareholders(self, usccs: Sequence[str]) -> dict[str, list[StakeRecord]]: ...

    async def stakes_by_holder(self, holder_ids: Sequence[str]) -> dict[str, list[StakeRecord]]: ...

    async def stakes_by_id(self, stake_ids: Sequence[str]) -> dict[str, StakeRecord]: ...

    async def key_personnel(self, usccs: Sequence[str]) -> dict[str, list[KeyPersonRecord]]: ...

    async def licences(self, usccs: Sequence[str]) -> dict[str, list[LicenceRecord]]: ...

    async def penalties(self, usccs: Sequence[str]) -> dict[str, list[PenaltyRecord]]: ...

    async def credit(self, usccs: Sequence[str]) -> dict[str, CreditRecord]: ...

    async def roles_by_person(
        self, id_numbers: Sequence[str]
    ) -> dict[str, list[EnterpriseRoleRecord]]: ...

    async def measures(self, stake_ids: Sequence[str]) -> dict[str, list[Measure]]:
        """The register of courts' freezes of each stake (every row, in rank order)."""
        ...


# 冻结其他财产权的期限不得超过三年 (民诉法解释 第四百八十五条): an equity stake is another property right.
TERM_YEARS = 3

_STAKE_SELECT = (
    select(
        shareholders.c.stake_id,
        shareholders.c.uscc,
        enterprises.c.name,
        shareholders.c.holder_kind,
        shareholders.c.holder_id,
        shareholders.c.holder_name,
        shareholders.c.subscribed_capital,
        shareholders.c.ratio,
        shareholders.c.subscribed_on,
        shareholders.c.freeze_status,
    )
    .select_from(shareholders.join(enterprises, enterprises.c.uscc == shareholders.c.uscc))
    .order_by(shareholders.c.stake_id)
)


def _by_uscc(record: type, table: Any, order: Any) -> KeyedQuery:
    stmt = select(table.c.uscc, *record_select(record, table).selected_columns).order_by(order)
    return KeyedQuery(stmt, table.c.uscc)


_REGISTERED = KeyedQuery(select(enterprises.c.uscc), enterprises.c.uscc)
_ENTERPRISE = KeyedQuery(record_select(EnterpriseRecord, enterprises), enterprises.c.uscc)
_STAKE_BY_USCC = KeyedQuery(_STAKE_SELECT, shareholders.c.uscc)
_STAKE_BY_HOLDER = KeyedQuery(_STAKE_SELECT, shareholders.c.holder_id)
_STAKE_BY_ID = KeyedQuery(_STAKE_SELECT, shareholders.c.stake_id)
_KEY_PERSON = KeyedQuery(
    record_select(KeyPersonRecord, key_personnel).order_by(key_personnel.c.id), key_personnel.c.uscc
)
_LICENCE = _by_uscc(LicenceRecord, licences, licences.c.valid_from)
_PENALTY = _by_uscc(PenaltyRecord, penalties, penalties.c.decided_on)
_ABNORMAL = _by_uscc(AbnormalOperationRecord, abnormal_operations, abnormal_operations.c.listed_on)
_SERIOUS = _by_uscc(SeriousViolationRecord, serious_violations, serious_violations.c.listed_on)
_LEGAL_REP = KeyedQuery(
    select(enterprises.c.legal_representative_id, enterprises.c.uscc, enterprises.c.name),
    enterprises.c.legal_representative_id,
)
_KEY_ROLE = KeyedQuery(
    select(
        key_personnel.c.id_number,
        key_personnel.c.uscc,
        enterprises.c.name,
        key_personnel.c.position,
    )
    .select_from(key_personnel.join(enterprises, enterprises.c.uscc == key_personnel.c.uscc))
    .order_by(key_personnel.c.id),
    key_personnel.c.id_number,
)


def _registered(conn: Connection, keys: Sequence[str]) -> dict[str, bool]:
    return {r[0]: True for r in _REGISTERED.rows(conn, keys)}


def _enterprises(conn: Connection, keys: Sequence[str]) -> dict[str, EnterpriseRecord]:
    return {r[0]: EnterpriseRecord(*r) for r in _ENTERPRISE.rows(conn, keys)}


def _shareholders(conn: Connection, keys: Sequence[str]) -> dict[str, list[StakeRecord]]:
    return group_rows(_STAKE_BY_USCC.rows(conn, keys), lambda r: r[1], lambda r: StakeRecord(*r))


def _stakes_by_holder(conn: Connection, keys: Sequence[str]) -> dict[str, list[StakeRecord]]:
    return group_rows(_STAKE_BY_HOLDER.rows(conn, keys), lambda r: r[4], lambda r: StakeRecord(*r))


def _stakes_by_id(conn: Connection, keys: Sequence[str]) -> dict[str, StakeRecord]:
    return {r[0]: StakeRecord(*r) for r in _STAKE_BY_ID.rows(conn, keys)}


def _key_personnel(conn: Connection, keys: Sequence[str]) -> dict[str, list[KeyPersonRecord]]:
    return group_rows(_KEY_PERSON.rows(conn, keys), lambda r: r[0], lambda r: KeyPersonRecord(*r))


def _licences(conn: Connection, keys: Sequence[str]) -> dict[str, list[LicenceRecord]]:
    return group_rows(_LICENCE.rows(conn, keys), lambda r: r[0], lambda r: LicenceRecord(*r[1:]))


def _penalties(conn: Connection, keys: Sequence[str]) -> dict[str, list[PenaltyRecord]]:
    return group_rows(_PENALTY.rows(conn, keys), lambda r: r[0], lambda r: PenaltyRecord(*r[1:]))


def _credit(conn: Connection, keys: Sequence[str]) -> dict[str, CreditRecord]:
    out = {k: CreditRecord() for k in _registered(conn, keys)}
    for r in _ABNORMAL.rows(conn, list(out)):
        out[r[0]].abnormal_operations.append(AbnormalOperationRecord(*r[1:]))
    for r in _SERIOUS.rows(conn, list(out)):
        out[r[0]].serious_violations.append(SeriousViolationRecord(*r[1:]))
    return out


def _roles_by_person(
    conn: Connection, keys: Sequence[str]
) -> dict[str, list[EnterpriseRoleRecord]]:
    out: dict[str, list[EnterpriseRoleRecord]] = {}
    for pid, uscc, name in _LEGAL_REP.rows(conn, keys):
        out.setdefault(pid, []).append(
            EnterpriseRoleRecord(uscc, name, "LEGAL_REPRESENTATIVE", "法定代表人", None)
        )
    for r in _STAKE_BY_HOLDER.rows(conn, keys):
        if r[3] == "PERSON":
            out.setdefault(r[4], []).append(
                EnterpriseRoleRecord(r[1], r[2], "SHAREHOLDER", "股东", r[7])
            )
    for pid, uscc, name, position in _KEY_ROLE.rows(conn, keys):
        out.setdefault(pid, []).append(
            EnterpriseRoleRecord(uscc, name, "KEY_PERSONNEL", position, None)
        )
    return out


def _annotate(conn: Connection, a: Annotation) -> bool:
    """Register a court's freeze on a stake; the stake is FROZEN while any is active."""
    found = conn.execute(
        select(shareholders.c.stake_id).where(shareholders.c.stake_id == a.asset_id)
    ).first()
    if found is None:
        raise LookupError(f"no equity stake {a.asset_id} at market supervision")
    store_annotation(conn, equity_freezes, "stake_id", a)
    _follow_register(conn, a.asset_id)
    return True


def _follow_register(conn: Connection, stake_id: str) -> None:
    frozen = has_active(conn, equity_freezes, "stake_id", stake_id)
    conn.execute(
        update(shareholders)
        .where(shareholders.c.stake_id == stake_id)
        .values(freeze_status="FROZEN" if frozen else "NORMAL")
    )


def _measures(conn: Connection, keys: Sequence[str]) -> dict[str, list[Measure]]:
    return measures_of(conn, equity_freezes, "stake_id", keys)


def _lapse(conn: Connection, today: date) -> list[str]:
    stakes = lapse_register(conn, equity_freezes, "stake_id", today=today, years=TERM_YEARS)
    for stake_id in stakes:
        _follow_register(conn, stake_id)
    return stakes


class EmbeddedMarketSupervisionSource(DatabaseSource):
    connector = "market_supervision"

    async def registered(self, usccs: Sequence[str]) -> dict[str, bool]:
        return await self.run(_registered, usccs)

    async def enterprises(self, usccs: Sequence[str]) -> dict[str, EnterpriseRecord]:
        return await self.run(_enterprises, usccs)

    async def shareholders(self, usccs: Sequence[str]) -> dict[str, list[StakeRecord]]:
        return await self.run(_shareholders, usccs)

    async def stakes_by_holder(self, holder_ids: Sequence[str]) -> dict[str, list[StakeRecord]]:
        return await self.run(_stakes_by_holder, holder_ids)

    async def stakes_by_id(self, stake_ids: Sequence[str]) -> dict[str, StakeRecord]:
        return await self.run(_stakes_by_id, stake_ids)

    async def key_personnel(self, usccs: Sequence[str]) -> dict[str, list[KeyPersonRecord]]:
        return await self.run(_key_personnel, usccs)

    async def licences(self, usccs: Sequence[str]) -> dict[str, list[LicenceRecord]]:
        return await self.run(_licences, usccs)

    async def penalties(self, usccs: Sequence[str]) -> dict[str, list[PenaltyRecord]]:
        return await self.run(_penalties, usccs)

    async def credit(self, usccs: Sequence[str]) -> dict[str, CreditRecord]:
        return await self.run(_credit, usccs)

    async def roles_by_person(
        self, id_numbers: Sequence[str]
    ) -> dict[str, list[EnterpriseRoleRecord]]:
        return await self.run(_roles_by_person, id_numbers)

    async def measures(self, stake_ids: Sequence[str]) -> dict[str, list[Measure]]:
        return await self.run(_measures, stake_ids)

    async def annotate(self, annotation: Annotation) -> bool:
        return await self.write(_annotate, annotation)

    async def lapse(self, today: date) -> list[str]:
        """The register's lapse job: freezes whose term ended lapse, the next takes effect."""
        return await self.write(_lapse, today)


if TYPE_CHECKING:
    # The embedded source has every batch method of the agency's source, with its types.
    _embedded_is_a_source: type[MarketSupervisionSource] = EmbeddedMarketSupervisionSource
