"""The three request flows as a young person goes through them in a real channel: tapping
every button the bot offers, typing only the answers that need their own words.

The browser tests and the Telegram tests drive these same scripts, each through its own
channel, so every contact choice is tapped at least once in each channel.
"""

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Tuple

REFERENCE = re.compile(r"\b[CAS]-\d{4}-\d{6}\b")
PAUSE = 1.2  # seconds between a young person's messages: the channels allow 8 in 10 s


@dataclass(frozen=True)
class Step:
    tap: Optional[str] = None  # the title of a button the bot has just offered
    type: Optional[str] = None  # words typed into the chat
    expect: Optional[str] = None  # words the bot's answer must show, in its text or on a button


def tap(title: str, expect: Optional[str] = None) -> Step:
    return Step(tap=title, expect=expect)


def type_(text: str, expect: Optional[str] = None) -> Step:
    return Step(type=text, expect=expect)


CONTACT_DETAIL = {"Phone": "07700 900123", "Email": "sam.test@example.com"}

OPENINGS = {  # from a question about the topic to the form's first question, by tapping
    "complaint": (
        type_("how do i make a complaint", expect="Start a complaint"),
        tap("Start a complaint", expect="What is your complaint about?"),
    ),
    "advocacy": (
        type_("what is an advocate", expect="Ask for an advocate"),
        tap("Ask for an advocate", expect="What would you like an advocate to help you with?"),
    ),
    "social_worker": (
        type_("who is my social worker", expect="Message my social worker"),
        tap("Message my social worker", expect="What would you like to tell your social worker?"),
    ),
}
OWN_QUESTIONS = {  # the questions only that flow asks, answered
    "complaint": (
        type_("they keep moving me without asking me first", expect="What would you like to happen"),
        type_("ask me before any more moves", expect="advocate"),
        tap("No", expect="What name does the council know you by?"),
    ),
    "advocacy": (type_("i want help at my next review meeting", expect="What name does the council know you by?"),),
    "social_worker": (
        type_("can we talk about seeing my brother at christmas", expect="How soon"),
        tap("This week", expect="What name does the council know you by?"),
    ),
}
SENT = {
    "complaint": "Your complaint has been sent",
    "advocacy": "Your request for an advocate has been sent",
    "social_worker": "Your message has been sent",
}

# Every contact choice tapped at least once, spread over the three flows.
FLOWS_AND_CHOICES = [
    ("complaint", "Through my social worker"),
    ("complaint", "Phone"),
    ("advocacy", "Email"),
    ("advocacy", "Through my carer"),
    ("social_worker", "Phone"),
    ("social_worker", "Don't contact me"),
]


def script(flow: str, contact: str, age_button: str) -> Tuple[Step, ...]:
    """From the welcome (which asks the age, with buttons) to the request's reference."""
    steps = (
        tap(age_button),
        *OPENINGS[flow],
        *OWN_QUESTIONS[flow],
        type_("Sam", expect="How would you like them to get back to you?"),
        tap(contact, expect=("What phone number or email" if contact in CONTACT_DETAIL else "Is it right?")),
    )
    if contact in CONTACT_DETAIL:
        steps += (type_(CONTACT_DETAIL[contact], expect="Is it right?"),)
    return steps + (tap("Yes", expect=SENT[flow]),)


def assert_sent(answer: str, database: Path, flow: str, contact: str) -> None:
    """The last answer gave a reference, and that request is in the database as the child chose."""
    from bot.content import current_content

    reference = REFERENCE.search(answer)
    assert reference, answer
    with sqlite3.connect(database) as connection:
        saved = connection.execute(
            "select kind, contact_preference from requests where reference = ?", (reference.group(),)
        ).fetchone()
    expected = (flow, dict(current_content().flow_common["contact_choices"])[contact])
    assert saved == expected, f"{reference.group()} was confirmed, but saved as {saved}"
