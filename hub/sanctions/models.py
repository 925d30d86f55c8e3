"""Sanction-list entries published by courts (the workflow around them comes with the sanctions step)."""

from sqlalchemy import Column, Date, ForeignKey, Index, String, Table, Text

from hub.db.metadata import metadata

sanction_entries = Table(
    "sanction_entries",
    metadata,
    Column("id", String(32), primary_key=True),  # SX-370602-2026-000123
    Column("list", String(24), nullable=False),  # DISHONEST / CONSUMPTION_RESTRICTION
    Column("subject_kind", String(10), nullable=False),  # PERSON / ENTERPRISE
    Column("subject_id", String(18), nullable=False),
    Column("name", String(64), nullable=False),
    Column("court_code", String(6), ForeignKey("courts.code"), nullable=False),
    Column("case_number", String(64), nullable=False),
    Column("obligation", Text, nullable=False),  # 生效法律文书确定的义务
    Column("published_on", Date, nullable=False),
    Column("legal_basis", String(128), nullable=False),
    Column("status", String(8), nullable=False),  # ACTIVE / REVOKED
    Column("revoked_on", Date),
    Column("revoke_reason", String(128)),
    Index("ix_sanction_entries_subject_id", "subject_id"),
)
