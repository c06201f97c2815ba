"""Rasa NLU component: `cancel` only when the young person clearly says stop.

Cancelling a form throws away what they have written, so a guess is not enough: the
classifier's `cancel` is kept only for a short message with a stop phrase in it ("stop",
"never mind", "forget it"...). Otherwise the next intent in the ranking is used, so "i want
it fixed this week" stays an answer to the question asked.
"""

from __future__ import annotations

import re
from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.rule_component import RuleComponent

STOP_PHRASES = re.compile(
    r"\b(stop|cancel|never\s*mind|nvm|forget (it|this|that)|quit|exit|abort|leave (it|this)|"
    r"changed? my mind|go back|back to (the )?menu|main menu|don'?t bother|not now|no more|end this)\b"
)
# "i want them to stop", "make him stop", "stop them from...": someone else should stop,
# which is what the complaint is about, not a wish to leave it.
SOMEONE_ELSE_STOPS = re.compile(
    r"\b(him|her|them|they|he|she|it|people|everyone|staff|carers?|mum|dad)\s+(to\s+)?stop\b|"
    r"\bstop\s+(him|her|them|people|everyone|staff)\b"
)
MAX_WORDS = 10


def is_explicit_cancel(text: str) -> bool:
    lowered = text.lower().replace("’", "'")
    return (
        len(lowered.split()) <= MAX_WORDS
        and STOP_PHRASES.search(lowered) is not None
        and SOMEONE_ELSE_STOPS.search(lowered) is None
    )


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class ExplicitCancel(RuleComponent):
    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            intent = message.get(INTENT) or {}
            if intent.get("name") != "cancel" or text.startswith("/") or is_explicit_cancel(text):
                continue
            ranking = [r for r in message.get(INTENT_RANKING_KEY, []) if r.get("name") != "cancel"]
            fallback = ranking[0] if ranking else {"name": "nlu_fallback", "confidence": 0.0}
            message.set(INTENT, fallback, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
