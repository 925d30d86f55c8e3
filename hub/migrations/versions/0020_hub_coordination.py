"""hub_leases, hub_processes, hub_policy_generations: several hub processes on one database

Singleton background jobs run in the process holding their lease; each serving process reports
itself and the policy generation it serves; `fyt policy reload` records policy generations that
every process follows (hub/db/coordination.py). Only tables are added.

Revision ID: 0020
Revises: 0016
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hub_leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("taken_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_hub_leases")),
    )
    op.create_table(
        "hub_processes",
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("host", sa.String(length=128), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("seen_at", sa.Float(), nullable=False),
        sa.Column("policy_generation", sa.Integer(), nullable=True),
        sa.Column("policy_digest", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("holder", name=op.f("pk_hub_processes")),
    )
    op.create_table(
        "hub_policy_generations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("files", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.Float(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_policy_generations")),
    )


def downgrade() -> None:
    op.drop_table("hub_policy_generations")
    op.drop_table("hub_processes")
    op.drop_table("hub_leases")
