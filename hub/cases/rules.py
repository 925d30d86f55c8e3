"""What a cited case allows a court user: its court, its status, the judges assigned, its parties.

Pure rules over a :class:`CasePurposeRecord`, shared by look-ups (purpose binding) and court
actions (orders, sanction entries); each refusal is ``FORBIDDEN`` with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence

from hub.cases.records import CasePurposeRecord
from hub.errors import Forbidden, HubError


def check_case(
    record: CasePurposeRecord | None,
    case_number: str,
    *,
    court_code: str | None,
    org: str,
    user_id: str,
    open_required: bool = True,
    assignment_required: bool = True,
) -> CasePurposeRecord:
    """The case, if the caller's court may act on it (known, its own, open, the caller
    assigned when the role requires it)."""
    if record is None:
        raise Forbidden(
            f"case {case_number} is not known to the hub",
            reason="CASE_UNKNOWN",
            caseNumber=case_number,
        )
    if record.court_code != court_code:
        raise Forbidden(
            f"case {case_number} belongs to another court than {org}",
            reason="CASE_OTHER_COURT",
            caseNumber=case_number,
        )
    if open_required and record.status != "OPEN":
        raise Forbidden(
            f"case {case_number} is closed; look-ups need an open case",
            reason="CASE_CLOSED",
            caseNumber=case_number,
        )
    if assignment_required and user_id not in record.judges:
        raise Forbidden(
            f"{user_id} is not assigned to case {case_number}",
            reason="NOT_ASSIGNED",
            caseNumber=case_number,
        )
    return record


def party_verdicts(
    record: CasePurposeRecord, keys: Sequence[str], case_number: str
) -> list[HubError | None]:
    """Per subject: None when it is a party of the case, else the refusal."""
    return [
        None
        if key in record.parties
        else Forbidden(
            f"{key} is not a party of case {case_number}",
            reason="NOT_A_PARTY",
            caseNumber=case_number,
        )
        for key in keys
    ]
