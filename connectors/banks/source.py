"""A bank's typed source: the deposit accounts of each subject, with the freezes on them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection, func, insert, select, update

from connectors.banks import register
from connectors.banks.models import accounts, freezes, transfers
from connectors.banks.records import (
    AccountFreezeRecord,
    BankFreezeRecord,
    DepositAccountRecord,
    FreezeNotice,
    TransferNotice,
    TransferRecord,
)
from connectors.banks.register import settle
from connectors.base.annotations import REGISTER_TZ, Annotation
from connectors.base.source import DatabaseSource, KeyedQuery, record_select


class BankSource(Protocol):
    async def deposits(self, holder_ids: Sequence[str]) -> dict[str, list[DepositAccountRecord]]:
        """Each holder's (ID number or USCC) accounts at this bank, by account number."""
        ...

    async def accounts(self, numbers: Sequence[str]) -> dict[str, DepositAccountRecord]:
        """The accounts of these numbers held at this bank (an unknown number is left out)."""
        ...

    async def freezes(self, numbers: Sequence[str]) -> dict[str, list[BankFreezeRecord]]:
        """The register of freezes on each account, in rank order."""
        ...

    async def serve_freeze(self, notice: FreezeNotice) -> BankFreezeRecord:
        """A court's freeze served (register.serve); the same order served again is read back.
        LookupError: no such account; ValueError: the notice does not fit the account."""
        ...

    async def annotate(self, annotation: Annotation) -> bool:
        """The hub's order as it now stands: RELEASED releases the freeze (register.release),
        a renewed end date is recorded; anything else changes nothing."""
        ...

    async def transfer(self, notice: TransferNotice) -> TransferRecord:
        """扣划 once per idempotency key (register.deduct); the same key reads the transfer back.
        LookupError: no such freeze; ValueError: the freeze cannot give the amount."""
        ...

    async def transfers(self, case_numbers: Sequence[str]) -> dict[str, list[TransferRecord]]:
        """The transfers made for each case, oldest first (the bank's side of the ledger)."""
        ...


_ACCOUNT_COLUMNS = (
    "account_number",
    "holder_kind",
    "holder_id",
    "holder_name",
    "kind",
    "currency",
    "balance",
    "opened_on",
    "matures_on",
    "branch",
    "status",
)
_ACCOUNT = KeyedQuery(
    select(*(accounts.c[n] for n in _ACCOUNT_COLUMNS)).order_by(accounts.c.account_number),
    accounts.c.holder_id,
)
_FREEZE = KeyedQuery(
    select(
        freezes.c.account_number, *record_select(AccountFreezeRecord, freezes).selected_columns
    ).order_by(freezes.c.account_number, freezes.c.rank),
    freezes.c.account_number,
)
CENT = Decimal("0.01")


_ACCOUNT_BY_NUMBER = KeyedQuery(
    select(*(accounts.c[n] for n in _ACCOUNT_COLUMNS)).order_by(accounts.c.account_number),
    accounts.c.account_number,
)


def _by_number(conn: Connection, keys: Sequence[str]) -> dict[str, DepositAccountRecord]:
    """The accounts by number, their freezes left out (:func:`_freezes_of` reads them)."""
    out = {}
    for held in _deposits(conn, keys, _ACCOUNT_BY_NUMBER).values():
        for a in held:
            a.freezes = []
            out[a.account_number] = a
    return out


