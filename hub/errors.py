"""The hub's expected failures, each with the error code clients see in ``extensions.code``.

    HubError                      expected failure; message says what was wrong and how to fix it
     ├── Unauthenticated          UNAUTHENTICATED         (HTTP 401 before execution)
     ├── Forbidden                FORBIDDEN
     ├── PurposeRequired          PURPOSE_REQUIRED
     ├── BadUserInput             BAD_USER_INPUT          (names the rule that was broken)
     ├── NotFound                 NOT_FOUND
     ├── Conflict                 CONFLICT
     ├── QueryTooComplex          QUERY_TOO_COMPLEX       (names the limit)
     ├── RateLimited              RATE_LIMITED
     ├── AuditUnavailable         AUDIT_UNAVAILABLE
     └── ConnectorFailed          CONNECTOR_UNAVAILABLE / CONNECTOR_TIMEOUT (one agency's fields)

graphql-core copies ``extensions`` of an exception raised in a resolver onto the error at that
path. Anything that is not a HubError is unexpected: it is logged with the request id and
reaches the client only as ``INTERNAL_SERVER_ERROR`` without details.
"""

from __future__ import annotations

import re
from typing import Any

from connectors.base.errors import ConnectorError

QUOTE_LIMIT = 40  # characters of a caller's value a message quotes


def quoted(value: object, limit: int = QUOTE_LIMIT) -> str:
    """A caller's value as an error message quotes it: in quotes, its first ``limit``
    characters and "…" when it is longer — the one place a message's quote of input is cut, so a
    value of 10,000 characters is not sent back whole."""
    text = str(value)
    if len(text) <= limit:
        return repr(text)
    return repr(text[:limit])[:-1] + "…" + repr(text[:limit])[-1]


# a quoted stretch of a message (graphql-core's and starlette's quote names and values with
# ' or ", strawberry's operation name with \") longer than QUOTE_LIMIT characters
_LONG_QUOTE = re.compile(r"""(\\?['"])([^'"\\]{""" + str(QUOTE_LIMIT + 1) + r""",})(\\?['"])""")
_LONG_RUN = re.compile(r"[^\s'\"]{" + str(4 * QUOTE_LIMIT + 1) + ",}")


def cut_quotes(message: str) -> str:
    """``message`` with every long quote in it cut to its first ``QUOTE_LIMIT`` characters and
    "…" (and any unquoted run of more than four times that, a path or a token, likewise): for
    the messages the hub does not write itself — graphql-core's validation of a document
    (an enum value or input field of 20,000 characters), an unknown operation name, an unknown
    path — as :func:`quoted` is for its own."""
    message = _LONG_QUOTE.sub(lambda m: m[1] + m[2][:QUOTE_LIMIT] + "…" + m[3], message)
    return _LONG_RUN.sub(lambda m: m[0][:QUOTE_LIMIT] + "…", message)


class HubError(Exception):
    code = "INTERNAL_SERVER_ERROR"
    # why the caller was refused, for the audit record only: a NOT_FOUND that stands for a
    # refusal (another court's order answered as one that does not exist) is on record as DENIED
    # with this reason, while the caller reads what an unknown id would get
    withheld: str | None = None

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    @property
    def extensions(self) -> dict[str, Any]:
        return {"code": self.code, **self.extra}


class Unauthenticated(HubError):
    code = "UNAUTHENTICATED"


class Forbidden(HubError):
    code = "FORBIDDEN"


class PurposeRequired(HubError):
    code = "PURPOSE_REQUIRED"


class BadUserInput(HubError):
    code = "BAD_USER_INPUT"


class NotFound(HubError):
    code = "NOT_FOUND"


class Conflict(HubError):
    code = "CONFLICT"


class QueryTooComplex(HubError):
    code = "QUERY_TOO_COMPLEX"


class RateLimited(HubError):
    code = "RATE_LIMITED"


class AuditUnavailable(HubError):
    code = "AUDIT_UNAVAILABLE"


class ConnectorFailed(HubError):
    """One agency could not answer; only that agency's fields are nulled."""

    def __init__(self, code: str, connector: str, message: str) -> None:
        super().__init__(message, connector=connector)
        self.code = code

    @classmethod
    def from_connector_error(cls, exc: ConnectorError) -> ConnectorFailed:
        return cls(exc.code, exc.connector, exc.message)


class PolicyError(ValueError):
    """The policy files are malformed or name what the schema does not have."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
