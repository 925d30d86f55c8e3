"""Audit tables: entries (append-only; redaction may only erase contents), the subjects of a
batch entry, leaves, the tree's tiles, checkpoints, witnesses' cosignatures, what the hub knows
of each witness, and the verifications of the whole log run as background jobs."""

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    text,
)

from hub.db.metadata import metadata
from hub.db.types import UtcDateTime

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")

audit_entries = Table(
    "audit_entries",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("request_id", String(64), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("org", String(64), nullable=False),
    Column("roles", String(128), nullable=False),
    Column("case_number", String(64)),
    Column("action", String(32), nullable=False),  # PROFILE_VIEW, AUDIT_QUERY, …
    Column("subject_kind", String(10)),  # PERSON / ENTERPRISE
    Column("subject_index", String(64)),  # keyed blind index (HMAC-SHA256 hex) of the subject id
    Column("outcome", String(24), nullable=False),  # OK, PARTIAL, DENIED, PURPOSE_REQUIRED, ERROR
    Column("flags", String(128), nullable=False),  # space-separated anomaly flags
    Column(
        "content", Text
    ),  # canonical JSON of the details (subject encrypted); NULL once redacted
    Column("salt", LargeBinary(16)),  # NULL once redacted
    Column("content_hash", LargeBinary(32), nullable=False),  # SHA-256(salt ‖ content)
    Column("redacted_at", UtcDateTime()),
    # An entry for many subjects (a batch sanction check): SHA-256 over its audit_subjects rows
    # in order (hub.audit.entries.subjects_hash); part of the leaf. NULL for other entries.
    Column("subjects_hash", LargeBinary(32)),
    Index("ix_audit_entries_subject_index", "subject_index"),
    Index("ix_audit_entries_user_time", "user_id", "occurred_at"),
    Index("ix_audit_entries_occurred_at", "occurred_at"),
    Index("ix_audit_entries_case_number", "case_number"),
)

# The subjects of an entry that covers many (a batch sanction check), one row each, in the order
# asked: searchable by blind index like an entry's own subject, committed to by the entry's
# subjects_hash, and redactable row by row the same way (contents and salt erased, the rest kept).
audit_subjects = Table(
    "audit_subjects",
    metadata,
    Column("entry_id", BigId, ForeignKey("audit_entries.id"), nullable=False),
    Column("position", Integer, nullable=False),  # 0-based, in the order asked
    Column("subject_kind", String(10), nullable=False),  # PERSON / ENTERPRISE
    Column("subject_index", String(64), nullable=False),  # keyed blind index of the subject id
    Column("outcome", String(24), nullable=False),  # BLOCK / ALLOW
    Column("content", Text),  # canonical JSON (subject encrypted); NULL once redacted
    Column("salt", LargeBinary(16)),  # NULL once redacted
    Column("content_hash", LargeBinary(32), nullable=False),  # SHA-256(salt ‖ content)
    Column("redacted_at", UtcDateTime()),
    PrimaryKeyConstraint("entry_id", "position", name="pk_audit_subjects"),
    Index("ix_audit_subjects_subject_index", "subject_index"),
)

audit_leaves = Table(
    "audit_leaves",
    metadata,
    Column("leaf_index", BigInteger, primary_key=True, autoincrement=False),
    Column("entry_id", BigId, ForeignKey("audit_entries.id"), nullable=False, unique=True),
    Column("leaf_hash", LargeBinary(32), nullable=False),
)

# The tree as C2SP tlog-tiles (connectors.base.tlog.tiles): tile ``tile_index`` of ``level`` holds
# ``width`` hashes, 32 bytes each, concatenated. Written by the integrator with the leaves and the
# checkpoint of each batch; the last tile of a level grows in place until it holds 256 (a
# trigger lets an UPDATE only append to ``hashes``), so any narrower width is a prefix of it.
audit_tiles = Table(
    "audit_tiles",
    metadata,
    Column("level", SmallInteger, nullable=False),
    Column("tile_index", BigInteger, nullable=False, autoincrement=False),
    Column("width", SmallInteger, nullable=False),
    Column("hashes", LargeBinary, nullable=False),
    PrimaryKeyConstraint("level", "tile_index", name="pk_audit_tiles"),
    CheckConstraint("width BETWEEN 1 AND 256 AND length(hashes) = 32 * width", name="width"),
)

audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("tree_size", BigInteger, primary_key=True, autoincrement=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),  # the signed note (C2SP checkpoint)
    Column(
        "state", Text, nullable=False
    ),  # JSON: the perfect subtrees, to append without rehashing
    Column("created_at", UtcDateTime(), nullable=False),
)

# A witness's cosignature (C2SP tlog-cosignature/v1) on a checkpoint, as the witness returned
# it: the note signature line, appended to the checkpoint's note when it is served or exported.
audit_cosignatures = Table(
    "audit_cosignatures",
    metadata,
    Column("tree_size", BigInteger, nullable=False),
    Column("witness", String(200), nullable=False),  # the witness's key name
    Column("line", Text, nullable=False),  # "— <name> <base64(key ID ‖ timestamp ‖ sig)>"
    Column("cosigned_at", UtcDateTime(), nullable=False),  # the signed timestamp
    PrimaryKeyConstraint("tree_size", "witness", name="pk_audit_cosignatures"),
    ForeignKeyConstraint(
        ["tree_size"],
        ["audit_checkpoints.tree_size"],
        name="fk_audit_cosignatures_tree_size_audit_checkpoints",
    ),
)

# What the hub knows of each witness it sends checkpoints to: the size it last cosigned (the old
# size of the next request), when, and the last round's failure. Mutable: the hub's own memory,
# not evidence (the witness keeps its own record).
audit_witnesses = Table(
    "audit_witnesses",
    metadata,
    Column("name", String(200), primary_key=True),  # the witness's key name
    Column("vkey", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("cosigned_size", BigInteger),  # NULL: unknown (the next request says old 0)
    Column("cosigned_root", LargeBinary(32)),
    Column("cosigned_at", UtcDateTime()),
    Column("checked_at", UtcDateTime()),  # the last round, successful or not
    Column("last_error", Text),  # NULL when the last round succeeded
)

# A verification of the whole log run in the background (hub.audit.verify_jobs): one RUNNING at a
# time per hub database (the partial unique index), its progress written by the process that
# runs it about once a second (updated_at is its heartbeat), its report kept when done. Mutable:
# the hub's own bookkeeping, not evidence (the report can always be computed again).
audit_verifications = Table(
    "audit_verifications",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("state", String(10), nullable=False),  # RUNNING, DONE, FAILED
    Column("requested_by", String(64), nullable=False),  # the auditor's user id
    Column("started_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
    Column("checked", BigInteger, nullable=False),  # leaves verified so far
    Column("total", BigInteger),  # leaves to verify (the latest checkpoint's size), once known
    Column("report", Text),  # JSON, once DONE
    Column("error", Text),  # why it FAILED
    Index(
        "uq_audit_verifications_running",
        "state",
        unique=True,
        sqlite_where=text("state = 'RUNNING'"),
        postgresql_where=text("state = 'RUNNING'"),
    ),
)
