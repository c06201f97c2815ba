"""Rasa NLU component: a message with a request's reference (C-2026-000123) asks about it.

A young person who kept their reference and types it back is asking what has happened to
that request, whatever else the classifier thought; the reference becomes the
`request_reference` entity for action_request_news. It runs after the safeguarding judge and
never overrides its answer: "C-2026-000123 he hit me again" is a disclosure first.
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.casework.news_codes import REFERENCE, normalise_reference
from bot.nlu.intents import add_entity, override_intent
from bot.nlu.rule_component import RuleComponent
from bot.safeguarding.judgement import CHECK_IN_INTENT, DISCLOSURE_INTENT

NEWS_INTENT = "request_news"
ENTITY = "request_reference"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RequestReference(RuleComponent):
    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            found = REFERENCE.search(text)
            reference = normalise_reference(found.group()) if found else None
            if found is None or reference is None or text.startswith("/"):
                continue
            add_entity(message, ENTITY, reference, found.start(), found.end(), type(self).__name__)
            if (message.get(INTENT) or {}).get("name") not in (DISCLOSURE_INTENT, CHECK_IN_INTENT):
                override_intent(message, NEWS_INTENT)
        return messages
