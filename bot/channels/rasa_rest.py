"""Rasa's REST channel (POST /webhooks/rest/webhook), made safe to receive anything.

Configured in credentials.yml in place of Rasa's own `rest`, at the same address. The
channels (Telegram, the web chat) are its only callers, but it must still hold when
something else reaches it:

- Rasa's own channel writes the young person's message into the log whenever handling it
  fails. This one logs only that it failed and where (no text, no exception message, which
  could quote it).
- A message is cut to the channels' limit (4,096 characters) before Rasa reads it. The
  classifier's attention grows with the square of a message's length: one 20,000-character
  message took Rasa's memory to 7 GB.
- A request with no sender, or a message that is not text, gets a clear 400; Rasa's own
  would put every such request into one shared conversation called "default". A sender id
  that cannot be stored (a lone surrogate) gets a 400 too: it used to stop Rasa altogether
  (see RedactingTrackerStore.session_scope).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.rasa_client import MAX_MESSAGE_CHARS
from bot.privacy.failures import where_it_failed

logger = logging.getLogger(__name__)


def encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


class ChildSafeRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint("child_safe_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = request.json
            except Exception:  # sanic raises on a body that is not JSON
                body = None
            if not isinstance(body, dict):
                return response.json({"error": "send a JSON object with sender and message"}, status=400)
            sender, text = body.get("sender"), body.get("message")
            if not isinstance(sender, str) or not sender.strip() or len(sender) > 256 or not encodable(sender):
                return response.json({"error": "sender must be a non-empty string"}, status=400)
            if text is not None and not isinstance(text, str):
                return response.json({"error": "message must be a string"}, status=400)
            # Lone surrogates (possible in JSON, never in real typing) cannot be stored or matched.
            text = (text or "").encode("utf-8", "ignore").decode("utf-8")
            channel = body.get("input_channel")
            metadata = body.get("metadata")
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        text[:MAX_MESSAGE_CHARS],
                        collector,
                        sender,
                        input_channel=channel if isinstance(channel, str) and channel else self.name(),
                        metadata=metadata if isinstance(metadata, dict) else None,
                    )
                )
            except (Exception, asyncio.CancelledError) as error:  # as Rasa's own: answer with what was said
                # The channels tell the child something went wrong; the log never holds their words.
                logger.error("handling a message failed: %s", where_it_failed(error))
            return response.json(collector.messages)

        return webhook
