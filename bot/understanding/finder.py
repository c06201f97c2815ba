"""Which promise or topic a message means, ranked by meaning, and how sure the bot can be.

Every promise is represented by its own words and the ways children ask about it
(content/promise_phrasings.yml); every topic by its training phrasings (data/nlu/topics.yml).
Through the sentence encoder, two things are measured for a message:

- closeness: how near the message is to anything known, the mean cosine similarity of each
  candidate's `top_k` nearest phrasings. Far from everything, the finder says nothing.
- likelihood: which candidate it is, from a logistic regression over the phrasings' vectors
  (on the dev set it ranks the right promise first 87% of the time, nearest phrasings 79%).

Then, for each age band, over that band's promises and the topics:
- one candidate likely enough (`sure`, and `margin` ahead of the next): the answer;
- otherwise "did you mean ...?" with the few at least `offer` likely;
- nothing within `close`: the bot's other ways of understanding stand.

Thresholds are the NLU component's settings in config.yml, chosen on the dev sets
(`python -m bot.understanding.evaluate`), never on the fresh ones.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import yaml

from bot.content import CONTENT_DIR, Content

PHRASINGS = CONTENT_DIR / "promise_phrasings.yml"
TOPIC_PHRASINGS = CONTENT_DIR / "topic_phrasings.yml"  # topics no intent classifier is trained on
TOPIC_PREFIX = "topic/"
UNKNOWN_BAND = "unknown"  # before the young person has said their age: topics only
MAX_CHOICES = 3


def promise_id(band: str, theme: str, index: int) -> str:
    return f"{band}/{theme}/{index}"


def topic_id(topic: str) -> str:
    return f"{TOPIC_PREFIX}{topic}"


def is_topic(candidate: str) -> bool:
    return candidate.startswith(TOPIC_PREFIX)


def band_of(candidate: str) -> Optional[str]:
    return None if is_topic(candidate) else candidate.split("/", 1)[0]


@dataclass(frozen=True)
class Thresholds:
    sure: float = 0.4  # likelihood of the answer
    margin: float = 0.1  # ahead of the next
    close: float = 0.4  # closeness below which nothing is offered
    offer: float = 0.05  # likelihood of a "did you mean" choice
    top_k: int = 3

    @classmethod
    def from_config(cls, config: Dict[str, object]) -> "Thresholds":
        return cls(
            **{name: type(getattr(cls, name))(config[name]) for name in cls.__dataclass_fields__ if name in config}
        )


@dataclass
class Decision:
    answer: Optional[str] = None  # the one candidate meant
    choices: List[str] = field(default_factory=list)  # "did you mean ...?", best first
    related: Optional[str] = None  # with a topic answer, the band's promise close to it

    def as_dict(self) -> Dict[str, object]:
        return asdict(self)


def topic_of_intent(intent: str) -> Optional[str]:
    """The topic an intent asks about; the safeguarding topics are the safeguarding judge's."""
    if intent.startswith("topic_") and not intent.startswith("topic_sg_"):
        return intent[len("topic_") :]
    return None


def candidate_texts(content: Content, examples: Iterable[Tuple[str, str]]) -> Dict[str, List[str]]:
    """What the finder ranks: each promise's words and phrasings, each topic's training
    phrasings among `examples` ((text, intent) pairs), and the topics found by meaning alone."""
    texts = phrasings_by_promise(content)
    for text, intent in examples:
        topic = topic_of_intent(intent or "")
        if topic and text:
            texts.setdefault(topic_id(topic), []).append(text)
    for topic, phrasings in retrieved_topics().items():
        texts.setdefault(topic_id(topic), []).extend(phrasings)
    return texts


def retrieved_topics(path: Path = TOPIC_PHRASINGS) -> Dict[str, List[str]]:
    """Topic id -> the ways children ask about it, for the topics only the finder recognises."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    return {str(topic): list(phrasings or []) for topic, phrasings in ((data or {}).get("topics") or {}).items()}


def phrasings_by_promise(content: Content, path: Path = PHRASINGS) -> Dict[str, List[str]]:
    """Each promise's own words, then the ways children ask about it."""
    texts = {
        promise_id(band.id, theme.id, i): [promise.text]
        for band in content.bands.values()
        for theme in band.themes
        for i, promise in enumerate(theme.promises)
    }
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    for band, themes in ((data or {}).get("bands") or {}).items():
        for theme, promises in (themes or {}).items():
            for item in promises or []:
                texts[promise_id(str(band), theme, int(item["promise"]))].extend(item.get("phrasings") or [])
    return texts


