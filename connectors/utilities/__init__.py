"""The utilities connector (供水、供电、供气 companies): tables, typed source, subgraph and synthetic data."""

from __future__ import annotations

from connectors.base.connector import agency_connector
from connectors.utilities.models import metadata

CONNECTOR = agency_connector(
    "utilities",
    "公用事业（供水、供电、供气）",
    metadata,
    embedded="EmbeddedUtilitiesSource",
    remote="RemoteUtilitiesSource",
)
