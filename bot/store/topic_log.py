"""The topic log: one row per bot turn - ISO week, age band, topic, channel, outcome - and the
questions the bot did not understand, redacted, for 90 days. No text elsewhere, no sender id.

Written from the event broker (bot.store.topic_broker), which the tracker store hands every
saved turn, whichever action answered it; the turn's safeguarding counts (bot.store.counters)
are written in the same transaction.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Counter, Dict, List, Optional, Sequence, Tuple

from rasa.shared.core.constants import ACTION_SESSION_START_NAME
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, Event, SlotSet, UserUttered
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.names import (
    COUNT_CHECK_IN,
    COUNT_FOLLOW_UP,
    COUNT_UNNAMED_KIND,
    FLOW_OF_FORM,
    SAFEGUARDING_COUNT_SLOT,
)
from bot.privacy.redaction import redact
from bot.safeguarding.patterns import DETECTED_KINDS
from bot.store.counters import add_disclosures, iso_week
from bot.store.database import database_url, session
from bot.store.models import TopicTurn, UnansweredQuestion
from bot.store.retention import UNANSWERED_KEPT_FOR

OUTCOMES = (
    "answered",
    "not understood",
    "flow started",
    "flow step",
    "flow completed",
    "flow cancelled",
    "safeguarding",
)
NOT_UNDERSTOOD_INTENTS = {"nlu_fallback", "out_of_scope"}
PROMISE_SOURCE = "promises.yml "
COUNTED_KINDS = DETECTED_KINDS | {COUNT_UNNAMED_KIND, COUNT_CHECK_IN, COUNT_FOLLOW_UP}


@dataclass(frozen=True)
class Turn:
    topic: str
    outcome: str
    age_band: str
    channel: str
    not_understood_text: Optional[str] = None  # the message, to be redacted before it is kept
    promise_source: Optional[str] = None  # the one promise it answered, by its content source


def summarise(
    new_events: Sequence[Event], age_band: Optional[str], active_loop_before: Optional[str]
) -> Optional[Turn]:
    """What one turn was about and how it ended, from the events it added."""
    users = [e for e in new_events if isinstance(e, UserUttered)]
    if not users:
        return None  # no message in this save (a session start, say)
    user = users[-1]
    intent = (user.intent or {}).get("name") or "unknown"
    actions = {e.action_name for e in new_events if isinstance(e, ActionExecuted)}
    loops = [e.name for e in new_events if isinstance(e, ActiveLoop)]
    flow = FLOW_OF_FORM.get(active_loop_before or "") or next(
        (FLOW_OF_FORM[n] for n in loops if n in FLOW_OF_FORM), None
    )
    completed = any(isinstance(e, SlotSet) and e.key == "request_reference" and e.value for e in new_events)
    topic = f"flow:{flow}" if flow else intent
    if intent == "safeguarding_disclosure" or "action_safeguarding" in actions:
        outcome = "safeguarding"
    elif completed:
        outcome = "flow completed"
    elif "action_cancel_flow" in actions:
        outcome = "flow cancelled"
    elif flow and active_loop_before not in FLOW_OF_FORM:
        outcome = "flow started"
    elif flow:
        outcome = "flow step"
    elif intent in NOT_UNDERSTOOD_INTENTS or "action_fallback" in actions:
        outcome = "not understood"
    else:
        outcome = "answered"
    return Turn(
        topic=topic,
        outcome=outcome,
        age_band=age_band or "unknown",
        channel=user.input_channel or "rest",
        not_understood_text=user.text if outcome == "not understood" else None,
        promise_source=promise_answered(new_events),
    )


def promise_answered(new_events: Sequence[Event]) -> Optional[str]:
    """The content source of the one promise a turn quoted ("promises.yml BAND THEME: text"),
    from the bot's messages (bot/replies.py names each one's source); None for anything else."""
    for event in new_events:
        source = ((event.data or {}).get("custom") or {}).get("source") if isinstance(event, BotUttered) else None
        if isinstance(source, str) and source.startswith(PROMISE_SOURCE) and ": " in source:
            return source[:160]
    return None


def safeguarding_counted(new_events: Sequence[Event]) -> Counter:
    """The safeguarding answers a turn gave, as the actions marked them for counting (a value
    not on the list, which only a crafted payload could make, is not counted)."""
    return Counter(
        e.value
        for e in new_events
        if isinstance(e, SlotSet) and e.key == SAFEGUARDING_COUNT_SLOT and e.value in COUNTED_KINDS
    )


def without_carried_over_slots(new_events: Sequence[Event]) -> List[Event]:
    """A turn's events without the slots a new session copies over from the last one: Rasa's
    action_session_start sets again every slot ever set, a safeguarding answer's count mark and a
    request's reference too, and those were counted when they happened."""
    kept, carrying = [], False
    for event in new_events:
        if isinstance(event, ActionExecuted):  # the copies come between this and action_listen
            carrying = event.action_name == ACTION_SESSION_START_NAME
        if not (carrying and isinstance(event, SlotSet)):
            kept.append(event)
    return kept


