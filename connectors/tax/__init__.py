"""The tax connector (税务局): tables, typed source, subgraph and synthetic data."""

from __future__ import annotations

from connectors.base.connector import agency_connector
from connectors.tax.models import metadata

CONNECTOR = agency_connector(
    "tax",
    "税务局",
    metadata,
    embedded="EmbeddedTaxSource",
    remote="RemoteTaxSource",
)
