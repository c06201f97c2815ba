"""Tables. Nothing here holds a child's words or an id that could lead back to them."""
from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class SafeguardingCount(Base):
    """How many disclosures were answered, per ISO week, age band, kind and channel.

    Staff see that disclosures happen and of what kind, to plan support; no text, no
    sender id, no time finer than a week.
    """

    __tablename__ = "safeguarding_counts"
    __table_args__ = (UniqueConstraint("iso_week", "age_band", "kind", "channel"),)

    id = Column(Integer, primary_key=True)
    iso_week = Column(String(8), nullable=False)  # e.g. 2026-W48
    age_band = Column(String(16), nullable=False)  # up_to_11 ... or "unknown"
    kind = Column(String(32), nullable=False)  # detector kind, or "classifier"
    channel = Column(String(32), nullable=False)
    count = Column(Integer, nullable=False, default=0)


class Request(Base):
    """A complaint, an advocacy request or a message for a social worker.

    The only place a child's own words are kept, because a person must act on them.
    """

    __tablename__ = "requests"

    id = Column(Integer, primary_key=True)
    reference = Column(String(20), unique=True)  # C-2026-000123, set from the id on insert
    kind = Column(String(16), nullable=False)  # complaint, advocacy, social_worker
    status = Column(String(16), nullable=False, default="new")  # new, in_progress, done
    details = Column(JSON, nullable=False)  # the answers, by question
    known_name = Column(String(200))
    contact_preference = Column(String(20))
    contact_detail = Column(String(200))
    urgency = Column(String(16))
    channel = Column(String(32))
    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime, nullable=False)
    handled_by = Column(String(100))
