"""Rasa SDK actions: thin glue between the dialogue rules and `bot.replies`.

Every action reads the current content (so staff edits apply without a restart), works
out what to say with `bot.replies`, and sends it. The state kept in slots is the young
person's age band, a promise question waiting for that age, and the answers of a request
flow under way (actions/flows.py).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import replies
from bot.content import PROMISE_BAND, Content, current_content
from bot.names import COUNT_CHECK_IN, COUNT_FOLLOW_UP, COUNT_UNNAMED_KIND, SAFEGUARDING_COUNT_SLOT
from bot.safeguarding.judgement import (
    CHECK_IN_INTENT,
    DISCLOSURE_INTENT,
    PAST_INTENT,
    SHORT_REPLY_WORDS,
    first_intent_besides,
)
from bot.safeguarding.patterns import DETECTED_KINDS

PROMISE_INTENTS = (
    "promises_all",
    "promises_keeping_safe",
    "promises_education",
    "promises_healthy",
    "promises_keeping_in_touch",
    "promise_question",
)
SMALL_TALK_INTENTS = ("goodbye", "thanks", "bot_challenge", "out_of_scope")


def send(dispatcher: CollectingDispatcher, messages: List[replies.Reply]) -> None:
    for message in messages:
        source = message.get("source")  # which content said it: shown to Council4Kidz testers
        dispatcher.utter_message(
            text=message["text"],
            buttons=message["buttons"] or None,
            json_message={"source": source} if source else None,
        )


def is_first_answer(tracker: Tracker) -> bool:
    """Nothing said yet: whoever asks straight away first hears what the bot is."""
    return not any(event.get("event") == "bot" for event in tracker.events)


def answer(dispatcher: CollectingDispatcher, tracker: Tracker, messages: List[replies.Reply]) -> None:
    if is_first_answer(tracker):
        messages = replies.introduction(current_content()) + messages
    send(dispatcher, messages)


def intent_of(tracker: Tracker) -> str:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


def known_band(tracker: Tracker) -> Optional[str]:
    """The age band, if it is one the promises cover."""
    band = tracker.get_slot("age_band")
    return band if band in PROMISE_BAND else None


def said_age_this_turn(tracker: Tracker) -> bool:
    return any(e.get("entity") == "age_band" for e in tracker.latest_message.get("entities") or [])


def band_before_this_turn(tracker: Tracker) -> Optional[str]:
    """The age band as it was before the latest message (to tell "set" from "changed")."""
    band, band_before_latest = None, None
    for event in tracker.events:
        if event.get("event") == "user":
            band_before_latest = band
        elif event.get("event") == "slot" and event.get("name") == "age_band":
            band = event.get("value")
    return band_before_latest


def user_turns(tracker: Tracker, intent: str) -> List[Dict[str, Any]]:
    """The young person's messages understood as `intent`, newest first."""
    return [
        event
        for event in reversed(tracker.events)
        if event.get("event") == "user" and (event.get("parse_data") or {}).get("intent", {}).get("name") == intent
    ]


def age_changed(tracker: Tracker, band: str) -> bool:
    """The young person had given another age band before this message."""
    return band_before_this_turn(tracker) not in (None, band)


def text_of_last(tracker: Tracker, intent: str) -> str:
    """What the young person wrote the last time they asked `intent`."""
    turns = user_turns(tracker, intent)
    return (turns[0].get("text") or "") if turns else ""


def meaning_of_last(tracker: Tracker, intent: str) -> Optional[Dict[str, Any]]:
    """What the meaning finder made of it (bot/nlu/meaning_finder.py)."""
    turns = user_turns(tracker, intent)
    return (turns[0].get("parse_data") or {}).get("meaning") if turns else None


def tapped_promise(tracker: Tracker) -> Optional[str]:
    """The promise a "did you mean" button named, if the young person tapped one."""
    return next(
        (
            e.get("value")
            for e in tracker.latest_message.get("entities") or []
            if e.get("entity") == "promise_id" and isinstance(e.get("value"), str)
        ),
        None,
    )


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        send(dispatcher, replies.welcome(current_content(), known_band(tracker)))
        return []