@dataclass
class Scores:
    closeness: Dict[str, float]
    likelihood: Dict[str, float]


class Index:
    """The encoder's vectors of every candidate's phrasings, which candidate each is, and the
    logistic regression fitted on them."""

    def __init__(
        self,
        candidates: Sequence[str],
        vectors: np.ndarray,
        weights: np.ndarray,
        bias: np.ndarray,
        classes: Sequence[str],
    ):
        self.candidates, self.vectors = list(candidates), vectors.astype(np.float32)
        self.weights, self.bias, self.classes = weights.astype(np.float32), bias.astype(np.float32), list(classes)
        self.rows_of = [np.array([r for r, c in enumerate(self.candidates) if c == name]) for name in self.classes]

    @classmethod
    def build(cls, texts_by_candidate: Dict[str, List[str]], encode, regularisation: float = 16.0) -> "Index":
        from sklearn.linear_model import LogisticRegression

        candidates = [c for c, texts in texts_by_candidate.items() for _ in texts]
        vectors = encode([t for texts in texts_by_candidate.values() for t in texts])
        fitted = LogisticRegression(C=regularisation, max_iter=3000).fit(vectors, candidates)
        return cls(candidates, vectors, fitted.coef_, fitted.intercept_, fitted.classes_)

    def scores(self, vector: np.ndarray, top_k: int) -> Scores:
        similarity = self.vectors @ vector
        closeness = {}
        for name, rows in zip(self.classes, self.rows_of):
            values = similarity[rows]
            k = min(top_k, len(values))
            closeness[name] = float(np.partition(values, len(values) - k)[-k:].mean())
        logits = self.weights @ vector + self.bias
        odds = np.exp(logits - logits.max())
        return Scores(closeness, dict(zip(self.classes, (odds / odds.sum()).tolist())))

    def save(self, directory: Path) -> None:
        for name in ("vectors", "weights", "bias"):
            np.save(directory / f"{name}.npy", getattr(self, name))
        (directory / "candidates.txt").write_text("\n".join(self.candidates), encoding="utf-8")
        (directory / "classes.txt").write_text("\n".join(self.classes), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> "Index":
        def lines(name: str) -> List[str]:
            return (directory / name).read_text(encoding="utf-8").split("\n")

        return cls(
            lines("candidates.txt"),
            np.load(directory / "vectors.npy"),
            np.load(directory / "weights.npy"),
            np.load(directory / "bias.npy"),
            lines("classes.txt"),
        )


def decide(scores: Scores, band: str, thresholds: Thresholds) -> Decision:
    """What the message means for a young person in `band` (UNKNOWN_BAND: topics only)."""
    allowed = [c for c in scores.likelihood if is_topic(c) or band_of(c) == band]
    if not allowed or max(scores.closeness[c] for c in allowed) < thresholds.close:
        return Decision()
    total = sum(scores.likelihood[c] for c in allowed)
    ranking = sorted(((c, scores.likelihood[c] / total) for c in allowed), key=lambda cs: -cs[1])
    (best, best_p), second_p = ranking[0], (ranking[1][1] if len(ranking) > 1 else 0.0)
    if best_p >= thresholds.sure and best_p - second_p >= thresholds.margin:
        related = None
        if is_topic(best):  # a topic answer can offer the promise about the same thing
            related = next((c for c, p in ranking if not is_topic(c) and p >= thresholds.offer), None)
        return Decision(answer=best, related=related)
    return Decision(choices=[c for c, p in ranking[:MAX_CHOICES] if p >= thresholds.offer] or [best])


def decisions(scores: Scores, bands: Iterable[str], thresholds: Thresholds) -> Dict[str, Dict[str, object]]:
    """The decision for each age band and for a young person whose age is not known yet."""
    return {band: decide(scores, band, thresholds).as_dict() for band in list(bands) + [UNKNOWN_BAND]}


def best_overall(scores: Scores) -> Tuple[Optional[str], float]:
    """The likeliest candidate of any band (what kind of question it is), and how close the
    message is to anything known."""
    if not scores.likelihood:
        return None, 0.0
    return max(scores.likelihood, key=scores.likelihood.get), max(scores.closeness.values())  # type: ignore[arg-type]
