"""Tables of the enterprise parties' side: requests (诉求反映) to the judges of their cases, and
the documents and execution information a court publishes for a case (裁判文书公开 / 执行信息公开)."""

from sqlalchemy import Column, Index, String, Table, Text, UniqueConstraint

from hub.db.metadata import metadata
from hub.db.types import UtcDateTime

party_requests = Table(
    "party_requests",
    metadata,
    Column("id", String(32), primary_key=True),  # SQ-2026-0123456789AB
    Column("uscc", String(18), nullable=False),  # the enterprise that files it
    Column("filed_by", String(18), nullable=False),  # its authorised person (ID number)
    Column("court_code", String(6), nullable=False),
    Column("case_number", String(64), nullable=False),
    Column(
        "role", String(8), nullable=False
    ),  # the enterprise's part in the case: 申请执行人 / 被执行人
    Column("kind", String(16), nullable=False),  # RELEASE / PERFORMANCE / CREDIT_REPAIR / OTHER
    Column("text", Text, nullable=False),
    Column("attachments", Text, nullable=False),  # canonical JSON: [{"name", "sha256"}]
    Column("client_request_id", String(64)),  # idempotency: one request per key and person
    Column("status", String(8), nullable=False),  # OPEN / GRANTED / REFUSED / NOTED
    Column("filed_at", UtcDateTime, nullable=False),
    Column("answered_by", String(64)),  # the judge (user id)
    Column("answered_at", UtcDateTime),
    Column("answer", Text),  # the judge's words to the party
    Column("effects", Text),  # canonical JSON: what the decision did (orders released, entries)
    UniqueConstraint("uscc", "filed_by", "client_request_id", name="uq_party_requests_client"),
    Index("ix_party_requests_uscc_filed", "uscc", "filed_at"),
    Index("ix_party_requests_case", "case_number", "filed_at"),
)

case_documents = Table(
    "case_documents",
    metadata,
    Column("id", String(32), primary_key=True),  # PD-2026-0123456789AB
    Column("court_code", String(6), nullable=False),
    Column("case_number", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # JUDGMENT / EXECUTION_INFO
    Column("title", String(128), nullable=False),
    Column("text", Text, nullable=False),
    Column("published_at", UtcDateTime, nullable=False),
    Column("published_by", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_case_documents_case", "case_number", "published_at"),
)