def _deposits(
    conn: Connection, keys: Sequence[str], query: KeyedQuery = _ACCOUNT
) -> dict[str, list[DepositAccountRecord]]:
    rows = query.rows(conn, keys)
    if not rows:
        return {}
    on_account: dict[str, list[AccountFreezeRecord]] = defaultdict(list)
    for r in _FREEZE.rows(conn, [r[0] for r in rows]):
        on_account[r[0]].append(AccountFreezeRecord(*r[1:]))
    out: dict[str, list[DepositAccountRecord]] = defaultdict(list)
    for (
        number,
        kind,
        holder,
        name,
        dkind,
        currency,
        balance,
        opened,
        matures,
        branch,
        status,
    ) in rows:
        held = on_account.get(number, [])
        balance = Decimal(balance).quantize(CENT)
        frozen = sum(
            (Decimal(f.amount) for f in held if f.status == "EFFECTIVE"), Decimal("0.00")
        ).quantize(CENT)
        out[holder].append(
            DepositAccountRecord(
                account_number=number,
                holder_kind=kind,
                holder_id=holder,
                holder_name=name,
                kind=dkind,
                currency=currency,
                balance=balance,
                frozen_amount=frozen,
                available_balance=balance - frozen,
                opened_on=opened,
                matures_on=matures,
                branch=branch,
                status=status,
                freezes=[
                    AccountFreezeRecord(
                        f.court,
                        f.case_number,
                        f.document_number,
                        Decimal(f.amount).quantize(CENT),
                        f.rank,
                        f.start_date,
                        f.end_date,
                        f.status,
                    )
                    for f in held
                ],
            )
        )
    return out


def _lapse(conn: Connection, today: date) -> list[str]:
    """The bank's lapse job: :func:`connectors.banks.register.settle` on every account with a
    freeze in effect whose term ended before ``today``; returns the accounts changed."""
    f = freezes.c
    due = list(
        conn.execute(
            select(f.account_number)
            .where(f.status == "EFFECTIVE", f.end_date < today)
            .distinct()
            .order_by(f.account_number)
        ).scalars()
    )
    changed_accounts = []
    columns = ("id", "rank", "amount", "status", "start_date", "end_date")
    for number in due:
        balance = conn.execute(
            select(accounts.c.balance).where(accounts.c.account_number == number)
        ).scalar_one()
        rows = [
            dict(zip(columns, r, strict=True))
            for r in conn.execute(
                select(*(f[n] for n in columns)).where(f.account_number == number)
            )
        ]
        for row in rows:
            row["amount"] = Decimal(row["amount"]).quantize(CENT)
        changed = settle(rows, balance=Decimal(balance).quantize(CENT), today=today)
        for row in changed:
            conn.execute(
                update(freezes)
                .where(f.id == row["id"])
                .values(
                    amount=row["amount"],
                    status=row["status"],
                    start_date=row["start_date"],
                    end_date=row["end_date"],
                )
            )
        if changed:
            changed_accounts.append(number)
    return changed_accounts


# --- the register: freezes served through the hub, releases, transfers ----------------------------

_ROW_COLUMNS = ("id", "rank", "amount", "status", "start_date", "end_date", "order_id")


def _rows(conn: Connection, number: str) -> tuple[Decimal, list[dict[str, Any]]]:
    """The account's balance and its register rows (amounts exact), locked for the change."""
    balance = conn.execute(
        select(accounts.c.balance).where(accounts.c.account_number == number)
    ).scalar_one()
    f = freezes.c
    rows = [
        dict(zip(_ROW_COLUMNS, r, strict=True))
        for r in conn.execute(
            select(*(f[n] for n in _ROW_COLUMNS)).where(f.account_number == number).order_by(f.rank)
        )
    ]
    for row in rows:
        row["amount"] = Decimal(row["amount"]).quantize(CENT)
    return Decimal(balance).quantize(CENT), rows


def _store(conn: Connection, changed: Sequence[dict[str, Any]]) -> None:
    for row in changed:
        conn.execute(
            update(freezes)
            .where(freezes.c.id == row["id"])
            .values(
                amount=row["amount"],
                status=row["status"],
                start_date=row["start_date"],
                end_date=row["end_date"],
            )
        )


def _freeze_record(row: Any) -> BankFreezeRecord:
    return BankFreezeRecord(
        order_id=row.order_id,
        account_number=row.account_number,
        document_number=row.document_number,
        amount=Decimal(row.amount).quantize(CENT),
        rank=row.rank,
        status=row.status,
        start_date=row.start_date,
        end_date=row.end_date,
    )


