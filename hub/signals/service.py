"""The derived signals of the profile (docs/tax_utilities.md, "Derived signals").

Each is derived from records the hub already fetched for the same profile, by a rule stated
here and nowhere else; ``None`` means the records say nothing either way (no account known).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

# The months a signal looks at: the last three the utilities have billed.
RECENT_MONTHS = 3
# Average monthly consumption above which a meter is in use (kWh for 电, m³ for 水 and 气): a
# household's fridge alone draws about 30 kWh a month; a standby meter of a closed shop or an
# empty flat reads a few kWh and a fraction of a cubic metre.
IN_USE: dict[str, Decimal] = {"电": Decimal(30), "水": Decimal(1), "气": Decimal(1)}


class Usage(Protocol):
    @property
    def period(self) -> str: ...

    @property
    def consumption(self) -> Decimal: ...


class Account(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def address(self) -> str: ...

    @property
    def usage(self) -> Sequence[Usage]: ...


class Arrears(Protocol):
    @property
    def amount(self) -> Decimal: ...


def in_use(account: Account) -> bool:
    """The account's average consumption over its last RECENT_MONTHS billed months is above
    IN_USE for its kind."""
    recent = sorted(account.usage, key=lambda u: u.period)[-RECENT_MONTHS:]
    if not recent:
        return False
    average = sum((u.consumption for u in recent), Decimal(0)) / len(recent)
    return average > IN_USE[account.kind]


def operating(accounts: Sequence[Account]) -> bool | None:
    """An enterprise operates when any meter it holds is in use; ``None`` with no account."""
    if not accounts:
        return None
    return any(in_use(a) for a in accounts)


def lives_at(
    registered_address: str | None,
    at_address: Sequence[Account],
    held: Sequence[Account],
) -> bool | None:
    """A person lives at the registered address when a meter supplied there (whoever holds it)
    is in use. ``False`` when the meters there are idle, or there are none and the person
    holds meters elsewhere; ``None`` when nothing is known (no address, no meter at it, none
    held)."""
    if not registered_address:
        return None
    if any(in_use(a) for a in at_address):
        return True
    if at_address or any(a.address != registered_address for a in held):
        return False
    return None


def in_arrears(arrears: Sequence[Arrears]) -> bool:
    """Tax is owed past its deadline (an unpaid amount above zero)."""
    return any(a.amount > 0 for a in arrears)
