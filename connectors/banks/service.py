"""A bank's service calls beyond its subgraph: the register (``POST /bank/<what>``).

``accounts`` and ``freezes`` look accounts up by number, ``transfers`` the transfers made for
cases, ``serve`` serves a court's freeze notice, ``transfer`` makes a transfer (扣划) once per
idempotency key — each the bank source's own method. 404: no such account or freeze; 422: the
bank refuses the notice (another currency, more than the freeze holds); 400: a malformed body.
"""

from __future__ import annotations

from typing import Any

from connectors.banks.records import FreezeNotice, TransferNotice
from connectors.banks.source import account_to_json

MAX_KEYS = 500  # accounts or cases per look-up


def _keys(body: Any, name: str) -> list[str]:
    keys = body[name]
    if not (
        isinstance(keys, list)
        and len(keys) <= MAX_KEYS
        and all(isinstance(k, str) and 0 < len(k) <= 64 for k in keys)
    ):
        raise ValueError(name)
    return keys


async def handle(source: Any, what: str, body: Any) -> tuple[int, Any]:
    """One call on the bank's register: (HTTP status, JSON answer)."""
    try:
        if what == "accounts":
            found = await source.accounts(_keys(body, "accounts"))
            return 200, {"accounts": {k: account_to_json(a) for k, a in found.items()}}
        if what == "freezes":
            rows = await source.freezes(_keys(body, "accounts"))
            return 200, {"freezes": {k: [r.to_json() for r in v] for k, v in rows.items()}}
        if what == "transfers":
            done = await source.transfers(_keys(body, "cases"))
            return 200, {"transfers": {k: [t.to_json() for t in v] for k, v in done.items()}}
        if what == "serve":
            notice: Any = FreezeNotice.from_json(body)
        elif what == "transfer":
            notice = TransferNotice.from_json(body)
        else:
            return 404, {"error": f"no call /bank/{what}"}
    except (ValueError, TypeError, KeyError, ArithmeticError, AttributeError):
        return 400, {"error": f"malformed /bank/{what} request"}
    try:
        record = await (source.serve_freeze(notice) if what == "serve" else source.transfer(notice))
    except LookupError as exc:
        return 404, {"error": str(exc).strip("'\"")}
    except ValueError as exc:
        return 422, {"error": str(exc)}
    return 200, record.to_json()
