"""Rasa NLU component: which promise or topic a message means (bot/understanding/finder.py).

Runs after the intent classifier and the fallback classifier. It adds `meaning` to the parse:
for each age band (and for an age not yet known), the one promise or topic meant, or the few
to offer as "did you mean ...?", or nothing. The actions follow it, so the thresholds live
here, in config.yml, and nowhere else.

When the classifier was unsure, or took a question for small talk, and the message is clearly
about a promise or a topic, the intent becomes `promise_question` or that topic: a child asking
"can i still do dancing on saturdays" means a promise, whatever words they chose. The
safeguarding judge runs after this and can still make any message urgent.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from pathlib import Path
from typing import Any, Dict, List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.content import CONTENT_DIR, load_content
from bot.nlu.intents import override_intent
from bot.nlu.trained_component import TrainedComponent
from bot.safeguarding.judgement import SHORT_REPLY_WORDS
from bot.understanding.encoder import encoder
from bot.understanding.finder import (
    PHRASINGS,
    TOPIC_PHRASINGS,
    TOPIC_PREFIX,
    Index,
    Scores,
    Thresholds,
    best_overall,
    candidate_texts,
    decisions,
    is_topic,
    topic_of_intent,
)

PROMISE_QUESTION = "promise_question"
# Intents whose meaning the finder may correct. Requests, chit-chat and safeguarding are left
# alone. When the classifier was unsure, the likeliest promise or topic (at least `sure`)
# is meant if the message is within `close` of it; when it heard something the bot does not
# cover, an age (perhaps said with a question: "im 17 how do i get a job"), or a topic it was
# not sure of, only if the message is within `move`.
UNSURE = ("nlu_fallback", PROMISE_QUESTION)
SURE_OF_SOMETHING_ELSE = ("out_of_scope", "inform_age")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class MeaningFinder(TrainedComponent[Index]):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # move: how close a promise or topic must be to correct the classifier's intent;
        # classifier_sure: a topic the classifier is this sure of is not moved.
        return {**asdict(Thresholds()), "move": 0.6, "classifier_sure": 0.9}

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """The promises and the phrasings are read from content/, not given by Rasa's graph:
        without this, Rasa's training cache would keep an index built from older ones."""
        digest = hashlib.sha256()
        for path in (CONTENT_DIR / "promises.yml", PHRASINGS, TOPIC_PHRASINGS):
            digest.update(path.read_bytes() if path.exists() else b"")
        return digest.hexdigest()

    def __init__(
        self, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource, index: Optional[Index] = None
    ) -> None:
        super().__init__(config, model_storage, resource, index)
        self.thresholds = Thresholds.from_config(config)
        self.move, self.classifier_sure = float(config["move"]), float(config["classifier_sure"])
        self.bands = list(load_content().bands)
        encoder()  # load and verify the weights at start-up (a mismatch stops it), not at a first message

    def fit(self, training_data: TrainingData) -> Index:
        examples = [(m.get(TEXT), m.get(INTENT)) for m in training_data.intent_examples]
        return Index.build(candidate_texts(load_content(), examples), encoder().encode)

    @staticmethod
    def write(fitted: Index, directory: Path) -> None:
        fitted.save(directory)

    @staticmethod
    def read(directory: Path) -> Index:
        return Index.load(directory)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not text.strip() or text.startswith("/") or self.fitted is None:  # a tap says what it means
                continue
            scores = self.fitted.scores(encoder().encode([text])[0], self.thresholds.top_k)
            message.set("meaning", decisions(scores, self.bands, self.thresholds), add_to_output=True)
            self._correct_intent(message, scores)
        return messages

    def _correct_intent(self, message: Message, scores: Scores) -> None:
        intent = message.get(INTENT) or {}
        name, confidence = intent.get("name") or "", float(intent.get("confidence") or 0.0)
        topic = topic_of_intent(name)
        short = len((message.get(TEXT) or "").split()) <= SHORT_REPLY_WORDS
        if short and name in ("nlu_fallback", *SURE_OF_SOMETHING_ELSE):
            # Left for the rules: right after an urgent answer or a check-in, a short reply the
            # classifier cannot place ("hes back") must reach the safeguarding follow-up.
            return
        if name in UNSURE:
            needed = self.thresholds.close
        elif name in SURE_OF_SOMETHING_ELSE or (topic and confidence < self.classifier_sure):
            needed = self.move
        else:
            return
        best, closeness = best_overall(scores)
        if best is None or closeness < needed or scores.likelihood[best] < self.thresholds.sure:
            return
        wanted = f"topic_{best[len(TOPIC_PREFIX) :]}" if is_topic(best) else PROMISE_QUESTION
        if wanted != name:
            override_intent(message, wanted)
