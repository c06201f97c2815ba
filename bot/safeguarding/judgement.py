"""Three answers, not one: is a child telling of harm now, might they be, or asking about it?

One alarm with one answer could not tell "what is grooming?" from a child being groomed:
every retraining only moved the trade-off. So the signals are weighed here into one of
three answers (docs/design.md, "Safeguarding: three answers, not one"):

- URGENT: telling of harm now, or of risk to life: the urgent answer, routes by kind;
- CHECK_IN: it might be (past and resolved, an idiom, fiction, low confidence): answer
  what was asked, then "are you safe right now?", where "no" gives the urgent answer;
- None: not about harm to them, or a question about a safeguarding topic, which gets that
  topic's answer (with a "not safe" button of its own).

The signals: the spaCy patterns (`bot.safeguarding.detector`, the never-miss net), the
intent classifier, and the learned safeguarding model's graded probabilities
(`bot.safeguarding.model`). The thresholds live in config.yml, chosen on the dev sets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Collection, List, Mapping, Optional, Sequence

# The intents are shared names (bot.names); the NLU components and actions import them from here too.
from bot.names import ASKING_PREFIX as ASKING_PREFIX
from bot.names import CHECK_IN_INTENT as CHECK_IN_INTENT
from bot.names import DISCLOSURE_INTENT as DISCLOSURE_INTENT
from bot.names import PAST_INTENT as PAST_INTENT

URGENT = "urgent"
CHECK_IN = "check_in"
NOT_HARM_AFTER_ALL = "not_harm"  # the classifier alone heard a disclosure the learned model is sure is not one

# After an urgent answer or a check-in, a reply this short that the bot cannot place ("hes
# back", "not really") is taken as not safe (actions: action_safeguarding_follow_up).
SHORT_REPLY_WORDS = 6
# Everyday chat the classifier knows well: idioms, games and films, house rules.
EVERYDAY_INTENTS = ("out_of_scope",)
# What must never wait for a check-in: a whole message that is a cry for help, or danger now.
NEVER_MISS = frozenset({"cry_for_help", "danger_now", "suicide"})

# The learned model's classes (bot.safeguarding.model).
TELLING, ASKING, PAST, NOT_HARM = "telling", "asking", "past", "not_harm"

# A disclosure buried in another question ("can u help with my homework. i have to be quick
# before he gets home cos he hits me") reads, as a whole, as the question: so each part of a
# longer message is weighed too, and the part that tells most counts. Not when the whole reads
# as the past: a part of "he hit me, but that was years ago and im safe now" would tell.
# Chosen on the dev sets (dev3 buried and in-passing disclosures urgent 61 to 73 of 80; two
# more urgent answers among about 890 innocent messages).
PART_BREAK = re.compile(r"[.!?;,\n]+|\b(?:but|btw|also|anyway|and then|lol|tbh|oh and)\b", re.IGNORECASE)
PART_MIN_WORDS = 4
PAST_WHOLE = 0.5
JUDGED_TELLING = "telling_judged"  # what `judge` weighed: the whole message's P(telling), or its most telling part's


def first_intent_besides(ranking: Sequence[Mapping[str, object]], names: Collection[str], default: str) -> str:
    """The classifier's best intent in `ranking` not among `names`: what it made of a message
    the judgement answered otherwise."""
    return next((str(r["name"]) for r in ranking if r.get("name") not in names), default)


def parts(text: str) -> List[str]:
    """The parts of a message worth weighing on their own: none unless there are two or more."""
    found = [p.strip() for p in PART_BREAK.split(text) if len(p.split()) >= PART_MIN_WORDS]
    return found if len(found) > 1 else []


def most_telling(whole: Mapping[str, float], each_part: Sequence[Mapping[str, float]]) -> float:
    """P(telling of harm now) for a message: its own, or its most telling part's (see `parts`)."""
    if whole.get(PAST, 0.0) >= PAST_WHOLE:
        return whole.get(TELLING, 0.0)
    return max([whole.get(TELLING, 0.0)] + [p.get(TELLING, 0.0) for p in each_part])


@dataclass(frozen=True)
class Thresholds:
    """Set in config.yml, under the SafeguardingJudge component."""

    urgent: float = 0.8  # the model's P(telling) at or above which a message is urgent on its own
    check_in: float = 0.6  # at or above which it is at least a check-in
    telling_beats_other: float = 0.15  # words of harm stay urgent unless P(telling) is below this ...
    classifier_sure: float = 0.9  # ... or the classifier is this sure it is a question, the past, or everyday chat
    classifier_urgent: float = 0.8  # the classifier alone hearing a disclosure: urgent if P(telling) is this high,
    classifier_overruled: float = 0.2  # a check-in down to this, and below it the classifier's next guess

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> "Thresholds":
        return cls(**{name: float(str(config[name])) for name in cls.__dataclass_fields__ if name in config})


def judge(
    detector_kind: Optional[str],
    intent: str,
    confidence: float,
    telling: Optional[float],
    thresholds: Thresholds = Thresholds(),
) -> Optional[str]:
    """URGENT, CHECK_IN, NOT_HARM_AFTER_ALL (answer the classifier's next guess), or None (the
    classifier's answer stands). `telling` is the learned model's P(telling of harm now), or
    None when there is no model (then the patterns and the classifier decide)."""
    sure = confidence >= thresholds.classifier_sure
    other_reading = sure and (intent.startswith(ASKING_PREFIX) or intent == PAST_INTENT or intent in EVERYDAY_INTENTS)
    if detector_kind in NEVER_MISS:
        return URGENT if not (sure and intent == PAST_INTENT) else CHECK_IN
    if detector_kind is not None:
        if telling is not None and telling >= thresholds.urgent:
            return URGENT
        if other_reading or (telling is not None and telling < thresholds.telling_beats_other):
            # The words of harm are there, but it reads as a question, the past, or everyday talk:
            # a question gets its topic's answer, unless the model hears telling ("a man online
            # is groomin me", taken for a question about grooming).
            asking = intent.startswith(ASKING_PREFIX) and (telling is None or telling < thresholds.check_in)
            return None if asking else CHECK_IN
        return URGENT
    if intent == DISCLOSURE_INTENT:  # the classifier alone: the learned model must agree to raise the alarm
        if telling is None or telling >= thresholds.classifier_urgent:
            return URGENT
        return CHECK_IN if telling >= thresholds.classifier_overruled else NOT_HARM_AFTER_ALL
    if intent == PAST_INTENT:
        return CHECK_IN
    if telling is not None and not intent.startswith(ASKING_PREFIX):
        if telling >= thresholds.urgent:
            return URGENT
        # A check-in from the model alone only where the classifier is unsure: "can i ring my mum
        # tonight" answered with confidence is a question about family time, not a worry.
        if telling >= thresholds.check_in and (not sure or intent in EVERYDAY_INTENTS):
            return CHECK_IN
    return None
