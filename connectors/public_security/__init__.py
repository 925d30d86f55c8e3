"""The public_security connector (公安户政与交通管理): tables, typed source, subgraph and synthetic data."""

from __future__ import annotations

from connectors.base.connector import agency_connector
from connectors.public_security.models import metadata

CONNECTOR = agency_connector(
    "public_security",
    "公安户政与交通管理",
    metadata,
    embedded="EmbeddedPublicSecuritySource",
    remote="RemotePublicSecuritySource",
    register=True,
)
