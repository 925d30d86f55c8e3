"""The one place the hub finds connectors: name -> :class:`~connectors.base.Connector`."""

from __future__ import annotations

import importlib
from types import ModuleType

from connectors.base.connector import Connector
from connectors.market_supervision import CONNECTOR as MARKET_SUPERVISION
from connectors.public_security import CONNECTOR as PUBLIC_SECURITY
from connectors.real_estate import CONNECTOR as REAL_ESTATE
from connectors.social_security import CONNECTOR as SOCIAL_SECURITY

CONNECTORS: dict[str, Connector] = {
    c.name: c for c in (PUBLIC_SECURITY, REAL_ESTATE, MARKET_SUPERVISION, SOCIAL_SECURITY)
}


def get(name: str) -> Connector:
    try:
        return CONNECTORS[name]
    except KeyError:
        known = ", ".join(CONNECTORS)
        raise KeyError(f"unknown connector {name!r}; known connectors: {known}") from None


def names() -> list[str]:
    return list(CONNECTORS)


def records(name: str) -> ModuleType:
    """The typed records connector ``name``'s source returns: its ``records`` module (every
    agency package has one), for the hub's types of the same records."""
    get(name)
    return importlib.import_module(f"connectors.{name}.records")
