"""Which taps a channel passes on: only a button the bot offered in that conversation.

A tap comes back from the page or from Telegram as the button's payload, and anyone can send
any payload there. Rasa reads a payload like `/inform_age{"age_band":"12_15"}` as an intent
with entities, so a channel that passed on whatever arrived would let a visitor set any slot.
Instead each channel remembers the buttons it has shown each conversation (whatever their
payloads look like: `/affirm`, or a word like `phone`), and takes a tap only if it is one of
them. So the set of valid taps follows the content by itself, and nothing has to be kept in
step with it by hand.

What is remembered is held in memory, a bounded number of conversations and of buttons for
each. A channel restarted mid-conversation has forgotten; it can fill the memory back in from
the conversation Rasa keeps (`remember_events`), where every bot message keeps its buttons.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Callable, Dict, Iterable, Optional, Sequence, Tuple

from bot.channels.rasa_client import RasaClient, RasaUnavailable, Reply
from bot.content import Content

logger = logging.getLogger(__name__)

Button = Tuple[str, str]  # (title, payload)


class OfferedButtons:
    def __init__(self, conversations: int = 20_000, per_conversation: int = 64):
        self.conversations, self.per_conversation = conversations, per_conversation
        # conversation -> payload -> title, oldest first; and each conversation's latest buttons
        self._offered: "OrderedDict[str, OrderedDict[str, str]]" = OrderedDict()
        self._latest: Dict[str, Tuple[Button, ...]] = {}

    def _entry(self, conversation: str) -> "OrderedDict[str, str]":
        """This conversation's buttons, now the most recently used; the oldest conversation is
        forgotten when there are too many."""
        offered = self._offered.pop(conversation, None) or OrderedDict()
        self._offered[conversation] = offered
        while len(self._offered) > self.conversations:
            forgotten, _ = self._offered.popitem(last=False)
            self._latest.pop(forgotten, None)
        return offered

    def remember(self, conversation: str, buttons: Sequence[Button]) -> None:
        """The bot (or the channel) has just shown `buttons` in this conversation."""
        if not buttons:
            return
        offered = self._entry(conversation)
        for title, payload in buttons:
            offered.pop(payload, None)
            offered[payload] = title
        while len(offered) > self.per_conversation:
            offered.popitem(last=False)
        self._latest[conversation] = tuple(buttons)

    def remember_events(self, conversation: str, events: Iterable[dict]) -> None:
        """Fill in what a restarted channel forgot, from the conversation's stored events (Rasa's
        tracker): every bot message there keeps the buttons it was sent with. Afterwards the
        conversation is known, buttons or none, so the stored events are read only once."""
        self._entry(conversation)
        for event in events:
            data = event.get("data") if isinstance(event, dict) and event.get("event") == "bot" else None
            buttons = (data or {}).get("buttons") if isinstance(data, dict) else None
            if buttons:
                self.remember(
                    conversation,
                    [
                        (str(b.get("title", "")), str(b.get("payload", "")))
                        for b in buttons
                        if isinstance(b, dict) and b.get("payload")
                    ],
                )

    def knows(self, conversation: str) -> bool:
        return conversation in self._offered

    def accepts(self, conversation: str, payload: str) -> bool:
        return payload in self._offered.get(conversation, {})

    def latest(self, conversation: str) -> Tuple[Button, ...]:
        """The buttons shown last in this conversation: what to show again after a refused tap."""
        return self._latest.get(conversation, ())

    def payload_for(self, conversation: str, matches) -> Optional[str]:
        """The offered payload for which `matches(payload)` holds (Telegram's shortened keys)."""
        return next((p for p in reversed(self._offered.get(conversation, {})) if matches(p)), None)

    def forget(self, conversation: str) -> None:
        self._offered.pop(conversation, None)
        self._latest.pop(conversation, None)


class Taps:
    """A channel's gate for button taps: it remembers what each conversation was shown and
    passes on only those payloads; a refused tap gets a kind answer with the buttons again."""

    def __init__(self, rasa: RasaClient, offered: Optional[OfferedButtons] = None):
        self.rasa = rasa
        self.offered = offered or OfferedButtons()

    def shown(self, conversation: str, replies: Sequence[Reply]) -> None:
        """Replies the young person has just been shown; a tap on any of their buttons is accepted."""
        self.offered.remember(conversation, [button for reply in replies for button in reply.buttons])

    async def _recall(self, conversation: str) -> None:
        if self.offered.knows(conversation):
            return
        try:  # a restarted channel: the conversation Rasa keeps says what was offered
            self.offered.remember_events(conversation, await self.rasa.events(conversation))
        except RasaUnavailable as error:
            logger.warning("could not read which buttons a conversation was shown: %s", error)

    async def accepts(self, conversation: str, payload: object) -> bool:
        if not isinstance(payload, str) or not payload:
            return False
        await self._recall(conversation)
        return self.offered.accepts(conversation, payload)

    async def find(self, conversation: str, matches: Callable[[str], bool]) -> Optional[str]:
        """The offered payload that `matches` (Telegram sends back a shortened key for long ones)."""
        await self._recall(conversation)
        return self.offered.payload_for(conversation, matches)

    def refused(self, conversation: str, content: Content) -> Reply:
        """Never silence: say the tap did not work, and show the latest buttons again (or the menu)."""
        buttons = self.offered.latest(conversation) or tuple(content.buttons["menu"])
        self.offered.remember(conversation, buttons)
        return Reply(content.message("channel_button_refused"), buttons)

    def forget(self, conversation: str) -> None:
        self.offered.forget(conversation)
