"""Tables of police assistance (公安协助): a court's requests to public security and what happens
to each of them (answers, sightings, the stop and hand-over, confirmations, ends)."""

from sqlalchemy import Column, Date, Index, Integer, String, Table, Text, UniqueConstraint

from hub.audit.models import BigId
from hub.db.metadata import metadata
from hub.db.types import UtcDateTime

police_requests = Table(
    "police_requests",
    metadata,
    Column("id", String(32), primary_key=True),  # GA-2026-0123456789AB
    Column("kind", String(16), nullable=False),  # LOCATE / VEHICLE_WATCH / EXIT_BAN
    Column("court_code", String(6), nullable=False),
    Column("case_number", String(64), nullable=False),
    Column("subject_kind", String(10), nullable=False),  # PERSON / ENTERPRISE (the 被执行人)
    Column("subject_id", String(18), nullable=False),
    Column("ruling_number", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("basis", String(16)),  # EXIT_BAN: APPLICATION / EX_OFFICIO (民诉法解释 第五百一十六条)
    Column("order_id", String(32)),  # VEHICLE_WATCH: the order holding the vehicle
    Column("plate", String(16)),  # VEHICLE_WATCH: the vehicle
    Column("valid_until", UtcDateTime),  # LOCATE: nothing is answered after it
    Column("term_end", Date),  # EXIT_BAN: the last day of the restriction
    Column("status", String(16), nullable=False),
    Column("filed_by", String(64), nullable=False),
    Column("filed_at", UtcDateTime, nullable=False),
    Column("client_request_id", String(64)),
    Column("answered_by", String(64)),  # the officer who answered, refused or confirmed
    Column("answered_at", UtcDateTime),
    Column("answer", Text),  # canonical JSON: LOCATE findings; confirmations' receipts
    Column("refusal", Text),  # the police's reason for refusing
    Column("stop_requested_at", UtcDateTime),  # VEHICLE_WATCH: the court asked for 查扣
    Column("ended_at", UtcDateTime),
    Column("end_reason", Text),
    Column("version", Integer, nullable=False),  # bumped by every change (optimistic check)
    UniqueConstraint("filed_by", "client_request_id", name="uq_police_requests_client"),
    Index("ix_police_requests_case", "case_number", "filed_at"),
    Index("ix_police_requests_status", "status", "filed_at"),
    Index("ix_police_requests_order", "order_id"),
)

police_request_events = Table(
    "police_request_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("request_id", String(32), nullable=False),
    Column("event", String(16), nullable=False),  # FILED, ANSWERED, SIGHTING, HANDED_OVER, …
    Column("at", UtcDateTime, nullable=False),  # when it was recorded in the hub
    Column("by", String(64), nullable=False),  # user id, or "hub" for what the hub did
    Column("detail", Text, nullable=False),  # canonical JSON
    Index("ix_police_request_events_request", "request_id", "id"),
)
