"""The event broker for staff's anonymous figures, the topic log and the safeguarding counts:
Rasa's extension point for analytics (endpoints.yml).

The tracker store publishes each saved turn, event by event, redacted as stored
(bot.store.tracker_store.RedactingTrackerStore.publish); each body carries, under TURN_KEY,
the age band, the form that was asking before the turn, and whether it is the turn's last
event. The broker gathers a turn's events and, at its last, writes the topic-log row and the
safeguarding answers the actions marked for counting, in one transaction (bot.store.topic_log).
Events without that context (published by anything else) are not a saved turn, and are left
alone.

A turn's events are published together, by the process that saved them, so gathering them per
conversation in memory is enough, with two Rasa replicas too.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.shared.core.events import Event
from rasa.utils.endpoints import EndpointConfig

from bot.names import TURN_KEY
from bot.privacy.failures import log_failure
from bot.store import topic_log

logger = logging.getLogger(__name__)


class TopicLogBroker(EventBroker):
    def __init__(self) -> None:
        self._turns: Dict[str, List[Dict[str, Any]]] = {}

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: Optional[asyncio.AbstractEventLoop] = None
    ) -> "TopicLogBroker":
        return cls()

    def publish(self, event: Dict[Text, Any]) -> None:
        turn = event.get(TURN_KEY)
        if not isinstance(turn, dict) or "sender_id" not in event:
            return
        bodies = self._turns.setdefault(event["sender_id"], [])
        bodies.append(event)
        if not turn.get("last"):
            return
        del self._turns[event["sender_id"]]
        try:  # counting must never stop a conversation
            events = [Event.from_parameters(body) for body in bodies]
            topic_log.record_turn(
                [e for e in events if e is not None], turn.get("age_band"), turn.get("active_loop_before")
            )
        except Exception as error:
            log_failure(logger, "could not write the topic log and counts", error)
