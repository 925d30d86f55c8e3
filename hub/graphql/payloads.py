"""What mutations share: their payloads' typed errors, the text arguments they check, the audit
entry of a refused attempt, the caller as their workflow's actor and the workflow's view of the
hub during the operation."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from hub.audit.entries import AccessRecord
from hub.errors import BadUserInput, HubError
from hub.federation import lookups as L
from hub.graphql.context import ctx
from hub.identifiers import check_characters


@strawberry.type
class PayloadError:
    """The fields of every mutation payload's typed error (:func:`error_fields` fills them); each
    payload's own error type narrows ``code`` to its enum. Not a type of the schema itself."""

    code: Enum
    message: str
    field: str | None = None
    reason: str | None = None
    rule: str | None = None


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


def optional_text_argument(value: str | None, name: str, limit: int = 64) -> str | None:
    """None if ``value`` is None, else :func:`text_argument`."""
    return None if value is None else text_argument(value, name, limit)


_REFUSED = {"FORBIDDEN": "DENIED", "PURPOSE_REQUIRED": "PURPOSE_REQUIRED", "NOT_FOUND": "NOT_FOUND"}


def record_refusal(
    info: Any,
    action: str,
    exc: HubError,
    target: dict[str, Any],
    *,
    case_number: str | None = None,
    subject: tuple[str, str] | None = None,
    named: Sequence[tuple[str, str]] = (),
    conflict: bool = False,
) -> None:
    """A mutation refused for who asked or what it named (not for malformed input) is an
    attempt auditors look for: an entry written with the operation's others before the payload
    leaves, counted toward DENIED_BURST when DENIED. A refusal answered as NOT_FOUND to hide
    what the caller may not know (``exc.withheld``) is on record as DENIED with the reason. It names the case cited (``case_number``)
    and the subject (``subject``: the entry's own) or subjects (``named``: subject rows) the
    attempt named, encrypted as every entry's, so that a subject's access history finds it; a
    request the caller may not see is named by its id alone (``target``). With ``conflict``, a
    refusal for the state of the thing (CONFLICT) is on record too, outcome CONFLICT."""
    outcome = "DENIED" if exc.withheld else _REFUSED.get(exc.code)
    if outcome is None and conflict and exc.code == "CONFLICT":
        outcome = "CONFLICT"
    if outcome is None:
        return
    ctx(info).audit_subjects.append(
        AccessRecord(
            action=action,
            subject_kind=subject[0] if subject is not None else None,
            subject_id=subject[1] if subject is not None else None,
            case_number=case_number,
            path=(info.path.key,),
            outcome=outcome,
            reason=str(exc.withheld or exc.extra.get("reason") or exc.code),
            detail={k: str(v) for k, v in target.items()},
            named=list(named),
        )
    )


def actor_fields(info: Info) -> dict[str, Any]:
    """The caller as every workflow's ``Actor`` names it: user, org, court, and whether it acts
    only on the cases it is assigned to; a workflow's own fields are added by its caller."""
    c = ctx(info)
    p = c.principal
    return {
        "user_id": p.sub,
        "org": p.org,
        "court_code": p.court_code,
        "requires_assignment": bool(c.grants and c.grants.requires_assignment),
    }


class WorkflowGateway:
    """A workflow's view of the hub during one GraphQL operation: the database, the case a
    command cites (through the operation's loaders) and the audit log in the action's own
    transaction, each entry on the mutation's path."""

    def __init__(self, info: Info) -> None:
        self.context = ctx(info)
        self.engine = self.context.runtime.engine
        self.path = (info.path.key,)

    async def case(self, case_number: str) -> Any:
        return await self.context.loaders.load(L.CASE_PURPOSES, case_number)

    async def audit(self, conn: Any, accesses: Sequence[AccessRecord]) -> None:
        for access in accesses:
            access.path = self.path
        await self.context.runtime.audit.record_in(conn, self.context, accesses)
        self.context.named.update(a.subject_id for a in accesses if a.subject_id)
