"""The request flows' rules, without Rasa: what an answer means, and what is read back.

A complaint, an advocacy request and a message for a social worker are Rasa forms; the
form validation in actions/flows.py asks this module whether an answer will do.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Dict, List, Optional

from bot.casework.timescales import Calendar
from bot.content import Content
from bot.names import CONFIRM_SLOT, FLOW_OF_FORM, FREE_TEXT_SLOTS, IDENTITY_SLOTS, SHORT_TEXT_SLOTS
from bot.replies import FLOW_INTENT

# The forms and their slots are shared names (bot.names); the flows' callers use them from here.
__all__ = ["CONFIRM_SLOT", "FLOW_OF_FORM", "FREE_TEXT_SLOTS", "IDENTITY_SLOTS", "SHORT_TEXT_SLOTS"]

MAX_ANSWER = 2000  # characters; a longer answer is kindly asked to be shorter
MAX_SHORT_ANSWER = 200  # names, phone numbers, emails
INTENT_FLOW = {intent: flow for flow, intent in FLOW_INTENT.items()}
WORDS_FOR = {
    "contact_preference": {
        "phone": ["phone", "call", "ring", "text", "mobile", "number", "fone"],
        "email": ["email", "e-mail", "mail", "gmail", "hotmail"],
        "carer": ["carer", "foster", "fc", "carers", "staff", "key worker", "keyworker"],
        "social_worker": ["social worker", "sw", "socialworker"],
        "none": ["don't", "dont", "do not", "none", "no one", "nobody", "not at all", "no contact", "no"],
        # Last: "email me here" is an email.
        "chat": ["here", "this chat", "in chat", "chat", "on here", "in here", "telegram"],
    },
    "sw_urgency": {
        "today": ["today", "now", "asap", "urgent", "urgently", "straight away", "right away", "tonight"],
        "this_week": ["this week", "week", "soon", "few days", "tomorrow"],
        "whenever": ["whenever", "any time", "anytime", "no rush", "not urgent", "dont mind", "don't mind", "later"],
    },
}
YES = {"yes", "yeah", "yep", "ya", "yh", "yea", "ye", "ok", "okay", "sure", "correct", "right", "y", "please", "go"}
NO = {"no", "nah", "nope", "na", "n", "wrong", "not"}
QUESTION_WORDS = {
    "what",
    "whats",
    "wat",
    "how",
    "who",
    "why",
    "when",
    "where",
    "can",
    "will",
    "do",
    "does",
    "is",
    "are",
    "am",
    "should",
    "could",
    "would",
    "wot",
    "wen",
    "y",
}
# Where the council's news can come back to the chat: sent to the Telegram chat
# (bot.casework.child_replies), read in the web chat with a code (bot.casework.news_codes).
NEWS_CHANNELS = ("telegram", "webchat")


@dataclass(frozen=True)
class Checked:
    value: Optional[object]  # None: ask again
    problem: Optional[str] = None  # key of flows.yml common: what to say before asking again


def _words(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9@'\- ]", " ", text.lower()) + " "


def check_text(text: object, limit: int = MAX_ANSWER, needs_words: bool = False) -> Checked:
    """`needs_words`: a bare "yes" or "ok" is not someone's account of what happened."""
    answer = str(text or "").strip()
    if not answer or answer.startswith("/"):
        return Checked(None, "empty")
    if len(answer) > limit:
        return Checked(None, "too_long")
    if needs_words and set(_words(answer).split()) <= YES | NO | {"start", "it", "now", "then", "mate", "pls", "plz"}:
        return Checked(None, "need_words")
    return Checked(answer)


def check_choice(slot: str, text: object) -> Checked:
    words = _words(str(text or ""))
    for value, phrases in WORDS_FOR[slot].items():
        if value in words.split() or any(f" {p} " in words for p in phrases):
            return Checked(value)
    return Checked(None, "not_understood_choice")


def check_yes_no(intent: str, text: object) -> Checked:
    if intent == "affirm":
        return Checked(True)
    if intent == "deny":
        return Checked(False)
    words = set(_words(str(text or "")).split())
    if words & YES and not words & NO:
        return Checked(True)
    if words & NO and not words & YES:
        return Checked(False)
    return Checked(None, "not_understood_choice")


# Words that say a request is about the child's carer or the people they live with: then
# "Through my carer" is not offered as the way back to them.
ABOUT_CARER = (
    "carer",
    "carers",
    "fc",
    "foster",
    "key worker",
    "keyworker",
    "staff",
    "care home",
    "childrens home",
    "children's home",
    "placement",
    "residential",
    "support worker",
)


def is_about_carer(answers: Dict[str, object]) -> bool:
    words = _words(" ".join(str(answers.get(slot) or "") for slot in FREE_TEXT_SLOTS))
    return any(f" {phrase} " in words for phrase in ABOUT_CARER)


def can_reach_chat(channel: Optional[str]) -> bool:
    """Whether the council's news can come back to this channel's chat."""
    return channel in NEWS_CHANNELS


def contact_choices(content: Content, answers: Dict[str, object], channel: Optional[str]) -> List[List[str]]:
    """How they can be got back to, as buttons: never through their carer when it is about
    them, and "here in this chat" only where news can reach the chat."""
    unavailable = {"carer"} if is_about_carer(answers) else set()
    if not can_reach_chat(channel):
        unavailable.add("chat")
    return [row for row in content.flow_common["contact_choices"] if row[1] not in unavailable]


def needs_contact_detail(preference: Optional[str]) -> bool:
    return preference in ("phone", "email")


def looks_like_a_question(text: str) -> bool:
    words = _words(text).split()
    return text.strip().endswith("?") or (bool(words) and words[0] in QUESTION_WORDS)


def all_flow_slots(content: Content) -> List[str]:
    """Every slot any flow asks for, in the order the flows ask them (content/flows.yml), then
    the confirmation."""
    slots = [slot for flow in content.flows.values() for slot in flow["slots"]]
    return list(dict.fromkeys(slots)) + [CONFIRM_SLOT]


def required_slots(content: Content, flow: str, contact_preference: Optional[str]) -> List[str]:
    slots = [
        s for s in content.flows[flow]["slots"] if s != "contact_detail" or needs_contact_detail(contact_preference)
    ]
    return slots + [CONFIRM_SLOT]


def choice_label(content: Content, slot: str, value: object) -> str:
    choices = {"contact_preference": "contact_choices", "sw_urgency": "urgency_choices"}
    if slot in choices:
        return next((label for label, v in content.flow_common[choices[slot]] if v == value), str(value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def summary(content: Content, flow: str, slots: Dict[str, object]) -> str:
    labels = content.flow_common["labels"]
    lines = [
        f"{labels[s]}: {choice_label(content, s, slots[s])}"
        for s in required_slots(content, flow, str(slots.get("contact_preference") or "") or None)
        if s != CONFIRM_SLOT and slots.get(s) is not None
    ]
    return "\n".join(lines)


def is_office_hours(content: Content, moment: Optional[datetime.datetime] = None) -> bool:
    """Whether the council's offices are open now (or at `moment`, timezone-aware); otherwise
    the duty team answers. The calendar is the one the request queue's timescales count on."""
    moment = (moment or datetime.datetime.now(datetime.timezone.utc)).astimezone(datetime.timezone.utc)
    return Calendar(content).is_open(moment.replace(tzinfo=None))
