"""What mutation payloads share: their typed errors, the text arguments they check, and the
audit entry of a refused attempt."""

from __future__ import annotations

from enum import Enum
from typing import Any

from hub.audit.entries import AccessRecord
from hub.errors import BadUserInput, HubError
from hub.graphql.context import ctx
from hub.identifiers import check_characters


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
    """``value`` stripped; BAD_USER_INPUT unless 1 to ``limit`` characters (rule TEXT_LENGTH)
    without control or format characters (rule CONTROL_CHARACTER)."""
    check_characters(value or "", argument=name)
    value = (value or "").strip()
    if not value or len(value) > limit:
        raise BadUserInput(
            f"{name} must be 1 to {limit} characters", argument=name, rule="TEXT_LENGTH"
        )
    return value


_REFUSED = {"FORBIDDEN": "DENIED", "PURPOSE_REQUIRED": "PURPOSE_REQUIRED", "NOT_FOUND": "NOT_FOUND"}


def record_refusal(info: Any, action: str, exc: HubError, target: dict[str, Any]) -> None:
    """A mutation refused for who asked or what it named (not for malformed input or the
    state of the thing) is an attempt auditors look for: an entry without a subject, written
    with the operation's others before the payload leaves, counted toward DENIED_BURST."""
    outcome = _REFUSED.get(exc.code)
    if outcome is None:
        return
    ctx(info).audit_subjects.append(
        AccessRecord(
            action=action,
            subject_kind=None,
            subject_id=None,
            case_number=None,
            path=(info.path.key,),
            outcome=outcome,
            reason=str(exc.extra.get("reason") or exc.code),
            detail={k: str(v) for k, v in target.items()},
        )
    )
