"""Contract of every embedded source: each batch method answers exactly what a plain query says.

The reference for every batch method is a straightforward SQLAlchemy Core query on the same
agency database. Records are compared with their exact value types (``date``, ``Decimal`` with
its scale), lists as multisets plus the order each method documents.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import typing
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Connection, Engine, Table, create_engine, select
from sqlalchemy.exc import OperationalError

from connectors import registry
from connectors.banks import models as bk
from connectors.banks.records import AccountFreezeRecord, BankFreezeRecord, DepositAccountRecord
from connectors.base.annotations import Measure
from connectors.base.errors import ConnectorUnavailable
from connectors.base.source import MAX_IN_PARAMS
from connectors.market_supervision import models as ms
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
from connectors.public_security import models as ps
from connectors.public_security.records import (
    AccommodationRecord,
    BookingRecord,
    IdentityRecord,
    PassageRecord,
    VehicleRecord,
)
from connectors.real_estate import models as re_
from connectors.real_estate.records import (
    MortgageRecord,
    OwnerRecord,
    PropertyRecord,
    SeizureRecord,
)
from connectors.social_security import models as ss
from connectors.social_security.records import (
    EnterpriseInsuranceRecord,
    HousingFundRecord,
    InsuranceRecord,
    QualificationRecord,
)
from connectors.tax import models as tx
from connectors.tax.records import (
    IncomeTaxRecord,
    TaxArrearsRecord,
    TaxFilingRecord,
    TaxRefundRecord,
    TaxRegistrationRecord,
)
from connectors.utilities import models as ut
from connectors.utilities.records import UtilityAccountRecord, UtilityUsageRecord
from hub.config import Settings

Reference = Callable[[Connection, Sequence[str]], dict[str, Any]]
SAMPLE = 40
BOUND = 10  # seconds: no call may hang


def columns(record: type, table: Table) -> list[Column[Any]]:
    return [table.c[f.name] for f in dataclasses.fields(record)]


def where_in(conn: Connection, record: type, table: Table, key: Column[Any], keys: Sequence[str]):  # type: ignore[no-untyped-def]
    return conn.execute(select(key.label("_key"), *columns(record, table)).where(key.in_(keys)))


def one_each(record: type, table: Table, key: str) -> Reference:
    def ref(conn: Connection, keys: Sequence[str]) -> dict[str, Any]:
        return {r[0]: record(*r[1:]) for r in where_in(conn, record, table, table.c[key], keys)}

    return ref


def exists(key: Column[Any]) -> Reference:
    def ref(conn: Connection, keys: Sequence[str]) -> dict[str, Any]:
        return {k: True for k in conn.execute(select(key).where(key.in_(keys))).scalars()}

    return ref


def grouped(record: type, table: Table, key: str) -> Reference:
    def ref(conn: Connection, keys: Sequence[str]) -> dict[str, Any]:
        out: dict[str, list[Any]] = defaultdict(list)
        for r in where_in(conn, record, table, table.c[key], keys):
            out[r[0]].append(record(*r[1:]))
        return dict(out)

    return ref


# --- references: real estate ---------------------------------------------------------------


def _unit(conn: Connection, unit_number: str) -> PropertyRecord | None:
    u = re_.units.c
    row = conn.execute(
        select(
            u.unit_number,
            u.certificate_number,
            u.address,
            u.usage,
            u.area,
            u.ownership_kind,
            u.registered_on,
        ).where(u.unit_number == unit_number)
    ).first()
    if row is None:
        return None
    prop = PropertyRecord(*row)
    for table, record, into in (
        (re_.owners, OwnerRecord, prop.owners),
        (re_.mortgages, MortgageRecord, prop.mortgages),
        (re_.seizures, SeizureRecord, prop.seizures),
    ):
        rows = conn.execute(
            select(*columns(record, table)).where(table.c.unit_number == unit_number)
        )
        into.extend(record(*r) for r in rows)
    return prop


def ref_properties_by_unit(conn: Connection, keys: Sequence[str]) -> dict[str, Any]:
    found = {k: _unit(conn, k) for k in set(keys)}
    return {k: v for k, v in found.items() if v is not None}


def ref_properties_by_owner(conn: Connection, keys: Sequence[str]) -> dict[str, Any]:
    out: dict[str, list[PropertyRecord]] = {}
    for key in set(keys):
        units = conn.execute(
            select(re_.owners.c.unit_number).where(re_.owners.c.owner_id == key)
        ).scalars()
        props = [p for p in (_unit(conn, u) for u in units) if p is not None]
        if props:
            out[key] = props
    return out


# --- references: market supervision --------------------------------------------------------


def _stakes(conn: Connection, key: Column[Any], keys: Sequence[str]) -> list[StakeRecord]:
    sh, en = ms.shareholders.c, ms.enterprises.c
    stmt = (
        select(
            sh.stake_id,
            sh.uscc,
            en.name,
            sh.holder_kind,
            sh.holder_id,
            sh.holder_name,
            sh.subscribed_capital,
            sh.ratio,
            sh.subscribed_on,
            sh.freeze_status,
        )
        .join_from(ms.shareholders, ms.enterprises, en.uscc == sh.uscc)
        .where(key.in_(keys))
    )
    return [StakeRecord(*r) for r in conn.execute(stmt)]


def ref_shareholders(conn: Connection, keys: Sequence[str]) -> dict[str, Any]:
    out: dict[str, list[StakeRecord]] = defaultdict(list)
    for s in _stakes(conn, ms.shareholders.c.uscc, keys):
        out[s.uscc].append(s)
    return dict(out)


def ref_stakes_by_holder(conn: Connection, keys: Sequence[str]) -> dict[str, Any]:
    out: dict[str, list[StakeRecord]] = defaultdict(list)
    for s in _stakes(conn, ms.shareholders.c.holder_id, keys):
        out[s.holder_id].append(s)
    return dict(out)


def ref_stakes_by_id(conn: Connection, keys: Sequence[str]) -> dict[str, Any]:
    return {s.stake_id: s for s in _stakes(conn, ms.shareholders.c.stake_id, keys)}


def ref_credit(conn: Connection, keys: Sequence[str]) -> dict[str, Any]:
    """Every known enterprise has a credit record (possibly empty); unknown keys are absent."""
    known = conn.execute(select(ms.enterprises.c.uscc).where(ms.enterprises.c.uscc.in_(keys)))
    out = {k: CreditRecord() for k in known.scalars()}
    for r in where_in(
        conn, AbnormalOperationRecord, ms.abnormal_operations, ms.abnormal_operations.c.uscc, keys
    ):
        out[r[0]].abnormal_operations.append(AbnormalOperationRecord(*r[1:]))
    for r in where_in(
        conn, SeriousViolationRecord, ms.serious_violations, ms.serious_violations.c.uscc, keys
    ):
        out[r[0]].serious_violations.append(SeriousViolationRecord(*r[1:]))
    return out


def ref_roles_by_person(conn: Connection, keys: Sequence[str]) -> dict[str, Any]:
    en, sh, kp = ms.enterprises.c, ms.shareholders.c, ms.key_personnel.c
    out: dict[str, list[EnterpriseRoleRecord]] = defaultdict(list)
    for pid, uscc, name in conn.execute(
        select(en.legal_representative_id, en.uscc, en.name).where(
            en.legal_representative_id.in_(keys)
        )
    ):
        out[pid].append(
            EnterpriseRoleRecord(uscc, name, "LEGAL_REPRESENTATIVE", "法定代表人", None)
        )
    for s in _stakes(conn, sh.holder_id, keys):
        if s.holder_kind == "PERSON":
            out[s.holder_id].append(
                EnterpriseRoleRecord(s.uscc, s.enterprise_name, "SHAREHOLDER", "股东", s.ratio)
            )
    for pid, uscc, name, position in conn.execute(
        select(kp.id_number, kp.uscc, en.name, kp.position)
        .join_from(ms.key_personnel, ms.enterprises, en.uscc == kp.uscc)
        .where(kp.id_number.in_(keys))
    ):
        out[pid].append(EnterpriseRoleRecord(uscc, name, "KEY_PERSONNEL", position, None))
    return dict(out)


# --- references: the registers of courts' measures ---------------------------------------------


def register(table: Table, asset: str) -> Reference:
    """Every register row of each asset, as the agency keeps it."""

    def ref(conn: Connection, keys: Sequence[str]) -> dict[str, Any]:
        c = table.c
        out: dict[str, list[Measure]] = defaultdict(list)
        for r in conn.execute(
            select(
                c[asset],
                c.order_id,
                c.kind,
                c.court,
                c.case_number,
                c.document_number,
                c.rank,
                c.status,
                c.start_date,
                c.end_date,
            ).where(c[asset].in_(keys))
        ):
            out[r[0]].append(Measure(*r))
        return dict(out)

    return ref


# --- references: banks -----------------------------------------------------------------------


def ref_deposits(conn: Connection, keys: Sequence[str]) -> dict[str, Any]:
    """Each holder's accounts with their freezes; frozen = the EFFECTIVE freezes' amounts,
    available = balance − frozen (the bank's own figures, as a teller would add them up)."""
    a, f = bk.accounts.c, bk.freezes.c
    out: dict[str, list[DepositAccountRecord]] = defaultdict(list)
    for row in conn.execute(select(a).where(a.holder_id.in_(keys))):
        held = [
            AccountFreezeRecord(
                r.court, r.case_number, r.document_number, r.amount, r.rank,
                r.start_date, r.end_date, r.status,
            )
            for r in conn.execute(select(f).where(f.account_number == row.account_number))
        ]  # fmt: skip
        frozen = Decimal("0.00")
        for x in held:
            if x.status == "EFFECTIVE":
                frozen += x.amount
        out[row.holder_id].append(
            DepositAccountRecord(
                row.account_number, row.holder_kind, row.holder_id, row.holder_name, row.kind,
                row.currency, row.balance, frozen, row.balance - frozen, row.opened_on,
                row.matures_on, row.branch, row.status, held,
            )
        )  # fmt: skip
    return dict(out)


def ref_accounts(conn: Connection, keys: Sequence[str]) -> dict[str, Any]:
    """Each account by its number, its freezes left out (``freezes`` reads them)."""
    return {
        number: DepositAccountRecord(
            a.account_number, a.holder_kind, a.holder_id, a.holder_name, a.kind, a.currency,
            a.balance, a.frozen_amount, a.available_balance, a.opened_on, a.matures_on,
            a.branch, a.status, [],
        )
        for held in ref_deposits(
            conn,
            list(conn.execute(select(bk.accounts.c.holder_id).where(
                bk.accounts.c.account_number.in_(keys))).scalars()),
        ).values()
        for a in held
        for number in [a.account_number]
        if number in keys
    }  # fmt: skip


def ref_freezes(conn: Connection, keys: Sequence[str]) -> dict[str, Any]:
    """Each account's register rows, as the bank keeps them."""
    f = bk.freezes.c
    out: dict[str, list[BankFreezeRecord]] = defaultdict(list)
    for r in conn.execute(select(bk.freezes).where(f.account_number.in_(keys))):
        out[r.account_number].append(
            BankFreezeRecord(
                r.order_id, r.account_number, r.document_number, r.amount, r.rank, r.status,
                r.start_date, r.end_date,
            )
        )  # fmt: skip
    return dict(out)


# --- the contract table ----------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    connector: str
    method: str
    keys: Column[Any]  # where sample keys come from
    reference: Reference
    order: Callable[[Any], Any] | None = None  # documented order of a list answer

    def __str__(self) -> str:
        return f"{self.connector}.{self.method}"


# --- references: utilities -----------------------------------------------------------------


def ref_utility_accounts(key: str) -> Reference:
    """Accounts by ``key`` (holder_id or address), each with its months from a second query."""

    def ref(conn: Connection, keys: Sequence[str]) -> dict[str, Any]:
        a, u = ut.accounts, ut.usage
        plain = [f.name for f in dataclasses.fields(UtilityAccountRecord) if f.name != "usage"]
        out: dict[str, list[UtilityAccountRecord]] = defaultdict(list)
        for r in conn.execute(select(a.c[key], *(a.c[n] for n in plain)).where(a.c[key].in_(keys))):
            months = conn.execute(
                select(*columns(UtilityUsageRecord, u)).where(u.c.account_number == r[1])
            )
            out[r[0]].append(
                UtilityAccountRecord(*r[1:], usage=[UtilityUsageRecord(*m) for m in months])
            )
        return dict(out)

    return ref


CASES = [
    Case("public_security", "identities", ps.residents.c.id_number, one_each(IdentityRecord, ps.residents, "id_number")),
    Case("public_security", "registered", ps.residents.c.id_number, exists(ps.residents.c.id_number)),
    Case("public_security", "vehicles_by_owner", ps.vehicles.c.owner_id, grouped(VehicleRecord, ps.vehicles, "owner_id"), lambda v: v.registered_on),
    Case("public_security", "vehicles_by_plate", ps.vehicles.c.plate, one_each(VehicleRecord, ps.vehicles, "plate")),
    Case("public_security", "measures", ps.vehicle_seizures.c.plate, register(ps.vehicle_seizures, "plate"), lambda m: m.rank),
    Case("public_security", "accommodations", ps.accommodations.c.id_number, grouped(AccommodationRecord, ps.accommodations, "id_number"), lambda a: datetime.max - a.check_in),
    Case("public_security", "bookings", ps.bookings.c.id_number, grouped(BookingRecord, ps.bookings, "id_number"), lambda b: datetime.max - b.departure),
    Case("public_security", "passages", ps.passages.c.plate, grouped(PassageRecord, ps.passages, "plate"), lambda p: datetime.max - p.passed_at),
    Case("real_estate", "properties_by_owner", re_.owners.c.owner_id, ref_properties_by_owner, lambda p: (p.registered_on, p.unit_number)),
    Case("real_estate", "properties_by_unit", re_.units.c.unit_number, ref_properties_by_unit),
    Case("real_estate", "measures", re_.seizures.c.unit_number, register(re_.seizures, "unit_number"), lambda m: m.rank),
    Case("market_supervision", "enterprises", ms.enterprises.c.uscc, one_each(EnterpriseRecord, ms.enterprises, "uscc")),
    Case("market_supervision", "registered", ms.enterprises.c.uscc, exists(ms.enterprises.c.uscc)),
    Case("market_supervision", "shareholders", ms.shareholders.c.uscc, ref_shareholders, lambda s: s.stake_id),
    Case("market_supervision", "stakes_by_holder", ms.shareholders.c.holder_id, ref_stakes_by_holder, lambda s: s.stake_id),
    Case("market_supervision", "stakes_by_id", ms.shareholders.c.stake_id, ref_stakes_by_id),
    Case("market_supervision", "key_personnel", ms.key_personnel.c.uscc, grouped(KeyPersonRecord, ms.key_personnel, "uscc")),
    Case("market_supervision", "licences", ms.licences.c.uscc, grouped(LicenceRecord, ms.licences, "uscc"), lambda x: x.valid_from),
    Case("market_supervision", "penalties", ms.penalties.c.uscc, grouped(PenaltyRecord, ms.penalties, "uscc"), lambda x: x.decided_on),
    Case("market_supervision", "credit", ms.enterprises.c.uscc, ref_credit),
    Case("market_supervision", "roles_by_person", ms.key_personnel.c.id_number, ref_roles_by_person),
    Case("market_supervision", "measures", ms.equity_freezes.c.stake_id, register(ms.equity_freezes, "stake_id"), lambda m: m.rank),
    Case("social_security", "insurance", ss.insurance_records.c.id_number, grouped(InsuranceRecord, ss.insurance_records, "id_number")),
    Case("social_security", "housing_fund", ss.housing_fund_accounts.c.id_number, one_each(HousingFundRecord, ss.housing_fund_accounts, "id_number")),
    Case("social_security", "qualifications", ss.qualifications.c.id_number, grouped(QualificationRecord, ss.qualifications, "id_number"), lambda q: q.issued_on),
    Case("social_security", "enterprise_insurance", ss.enterprise_insurance.c.uscc, one_each(EnterpriseInsuranceRecord, ss.enterprise_insurance, "uscc")),
    Case("tax", "registrations", tx.registrations.c.taxpayer_id, one_each(TaxRegistrationRecord, tx.registrations, "taxpayer_id")),
    Case("tax", "businesses", tx.registrations.c.operator_id, grouped(TaxRegistrationRecord, tx.registrations, "operator_id"), lambda r: (r.registered_on, r.taxpayer_id)),
    Case("tax", "filings", tx.filings.c.taxpayer_id, grouped(TaxFilingRecord, tx.filings, "taxpayer_id"), lambda f: f.period),
    Case("tax", "arrears", tx.arrears.c.taxpayer_id, grouped(TaxArrearsRecord, tx.arrears, "taxpayer_id"), lambda a: a.period),
    Case("tax", "refunds", tx.refunds.c.taxpayer_id, grouped(TaxRefundRecord, tx.refunds, "taxpayer_id"), lambda r: (r.approved_on, r.refund_number)),
    Case("tax", "income_tax", tx.withholdings.c.id_number, grouped(IncomeTaxRecord, tx.withholdings, "id_number"), lambda w: (w.period, w.withholder_uscc)),
    Case("utilities", "accounts_by_holder", ut.accounts.c.holder_id, ref_utility_accounts("holder_id"), lambda a: (a.kind, a.account_number)),
    Case("utilities", "accounts_by_address", ut.accounts.c.address, ref_utility_accounts("address"), lambda a: (a.kind, a.account_number)),
    *(Case(name, "deposits", bk.accounts.c.holder_id, ref_deposits, lambda a: a.account_number) for name in registry.banks()),
    *(Case(name, "accounts", bk.accounts.c.account_number, ref_accounts) for name in registry.banks()),
    *(Case(name, "freezes", bk.freezes.c.account_number, ref_freezes, lambda f: f.rank) for name in registry.banks()),
]  # fmt: skip

# Nested lists with a documented order.
NESTED_ORDER: dict[type, dict[str, Callable[[Any], Any]]] = {
    PropertyRecord: {"mortgages": lambda m: m.registered_on, "seizures": lambda s: s.rank},
    DepositAccountRecord: {"freezes": lambda f: f.rank},
    UtilityAccountRecord: {"usage": lambda u: u.period},
    CreditRecord: {
        "abnormal_operations": lambda a: a.listed_on,
        "serious_violations": lambda s: s.listed_on,
    },
}


def unknown_keys(n: int, start: int = 0) -> list[str]:
    """Keys no agency holds (18 characters, like ID numbers and USCCs)."""
    return [f"99{i:016d}" for i in range(start, start + n)]


# --- comparison ------------------------------------------------------------------------------


def canon(value: Any) -> Any:
    """A comparable form keeping exact types (and Decimal scale); lists become multisets."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__,
            tuple((f.name, canon(getattr(value, f.name))) for f in dataclasses.fields(value)),
        )
    if isinstance(value, list):
        return ("list", tuple(sorted((canon(v) for v in value), key=repr)))
    if isinstance(value, dict):
        return ("dict", tuple(sorted(((k, canon(v)) for k, v in value.items()), key=repr)))
    return (type(value).__name__, str(value))


def check_types(record: Any) -> None:
    """Every field holds exactly the type its record declares (``date`` not ``str``, ``Decimal``)."""
    hints = typing.get_type_hints(type(record))
    for f in dataclasses.fields(record):
        value, hint = getattr(record, f.name), hints[f.name]
        args = typing.get_args(hint)
        if type(None) in args:
            if value is None:
                continue
            (hint,) = [a for a in args if a is not type(None)]
        if typing.get_origin(hint) is list:
            assert isinstance(value, list), (type(record).__name__, f.name, value)
            for item in value:
                check_types(item)
            continue
        assert type(value) is hint, (type(record).__name__, f.name, type(value), hint)


def check_order(found: dict[str, Any], case: Case) -> None:
    for key, value in found.items():
        items = value if isinstance(value, list) else [value]
        if case.order is not None:
            keys = [case.order(v) for v in items]
            assert keys == sorted(keys), (str(case), key)
        for item in items:
            for attr, order in NESTED_ORDER.get(type(item), {}).items():
                keys = [order(v) for v in getattr(item, attr)]
                assert keys == sorted(keys), (str(case), key, attr)


def check_answer(found: dict[str, Any], expected: dict[str, Any], case: Case) -> None:
    assert isinstance(found, dict)
    assert sorted(found) == sorted(expected), str(case)
    assert canon(found) == canon(expected), str(case)
    check_order(found, case)
    for value in found.values():
        for item in value if isinstance(value, list) else [value]:
            if dataclasses.is_dataclass(item):
                check_types(item)
            else:
                assert item is True, (str(case), item)  # existence look-ups


# --- fixtures --------------------------------------------------------------------------------


def all_keys(databases: dict[str, Engine], case: Case) -> list[str]:
    with databases[case.connector].connect() as conn:
        return list(conn.execute(select(case.keys).distinct().order_by(case.keys)).scalars())


def reference(databases: dict[str, Engine], case: Case, keys: Sequence[str]) -> dict[str, Any]:
    with databases[case.connector].connect() as conn:
        return case.reference(conn, keys)


async def call(source: Any, method: str, keys: Sequence[str]) -> dict[str, Any]:
    async with asyncio.timeout(BOUND):
        return await getattr(source, method)(keys)  # type: ignore[no-any-return]


def sample(keys: list[str], n: int = SAMPLE) -> list[str]:
    return random.Random(len(keys)).sample(keys, min(n, len(keys)))


# --- the contract ----------------------------------------------------------------------------


# Writes, jobs and probes (tests/hub/test_order_annotations.py, test_order_line.py,
# test_remote.py), and a bank's register calls: serving a freeze, a transfer, and the transfers
# of cases, which the demo data holds none of (tests/connectors/test_bank_freezes.py runs them
# both ways).
NOT_LOOKUPS = frozenset(
    {"run", "write", "annotate", "lapse", "ping", "serve_freeze", "transfer", "transfers"}
)


def test_every_batch_method_has_a_contract_case(implementations: dict[str, Any]) -> None:
    for name, source in implementations.items():
        if getattr(source, "remote", False):
            methods = set(source.methods())
        else:
            methods = {
                m
                for m in dir(type(source))
                if not m.startswith("_") and asyncio.iscoroutinefunction(getattr(type(source), m))
            }
        assert methods - NOT_LOOKUPS == {c.method for c in CASES if c.connector == name}, name


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_batch_method_matches_a_plain_query(
    case: Case, implementations: dict[str, Any], databases: dict[str, Engine]
) -> None:
    # given a sample of keys the agency holds and a few it does not
    known = sample(all_keys(databases, case))
    assert known, f"the demo dataset has no keys for {case}"
    missing = unknown_keys(3)
    # when
    found = await call(implementations[case.connector], case.method, [*known, *missing])
    # then the answer is what a plain query on the same database says
    expected = reference(databases, case, known)
    assert expected, f"the sample holds no data for {case}"
    check_answer(found, expected, case)
    # and keys the agency does not hold are absent
    assert not set(missing) & set(found), str(case)


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_empty_key_list_returns_empty_dict(
    case: Case, implementations: dict[str, Any]
) -> None:
    assert await call(implementations[case.connector], case.method, []) == {}


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_only_unknown_keys_return_empty_dict(
    case: Case, implementations: dict[str, Any]
) -> None:
    assert await call(implementations[case.connector], case.method, unknown_keys(5)) == {}


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_two_thousand_keys_span_several_chunks(
    case: Case, implementations: dict[str, Any], databases: dict[str, Engine]
) -> None:
    # given every key the agency holds, spread over 2,000 keys (more than one IN-list chunk)
    known = all_keys(databases, case)
    total = 2_000
    assert total > 2 * MAX_IN_PARAMS and len(known) < total
    keys = known + unknown_keys(total - len(known))
    random.Random(5).shuffle(keys)
    # when
    found = await call(implementations[case.connector], case.method, keys)
    # then every chunk was answered
    check_answer(found, reference(databases, case, known), case)


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_duplicate_keys_answer_once(
    case: Case, implementations: dict[str, Any], databases: dict[str, Engine]
) -> None:
    # given each key asked three times
    known = sample(all_keys(databases, case), 10)
    keys = known * 3
    random.Random(3).shuffle(keys)
    # when
    found = await call(implementations[case.connector], case.method, keys)
    # then the answer is the one for the distinct keys (no repeated records)
    check_answer(found, reference(databases, case, known), case)


# --- an agency database that is not there ----------------------------------------------------


def first_keys(databases: dict[str, Engine], case: Case) -> list[str]:
    return all_keys(databases, case)[:3]


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_missing_database_file_raises_connector_unavailable(
    case: Case, databases: dict[str, Engine], tmp_path: Path
) -> None:
    # given a source whose database file (and directory) does not exist
    source = registry.get(case.connector).embedded(
        f"sqlite:///{tmp_path / 'nowhere' / 'agency.sqlite3'}"
    )
    try:
        # when / then
        with pytest.raises(ConnectorUnavailable) as raised:
            await call(source, case.method, first_keys(databases, case))
    finally:
        source.close()
    assert raised.value.connector == case.connector
    assert raised.value.code == "CONNECTOR_UNAVAILABLE"
    assert isinstance(raised.value.__cause__, OperationalError)  # kept for the log, not the caller
    assert "SELECT" not in raised.value.message


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_database_without_tables_raises_connector_unavailable(
    case: Case, databases: dict[str, Engine], tmp_path: Path
) -> None:
    # given a source on a database that has none of the agency's tables
    source = registry.get(case.connector).embedded(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    try:
        # when / then
        with pytest.raises(ConnectorUnavailable) as raised:
            await call(source, case.method, first_keys(databases, case))
        # and the source keeps answering (with the same failure) instead of hanging
        with pytest.raises(ConnectorUnavailable):
            await call(source, case.method, first_keys(databases, case))
    finally:
        source.close()
    assert raised.value.connector == case.connector
    assert "no such table" not in raised.value.message


async def test_one_missing_table_fails_the_lookup_that_needs_it(
    databases: dict[str, Engine], tmp_path: Path
) -> None:
    # given a real-estate database without its mortgages table
    path = tmp_path / "real_estate.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    tables = [t for t in re_.metadata.sorted_tables if t.name != "mortgages"]
    re_.metadata.create_all(engine, tables=tables)
    with engine.begin() as conn:
        conn.execute(
            re_.units.insert(),
            {
                "unit_number": "3706020010010GB00001F00010001",
                "certificate_number": "鲁（2020）烟台市不动产权第0000001号",
                "address": "烟台市芝罘区某路1号",
                "usage": "住宅",
                "area": Decimal("90.50"),
                "ownership_kind": "单独所有",
                "registered_on": date(2020, 1, 2),
            },
        )
    engine.dispose()
    source = registry.get("real_estate").embedded(f"sqlite:///{path}")
    try:
        # when the unit is looked up (units are there, mortgages are not)
        with pytest.raises(ConnectorUnavailable) as raised:
            await call(source, "properties_by_unit", ["3706020010010GB00001F00010001"])
        # then the failure is the connector's; a look-up that never reaches the table still works
        assert await call(source, "properties_by_unit", ["nothing-here"]) == {}
    finally:
        source.close()
    assert raised.value.connector == "real_estate"


# --- concurrency (job coalescing) -------------------------------------------------------------


def count_batches(source: Any) -> list[int]:
    """Wrap the source's worker entry point; the list gets the job count of each batch."""
    sizes: list[int] = []
    inner = source._run_jobs

    def run_jobs(loop: Any, jobs: list[Any]) -> None:
        sizes.append(len(jobs))
        inner(loop, jobs)

    source._run_jobs = run_jobs
    return sizes


@pytest.mark.parametrize("connector", registry.names())
async def test_fifty_concurrent_calls_each_get_their_own_answer(
    connector: str, settings: Settings, databases: dict[str, Engine]
) -> None:
    # given one fresh source and 50 different look-ups across its methods
    cases = [c for c in CASES if c.connector == connector]
    keysets = {str(c): all_keys(databases, c) for c in cases}
    rng = random.Random(connector)
    calls = []
    for i in range(50):
        case = cases[i % len(cases)]
        calls.append(
            (case, rng.sample(keysets[str(case)], min(rng.randint(1, 8), len(keysets[str(case)]))))
        )
    source = registry.get(connector).embedded(settings.connectors[connector].url)
    batches = count_batches(source)
    try:
        # when they run concurrently
        answers = await asyncio.gather(*(call(source, c.method, keys) for c, keys in calls))
    finally:
        source.close()
    # then each caller got the answer to its own question
    for (case, keys), found in zip(calls, answers, strict=True):
        check_answer(found, reference(databases, case, keys), case)
    # and the look-ups were coalesced into fewer worker jobs than calls
    assert sum(batches) == 50
    assert len(batches) < 50


async def test_a_failing_job_reaches_only_its_own_caller(
    settings: Settings, databases: dict[str, Engine]
) -> None:
    # given look-ups coalesced with two jobs that fail (one unexpected, one database error)
    source = registry.get("public_security").embedded(settings.connectors["public_security"].url)
    case = CASES[0]
    ids = sample(all_keys(databases, case), 6)

    def crash(conn: Connection, keys: Sequence[str]) -> Any:
        raise ValueError("job bug")

    def bad_sql(conn: Connection, keys: Sequence[str]) -> Any:
        from sqlalchemy import text

        return conn.execute(text("SELECT * FROM no_such_table")).all()

    try:
        async with asyncio.timeout(BOUND):
            results = await asyncio.gather(
                source.identities(ids[:3]),
                source.run(crash, ids),
                source.run(bad_sql, ids),
                source.identities(ids[3:]),
                return_exceptions=True,
            )
    finally:
        source.close()
    # then the healthy look-ups are answered, and each failure went to its own caller
    check_answer(results[0], reference(databases, case, ids[:3]), case)
    check_answer(results[3], reference(databases, case, ids[3:]), case)
    assert isinstance(results[1], ValueError)
    assert isinstance(results[2], ConnectorUnavailable)


async def test_a_cancelled_caller_does_not_disturb_the_others(
    settings: Settings, databases: dict[str, Engine]
) -> None:
    # given a source with several look-ups in flight
    source = registry.get("social_security").embedded(settings.connectors["social_security"].url)
    case = next(c for c in CASES if c.method == "insurance")
    ids = sample(all_keys(databases, case), 9)
    try:
        doomed = asyncio.create_task(source.insurance(ids[:3]))
        others = [asyncio.create_task(source.insurance(ids[i : i + 3])) for i in (3, 6)]
        await asyncio.sleep(0)
        # when one caller gives up
        doomed.cancel()
        async with asyncio.timeout(BOUND):
            answers = await asyncio.gather(*others)
            # then the others are answered, and the source keeps serving
            later = await source.insurance(ids)
    finally:
        source.close()
    assert doomed.cancelled()
    for i, found in zip((3, 6), answers, strict=True):
        check_answer(found, reference(databases, case, ids[i : i + 3]), case)
    check_answer(later, reference(databases, case, ids), case)
