"""Which taps the channels pass on: every button the bot can offer, and nothing else.

A property over the content: every button any reply can carry (menus, promises, topics,
safeguarding, the request flows' choices), once shown in a conversation, is accepted by the
web chat's check and comes back whole through Telegram's 64-byte callback data; a payload the
conversation was never shown is refused. No servers: the channels' own checks, as they run.
"""

import asyncio
import itertools
from typing import Iterator, List, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import replies
from bot.channels.offered import OfferedButtons, Taps
from bot.channels.rasa_client import RasaUnavailable, Reply
from bot.channels.telegram import Bridge, TelegramSettings, callback_data
from bot.content import PROMISE_BAND, current_content


class StoredConversations:
    """Stands in for the Rasa client: the events Rasa keeps for each conversation."""

    def __init__(self, events=None, down: bool = False):
        self.stored, self.down, self.reads = events or {}, down, 0

    async def events(self, sender: str) -> List[dict]:
        self.reads += 1
        if self.down:
            raise RasaUnavailable("down", retry_safe=True)
        return self.stored.get(sender, [])


def run(coroutine):
    return asyncio.run(coroutine)


def every_reply() -> Iterator[dict]:
    """Every reply the bot composes that can carry buttons, for every age band."""
    content = current_content()
    bands = list(PROMISE_BAND) + ["18_plus", None]
    yield from replies.welcome(content, None) + replies.menu(content) + replies.forget_offer(content)
    yield from replies.fallback(content) + replies.age_not_understood(content) + replies.ask_age(content)
    for intent in ("thanks", "bot_challenge", "out_of_scope"):
        yield from replies.small_talk(content, intent)
    for band in bands:
        yield from replies.welcome(content, band)
        for topic in content.topics.values():
            yield from replies.topic(content, topic.intent, band)
        for kind in list(replies.SAFEGUARDING_EXTRAS) + [None]:
            yield from replies.safeguarding(content, band, kind)
        if band is not None:
            yield from replies.all_promises(content, band)
            for theme in content.band_for(band).themes:
                yield from replies.promise_theme(content, band, theme.id)


def every_button() -> List[Tuple[str, str]]:
    content = current_content()
    common = content.flow_common
    buttons = [tuple(b.values()) for reply in every_reply() for b in reply["buttons"]]
    buttons += common["contact_choices"] + common["urgency_choices"] + common["yes_no"]
    buttons += [tuple(row) for group in content.buttons.values() for row in group]
    return sorted(set((str(title), str(payload)) for title, payload in buttons))


EVERY_BUTTON = every_button()
conversations = (f"web-{n}" for n in itertools.count())


def test_the_content_offers_buttons_of_every_kind():
    payloads = {payload for _, payload in EVERY_BUTTON}
    assert {"carer", "phone", "/affirm", "/help", '/inform_age{"age_band":"12_15"}', "/start_complaint"} <= payloads
    assert len(EVERY_BUTTON) > 40


@pytest.mark.parametrize("title, payload", EVERY_BUTTON)
def test_every_button_the_bot_can_offer_is_accepted_by_the_web_chat_once_shown(title, payload):
    taps, conversation = Taps(StoredConversations()), next(conversations)
    assert not run(taps.accepts(conversation, payload))  # not before it is shown
    taps.shown(conversation, [Reply("a question", ((title, payload),))])
    assert run(taps.accepts(conversation, payload))


def bridge() -> Bridge:
    return Bridge(TelegramSettings(token="1:TEST"), StoredConversations(), b"key")


@pytest.mark.parametrize("title, payload", EVERY_BUTTON)
def test_every_button_the_bot_can_offer_comes_back_whole_from_a_telegram_tap(title, payload):
    telegram = bridge()
    assert run(telegram.tapped_payload(7, callback_data(payload))) is None
    telegram.taps.shown(telegram.sender(7), [Reply("a question", ((title, payload),))])
    data = callback_data(payload)
    assert len(data.encode()) <= 64
    assert run(telegram.tapped_payload(7, data)) == payload
    assert run(telegram.tapped_payload(8, data)) is None  # another chat was never shown it


