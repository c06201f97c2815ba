"""Rasa NLU component: three answers, not one (bot.safeguarding.judgement).

Runs after the intent classifier and the fallback classifier on every message from every
channel, and weighs three independent signals: the spaCy patterns (the never-miss net), the
classifier's intent, and the learned safeguarding model, which `rasa train` fits here from
the project's own phrasings (bot.safeguarding.model). Then:

- urgent: the intent becomes `safeguarding_disclosure`, so the safeguarding rule answers,
  interrupting anything, with a `disclosure_kind` entity for the routes of that kind;
- check-in: the intent becomes `safeguarding_check_in`; what the classifier made of the
  message stays next in the ranking, so the check-in can answer it first;
- otherwise the classifier's intent stands (a question about grooming gets that topic).

The model's probabilities are added to the parse (`safeguarding`) for review and for the
evaluation; the thresholds are this component's settings in config.yml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.intents import add_entity, override_intent
from bot.nlu.trained_component import TrainedComponent
from bot.safeguarding.detector import detector
from bot.safeguarding.judgement import (
    CHECK_IN,
    CHECK_IN_INTENT,
    DISCLOSURE_INTENT,
    JUDGED_TELLING,
    NOT_HARM_AFTER_ALL,
    PAST_INTENT,
    URGENT,
    Thresholds,
    first_intent_besides,
    judge,
    most_telling,
    parts,
)
from bot.safeguarding.model import SafeguardingModel

MODEL_FILE = "safeguarding_model.pkl"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SafeguardingJudge(TrainedComponent[SafeguardingModel]):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        defaults = Thresholds()
        return {name: getattr(defaults, name) for name in Thresholds.__dataclass_fields__}

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[SafeguardingModel] = None,
    ) -> None:
        super().__init__(config, model_storage, resource, model)
        self.thresholds = Thresholds.from_config(config)
        detector()  # build the matcher at load time, not on a child's first message

    def fit(self, training_data: TrainingData) -> SafeguardingModel:
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        return SafeguardingModel().fit([m.get(TEXT) for m in examples], [m.get(INTENT) for m in examples])

    @staticmethod
    def write(fitted: SafeguardingModel, directory: Path) -> None:
        fitted.save(directory / MODEL_FILE)

    @staticmethod
    def read(directory: Path) -> SafeguardingModel:
        return SafeguardingModel.load(directory / MODEL_FILE)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not text or text.startswith("/"):  # a button tap says what it means
                continue
            disclosure = detector().detect(text)
            intent = message.get(INTENT) or {}
            probabilities, telling = None, None
            if self.fitted:
                probabilities, *each_part = self.fitted.probabilities([text] + parts(text))
                telling = most_telling(probabilities, each_part)
            level = judge(
                disclosure.kind if disclosure else None,
                intent.get("name") or "",
                float(intent.get("confidence") or 0.0),
                telling,
                self.thresholds,
            )
            # What was weighed, for review and for choosing thresholds (no text: kinds and numbers).
            message.set(
                "safeguarding",
                {
                    "level": level,
                    "detector": disclosure.kind if disclosure else None,
                    "classifier": {k: intent.get(k) for k in ("name", "confidence")},
                    **(probabilities or {}),
                    JUDGED_TELLING: telling,
                },
                add_to_output=True,
            )
            if level == URGENT:
                override_intent(message, DISCLOSURE_INTENT)
                if disclosure:
                    add_entity(
                        message,
                        "disclosure_kind",
                        disclosure.kind,
                        disclosure.start,
                        disclosure.end,
                        type(self).__name__,
                    )
            elif level == CHECK_IN and intent.get("name") != PAST_INTENT:  # the past has a check-in rule of its own
                override_intent(message, CHECK_IN_INTENT)
            elif level == NOT_HARM_AFTER_ALL:  # "can i ring my mum tonight": the classifier's next guess
                override_intent(
                    message,
                    first_intent_besides(
                        message.get(INTENT_RANKING_KEY) or [], (DISCLOSURE_INTENT, CHECK_IN_INTENT), "nlu_fallback"
                    ),
                )
        return messages
