"""Connector failures, as the hub sees them.

    ConnectorError              an agency could not answer a look-up
     ├── ConnectorUnavailable   it failed (error, refused, bad answer)
     └── ConnectorTimeout       it did not answer within its timeout

Sources translate their own low-level errors (database, HTTP) into these at the boundary.
"""

from __future__ import annotations


class ConnectorError(Exception):
    code = "CONNECTOR_UNAVAILABLE"

    def __init__(self, connector: str, message: str) -> None:
        super().__init__(message)
        self.connector = connector
        self.message = message


class ConnectorUnavailable(ConnectorError):
    code = "CONNECTOR_UNAVAILABLE"


class ConnectorTimeout(ConnectorError):
    code = "CONNECTOR_TIMEOUT"
