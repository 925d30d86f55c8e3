"""What mutation payloads share: their typed errors, and the text arguments they check."""

from __future__ import annotations

from enum import Enum
from typing import Any

from hub.errors import BadUserInput, HubError


def error_fields(exc: HubError, codes: type[Enum]) -> dict[str, Any]:
    """The fields of a payload error for ``exc``; a code the enum lacks is BAD_USER_INPUT."""
    code = exc.code if exc.code in codes.__members__ else "BAD_USER_INPUT"
    return {
        "code": codes[code],
        "message": exc.message,
        "field": exc.extra.get("argument"),
        "reason": exc.extra.get("reason"),
        "rule": exc.extra.get("rule"),
    }


def text_argument(value: str, name: str, limit: int = 64) -> str:
    """``value`` stripped; BAD_USER_INPUT (rule TEXT_LENGTH) unless 1 to ``limit`` characters."""
    value = (value or "").strip()
    if not value or len(value) > limit:
        raise BadUserInput(
            f"{name} must be 1 to {limit} characters", argument=name, rule="TEXT_LENGTH"
        )
    return value
