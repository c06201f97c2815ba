"""Which promise or topic a message means, ranked by meaning, and how sure the bot can be.

Every promise is represented by its own words and the ways children ask about it
(content/promise_phrasings.yml); every topic by its training phrasings (data/nlu/topics.yml).
A message is compared with all of them through the sentence encoder; a candidate's score is
the mean of its `top_k` closest phrasings' cosine similarities. Then, for each age band:

- one candidate clearly best (at least `sure`, and `margin` ahead of the next): the answer;
- several close (the best at least `close`): "did you mean ...?" with the best few as buttons;
- nothing close: the bot's other ways of understanding stand (keywords, then the fallback).

Thresholds are the NLU component's settings in config.yml, chosen on the dev sets
(tests/nlu/heldout.yml, tests/nlu/dev_promise_questions.yml), never on the fresh ones.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import yaml

from bot.content import CONTENT_DIR, Content

PHRASINGS = CONTENT_DIR / "promise_phrasings.yml"
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
    sure: float = 0.45
    margin: float = 0.0
    close: float = 0.4
    spread: float = 0.16
    top_k: int = 3

    @classmethod
    def from_config(cls, config: Dict[str, object]) -> "Thresholds":
        return cls(**{name: type(getattr(cls, name))(config[name])  # type: ignore[operator]
                      for name in cls.__dataclass_fields__ if name in config})


@dataclass
class Decision:
    answer: Optional[str] = None  # the one candidate meant
    choices: List[str] = field(default_factory=list)  # "did you mean ...?", best first
    related: Optional[str] = None  # with a topic answer, the band's promise close to it

    def as_dict(self) -> Dict[str, object]:
        return asdict(self)


def phrasings_by_promise(content: Content, path: Path = PHRASINGS) -> Dict[str, List[str]]:
    """Each promise's own words, then the ways children ask about it."""
    texts = {promise_id(band.id, theme.id, i): [promise.text]
             for band in content.bands.values() for theme in band.themes for i, promise in enumerate(theme.promises)}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    for band, themes in ((data or {}).get("bands") or {}).items():
        for theme, promises in (themes or {}).items():
            for item in promises or []:
                texts[promise_id(str(band), theme, int(item["promise"]))].extend(item.get("phrasings") or [])
    return texts


class Index:
    """The encoder's vectors of every candidate's phrasings, and which candidate each is."""

    def __init__(self, candidates: Sequence[str], vectors: np.ndarray):
        self.candidates = list(candidates)
        self.vectors = vectors.astype(np.float32)
        names = sorted(set(self.candidates))
        self.names = names
        position = {name: i for i, name in enumerate(names)}
        self.rows_of = [np.array([r for r, c in enumerate(self.candidates) if c == name]) for name in names]
        self._position = position

    @classmethod
    def build(cls, texts_by_candidate: Dict[str, List[str]], encode) -> "Index":
        candidates = [c for c, texts in texts_by_candidate.items() for _ in texts]
        texts = [t for texts in texts_by_candidate.values() for t in texts]
        return cls(candidates, encode(texts))

    def scores(self, vector: np.ndarray, top_k: int) -> Dict[str, float]:
        """Each candidate's mean similarity over its `top_k` closest phrasings."""
        similarity = self.vectors @ vector
        result = {}
        for name, rows in zip(self.names, self.rows_of):
            values = similarity[rows]
            k = min(top_k, len(values))
            result[name] = float(np.partition(values, len(values) - k)[-k:].mean())
        return result

    def save(self, directory: Path) -> None:
        np.save(directory / "vectors.npy", self.vectors)
        (directory / "candidates.txt").write_text("\n".join(self.candidates), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> "Index":
        return cls((directory / "candidates.txt").read_text(encoding="utf-8").split("\n"),
                   np.load(directory / "vectors.npy"))


def ranked(scores: Dict[str, float], candidates: Iterable[str]) -> List[Tuple[str, float]]:
    return sorted(((c, scores[c]) for c in candidates if c in scores), key=lambda cs: -cs[1])


def decide(scores: Dict[str, float], band: str, thresholds: Thresholds) -> Decision:
    """What the message means for a young person in `band` (UNKNOWN_BAND: topics only)."""
    ranking = ranked(scores, (c for c in scores if is_topic(c) or band_of(c) == band))
    if not ranking or ranking[0][1] < thresholds.close:
        return Decision()
    best, best_score = ranking[0]
    second_score = ranking[1][1] if len(ranking) > 1 else 0.0
    if best_score >= thresholds.sure and best_score - second_score >= thresholds.margin:
        related = None
        if is_topic(best):  # a topic answer can offer the promise about the same thing
            promises = [(c, s) for c, s in ranking if not is_topic(c)]
            if promises and promises[0][1] >= max(thresholds.close, best_score - thresholds.spread):
                related = promises[0][0]
        return Decision(answer=best, related=related)
    return Decision(choices=[c for c, s in ranking[:MAX_CHOICES] if s >= best_score - thresholds.spread])


def decisions(scores: Dict[str, float], bands: Iterable[str], thresholds: Thresholds) -> Dict[str, Dict[str, object]]:
    """The decision for each age band and for a young person whose age is not known yet."""
    return {band: decide(scores, band, thresholds).as_dict() for band in list(bands) + [UNKNOWN_BAND]}


def best_overall(scores: Dict[str, float]) -> Tuple[Optional[str], float]:
    """The closest candidate of any band, for deciding what kind of question it is."""
    if not scores:
        return None, 0.0
    best = max(scores, key=scores.get)  # type: ignore[arg-type]
    return best, scores[best]