class ActionShowMenu(Action):
    def name(self) -> str:
        return "action_show_menu"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        answer(dispatcher, tracker, replies.menu(current_content()))
        return []


class ActionForgetConversation(Action):
    """ "delete my chat": ask first, because it cannot be undone; the "Yes, delete it" button
    comes back with confirm_delete, and the tracker store deletes the conversation when it
    sees the forget_conversation marker."""

    def name(self) -> str:
        return "action_forget_conversation"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        content = current_content()
        if next(tracker.get_latest_entity_values("confirm_delete"), None) != "yes":
            send(dispatcher, replies.forget_offer(content))
            return []
        send(dispatcher, replies.forgotten(content))
        return [SlotSet("forget_conversation", True)]


def chat_reply(content: Content, tracker: Tracker) -> List[replies.Reply]:
    """Small talk, or what the bot does not cover or did not understand (with the closest
    promises or topics to choose from, when the meaning finder found some)."""
    intent, meaning, band = intent_of(tracker), tracker.latest_message.get("meaning"), known_band(tracker)
    if intent in SMALL_TALK_INTENTS:
        return replies.small_talk(content, intent, meaning, band)
    return replies.fallback(content, meaning, band)


class ActionSmallTalk(Action):
    """Goodbye, thanks, "are you a real person?", and things the bot does not cover."""

    def name(self) -> str:
        return "action_small_talk"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        answer(dispatcher, tracker, chat_reply(current_content(), tracker))
        return []


class ActionFallback(Action):
    """Said when the bot is not sure what was meant: it offers the menu rather than guess."""

    def name(self) -> str:
        return "action_fallback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        answer(dispatcher, tracker, chat_reply(current_content(), tracker))
        return []


class ActionSetAge(Action):
    """The young person said how old they are: confirm it, then answer what was waiting."""

    def name(self) -> str:
        return "action_set_age"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        content = current_content()
        band = tracker.get_slot("age_band")
        if not said_age_this_turn(tracker) or band is None:
            answer(dispatcher, tracker, replies.age_not_understood(content))
            return []
        if band not in PROMISE_BAND:
            answer(dispatcher, tracker, replies.age_over_25(content))
            return [SlotSet("age_band", None)]
        messages = [replies.age_confirmation(content, band, changed=age_changed(tracker, band))]
        pending = tracker.get_slot("pending_intent")
        if pending in PROMISE_INTENTS:
            messages += replies.promises(
                content, pending, band, text_of_last(tracker, pending), meaning_of_last(tracker, pending)
            )
            answer(dispatcher, tracker, messages)
            return [SlotSet("pending_intent", None)]
        answer(dispatcher, tracker, messages + replies.what_next(content, band))
        return []


class ActionAnswerPromises(Action):
    """All promises, one theme, or one promise, for the young person's age band."""

    def name(self) -> str:
        return "action_answer_promises"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        content = current_content()
        intent = intent_of(tracker)
        band = known_band(tracker)
        if band is None:
            # Promises differ by age: ask once, keep the question, answer it when we know.
            answer(dispatcher, tracker, replies.ask_age(content, first=True))
            return [SlotSet("age_band", None), SlotSet("pending_intent", intent)]
        messages = []
        if said_age_this_turn(tracker):
            messages.append(replies.age_confirmation(content, band, changed=age_changed(tracker, band)))
        messages += replies.promises(
            content,
            intent,
            band,
            tracker.latest_message.get("text") or "",
            tracker.latest_message.get("meaning"),
            tapped_promise(tracker),
        )
        answer(dispatcher, tracker, messages)
        return [SlotSet("pending_intent", None)]


class ActionAnswerTopic(Action):
    """A topic answer (social worker, complaints, advocacy, ...) in words for the age band."""

    def name(self) -> str:
        return "action_answer_topic"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        answer(
            dispatcher,
            tracker,
            replies.topic(
                current_content(), intent_of(tracker), known_band(tracker), tracker.latest_message.get("meaning")
            ),
        )
        return []


class ActionOtherLanguage(Action):
    """A message in another language: help now and how to get an interpreter, in that language.
    No English welcome before it: the first words they read are in their own language."""

    def name(self) -> str:
        return "action_other_language"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        code = next(tracker.get_latest_entity_values("language"), "other")
        send(dispatcher, replies.other_language(current_content(), code))
        return []


