"""An entry's outcome for a subject, read from the answer and its errors (hub.audit.rows)."""

from __future__ import annotations

from graphql import GraphQLError
from sqlalchemy.exc import StatementError

from hub.audit.entries import AccessRecord
from hub.audit.rows import outcome_of
from hub.errors import ConnectorFailed

ACCESS = AccessRecord(
    action="AUDIT_QUERY", subject_kind=None, subject_id=None, case_number=None, path=("a",)
)


def error(original: Exception) -> GraphQLError:
    return GraphQLError(str(original), path=["a", "b"], original_error=original)


def test_an_agency_that_did_not_answer_makes_it_partial() -> None:
    failed = ConnectorFailed("CONNECTOR_TIMEOUT", "public_security", "timed out")
    assert outcome_of(ACCESS, {"a": {"b": None}}, [error(failed)]) == "PARTIAL"


def test_an_unexpected_exception_with_a_code_of_its_own_is_no_agency_failure() -> None:
    # given a database error in a resolver (SQLAlchemy's errors carry ``code``, None here):
    # reading it as an agency's code raised, and the whole answer became AUDIT_UNAVAILABLE
    db = StatementError("date value out of range", "SELECT 1", {}, OverflowError())
    assert db.code is None
    # then the entry is written, the subject answered (a field failed, no agency)
    assert outcome_of(ACCESS, {"a": {"b": None}}, [error(db)]) == "OK"
