"""Market supervision's typed source: enterprises, stakes, personnel, licences, penalties, credit lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import Connection, select

from connectors.base.source import DatabaseSource, group_rows, record_select, select_in
from connectors.market_supervision.models import (
    abnormal_operations,
    enterprises,
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


_ENTERPRISE = record_select(EnterpriseRecord, enterprises)
_STAKE = (
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
    )
    .select_from(shareholders.join(enterprises, enterprises.c.uscc == shareholders.c.uscc))
    .order_by(shareholders.c.stake_id)
)
_KEY_PERSON = record_select(KeyPersonRecord, key_personnel).order_by(key_personnel.c.id)
_LICENCE = select(
    licences.c.uscc, *record_select(LicenceRecord, licences).selected_columns
).order_by(licences.c.valid_from)
_PENALTY = select(
    penalties.c.uscc, *record_select(PenaltyRecord, penalties).selected_columns
).order_by(penalties.c.decided_on)
_ABNORMAL = select(
    abnormal_operations.c.uscc,
    *record_select(AbnormalOperationRecord, abnormal_operations).selected_columns,
).order_by(abnormal_operations.c.listed_on)
_SERIOUS = select(
    serious_violations.c.uscc,
    *record_select(SeriousViolationRecord, serious_violations).selected_columns,
).order_by(serious_violations.c.listed_on)


def _enterprises(conn: Connection, keys: Sequence[str]) -> dict[str, EnterpriseRecord]:
    return {
        r.uscc: EnterpriseRecord(*r) for r in select_in(conn, _ENTERPRISE, enterprises.c.uscc, keys)
    }


def _shareholders(conn: Connection, keys: Sequence[str]) -> dict[str, list[StakeRecord]]:
    return group_rows(
        select_in(conn, _STAKE, shareholders.c.uscc, keys),
        lambda r: r[1],
        lambda r: StakeRecord(*r),
    )


def _stakes_by_holder(conn: Connection, keys: Sequence[str]) -> dict[str, list[StakeRecord]]:
    return group_rows(
        select_in(conn, _STAKE, shareholders.c.holder_id, keys),
        lambda r: r[4],
        lambda r: StakeRecord(*r),
    )


def _stakes_by_id(conn: Connection, keys: Sequence[str]) -> dict[str, StakeRecord]:
    return {r[0]: StakeRecord(*r) for r in select_in(conn, _STAKE, shareholders.c.stake_id, keys)}


def _key_personnel(conn: Connection, keys: Sequence[str]) -> dict[str, list[KeyPersonRecord]]:
    return group_rows(
        select_in(conn, _KEY_PERSON, key_personnel.c.uscc, keys),
        lambda r: r.uscc,
        lambda r: KeyPersonRecord(*r),
    )


def _licences(conn: Connection, keys: Sequence[str]) -> dict[str, list[LicenceRecord]]:
    return group_rows(
        select_in(conn, _LICENCE, licences.c.uscc, keys),
        lambda r: r[0],
        lambda r: LicenceRecord(*r[1:]),
    )


def _penalties(conn: Connection, keys: Sequence[str]) -> dict[str, list[PenaltyRecord]]:
    return group_rows(
        select_in(conn, _PENALTY, penalties.c.uscc, keys),
        lambda r: r[0],
        lambda r: PenaltyRecord(*r[1:]),
    )


def _credit(conn: Connection, keys: Sequence[str]) -> dict[str, CreditRecord]:
    out = {k: CreditRecord() for k in keys}
    for r in select_in(conn, _ABNORMAL, abnormal_operations.c.uscc, keys):
        out[r[0]].abnormal_operations.append(AbnormalOperationRecord(*r[1:]))
    for r in select_in(conn, _SERIOUS, serious_violations.c.uscc, keys):
        out[r[0]].serious_violations.append(SeriousViolationRecord(*r[1:]))
    return out


_LEGAL_REP = select(enterprises.c.legal_representative_id, enterprises.c.uscc, enterprises.c.name)
_KEY_ROLE = (
    select(
        key_personnel.c.id_number,
        key_personnel.c.uscc,
        enterprises.c.name,
        key_personnel.c.position,
    )
    .select_from(key_personnel.join(enterprises, enterprises.c.uscc == key_personnel.c.uscc))
    .order_by(key_personnel.c.id)
)


def _roles_by_person(
    conn: Connection, keys: Sequence[str]
) -> dict[str, list[EnterpriseRoleRecord]]:
    out: dict[str, list[EnterpriseRoleRecord]] = {}
    for r in select_in(conn, _LEGAL_REP, enterprises.c.legal_representative_id, keys):
        out.setdefault(r[0], []).append(
            EnterpriseRoleRecord(r[1], r[2], "LEGAL_REPRESENTATIVE", "法定代表人", None)
        )
    for r in select_in(
        conn, _STAKE.where(shareholders.c.holder_kind == "PERSON"), shareholders.c.holder_id, keys
    ):
        out.setdefault(r[4], []).append(
            EnterpriseRoleRecord(r[1], r[2], "SHAREHOLDER", "股东", r[7])
        )
    for r in select_in(conn, _KEY_ROLE, key_personnel.c.id_number, keys):
        out.setdefault(r[0], []).append(
            EnterpriseRoleRecord(r[1], r[2], "KEY_PERSONNEL", r[3], None)
        )
    return out


class EmbeddedMarketSupervisionSource(DatabaseSource):
    connector = "market_supervision"

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
