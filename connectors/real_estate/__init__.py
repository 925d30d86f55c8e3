"""The real_estate connector (不动产登记中心): tables, typed source, subgraph and synthetic data."""

from __future__ import annotations

from connectors.base.connector import agency_connector
from connectors.real_estate.models import metadata

CONNECTOR = agency_connector(
    "real_estate",
    "不动产登记中心",
    metadata,
    embedded="EmbeddedRealEstateSource",
    remote="RemoteRealEstateSource",
    register=True,
)