def record_turn(
    new_events: Sequence[Event], age_band: Optional[str], active_loop_before: Optional[str], url: Optional[str] = None
) -> None:
    """A saved turn's topic-log row (and its question, redacted, if it was not understood) and
    its safeguarding counts, in one transaction: a turn is counted whole or not at all."""
    new_events = without_carried_over_slots(new_events)
    turn = summarise(new_events, age_band, active_loop_before)
    if turn is None:
        return
    week, counted = iso_week(), safeguarding_counted(new_events)
    for _ in range(3):
        with session(url or database_url()) as db:
            db.add(
                TopicTurn(
                    iso_week=week,
                    age_band=turn.age_band,
                    topic=turn.topic,
                    channel=turn.channel,
                    outcome=turn.outcome,
                    answer_source=turn.promise_source,
                )
            )
            if turn.not_understood_text and turn.not_understood_text.strip():
                db.add(
                    UnansweredQuestion(
                        iso_week=week,
                        age_band=turn.age_band,
                        channel=turn.channel,
                        text=redact(turn.not_understood_text)[:1000],
                        expires_at=datetime.datetime.utcnow() + UNANSWERED_KEPT_FOR,
                    )
                )
            add_disclosures(db, week, turn.age_band, turn.channel, counted)
            try:
                db.commit()
                return
            except IntegrityError:  # another process inserted the same count's row first
                db.rollback()
    raise RuntimeError("could not record the turn's counts")


# --- what staff see (bot/staff) ------------------------------------------------------------


def counts_by(*columns: str, weeks: Optional[Sequence[str]] = None, url: Optional[str] = None) -> List[Tuple]:
    """Turn counts grouped by the given TopicTurn columns, in the given ISO weeks or all; raw
    numbers (suppress on display)."""
    fields = [getattr(TopicTurn, c) for c in columns]
    query = select(*fields, func.count()).group_by(*fields).order_by(*fields)
    if weeks is not None:
        query = query.where(TopicTurn.iso_week.in_(list(weeks)))
    with session(url) as db:
        return [tuple(row) for row in db.execute(query)]


def funnels(weeks: Optional[Sequence[str]] = None, url: Optional[str] = None) -> Dict[str, Dict[str, int]]:
    """Per flow: how many were started, completed, cancelled (in the given ISO weeks, or all)."""
    result: Dict[str, Dict[str, int]] = {
        f: {"flow started": 0, "flow completed": 0, "flow cancelled": 0} for f in FLOW_OF_FORM.values()
    }
    for topic, outcome, count in counts_by("topic", "outcome", weeks=weeks, url=url):
        flow = topic.split(":", 1)[1] if topic.startswith("flow:") else None
        if flow in result and outcome in result[flow]:
            result[flow][outcome] += count
    return result


def promise_counts(weeks: Sequence[str], url: Optional[str] = None) -> Dict[Tuple[str, str, str], int]:
    """Turns that answered one promise, in the given ISO weeks: (band, theme, the promise's
    words as its source has them) -> raw count (suppress on display)."""
    counts: Dict[Tuple[str, str, str], int] = {}
    for source, count in counts_by("answer_source", weeks=weeks, url=url):
        if source and source.startswith(PROMISE_SOURCE) and ": " in source:
            where, words = source[len(PROMISE_SOURCE) :].split(": ", 1)
            band, _, theme = where.partition(" ")
            counts[(band, theme, words)] = counts.get((band, theme, words), 0) + count
    return counts


def unanswered(url: Optional[str] = None, limit: int = 200) -> List[UnansweredQuestion]:
    with session(url) as db:
        return list(
            db.execute(select(UnansweredQuestion).order_by(UnansweredQuestion.id.desc()).limit(limit)).scalars()
        )
