"""What every agency connector shares: identifiers, the source seam, errors and the connector spec."""

from connectors.base.connector import Connector
from connectors.base.errors import ConnectorError, ConnectorTimeout, ConnectorUnavailable
from connectors.base.source import DatabaseSource, group_rows

__all__ = [
    "Connector",
    "ConnectorError",
    "ConnectorTimeout",
    "ConnectorUnavailable",
    "DatabaseSource",
    "group_rows",
]
