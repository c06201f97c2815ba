"""How long things are kept, and the purge that enforces it (`promisebot purge`, and the
supervisor of `promisebot run` at start and hourly).

- conversations: `retention_days` of the tracker store in endpoints.yml (30 by default),
  counted from their last message;
- answers of a request not yet sent: a day (bot.store.tracker_store.PENDING_FOR);
- unanswered questions, redacted: 90 days (UNANSWERED_KEPT_FOR);
- requests, with their staff notes and emails: PROMISEBOT_REQUEST_RETENTION_DAYS (730 by
  default) from when they were made; each purge is written to the request access log;
- staff sessions: until they expire; failed sign-ins and tester codes (hashed keys): a day;
- Council4Kidz's ratings and saved conversations (redacted): a year (TESTER_DATA_DAYS) from
  when they were made; tester codes a year after they ran out (a code lasts a year at most,
  so by then nothing made with it is left).
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
import yaml
from sqlalchemy import delete, func, select

from bot import settings
from bot.names import ROOT
from bot.store import attempts
from bot.store.database import database_url, engine, session, tracker_database_url
from bot.store.models import (
    AnswerRating,
    FailedAttempt,
    PendingAnswer,
    Request,
    RequestAccess,
    RequestNote,
    RequestUpdate,
    StaffEmail,
    StaffSession,
    TesterCode,
    TesterConversation,
    TesterSession,
    UnansweredQuestion,
)

DEFAULT_CONVERSATION_DAYS = 30
UNANSWERED_KEPT_FOR = datetime.timedelta(days=90)
TESTER_DATA_DAYS = 365  # long enough to fix what a year of Council4Kidz sessions found
EVENTS = sa.table("events", sa.column("sender_id"), sa.column("timestamp"))  # Rasa's tracker table


def configured_conversation_days() -> int:
    """`retention_days` of the tracker store in endpoints.yml: one setting for both users of it."""
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text()) or {}
    return int((endpoints.get("tracker_store") or {}).get("retention_days", DEFAULT_CONVERSATION_DAYS))


def request_days() -> int:
    return settings.number("PROMISEBOT_REQUEST_RETENTION_DAYS")


@dataclass
class Purged:
    conversations: int = 0
    pending_answers: int = 0
    unanswered_questions: int = 0
    requests: int = 0
    staff_sessions: int = 0
    tester_ratings: int = 0
    tester_conversations: int = 0
    tester_codes: int = 0
    failed_attempts: int = 0

    def __str__(self) -> str:
        return ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in vars(self).items())


def purge(conversation_days: Optional[int] = None, now: Optional[datetime.datetime] = None) -> Purged:
    now = now or datetime.datetime.utcnow()
    days = conversation_days if conversation_days is not None else configured_conversation_days()
    purged = Purged(conversations=_purge_conversations(time.time() - days * 86400))
    with session(database_url()) as db:
        purged.pending_answers = db.execute(delete(PendingAnswer).where(PendingAnswer.expires_at <= now)).rowcount
        purged.unanswered_questions = db.execute(
            delete(UnansweredQuestion).where(UnansweredQuestion.expires_at <= now)
        ).rowcount
        purged.staff_sessions = db.execute(delete(StaffSession).where(StaffSession.expires_at <= now)).rowcount
        purged.failed_attempts = db.execute(
            delete(FailedAttempt).where(FailedAttempt.at < now - attempts.KEPT_FOR)
        ).rowcount
        tester_cutoff = now - datetime.timedelta(days=TESTER_DATA_DAYS)
        purged.tester_ratings = db.execute(delete(AnswerRating).where(AnswerRating.created_at < tester_cutoff)).rowcount
        purged.tester_conversations = db.execute(
            delete(TesterConversation).where(TesterConversation.created_at < tester_cutoff)
        ).rowcount
        expired_codes = select(TesterCode.id).where(TesterCode.expires_at < tester_cutoff)
        db.execute(
            delete(TesterSession)
            .where(TesterSession.tester_code_id.in_(expired_codes))
            .execution_options(synchronize_session=False)
        )
        purged.tester_codes = db.execute(delete(TesterCode).where(TesterCode.expires_at < tester_cutoff)).rowcount
        cutoff = now - datetime.timedelta(days=request_days())
        expired = select(Request.id).where(Request.created_at < cutoff)
        # Their notes and emails first: SQLite does not enforce the foreign keys' cascade.
        for belonging in (RequestNote, RequestUpdate, StaffEmail):
            db.execute(
                delete(belonging).where(belonging.request_id.in_(expired)).execution_options(synchronize_session=False)
            )
        purged.requests = db.execute(delete(Request).where(Request.created_at < cutoff)).rowcount
        if purged.requests:
            db.add(
                RequestAccess(
                    at=now,
                    who="retention",
                    action="purge",
                    detail=f"{purged.requests} older than {request_days()} days",
                )
            )
        db.commit()
    return purged


def _purge_conversations(cutoff_timestamp: float) -> int:
    """Delete every conversation whose last event is older than the cutoff."""
    tracker_engine = engine(tracker_database_url())
    if not sa.inspect(tracker_engine).has_table("events"):
        return 0
    with tracker_engine.begin() as connection:
        stale = (
            select(EVENTS.c.sender_id)
            .group_by(EVENTS.c.sender_id)
            .having(func.max(EVENTS.c.timestamp) < cutoff_timestamp)
        )
        senders = [row[0] for row in connection.execute(stale)]
        for start in range(0, len(senders), 500):
            connection.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(senders[start : start + 500])))
        return len(senders)
