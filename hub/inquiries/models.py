"""Tables of the asynchronous 查控 request: the request, its subjects, and one row per bank asked."""

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from hub.db.metadata import metadata
from hub.db.types import UtcDateTime

deposit_inquiries = Table(
    "deposit_inquiries",
    metadata,
    Column("id", String(32), primary_key=True),  # CK-2026-0123456789AB
    Column("court_code", String(6), nullable=False),
    Column("case_number", String(64), nullable=False),
    Column("filed_by", String(64), nullable=False),  # the judge (user id)
    Column("filed_at", UtcDateTime, nullable=False),
    Column("deadline", UtcDateTime, nullable=False),  # a bank silent until then is TIMED_OUT
    Column("status", String(8), nullable=False),  # OPEN / DONE
    Column("subjects", Integer, nullable=False),  # how many
    Index("ix_deposit_inquiries_case", "case_number", "filed_at"),
    Index("ix_deposit_inquiries_status", "status"),
)

deposit_inquiry_subjects = Table(
    "deposit_inquiry_subjects",
    metadata,
    Column("inquiry_id", String(32), ForeignKey("deposit_inquiries.id"), primary_key=True),
    Column("position", Integer, primary_key=True),  # 0, 1, … in the order filed
    Column("subject_kind", String(10), nullable=False),  # PERSON / ENTERPRISE
    Column("subject_id", String(18), nullable=False),
)

deposit_inquiry_banks = Table(
    "deposit_inquiry_banks",
    metadata,
    Column("inquiry_id", String(32), ForeignKey("deposit_inquiries.id"), primary_key=True),
    Column("bank", String(32), primary_key=True),  # bank:<code>
    Column("state", String(10), nullable=False),  # PENDING / ANSWERED / TIMED_OUT
    Column("attempts", Integer, nullable=False),  # calls made to the bank for it
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("last_error", String(32)),  # CONNECTOR_TIMEOUT / CONNECTOR_UNAVAILABLE of the last try
    Column("answered_at", UtcDateTime),  # ANSWERED or TIMED_OUT
    Column("accounts", Text),  # ANSWERED: JSON {subject id: [account]}, every subject a key
    Index("ix_deposit_inquiry_banks_due", "state", "next_attempt_at"),
)