WATCH = "safeguarding_watch"  # after an urgent answer or a check-in, short replies may be urgent too
ASKED_MIN_CONFIDENCE = 0.25  # below this the classifier's other guesses are not answered in a check-in


SAFEGUARDING_ACTIONS = ("action_safeguarding", "action_safeguarding_check_in", "action_safeguarding_follow_up")


def had_safeguarding_answer(tracker: Tracker) -> bool:
    """Whether the bot gave an urgent safeguarding answer or a check-in in this conversation."""
    return any(e.get("event") == "action" and e.get("name") in SAFEGUARDING_ACTIONS for e in tracker.events)


def is_short(tracker: Tracker) -> bool:
    return len((tracker.latest_message.get("text") or "").split()) <= SHORT_REPLY_WORDS


class ActionSafeguarding(Action):
    """A young person may be telling us they are not safe: every route to help, at once."""

    def name(self) -> str:
        return "action_safeguarding"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        return [SlotSet(WATCH, True), counted(respond_to_disclosure(dispatcher, tracker))]


class ActionSafeguardingCheckIn(Action):
    """It might be harm: answer what was asked, then ask gently whether they are safe right now."""

    def name(self) -> str:
        return "action_safeguarding_check_in"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        content = current_content()
        if tracker.get_slot(WATCH) and is_short(tracker):  # "hes back" after a disclosure: not safe
            send(dispatcher, replies.safeguarding_follow_up(content, known_band(tracker)))
            return [counted(COUNT_FOLLOW_UP)]
        # What the classifier made of it, answered first (a question about grooming, say), if it
        # made anything of it at all.
        ranking = [
            r
            for r in tracker.latest_message.get("intent_ranking") or []
            if float(r.get("confidence") or 0) >= ASKED_MIN_CONFIDENCE
        ]
        asked = (
            intent_of(tracker)
            if intent_of(tracker) == PAST_INTENT
            else first_intent_besides(ranking, (CHECK_IN_INTENT, DISCLOSURE_INTENT, "nlu_fallback"), "")
        )
        answer(
            dispatcher,
            tracker,
            replies.check_in(content, asked, known_band(tracker), tracker.latest_message.get("meaning")),
        )
        return [SlotSet(WATCH, True), counted(COUNT_CHECK_IN)]


class ActionSafeguardingFollowUp(Action):
    """After an urgent answer or a check-in, a short reply the bot cannot place ("hes back",
    "pls", "not really") is taken as not safe; a longer one is answered as usual."""

    def name(self) -> str:
        return "action_safeguarding_follow_up"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        content = current_content()
        if is_short(tracker):
            send(dispatcher, replies.safeguarding_follow_up(content, known_band(tracker)))
            return [counted(COUNT_FOLLOW_UP)]
        answer(dispatcher, tracker, chat_reply(content, tracker))
        return [SlotSet(WATCH, False)]


class ActionSafeNow(Action):
    """ "I'm OK": glad, and how to get help if that changes."""

    def name(self) -> str:
        return "action_safe_now"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        answer(dispatcher, tracker, replies.safe_now(current_content()))
        return [SlotSet(WATCH, False)]


def counted(kind: str) -> EventType:
    """An anonymous count for staff (week, band, kind and channel only - no text, no sender id),
    which the event broker writes once the turn is stored (bot.store.topic_log.record_turn)."""
    return SlotSet(SAFEGUARDING_COUNT_SLOT, kind)


def respond_to_disclosure(dispatcher: CollectingDispatcher, tracker: Tracker) -> str:
    """The safeguarding answer; also used inside the request forms. Returns what to count."""
    kind = next(
        (e.get("value") for e in tracker.latest_message.get("entities") or [] if e.get("entity") == "disclosure_kind"),
        None,
    )
    kind = kind if isinstance(kind, str) and kind in DETECTED_KINDS else None  # a crafted payload's is not counted
    send(dispatcher, replies.safeguarding(current_content(), known_band(tracker), kind))
    return kind or COUNT_UNNAMED_KIND
