"""Tables. Only `requests` holds a child's words for as long as a person needs them;
`pending_answers` holds the answers of a request still being filled in, for a day at most;
`unanswered_questions` holds redacted questions for 90 days. Nothing else holds any text or
an id that could lead back to a child."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import registry
from sqlalchemy.orm.decl_api import DeclarativeMeta

_registry = registry()


class Base(metaclass=DeclarativeMeta):
    """What declarative_base() makes, written out so mypy can see it is a class (SQLAlchemy 1.4's way
    to type-check without its plugin)."""

    __abstract__ = True
    registry = _registry
    metadata = _registry.metadata
    __init__ = _registry.constructor


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
    status = Column(String(16), nullable=False, default="new")  # bot.store.requests.STATUSES
    details = Column(JSON, nullable=False)  # the answers, by question
    known_name = Column(String(200))
    contact_preference = Column(String(20))
    contact_detail = Column(String(200))
    urgency = Column(String(16))
    channel = Column(String(32))
    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime, nullable=False)
    handled_by = Column(String(100))  # the caseworker who owns it
    age_band = Column(String(16))
    safeguarding = Column(Boolean, nullable=False, default=False)  # a safeguarding answer came earlier in the chat
    # When each step the timescales count was first reached (bot.casework.timescales).
    acknowledged_at = Column(DateTime)
    answered_at = Column(DateTime)
    closed_at = Column(DateTime)
    # The chat to send the council's news to, sealed (bot.casework.reply_address); only when
    # the child chose "Here in this chat", and only until it is closed and its news delivered.
    reply_address = Column(String(400))
    # In the web chat the child keeps a code instead (bot.casework.news_codes): only its hash
    # is kept, and wrong codes lock the request's news for a while.
    news_code_hash = Column(String(128))
    news_code_failures = Column(Integer, nullable=False, default=0)
    news_code_locked_until = Column(DateTime)


class RequestNote(Base):
    """A caseworker's note on a request: for staff only, kept and purged with the request."""

    __tablename__ = "request_notes"

    id = Column(Integer, primary_key=True)
    request_id = Column(Integer, ForeignKey("requests.id", ondelete="CASCADE"), nullable=False, index=True)
    at = Column(DateTime, nullable=False)
    who = Column(String(100), nullable=False)
    text = Column(Text, nullable=False)


class RequestUpdate(Base):
    """News for the child about their request, in the council's words: a caseworker's reply,
    or a change of status. Delivered to the chat the child chose (bot.casework.child_replies)."""

    __tablename__ = "request_updates"

    id = Column(Integer, primary_key=True)
    request_id = Column(Integer, ForeignKey("requests.id", ondelete="CASCADE"), nullable=False, index=True)
    at = Column(DateTime, nullable=False)
    who = Column(String(100), nullable=False)
    kind = Column(String(16), nullable=False)  # reply, or the status it moved to
    text = Column(Text, nullable=False)  # as the child reads it
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime, nullable=False, index=True)
    delivered_at = Column(DateTime)
    last_error = Column(String(300))


class StaffEmail(Base):
    """An email telling a team inbox that a request has arrived: written in the same
    transaction as the request, sent (and retried) by bot.casework.mail. It holds no text:
    the message is composed from the request's reference, kind, urgency and age band when sent."""

    __tablename__ = "staff_emails"

    id = Column(Integer, primary_key=True)
    request_id = Column(Integer, ForeignKey("requests.id", ondelete="CASCADE"), nullable=False, index=True)
    inbox = Column(String(32), nullable=False)  # complaints, advocacy, social_work or duty
    created_at = Column(DateTime, nullable=False)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime, nullable=False, index=True)
    sent_at = Column(DateTime)
    last_error = Column(String(300))  # what the mail server said: never the child's words


class PendingAnswer(Base):
    """An answer to a request that is still being filled in.

    The conversation store keeps only redacted copies, so the child's exact words wait here
    until the request is sent or cancelled (then deleted), or a day has passed.
    """

    __tablename__ = "pending_answers"
    __table_args__ = (UniqueConstraint("sender_id", "slot"),)

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, index=True)  # a keyed hash for Telegram and web chat
    slot = Column(String(64), nullable=False)
    value = Column(Text, nullable=False)
    expires_at = Column(DateTime, nullable=False, index=True)


class TopicTurn(Base):
    """One row per bot turn: what was asked about and what happened. No text, no sender."""

    __tablename__ = "topic_turns"

    id = Column(Integer, primary_key=True)
    iso_week = Column(String(8), nullable=False, index=True)
    age_band = Column(String(16), nullable=False)
    topic = Column(String(64), nullable=False)  # an intent, or flow:NAME inside a request flow
    channel = Column(String(32), nullable=False)
    outcome = Column(String(24), nullable=False)  # see bot.store.topic_log.OUTCOMES
    # The promise it answered, as its content source ("promises.yml 12_15 education: We will..."):
    # the council's words, so analysts can count by promise.
    answer_source = Column(String(160))