def _freezes_of(conn: Connection, numbers: Sequence[str]) -> dict[str, list[BankFreezeRecord]]:
    out: dict[str, list[BankFreezeRecord]] = defaultdict(list)
    keys = list(dict.fromkeys(numbers))
    for start in range(0, len(keys), 500):
        part = keys[start : start + 500]
        for row in conn.execute(
            select(freezes)
            .where(freezes.c.account_number.in_(part))
            .order_by(freezes.c.account_number, freezes.c.rank)
        ):
            out[row.account_number].append(_freeze_record(row))
    return dict(out)


def _of_order(conn: Connection, order_id: str) -> Any:
    return conn.execute(select(freezes).where(freezes.c.order_id == order_id)).first()


def _serve_freeze(conn: Connection, notice: FreezeNotice, code: str) -> BankFreezeRecord:
    found = _of_order(conn, notice.order_id)
    if found is not None:  # served before: the bank answers what it did then
        return _freeze_record(found)
    account = conn.execute(
        select(accounts.c.currency).where(accounts.c.account_number == notice.account_number)
    ).first()
    if account is None:
        raise LookupError(f"no account {notice.account_number} at this bank")
    if account.currency != notice.currency:
        raise ValueError(f"the account is kept in {account.currency}, not {notice.currency}")
    balance, rows = _rows(conn, notice.account_number)
    row = register.serve(
        rows, balance=balance, asked=notice.amount.quantize(CENT), on=notice.served_on
    )
    number = f"{code}-DJ-{notice.order_id}"[:48]
    conn.execute(
        insert(freezes).values(
            account_number=notice.account_number,
            court=notice.court[:64],
            case_number=notice.case_number,
            document_number=number,
            amount=row["amount"],
            rank=row["rank"],
            start_date=row["start_date"],
            end_date=row["end_date"],
            status=row["status"],
            order_id=notice.order_id,
        )
    )
    return _freeze_record(_of_order(conn, notice.order_id))


def _annotate(conn: Connection, a: Annotation, today: date) -> bool:
    found = _of_order(conn, a.order_id)
    if found is None:
        raise LookupError(f"no freeze of order {a.order_id} at this bank")
    if a.status == "RELEASED":
        balance, rows = _rows(conn, found.account_number)
        row = next(r for r in rows if r["order_id"] == a.order_id)
        _store(conn, register.release(rows, row, balance=balance, today=today))
        return True
    if a.status == "EFFECTIVE" and found.status == "EFFECTIVE" and a.end_date is not None:
        # a renewal (续冻) moves the end of a freeze in effect; nothing else is the hub's to set
        if found.end_date != a.end_date:
            conn.execute(
                update(freezes).where(freezes.c.id == found.id).values(end_date=a.end_date)
            )
        return True
    return False


def _transfer(conn: Connection, notice: TransferNotice, code: str, now: datetime) -> TransferRecord:
    done = conn.execute(
        select(transfers).where(transfers.c.idempotency_key == notice.idempotency_key)
    ).first()
    if done is None:
        found = _of_order(conn, notice.freeze_order_id)
        if found is None or found.account_number != notice.account_number:
            raise LookupError(f"no freeze of order {notice.freeze_order_id} on that account")
        currency = conn.execute(
            select(accounts.c.currency).where(accounts.c.account_number == notice.account_number)
        ).scalar_one()
        if currency != notice.currency:
            raise ValueError(f"the account is kept in {currency}, not {notice.currency}")
        balance, rows = _rows(conn, notice.account_number)
        row = next(r for r in rows if r["order_id"] == notice.freeze_order_id)
        amount = notice.amount.quantize(CENT)
        register.deduct(row, amount=amount)
        _store(conn, [row])
        conn.execute(
            update(accounts)
            .where(accounts.c.account_number == notice.account_number)
            .values(balance=balance - amount)
        )
        count = conn.execute(select(func.count()).select_from(transfers)).scalar_one()
        conn.execute(
            insert(transfers).values(
                idempotency_key=notice.idempotency_key,
                transfer_number=f"{code}-HK-{count + 1:08d}",
                account_number=notice.account_number,
                freeze_order_id=notice.freeze_order_id,
                court=notice.court[:64],
                case_number=notice.case_number,
                ruling_number=notice.ruling_number,
                payee=notice.payee[:96],
                amount=amount,
                currency=notice.currency,
                transferred_at=now,
            )
        )
        done = conn.execute(
            select(transfers).where(transfers.c.idempotency_key == notice.idempotency_key)
        ).one()
    return _transfer_record(done)