@settings(max_examples=200, deadline=None)
@given(shown=st.lists(st.text(min_size=1, max_size=300), min_size=1, max_size=8), other=st.text(max_size=300))
def test_any_payload_shown_is_accepted_and_any_other_refused_in_both_channels(shown, other):
    taps, telegram, conversation = Taps(StoredConversations()), bridge(), next(conversations)
    buttons = tuple((f"button {n}", payload) for n, payload in enumerate(shown))
    taps.shown(conversation, [Reply("", buttons)])
    telegram.taps.shown(telegram.sender(1), [Reply("", buttons)])
    for payload in shown:
        assert run(taps.accepts(conversation, payload))
        assert run(telegram.tapped_payload(1, callback_data(payload))) == payload
    if other not in shown:
        assert not run(taps.accepts(conversation, other))
        assert run(telegram.tapped_payload(1, other)) is None
        if callback_data(other) not in {callback_data(p) for p in shown}:
            assert run(telegram.tapped_payload(1, callback_data(other))) is None


def test_a_refused_tap_shows_the_latest_buttons_again_or_else_the_menu():
    content = current_content()
    taps, conversation = Taps(StoredConversations()), next(conversations)
    refusal = taps.refused(conversation, content)
    assert refusal.text == content.message("channel_button_refused")
    assert refusal.buttons == tuple(content.buttons["menu"])  # nothing shown yet: the menu
    assert all(run(taps.accepts(conversation, payload)) for _, payload in refusal.buttons)  # and they work
    choices = tuple(content.flow_common["contact_choices"])
    taps.shown(conversation, [Reply("How would you like them to get back to you?", choices)])
    again = taps.refused(conversation, content)
    assert again.buttons == choices
    assert all(run(taps.accepts(conversation, payload)) for _, payload in again.buttons)


def test_a_restarted_channel_learns_what_was_shown_from_the_stored_conversation():
    stored = {
        "web-restarted": [
            {"event": "user", "text": "what is an advocate"},
            {
                "event": "bot",
                "text": "An advocate...",
                "data": {"buttons": [{"title": "Ask for an advocate", "payload": "/request_advocate"}]},
            },
            {
                "event": "bot",
                "text": "How would you like them to get back to you?",
                "data": {"buttons": [{"title": "Phone", "payload": "phone"}]},
            },
        ]
    }
    rasa = StoredConversations(stored)
    taps = Taps(rasa)
    assert run(taps.accepts("web-restarted", "phone"))
    assert run(taps.accepts("web-restarted", "/request_advocate"))
    assert not run(taps.accepts("web-restarted", "/safeguarding_disclosure"))
    assert rasa.reads == 1  # read once, then remembered
    assert taps.refused("web-restarted", current_content()).buttons == (("Phone", "phone"),)


def test_when_rasa_cannot_say_what_was_shown_the_tap_is_refused_not_lost():
    taps = Taps(StoredConversations(down=True))
    assert not run(taps.accepts("web-x", "/help"))
    assert taps.refused("web-x", current_content()).buttons  # still something to tap


def test_what_is_remembered_is_bounded():
    offered = OfferedButtons(conversations=3, per_conversation=4)
    for n in range(10):
        offered.remember(f"c{n}", [(str(i), f"/p{n}_{i}") for i in range(6)])
    assert not offered.knows("c0") and offered.knows("c9")
    assert not offered.accepts("c9", "/p9_0") and offered.accepts("c9", "/p9_5")


def test_a_conversation_with_no_buttons_stored_is_read_once_not_on_every_tap():
    rasa = StoredConversations({"web-plain": [{"event": "bot", "text": "Hi"}]})
    taps = Taps(rasa)
    assert not run(taps.accepts("web-plain", "/help"))
    assert not run(taps.accepts("web-plain", "/affirm"))
    assert rasa.reads == 1
