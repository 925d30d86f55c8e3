"""A bank's typed source: the deposit accounts of each subject, with the freezes on them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Connection, select, update

from connectors.banks.models import accounts, freezes
from connectors.banks.records import AccountFreezeRecord, DepositAccountRecord
from connectors.banks.register import settle
from connectors.base.source import DatabaseSource, KeyedQuery, record_select


class BankSource(Protocol):
    async def deposits(self, holder_ids: Sequence[str]) -> dict[str, list[DepositAccountRecord]]:
        """Each holder's (ID number or USCC) accounts at this bank, by account number."""
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


def _deposits(conn: Connection, keys: Sequence[str]) -> dict[str, list[DepositAccountRecord]]:
    rows = _ACCOUNT.rows(conn, keys)
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


if TYPE_CHECKING:
    # The embedded source has every batch method of a bank's source, with its types.
    _embedded_is_a_source: type[BankSource] = EmbeddedBankSource
