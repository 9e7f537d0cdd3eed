"""The search log: searches, clicks and feedback.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("search_id", sa.String(length=32), nullable=False),
        sa.Column("time", sa.DateTime(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("normalized", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("department_id", sa.String(length=60), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("in_scope", sa.Float(), nullable=True),
        sa.Column("top_article", sa.String(length=120), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("search_id"),
    )
    op.create_index("ix_searches_time", "searches", ["time"])
    op.create_index("ix_searches_outcome", "searches", ["outcome"])
    op.create_table(
        "clicks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("search_id", sa.String(length=32), nullable=False),
        sa.Column("time", sa.DateTime(), nullable=False),
        sa.Column("article_id", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_clicks_search_id", "clicks", ["search_id"])
    op.create_index("ix_clicks_time", "clicks", ["time"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("search_id", sa.String(length=32), nullable=True),
        sa.Column("time", sa.DateTime(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("article_id", sa.String(length=120), nullable=True),
        sa.Column("department_id", sa.String(length=60), nullable=True),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_feedback_search_id", "feedback", ["search_id"])
    op.create_index("ix_feedback_time", "feedback", ["time"])


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_table("clicks")
    op.drop_table("searches")