def _transfer_record(row: Any) -> TransferRecord:
    at = row.transferred_at
    return TransferRecord(
        idempotency_key=row.idempotency_key,
        transfer_number=row.transfer_number,
        account_number=row.account_number,
        freeze_order_id=row.freeze_order_id,
        case_number=row.case_number,
        payee=row.payee,
        amount=Decimal(row.amount).quantize(CENT),
        currency=row.currency,
        transferred_at=at if at.tzinfo is not None else at.replace(tzinfo=UTC),
    )


def _transfers_of(conn: Connection, cases: Sequence[str]) -> dict[str, list[TransferRecord]]:
    out: dict[str, list[TransferRecord]] = defaultdict(list)
    for row in conn.execute(
        select(transfers)
        .where(transfers.c.case_number.in_(list(dict.fromkeys(cases))))
        .order_by(transfers.c.id)
    ):
        out[row.case_number].append(_transfer_record(row))
    return dict(out)


class EmbeddedBankSource(DatabaseSource):
    connector = "bank"

    def __init__(self, url: str, name: str = "bank") -> None:
        self.connector = name  # the instance: bank:<code>
        super().__init__(url)

    async def deposits(self, holder_ids: Sequence[str]) -> dict[str, list[DepositAccountRecord]]:
        return await self.run(_deposits, holder_ids)

    async def lapse(self, today: date) -> list[str]:
        """The bank's lapse job: freezes whose term ended lapse, those waiting take effect for
        what that frees (run by the bank's service, and by the hub's order worker for the banks
        it reaches embedded)."""
        return await self.write(_lapse, today)

    @property
    def code(self) -> str:
        return self.connector.removeprefix("bank:")

    async def accounts(self, numbers: Sequence[str]) -> dict[str, DepositAccountRecord]:
        return await self.run(_by_number, numbers)

    async def freezes(self, numbers: Sequence[str]) -> dict[str, list[BankFreezeRecord]]:
        return await self.run(_freezes_of, numbers)

    async def serve_freeze(self, notice: FreezeNotice) -> BankFreezeRecord:
        return await self.write(_serve_freeze, notice, self.code)

    async def annotate(self, annotation: Annotation) -> bool:
        return await self.write(_annotate, annotation, datetime.now(REGISTER_TZ).date())

    async def transfer(self, notice: TransferNotice) -> TransferRecord:
        return await self.write(_transfer, notice, self.code, datetime.now(UTC))

    async def transfers(self, case_numbers: Sequence[str]) -> dict[str, list[TransferRecord]]:
        return await self.run(_transfers_of, case_numbers)


if TYPE_CHECKING:
    # The embedded source has every batch method of a bank's source, with its types.
    _embedded_is_a_source: type[BankSource] = EmbeddedBankSource


def account_to_json(a: DepositAccountRecord) -> dict[str, Any]:
    """An account without its freezes, as the bank's ``/bank/accounts`` route answers."""
    return {
        "account_number": a.account_number,
        "holder_kind": a.holder_kind,
        "holder_id": a.holder_id,
        "holder_name": a.holder_name,
        "kind": a.kind,
        "currency": a.currency,
        "balance": str(a.balance),
        "frozen_amount": str(a.frozen_amount),
        "available_balance": str(a.available_balance),
        "opened_on": a.opened_on.isoformat(),
        "matures_on": a.matures_on.isoformat() if a.matures_on else None,
        "branch": a.branch,
        "status": a.status,
    }


def account_from_json(data: dict[str, Any]) -> DepositAccountRecord:
    values = dict(data)
    for name in ("balance", "frozen_amount", "available_balance"):
        values[name] = Decimal(values[name])
    values["opened_on"] = date.fromisoformat(values["opened_on"])
    if values.get("matures_on"):
        values["matures_on"] = date.fromisoformat(values["matures_on"])
    return DepositAccountRecord(**values)
