"""Where Rasa keeps conversations: its SQL tracker store, made to forget.

Rasa's own SQL tracker store writes every message in plain text and keeps it for ever. This
subclass (configured in endpoints.yml):

- redacts before anything is written: the young person's messages, the bot's messages (which
  read answers back), and text slot values, with `bot.privacy`; a name or a phone number
  given in answer to "what name..." / "what number..." is replaced whole; what a channel sent
  with a message (metadata: a sealed reply address, bot.casework.reply_address) is dropped;
- keeps the exact answers of a request still being filled in out of the conversation, in
  `pending_answers`, for a day at most, and puts them back when the conversation is loaded,
  so the request the child sends says what they wrote (see bot.store.models.PendingAnswer);
- deletes a conversation when the young person asks ("delete my chat", /forget); one not
  touched for `retention_days` (30 by default) is purged on a schedule, never while a message
  is being saved (bot.store.retention, run by the supervisor and `promisebot purge`);
- hands each saved turn, redacted as stored, to the event broker of endpoints.yml (Rasa's
  extension point for analytics): bot.store.topic_broker writes the topic log from it.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import logging
import re
from collections import OrderedDict
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

import rasa.shared.utils.cli
from rasa.core.tracker_store import POSTGRESQL_SCHEMA, SQLTrackerStore, ensure_schema_exists
from rasa.shared.core.constants import SESSION_START_METADATA_SLOT
from rasa.shared.core.events import ActiveLoop, BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import delete, select
from sqlalchemy.engine import make_url

from bot.names import AGE_BAND_SLOT, FREE_TEXT_SLOTS, PROMISE_BAND, SHORT_TEXT_SLOTS, TURN_KEY
from bot.privacy.failures import log_failure
from bot.privacy.redaction import redact
from bot.store.database import (
    database_url,
    overwrite_deleted_rows,
    require_current_schema,
    session,
    tracker_database_url,
    usable_url,
)
from bot.store.models import PendingAnswer

logger = logging.getLogger(__name__)

KEPT_ANSWERS = FREE_TEXT_SLOTS + SHORT_TEXT_SLOTS  # put back on load while a request is filled in
WHOLE_ANSWER_PLACEHOLDER = {"known_name": "[NAME]", "contact_detail": "[CONTACT]"}
PENDING_FOR = datetime.timedelta(days=1)
FORGET_SLOT = "forget_conversation"
# On a tracker this store loaded or saved: how many of its events the database holds, so saving
# the turn needs no query to count them. Rasa handles one message of a conversation at a time
# (its lock store, shared by replicas), so nothing else writes them in between. A tracker
# built elsewhere (Rasa's API replacing a conversation) has none, and the database is asked.
EVENTS_STORED = "promisebot_events_stored"


# The bot says the same content over and over (a band's promises are long), so its redacted
# text is kept by a hash of the text: redacting a long answer again took longer than the rest
# of saving a turn. Only the redacted text, which is stored anyway, is held.
_redacted_bot_texts: "OrderedDict[bytes, str]" = OrderedDict()
BOT_TEXTS_KEPT = 2048


def redact_bot_text(text: str) -> str:
    key = hashlib.sha256(text.encode()).digest()
    if key in _redacted_bot_texts:
        _redacted_bot_texts.move_to_end(key)
        return _redacted_bot_texts[key]
    safe = _redacted_bot_texts[key] = redact(text)
    if len(_redacted_bot_texts) > BOT_TEXTS_KEPT:
        _redacted_bot_texts.popitem(last=False)
    return safe


def redact_event(event: Event, requested_slot: Optional[str], answers: Iterable[Tuple[str, str]]) -> Event:
    """A copy of `event` that is safe to store."""
    data = event.as_dict()
    if isinstance(event, UserUttered):
        text = data.get("text") or ""
        # The answer to "what name / what number?" is a name or a number, however it looks.
        safe = WHOLE_ANSWER_PLACEHOLDER.get(requested_slot or "") if text else None
        safe = safe or redact(text)
        data["text"] = safe
        if isinstance(data.get("parse_data"), dict):  # metadata: the channel's (a sealed reply address)
            data["parse_data"] = {**data["parse_data"], "text": safe, "metadata": {}}
        data["metadata"] = {}
    elif isinstance(event, BotUttered):
        text = data.get("text") or ""
        for slot, value in answers:  # the read-back of a request quotes the answers
            if value and value.strip():
                placeholder = WHOLE_ANSWER_PLACEHOLDER.get(slot, f"[{slot.upper()}]")
                text = re.sub(rf"(?<!\w){re.escape(value.strip())}(?!\w)", placeholder, text)
        data["text"] = redact_bot_text(text)
    elif isinstance(event, SlotSet) and event.key == SESSION_START_METADATA_SLOT:
        data["value"] = None  # Rasa copies the first message's metadata here
    elif isinstance(event, SlotSet) and isinstance(event.value, str):
        data["value"] = WHOLE_ANSWER_PLACEHOLDER.get(event.key) or redact(event.value)
    else:
        return event
    return Event.from_parameters(data)


class RedactingTrackerStore(SQLTrackerStore):
    def __init__(
        self,
        domain=None,
        host=None,
        event_broker=None,
        url: Optional[str] = None,
        retention_days: int = 30,
        **kwargs: Any,
    ) -> None:
        database = make_url(usable_url(url or tracker_database_url()))
        super().__init__(
            domain=domain,
            dialect=database.drivername,
            host=database.host,
            port=database.port,
            db=database.database,
            username=database.username,
            password=database.password,
            query=dict(database.query) or None,
            event_broker=event_broker,
            **kwargs,
        )
        overwrite_deleted_rows(self.engine)
        self.engine.hide_parameters = True  # Rasa logs a failed save: never with the events' text in it
        self.retention_days = int(retention_days)  # what the purge keeps (bot.store.retention reads it)
        # Pending answers and the topic log live in the project's database, migrated once before the
        # services start (bot.supervisor): checked here, never changed.
        require_current_schema(database_url())

    @contextlib.contextmanager
    def session_scope(self) -> Iterator[Any]:
        """Rasa's, except that an error while handling one message fails that message only.
        Rasa's own stops the whole server on any ValueError, taking it to mean a missing
        PostgreSQL schema (a sender id SQLite could not encode did that)."""
        session = self.sessionmaker()
        try:
            try:
                ensure_schema_exists(session)
            except ValueError as missing:
                rasa.shared.utils.cli.print_error_and_exit(
                    f"PostgreSQL schema '{missing}' was not found in the database: create it, or unset "
                    f"{POSTGRESQL_SCHEMA}."
                )
            yield session
        finally:
            session.close()

    # --- loading -----------------------------------------------------------------------
    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            setattr(tracker, EVENTS_STORED, len(tracker.events))
        # Only a conversation with an answer kept (redacted) in a slot can have one waiting.
        waiting = tracker is not None and any(tracker.get_slot(s) is not None for s in KEPT_ANSWERS)
        pending = pending_answers(sender_id) if waiting else {}
        if not pending:
            return tracker
        # The stored answers are redacted: put back what was written, in the events themselves,
        # because Rasa rebuilds slot values from events whenever it copies a tracker.
        events = list(tracker.events)
        for slot, value in pending.items():
            last = max((i for i, e in enumerate(events) if isinstance(e, SlotSet) and e.key == slot), default=None)
            if last is not None and events[last].value is not None:
                events[last] = SlotSet(slot, value, timestamp=events[last].timestamp)
        restored = DialogueStateTracker.from_events(sender_id, events, slots=self.domain.slots)
        setattr(restored, EVENTS_STORED, len(events))
        return restored

    # --- saving ------------------------------------------------------------------------
    async def save(self, tracker: DialogueStateTracker) -> None:
        with self.session_scope() as db:
            stored = getattr(tracker, EVENTS_STORED, None)
            if stored is None:
                stored = self._event_query(db, tracker.sender_id, fetch_events_from_all_sessions=False).count()
            new_events = list(tracker.events)[stored:]
            if len(tracker.events) < stored or any(
                isinstance(e, SlotSet) and e.key == FORGET_SLOT and e.value for e in new_events
            ):
                # Replaced by a shorter history (Rasa's API, used by /forget) or asked to forget.
                db.execute(delete(self.SQLEvent).where(self.SQLEvent.sender_id == tracker.sender_id))
                db.commit()
                vars(tracker).pop(EVENTS_STORED, None)
                forget_pending_answers(tracker.sender_id)
                return
            saved = [event.as_dict() for event in self._redacted(tracker, stored)]  # stored, then published
            for data in saved:
                db.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=data["event"],
                        timestamp=data.get("timestamp"),
                        intent_name=(data.get("parse_data") or {}).get("intent", {}).get("name"),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            db.commit()
            setattr(tracker, EVENTS_STORED, len(tracker.events))
        keep_pending_answers(tracker.sender_id, new_events)
        self.publish(tracker, saved, stored)

    def publish(self, tracker: DialogueStateTracker, saved: List[Dict[str, Any]], stored: int) -> None:
        """The turn's events to the event broker, once they are stored, as Rasa's own tracker
        stores stream them (sender id and event), redacted as stored, never the raw ones. Each
        body also carries what a turn's events cannot say by themselves, under TURN_KEY: the
        age band, the form that was asking before the turn, and whether it is the turn's last.
        (Rasa's stream_events would load the whole conversation again to find the new events.)"""
        if self.event_broker is None or not saved:
            return
        band = tracker.get_slot(AGE_BAND_SLOT)
        context = {
            "age_band": band if isinstance(band, str) and band in PROMISE_BAND else None,
            "active_loop_before": active_loop_before(tracker, stored),
        }
        for index, data in enumerate(saved):
            body = {"sender_id": tracker.sender_id, **data}
            body[TURN_KEY] = {**context, "last": index == len(saved) - 1}
            try:  # a failure to count must never lose the conversation, which is stored already
                self.event_broker.publish(body)
            except Exception as error:
                log_failure(logger, "could not publish a saved turn", error)
                return

    def _redacted(self, tracker: DialogueStateTracker, first_new: int) -> Iterator[Event]:
        # Every answer this conversation holds, as written: `retrieve` put the waiting ones back
        # into the events, and this turn's are new events (a read-back quotes them). Longest
        # first, so an answer inside another ("Sam" in "Sam's room") never splits it.
        answers = sorted(
            {
                (e.key, e.value)
                for e in tracker.events
                if isinstance(e, SlotSet) and e.key in KEPT_ANSWERS and isinstance(e.value, str)
            },
            key=lambda answer: (-len(answer[1]), answer),
        )
        requested_slot = None
        for index, event in enumerate(tracker.events):
            if index >= first_new:
                yield redact_event(event, requested_slot, answers)
            if isinstance(event, SlotSet) and event.key == "requested_slot":
                requested_slot = event.value
            elif isinstance(event, ActiveLoop) and event.name is None:
                requested_slot = None


def active_loop_before(tracker: DialogueStateTracker, index: int) -> Optional[str]:
    """The form that was active before event `index` (None when none was)."""
    loop = None
    for event in list(tracker.events)[:index]:
        if isinstance(event, ActiveLoop):
            loop = event.name
    return loop


def pending_answers(sender_id: str) -> Dict[str, str]:
    now = datetime.datetime.utcnow()
    with session(database_url()) as db:
        rows = db.execute(
            select(PendingAnswer).where(PendingAnswer.sender_id == sender_id, PendingAnswer.expires_at > now)
        ).scalars()
        return {row.slot: row.value for row in rows}


def forget_pending_answers(sender_id: str) -> None:
    with session(database_url()) as db:
        db.execute(delete(PendingAnswer).where(PendingAnswer.sender_id == sender_id))
        db.commit()


def keep_pending_answers(sender_id: str, new_events: List[Event]) -> None:
    """Remember this turn's answers (or forget them once cleared) until the request is sent."""
    changes = {e.key: e.value for e in new_events if isinstance(e, SlotSet) and e.key in KEPT_ANSWERS}
    if not changes:
        return
    expires = datetime.datetime.utcnow() + PENDING_FOR
    with session(database_url()) as db:
        for slot, value in changes.items():
            db.execute(delete(PendingAnswer).where(PendingAnswer.sender_id == sender_id, PendingAnswer.slot == slot))
            if isinstance(value, str) and value:
                db.add(PendingAnswer(sender_id=sender_id, slot=slot, value=value, expires_at=expires))
        db.commit()
