"""Sanction lists published by courts, the persons an enterprise's entry extends to, the change
feed agencies follow, and the counts of checks for the courts' reports."""

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from hub.audit.models import BigId
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
    Column("published_by", String(64)),  # the judge (none for entries older than the hub)
    Column("revoked_by", String(64)),
    Index("ix_sanction_entries_subject_id", "subject_id"),
)

# For an enterprise on a list: its legal representative and key personnel when it was listed
# (consumption restrictions bind them too, 法释〔2015〕17号 第三条第二款).
sanction_entry_persons = Table(
    "sanction_entry_persons",
    metadata,
    Column("entry_id", String(32), ForeignKey("sanction_entries.id"), nullable=False),
    Column("id_number", String(18), nullable=False),
    Column("name", String(64), nullable=False),
    Column("role", String(24), nullable=False),  # LEGAL_REPRESENTATIVE / KEY_PERSONNEL
    PrimaryKeyConstraint("entry_id", "id_number", "role", name="pk_sanction_entry_persons"),
    Index("ix_sanction_entry_persons_id_number", "id_number"),
)

# Every publication and revocation, in commit order (publish and revoke serialise on a lock):
# an agency resumes from the last sequence number it saw and misses nothing.
sanction_changes = Table(
    "sanction_changes",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("entry_id", String(32), ForeignKey("sanction_entries.id"), nullable=False),
    Column("change", String(12), nullable=False),  # PUBLISHED / REVOKED
    Column("at", DateTime(timezone=True), nullable=False),
)

# Checks per day, organisation, matter and decision, counted in the audit write's transaction.
sanction_check_counts = Table(
    "sanction_check_counts",
    metadata,
    Column("day", Date, nullable=False),
    Column("org", String(64), nullable=False),
    Column("matter", String(32), nullable=False),
    Column("decision", String(8), nullable=False),  # BLOCK / ALLOW
    Column("n", Integer, nullable=False),
    PrimaryKeyConstraint("day", "org", "matter", "decision", name="pk_sanction_check_counts"),
)
