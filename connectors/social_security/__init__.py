"""The social_security connector (人力资源和社会保障局): tables, typed source, subgraph and synthetic data."""

from __future__ import annotations

from connectors.base.connector import agency_connector
from connectors.social_security.models import metadata

CONNECTOR = agency_connector(
    "social_security",
    "人力资源和社会保障局",
    metadata,
    embedded="EmbeddedSocialSecuritySource",
    remote="RemoteSocialSecuritySource",
)
