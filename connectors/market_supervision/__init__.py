"""The market_supervision connector (市场监督管理局): tables, typed source, subgraph and synthetic data."""

from __future__ import annotations

from connectors.base.connector import agency_connector
from connectors.market_supervision.models import metadata

CONNECTOR = agency_connector(
    "market_supervision",
    "市场监督管理局",
    metadata,
    embedded="EmbeddedMarketSupervisionSource",
    remote="RemoteMarketSupervisionSource",
    register=True,
)
