"""The search log's tables. Times are UTC without a zone (the same in SQLite and PostgreSQL).

No IP address, no user or session identifier: a search is known by a random `search_id` only,
which ties a click and feedback to it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SEARCH_ID_LENGTH = 32  # uuid4 as hex


class Base(DeclarativeBase):
    pass


class Search(Base):
    """One search, as the service answered it."""

    __tablename__ = "searches"
    # the insight page's volume figures read this index alone (migration 0002)
    __table_args__ = (Index("ix_searches_time_outcome", "time", "outcome", "department_id", "top_article"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    search_id: Mapped[str] = mapped_column(String(SEARCH_ID_LENGTH), unique=True)
    time: Mapped[datetime] = mapped_column(DateTime, index=True)
    query: Mapped[str] = mapped_column(Text, doc="As asked, personal data masked")
    normalized: Mapped[str] = mapped_column(Text, doc="Lower case, no punctuation, single spaces: what is grouped on")
    language: Mapped[str | None] = mapped_column(String(8))
    channel: Mapped[str | None] = mapped_column(String(16), doc="page, widget, console or api; null when not known")
    outcome: Mapped[str] = mapped_column(String(16), index=True, doc="routed, ambiguous, off_topic or no_results")
    department_id: Mapped[str | None] = mapped_column(String(60))
    confidence: Mapped[float | None] = mapped_column(Float)
    in_scope: Mapped[float | None] = mapped_column(Float)
    top_article: Mapped[str | None] = mapped_column(String(120))
    latency_ms: Mapped[float | None] = mapped_column(Float)


class Click(Base):
    """A result that was opened: which article, at which position (0: the answer's link, 1: the first result)."""

    __tablename__ = "clicks"
    __table_args__ = (Index("ix_clicks_time_article", "time", "article_id", "position", "search_id"),)  # the click figures

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    search_id: Mapped[str] = mapped_column(String(SEARCH_ID_LENGTH), index=True)
    time: Mapped[datetime] = mapped_column(DateTime, index=True)
    article_id: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer)


class Feedback(Base):
    """"Nuttig / niet nuttig" on an answer, from the website or from staff."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    search_id: Mapped[str | None] = mapped_column(String(SEARCH_ID_LENGTH), index=True)
    time: Mapped[datetime] = mapped_column(DateTime, index=True)
    query: Mapped[str] = mapped_column(Text, doc="As asked, personal data masked")
    article_id: Mapped[str | None] = mapped_column(String(120))
    department_id: Mapped[str | None] = mapped_column(String(60))
    helpful: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text, doc="Personal data masked")
    channel: Mapped[str] = mapped_column(String(16), doc="web or staff")
