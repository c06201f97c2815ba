"""Choosing the meaning finder's thresholds on the dev sets, never the fresh ones.

`python -m bot.understanding.evaluate` builds the finder's index as `rasa train` does, scores
the dev promise questions (tests/nlu/dev_promise_questions.yml, each for its band), the held-out
topic phrasings and the held-out out-of-scope phrasings (tests/nlu/heldout.yml), and prints the
best rows of a grid: promise questions answered right first, or offered; topic phrasings the
same; out-of-scope chat given a wrong answer or a "did you mean".
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import yaml

from bot.content import load_content
from bot.nlu_eval import HELD_OUT, read_nlu_examples
from bot.understanding.encoder import encoder
from bot.understanding.finder import (
    Decision,
    Index,
    Thresholds,
    candidate_texts,
    decide,
    promise_id,
    topic_id,
    topic_of_intent,
)

DEV_PROMISES = HELD_OUT.parent / "dev_promise_questions.yml"
DATA = Path(__file__).resolve().parent.parent.parent / "data" / "nlu"


def build_index() -> Index:
    """As bot/nlu/meaning_finder.py trains it."""
    examples = [pair for path in sorted(DATA.glob("*.yml")) for pair in read_nlu_examples(path)]
    return Index.build(candidate_texts(load_content(), examples), encoder().encode)


@dataclass
class Case:
    band: str
    expected: str  # a candidate id, or "" when nothing should be offered
    vector: np.ndarray


def dev_cases() -> List[Case]:
    texts: List[Tuple[str, str, str]] = []
    data = yaml.safe_load(DEV_PROMISES.read_text(encoding="utf-8"))
    for band, questions in data["bands"].items():
        texts += [(band, promise_id(band, q["theme"], q["promise"]), q["text"]) for q in questions]
    for text, intent in read_nlu_examples(HELD_OUT):
        topic = topic_of_intent(intent)
        if topic:
            texts.append(("12_15", topic_id(topic), text))
        elif intent in ("out_of_scope", "greet", "thanks", "goodbye", "bot_challenge"):
            texts.append(("12_15", "", text))
    vectors = encoder().encode([t for _, _, t in texts])
    return [Case(band, expected, vector) for (band, expected, _), vector in zip(texts, vectors)]


def outcome(decision: Decision, expected: str) -> str:
    if not expected:
        return "quiet" if not decision.answer and not decision.choices else "wrong"
    if decision.answer == expected:
        return "first"
    if expected in decision.choices or decision.related == expected:
        return "offered"
    return "wrong" if decision.answer else ("other choices" if decision.choices else "nothing")


def choose_thresholds() -> str:
    index = build_index()
    cases = dev_cases()
    scores_by_k: Dict[int, list] = {k: [index.scores(c.vector, k) for c in cases] for k in (1, 3)}
    grid = {
        "sure": (0.3, 0.4, 0.5, 0.6, 0.7),
        "margin": (0.0, 0.1, 0.2, 0.3),
        "close": (0.3, 0.35, 0.4, 0.45, 0.5),
        "offer": (0.03, 0.05, 0.1, 0.2),
        "top_k": (1, 3),
    }
    rows = []
    for values in itertools.product(*grid.values()):
        t = Thresholds(**dict(zip(grid, values)))  # type: ignore[arg-type]  # floats and top_k, by name
        counts: Dict[Tuple[str, str], int] = {}
        for case, scores in zip(cases, scores_by_k[t.top_k]):
            kind = "chat" if not case.expected else ("topic" if case.expected.startswith("topic/") else "promise")
            key = (kind, outcome(decide(scores, case.band, t), case.expected))
            counts[key] = counts.get(key, 0) + 1
        total = {k: sum(v for (kk, _), v in counts.items() if kk == k) for k in ("promise", "topic", "chat")}
        promise_first = counts.get(("promise", "first"), 0) / total["promise"]
        promise_reached = promise_first + counts.get(("promise", "offered"), 0) / total["promise"]
        topic_reached = (counts.get(("topic", "first"), 0) + counts.get(("topic", "offered"), 0)) / total["topic"]
        chat_disturbed = counts.get(("chat", "wrong"), 0) / max(total["chat"], 1)
        rows.append((promise_reached, promise_first, topic_reached, -chat_disturbed, t))
    allowed = [r for r in rows if -r[3] <= 0.25]
    best = sorted(allowed or rows, key=lambda r: (round(r[0] + r[1], 3), r[2], r[3]), reverse=True)[:12]
    lines = [f"dev: {len(cases)} cases", "promise reached  promise first  topic reached  chat disturbed  thresholds"]
    lines += [f"{a:15.1%} {b:14.1%} {c:14.1%} {-d:15.1%}  {t}" for a, b, c, d, t in best]
    return "\n".join(lines)


if __name__ == "__main__":
    print(choose_thresholds())
