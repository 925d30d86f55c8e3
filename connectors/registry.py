"""The one place the hub finds connectors: name -> :class:`~connectors.base.Connector`.

:func:`names` are the agencies with one service each; :func:`banks` the instances of the bank
kind (``bank:<code>``, one service per bank); :func:`instances` both, every connector the hub
reaches (each with its own settings, guard and audit outcome).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from connectors import banks as _banks
from connectors.base.connector import Connector
from connectors.market_supervision import CONNECTOR as MARKET_SUPERVISION
from connectors.public_security import CONNECTOR as PUBLIC_SECURITY
from connectors.real_estate import CONNECTOR as REAL_ESTATE
from connectors.social_security import CONNECTOR as SOCIAL_SECURITY
from connectors.tax import CONNECTOR as TAX
from connectors.utilities import CONNECTOR as UTILITIES

CONNECTORS: dict[str, Connector] = {
    c.name: c
    for c in (PUBLIC_SECURITY, REAL_ESTATE, MARKET_SUPERVISION, SOCIAL_SECURITY, TAX, UTILITIES)
}


def get(name: str) -> Connector:
    found = CONNECTORS.get(name)
    if found is not None:
        return found
    try:
        return _banks.connector(name)
    except KeyError:
        known = ", ".join(instances())
        raise KeyError(f"unknown connector {name!r}; known connectors: {known}") from None


def names() -> list[str]:
    """The agencies with one service each."""
    return list(CONNECTORS)


def banks() -> list[str]:
    """The banks, one service each of the bank kind: ``bank:<code>``."""
    return _banks.names()


def instances() -> list[str]:
    """Every connector the hub reaches: the agencies, then the banks."""
    return names() + banks()


def kinds() -> list[str]:
    """The connector kinds, one SDL each: the agencies' names and ``bank``."""
    return [*names(), _banks.KIND]


def records(name: str) -> ModuleType:
    """The typed records connector ``name``'s source returns: its ``records`` module (every
    agency package has one), for the hub's types of the same records."""
    return importlib.import_module(f"connectors.{get(name).package}.records")
