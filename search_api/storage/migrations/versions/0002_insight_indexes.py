"""Indexes for the editors' insight page: the volume figures (per day, outcome, department, first
article) and the click figures (per article and position) are read from an index alone.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_searches_time_outcome", "searches", ["time", "outcome", "department_id", "top_article"])
    op.create_index("ix_clicks_time_article", "clicks", ["time", "article_id", "position", "search_id"])


def downgrade() -> None:
    op.drop_index("ix_clicks_time_article", table_name="clicks")
    op.drop_index("ix_searches_time_outcome", table_name="searches")
