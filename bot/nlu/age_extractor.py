"""Rasa NLU component: marks a young person's stated age as an `age_band` entity.

It runs on every message, so "I'm 14, what do you promise about school?" both answers
the question and remembers the age band (the `age_band` slot is filled from this entity).
A rule-based parser (bot.age) is used rather than DIET's entity tagger: ages come as
digits, words and text-speak, and a wrong age would show a child the wrong promises.
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.age import find_age
from bot.nlu.rule_component import RuleComponent


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class AgeExtractor(RuleComponent, EntityExtractorMixin):
    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            statement = find_age(message.get(TEXT) or "")
            if statement is None:
                continue
            entity = {
                "entity": "age_band",
                "value": statement.band,
                "start": statement.start,
                "end": statement.end,
                "confidence": 1.0,
            }
            entities = message.get(ENTITIES, []) + self.add_extractor_name([entity])
            message.set(ENTITIES, entities, add_to_output=True)
        return messages
