"""Sanction lists published by courts, the persons an enterprise's entry binds, the change feed
agencies follow, the counts of checks for the courts' reports, and what agencies did after a
BLOCK."""

from sqlalchemy import (
    Column,
    Date,
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
from hub.db.types import UtcDateTime

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
    # ACTIVE; ANNULLED (撤销, 法释〔2017〕7号 第九条第一款), DELETED (删除, 第十条; 第二条第二款),
    # LIFTED (解除限制消费令, 法释〔2015〕17号 第九条); REVOKED: ended before the hub told them apart
    Column("status", String(8), nullable=False),
    # when, why and by whom the entry left its list (any of the ends above; by is NULL for the
    # hub's own deletion of an entry whose term ended)
    Column("revoked_on", Date),
    Column("revoke_reason", String(128)),
    Column("published_by", String(64)),  # the judge (none for entries older than the hub)
    Column("revoked_by", String(64)),
    # 情形 (法释〔2017〕7号 第一条 (一)–(六); 法释〔2015〕17号 第一条), comma-separated codes;
    # UNKNOWN for entries published before the hub recorded it
    Column("grounds", String(96), nullable=False, server_default="UNKNOWN"),
    Column("term_years", Integer),  # 纳入期限 (第二条): 2, extended by 1–3; NULL without a term
    Column("ends_on", Date),  # the term's last day; NULL: until performance (or unknown)
    Column("extension_reason", String(128)),  # why the term was extended (第二条第一款)
    Column("end_ground", String(24)),  # the article's ground of the end (e.g. PERFORMED)
    Column("corrected_on", Date),  # the last 更正 (第九条第二款)
    Index("ix_sanction_entries_subject_id", "subject_id"),
    Index("ix_sanction_entries_status_ends_on", "status", "ends_on"),
    # the paged list of a court's entries, and a judge's by case (migration 0011)
    Index("ix_sanction_entries_court_published", "court_code", "published_on"),
    Index("ix_sanction_entries_case_number", "case_number"),
)

# For an enterprise on a list: the persons its consumption restriction binds (法释〔2015〕17号
# 第三条第二款: 法定代表人、主要负责人、影响债务履行的直接责任人员、实际控制人), as the court named them
# (or, by default, the legal representative and the principal person in charge of the register),
# each released on their own (第三条第二款; 法发〔2019〕35号 第17条).
sanction_entry_persons = Table(
    "sanction_entry_persons",
    metadata,
    Column("entry_id", String(32), ForeignKey("sanction_entries.id"), nullable=False),
    Column("id_number", String(18), nullable=False),
    Column("name", String(64), nullable=False),
    # LEGAL_REPRESENTATIVE / PRINCIPAL / DIRECTLY_RESPONSIBLE / ACTUAL_CONTROLLER; KEY_PERSONNEL:
    # a registered officer recorded before the court named persons, which binds nobody
    Column("role", String(24), nullable=False),
    Column("position", String(32)),  # the position in the register, where it had one
    Column("named_by", String(8), nullable=False, server_default="REGISTER"),  # or COURT
    Column("released_on", Date),
    Column("release_ground", String(24)),  # PRIVATE_CONSUMPTION / LEFT_OFFICE
    Column("release_reason", String(128)),
    Column("released_by", String(64)),
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
    # PUBLISHED, ANNULLED, DELETED, LIFTED, CORRECTED, RELEASED (a bound person); REVOKED (old)
    Column("change", String(12), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
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

# What an approval system did after a BLOCK (自动监督): the check (the operation's request id and
# the subject's blind index, as on the audit log), HANDLED or OVERRIDDEN with a reason; counted
# by the check's day for sanctionStats.
sanction_check_feedback = Table(
    "sanction_check_feedback",
    metadata,
    Column("request_id", String(64), nullable=False),
    Column("subject_index", String(64), nullable=False),
    Column("check_day", Date, nullable=False),
    Column("org", String(64), nullable=False),
    Column("matter", String(32), nullable=False),
    Column("action", String(12), nullable=False),  # HANDLED / OVERRIDDEN
    Column("reason", String(256)),
    Column("reported_at", UtcDateTime(), nullable=False),
    Column("reported_by", String(64), nullable=False),
    PrimaryKeyConstraint("request_id", "subject_index", name="pk_sanction_check_feedback"),
    Index("ix_sanction_check_feedback_check_day", "check_day"),
)