class UnansweredQuestion(Base):
    """A message the bot did not understand, redacted, kept to improve the bot."""

    __tablename__ = "unanswered_questions"

    id = Column(Integer, primary_key=True)
    iso_week = Column(String(8), nullable=False)
    age_band = Column(String(16), nullable=False)
    channel = Column(String(32), nullable=False)
    text = Column(Text, nullable=False)  # redacted
    expires_at = Column(DateTime, nullable=False, index=True)


class RequestAccess(Base):
    """Every time someone looked at or changed requests: who, when, what."""

    __tablename__ = "request_access_log"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False)
    who = Column(String(100), nullable=False)
    action = Column(String(32), nullable=False)  # list, view, update, purge
    reference = Column(String(20))  # none for a list
    detail = Column(String(200))  # e.g. "status in_progress", "12 shown"


class StaffUser(Base):
    __tablename__ = "staff_users"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), unique=True, nullable=False)
    password_hash = Column(String(255), nullable=False)  # scrypt, with its parameters and salt
    role = Column(String(16), nullable=False)  # analyst, caseworker, admin
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime, nullable=False)
    # A one-time link to set the password (a new account, or a reset): only its hash is kept.
    setup_token_hash = Column(String(64))
    setup_token_expires_at = Column(DateTime)
    # The second factor (TOTP, RFC 6238): the secret, whether it is confirmed and asked for,
    # and the last time step used, so a code is never accepted twice.
    totp_secret = Column(String(64))
    totp_on = Column(Boolean, nullable=False, default=False)
    totp_last_step = Column(Integer)


class StaffSession(Base):
    """A signed-in staff member. The cookie holds a random token; only its hash is stored."""

    __tablename__ = "staff_sessions"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), unique=True, nullable=False)
    user_id = Column(Integer, ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False)
    csrf_token = Column(String(64), nullable=False)
    expires_at = Column(DateTime, nullable=False)
    last_seen_at = Column(DateTime)  # a session idle for longer than users.IDLE_MINUTES is over


class TesterCode(Base):
    """A Council4Kidz tester code: turns on the web chat's test mode. Only its hash is kept."""

    __tablename__ = "tester_codes"

    id = Column(Integer, primary_key=True)
    code_hash = Column(String(64), unique=True, nullable=False)
    label = Column(String(100), nullable=False)  # e.g. "Council4Kidz session, March"
    created_at = Column(DateTime, nullable=False)
    expires_at = Column(DateTime, nullable=False)


class AnswerRating(Base):
    """A tester's thumbs up or down on one bot answer. Testers are testing: no child's data."""

    __tablename__ = "answer_ratings"

    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False)
    tester_code_id = Column(Integer, ForeignKey("tester_codes.id", ondelete="SET NULL"))
    source = Column(String(200), nullable=False)  # the content that produced the answer
    answer = Column(Text, nullable=False)  # what the bot said
    rating = Column(Integer, nullable=False)  # +1 or -1
    comment = Column(Text)  # redacted, in case a tester types something personal
    age_band = Column(String(16))


class TesterConversation(Base):
    """A tester's conversation, saved as a Rasa conversation test to go into tests/."""

    __tablename__ = "tester_conversations"

    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False)
    tester_code_id = Column(Integer, ForeignKey("tester_codes.id", ondelete="SET NULL"))
    title = Column(String(200), nullable=False)
    story = Column(Text, nullable=False)  # YAML test story (the tracker store has already redacted it)
    exported_to = Column(String(300))  # the file `promisebot testers save-tests` wrote it to


class FailedAttempt(Base):
    """One wrong password or tester code, kept a day at most. Counted here, not in memory, so
    that every process and replica sees the same count (bot.attempts). The key (a username, an
    address, a session) is stored only as a hash."""

    __tablename__ = "failed_attempts"
    __table_args__ = (Index("ix_failed_attempts_guarded_key", "guarded", "key_hash"),)

    id = Column(Integer, primary_key=True)
    guarded = Column(String(24), nullable=False)
    key_hash = Column(String(64), nullable=False)
    at = Column(DateTime, nullable=False, index=True)


class TesterSession(Base):
    """A web chat session that entered a tester code: only it may rate answers or save its
    conversation with that code."""

    __tablename__ = "tester_sessions"
    __table_args__ = (UniqueConstraint("tester_code_id", "session_hash"),)

    id = Column(Integer, primary_key=True)
    tester_code_id = Column(Integer, ForeignKey("tester_codes.id", ondelete="CASCADE"), nullable=False)
    session_hash = Column(String(64), nullable=False)  # the session's keyed hash, as Rasa knows it
    started_at = Column(DateTime, nullable=False)
