"""Rasa NLU component: a message in another language gets help in that language.

The classifier and the safeguarding judgement understand only English, so what they make of a
message in Arabic or Tigrinya means nothing. When bot.languages is sure a message is in another
language, the intent becomes `other_language` and the `language` entity says which; the answer
(action_other_language) gives the help in that language. It runs last, over every other guess:
for a message the bot cannot read, help now and a way to an interpreter is the right answer.
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.languages import language_of
from bot.nlu.intents import add_entity, override_intent
from bot.nlu.rule_component import RuleComponent

OTHER_LANGUAGE_INTENT = "other_language"
ENTITY = "language"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class OtherLanguage(RuleComponent):
    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            code = None if text.startswith("/") else language_of(text)
            if code is None:
                continue
            add_entity(message, ENTITY, code, 0, len(text), type(self).__name__)
            override_intent(message, OTHER_LANGUAGE_INTENT)
        return messages
