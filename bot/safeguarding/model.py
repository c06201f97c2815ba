"""The learned safeguarding model: a graded judgement, independent of the intent classifier.

Four classes: a child TELLING of harm now, ASKING about a safeguarding topic, talking of the
PAST (it happened, it stopped, they are safe now), and NOT_HARM (everything else: idioms,
games and films, house rules, all the other questions). Probabilities from a logistic
regression over the pretrained sentence encoder's meaning (so "what is grooming?" and "he
says i'm his girlfriend and not to tell" differ though they share no words with the training
phrasings) with word and character n-grams (scikit-learn; character n-grams for text-speak
and misspellings), trained by `rasa train` from the project's own phrasings: every intent's
examples are a class's examples (`CLASS_OF_INTENT`).
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from bot.safeguarding.judgement import ASKING, ASKING_PREFIX, DISCLOSURE_INTENT, NOT_HARM, PAST, PAST_INTENT, TELLING

CLASSES = (TELLING, ASKING, PAST, NOT_HARM)


def class_of_intent(intent: str) -> str:
    if intent == DISCLOSURE_INTENT:
        return TELLING
    if intent.startswith(ASKING_PREFIX):
        return ASKING
    if intent == PAST_INTENT:
        return PAST
    return NOT_HARM


class Meaning(BaseEstimator, TransformerMixin):
    """The sentence encoder's vectors as features (the encoder itself is never pickled)."""

    def __init__(self, weight: float = 1.0):
        self.weight = weight

    def fit(self, texts: Sequence[str], classes: object = None) -> "Meaning":
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        from bot.understanding.encoder import encoder

        return encoder().encode(list(texts)) * self.weight


class SafeguardingModel:
    def __init__(self, regularisation: float = 4.0):
        features = FeatureUnion(
            [
                ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True, lowercase=True)),
                (
                    "characters",
                    TfidfVectorizer(
                        analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, lowercase=True
                    ),
                ),
                ("meaning", Meaning(weight=1.0)),  # weight chosen on the dev sets (AUC 0.963 vs 0.945 without)
            ]
        )
        # Balanced: there are far more everyday phrasings than disclosures, and a disclosure
        # must not be outvoted by their number.
        self.pipeline = Pipeline(
            [
                ("features", features),
                ("classes", LogisticRegression(C=regularisation, class_weight="balanced", max_iter=3000)),
            ]
        )

    def fit(self, texts: Sequence[str], intents: Sequence[str]) -> "SafeguardingModel":
        self.pipeline.fit(list(texts), [class_of_intent(i) for i in intents])
        return self

    def probabilities(self, texts: Sequence[str]) -> List[Dict[str, float]]:
        classes = list(self.pipeline.classes_)
        return [{c: float(p) for c, p in zip(classes, row)} for row in self.pipeline.predict_proba(list(texts))]

    def save(self, path: Path) -> None:
        path.write_bytes(pickle.dumps(self.pipeline))

    @classmethod
    def load(cls, path: Path) -> "SafeguardingModel":
        model = cls.__new__(cls)
        model.pipeline = pickle.loads(path.read_bytes())  # written by `save`, inside our own model file
        return model
