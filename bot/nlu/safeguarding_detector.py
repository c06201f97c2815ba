"""Rasa NLU component: a disclosure is a disclosure, whatever the classifier said.

Runs after the intent classifier and the fallback classifier on every message from every
channel. When bot.safeguarding finds a disclosure, the intent becomes
`safeguarding_disclosure` (so the safeguarding rule answers, interrupting anything) and a
`disclosure_kind` entity says which kind, so the answer can give the right routes. The
classifier's own guess is kept lower in the intent ranking for review.
"""
from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.safeguarding.detector import detector
from bot.nlu.rule_component import RuleComponent

SAFEGUARDING_INTENT = "safeguarding_disclosure"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SafeguardingDetector(RuleComponent):
    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> GraphComponent:
        detector()  # build the matcher at load time, not on a child's first message
        return super().create(config, model_storage, resource, execution_context)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            disclosure = detector().detect(message.get(TEXT) or "")
            if disclosure is None:
                continue
            override = {"name": SAFEGUARDING_INTENT, "confidence": 1.0}
            ranking = [r for r in message.get(INTENT_RANKING_KEY, []) if r.get("name") != SAFEGUARDING_INTENT]
            message.set(INTENT, override, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [override] + ranking, add_to_output=True)
            entity = {"entity": "disclosure_kind", "value": disclosure.kind, "start": disclosure.start,
                      "end": disclosure.end, "confidence": 1.0, "extractor": type(self).__name__}
            message.set(ENTITIES, message.get(ENTITIES, []) + [entity], add_to_output=True)
        return messages
