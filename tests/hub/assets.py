"""Assets registered at the agencies for one test alone: a unit, a vehicle, an equity stake, a
deposit account at a bank.

Order tests each seize an asset of their own, so that no test meets another test's orders,
waiting line or annotations, whatever ran before it and whether or not it cleaned up. The asset
is written straight into the agency's own register (its embedded database), owned by a party of
one of the demo judge's open cases, as the agency would have registered it, and struck off the
register when the test ends (:func:`registered`), so that the party's profile is the demo's
again for every other test.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, select

from connectors.banks import models as bank_tables
from connectors.market_supervision.models import enterprises, shareholders
from connectors.public_security.models import vehicles
from connectors.real_estate.models import owners, units

_serial = itertools.count(1)


def _tag() -> str:
    """Eight characters no other asset of this session has (digits and upper-case letters)."""
    return f"{next(_serial):02d}{uuid.uuid4().hex[:6]}".upper()[-8:]


def _engine(app: Any, agency: str) -> Any:
    return app.state.runtime.sources[agency].engine


def fresh_unit(app: Any, owner: dict[str, str]) -> str:
    """A real-estate unit registered to ``owner`` alone (unit numbers: 28 characters, parcel
    feature TS, which the demo's registry does not use)."""
    tag = _tag()
    number = f"370602001001TS{int(tag, 16) % 10**5:05d}F{tag[:4]}{tag[4:]}"
    assert len(number) == 28, number
    with _engine(app, "real_estate").begin() as conn:
        conn.execute(
            insert(units).values(
                unit_number=number,
                certificate_number=f"鲁（2026）烟台市不动产权第9{tag}号",
                address="山东省烟台市芝罘区测试路1号",
                usage="住宅",
                area=Decimal("88.50"),
                ownership_kind="单独所有",
                registered_on=date(2020, 5, 1),
            )
        )
        conn.execute(
            insert(owners).values(
                unit_number=number,
                owner_kind="PERSON",
                owner_id=owner["idNumber"],
                owner_name=owner["name"],
                share=Decimal("1.0000"),
            )
        )
    return number


def fresh_vehicle(app: Any, owner: dict[str, str], *, status: str = "NORMAL") -> str:
    """A vehicle registered to ``owner`` (plates 鲁T + 8 characters; the demo has none)."""
    tag = _tag()
    plate = f"鲁T{tag}"
    with _engine(app, "public_security").begin() as conn:
        conn.execute(
            insert(vehicles).values(
                plate=plate,
                vin=f"LTEST{tag}{tag[:4]}",
                brand="大众",
                model="朗逸",
                vehicle_type="小型轿车",
                colour="白",
                registered_on=date(2021, 7, 1),
                status=status,
                owner_kind="PERSON",
                owner_id=owner["idNumber"],
                owner_name=owner["name"],
            )
        )
    return plate


def fresh_stake(app: Any, owner: dict[str, str]) -> str:
    """An equity stake ``owner`` holds in one of the demo's enterprises."""
    tag = _tag()
    with _engine(app, "market_supervision").begin() as conn:
        uscc = conn.execute(select(enterprises.c.uscc).limit(1)).scalar_one()
        stake_id = f"{uscc}-T{tag}"
        conn.execute(
            insert(shareholders).values(
                stake_id=stake_id,
                uscc=uscc,
                holder_kind="PERSON",
                holder_id=owner["idNumber"],
                holder_name=owner["name"],
                subscribed_capital=Decimal("50.00"),
                ratio=Decimal("0.0500"),
                subscribed_on=date(2019, 3, 1),
                freeze_status="NORMAL",
            )
        )
    return stake_id


def fresh_account(
    app: Any,
    owner: dict[str, str],
    *,
    balance: str = "1000.00",
    bank: str = "bank:102",
    currency: str = "CNY",
) -> str:
    """A current account of ``owner`` (a person's ``idNumber`` or an enterprise's ``uscc``) at
    ``bank`` holding ``balance`` (numbers: 19 digits starting 999, which the demo's banks do not
    use)."""
    number = f"999{int(_tag(), 36) % 10**16:016d}"
    with _engine(app, bank).begin() as conn:
        conn.execute(
            insert(bank_tables.accounts).values(
                account_number=number,
                holder_kind="ENTERPRISE" if "uscc" in owner else "PERSON",
                holder_id=owner.get("uscc") or owner["idNumber"],
                holder_name=owner["name"], kind="CURRENT", currency=currency,
                balance=Decimal(balance), opened_on=date(2020, 1, 1), matures_on=None,
                branch="测试支行", status="NORMAL",
            )
        )  # fmt: skip
    return number


def strike_off(app: Any, asset: str) -> None:
    """Remove an asset made here from its agency's register (its owners and holders with it)."""
    if asset.startswith("999"):  # an account (fresh_account): at whichever bank holds it
        for name, source in app.state.runtime.sources.items():
            if name.startswith("bank:"):
                with source.engine.begin() as conn:
                    for table in (bank_tables.freezes, bank_tables.transfers):
                        conn.execute(delete(table).where(table.c.account_number == asset))
                    conn.execute(
                        delete(bank_tables.accounts).where(
                            bank_tables.accounts.c.account_number == asset
                        )
                    )
        return
    with _engine(app, "real_estate").begin() as conn:
        conn.execute(delete(owners).where(owners.c.unit_number == asset))
        conn.execute(delete(units).where(units.c.unit_number == asset))
    with _engine(app, "public_security").begin() as conn:
        conn.execute(delete(vehicles).where(vehicles.c.plate == asset))
    with _engine(app, "market_supervision").begin() as conn:
        conn.execute(delete(shareholders).where(shareholders.c.stake_id == asset))


@contextmanager
def registered(
    app: Any, make: Callable[..., str], owner: dict[str, str], **kwargs: Any
) -> Iterator[str]:
    """An asset ``make`` registers to ``owner`` for the ``with`` block, struck off after it."""
    asset = make(app, owner, **kwargs)
    try:
        yield asset
    finally:
        strike_off(app, asset)
