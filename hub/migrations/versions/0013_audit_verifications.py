"""audit_verifications: verifications of the whole log run as background jobs

``auditIntegrity`` no longer recomputes the log in the serving process: a verification is a job
(``auditIntegrityStart``, ``auditIntegrityJob``) run in a process of its own, which writes its
progress and, when done, its report here. The partial unique index allows one RUNNING job per
hub database, whichever process or replica started it. Only a table is added.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
RUNNING = sa.text("state = 'RUNNING'")


def upgrade() -> None:
    op.create_table(
        "audit_verifications",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=True),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_verifications")),
    )
    op.create_index(
        "uq_audit_verifications_running",
        "audit_verifications",
        ["state"],
        unique=True,
        sqlite_where=RUNNING,
        postgresql_where=RUNNING,
    )


def downgrade() -> None:
    op.drop_index("uq_audit_verifications_running", table_name="audit_verifications")
    op.drop_table("audit_verifications")
