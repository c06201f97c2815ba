"""Score the trained model on phrasings it was not trained on (tests/nlu/heldout.yml).

Used by the test suite (which fails below the required macro F1) and by the benchmark.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from bot.names import ROOT
from bot.nlu_data import normalise as normalise  # the evaluations and their tests use both from here
from bot.nlu_data import read_nlu_examples as read_nlu_examples

HELD_OUT = ROOT / "tests" / "nlu" / "heldout.yml"


@dataclass
class Scores:
    per_intent: Dict[str, Tuple[float, float, float, int]]  # precision, recall, f1, support
    macro_f1: float
    accuracy: float
    fallback_rate: float
    mistakes: List[Tuple[str, str, str, float]]  # text, expected, predicted, confidence


def score(pairs: List[Tuple[str, str]], predictions: List[Tuple[str, float]]) -> Scores:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    mistakes = []
    for (text, expected), (predicted, confidence) in zip(pairs, predictions):
        if predicted == expected:
            tp[expected] += 1
        else:
            fn[expected] += 1
            fp[predicted] += 1
            mistakes.append((text, expected, predicted, confidence))
    per_intent = {}
    for intent in sorted({e for _, e in pairs}):
        p = tp[intent] / (tp[intent] + fp[intent]) if tp[intent] + fp[intent] else 0.0
        r = tp[intent] / (tp[intent] + fn[intent]) if tp[intent] + fn[intent] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        per_intent[intent] = (p, r, f, tp[intent] + fn[intent])
    return Scores(
        per_intent=per_intent,
        macro_f1=sum(v[2] for v in per_intent.values()) / len(per_intent),
        accuracy=sum(tp.values()) / len(pairs),
        fallback_rate=sum(1 for p, _ in predictions if p == "nlu_fallback") / len(pairs),
        mistakes=mistakes,
    )


def parse(model: Path, texts: List[str]) -> List[dict]:
    """Rasa's whole parse of each text, as the running bot would see it."""
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa's debug log would print every message's text
    agent = Agent.load(str(model))

    async def parse_all():
        return [await agent.parse_message(text) for text in texts]

    return asyncio.run(parse_all())


def predict(model: Path, texts: List[str]) -> List[Tuple[str, float]]:
    """Top intent and confidence for each text, as the running bot would see it."""
    return [(p["intent"]["name"], p["intent"].get("confidence") or 0.0) for p in parse(model, texts)]


def evaluate(model: Path, path: Path = HELD_OUT) -> Scores:
    pairs = read_nlu_examples(path)
    return score(pairs, predict(model, [t for t, _ in pairs]))


def report(scores: Scores) -> str:
    lines = [
        f"held-out intent macro F1: {scores.macro_f1:.3f} (accuracy {scores.accuracy:.3f}, "
        f"not understood {scores.fallback_rate:.1%})"
    ]
    worst = sorted(scores.per_intent.items(), key=lambda kv: kv[1][2])[:5]
    lines.append("weakest intents: " + ", ".join(f"{i} {v[2]:.2f}" for i, v in worst))
    lines += [f"  {t!r}: expected {e}, got {p} ({c:.2f})" for t, e, p, c in scores.mistakes]
    return "\n".join(lines)


# --- questions written independently, asked as a child would (tests/nlu/fresh_*) ---------------

FRESH_PROMISES = HELD_OUT.parent / "fresh_promise_questions.yml"
FRESH_TOPICS = HELD_OUT.parent / "fresh_topic_questions.yml"
SAY_AGE = {"up_to_11": "im 9", "12_15": "im 13", "16_18": "im 17"}
FIRST, OFFERED, MISSED = "first", "offered", "missed"


def where_answered(replies: list, wanted_source: str, wanted_payload: str) -> str:
    """FIRST when the turn's first reply is the wanted answer, OFFERED when it is only a
    button of the turn (a "did you mean" choice, or the promise offered beside a topic)."""
    if replies and replies[0].source == wanted_source:
        return FIRST
    if any(payload == wanted_payload for reply in replies for _, payload in reply.buttons):
        return OFFERED
    return MISSED


@dataclass
class FreshAnswers:
    by_group: Dict[str, Counter]  # band or "topics" -> Counter of FIRST / OFFERED / MISSED
    misses: List[Tuple[str, str, str]]  # group, text, the source answered instead

    def table(self) -> str:
        lines = ["| set | right answer first | offered (did you mean) | right first or offered |", "|---|---|---|---|"]
        for group, counts in self.by_group.items():
            total = sum(counts.values())
            lines.append(
                f"| {group} | {counts[FIRST]}/{total} ({counts[FIRST] / total:.0%}) | {counts[OFFERED]} | "
                f"{counts[FIRST] + counts[OFFERED]}/{total} ({(counts[FIRST] + counts[OFFERED]) / total:.0%}) |"
            )
        return "\n".join(lines)


def fresh_question_answers(
    rest_url: str, promises_path: Optional[Path] = FRESH_PROMISES, topics_path: Optional[Path] = FRESH_TOPICS
) -> FreshAnswers:
    """Each fresh question in a new conversation over REST, after saying an age in its band
    (or the dev promise questions, tests/nlu/dev_promise_questions.yml, with no topics)."""
    import uuid

    import requests

    from bot import replies
    from bot.channels.rasa_client import replies_from
    from bot.content import load_content
    from bot.understanding.finder import promise_id

    content = load_content()

    def ask(age: str, text: str) -> list:
        sender = f"eval-{uuid.uuid4().hex[:12]}"
        for message in (age, text):
            response = requests.post(rest_url, json={"sender": sender, "message": message}, timeout=60)
            response.raise_for_status()
        return replies_from(response.json())

    answers = FreshAnswers({}, [])

    def record(group: str, text: str, got: list, wanted: dict) -> None:
        """`wanted`: the reply that answers it, with the button that would offer it."""
        where = where_answered(got, wanted["source"], wanted["buttons"][0]["payload"])
        answers.by_group.setdefault(group, Counter())[where] += 1
        if where == MISSED:
            answers.misses.append((group, text, got[0].source if got else "nothing"))

    promises = yaml.safe_load(promises_path.read_text(encoding="utf-8")) if promises_path else {"bands": {}}
    for band, questions in promises["bands"].items():
        for q in questions:
            candidate = promise_id(band, q["theme"], q["promise"])
            wanted = dict(
                replies.quote_promise(content, *content.promise_by_id(candidate)),
                buttons=[{"payload": replies.promise_button(content, candidate)[1]}],
            )
            record(band, q["text"], ask(SAY_AGE[band], q["text"]), wanted)
    topics = yaml.safe_load(topics_path.read_text(encoding="utf-8")) if topics_path else {}
    for q in topics.get("questions") or []:
        wanted = dict(
            replies.topic(content, content.topics[q["topic"]].intent, "12_15")[0],
            buttons=[{"payload": f"/{content.topics[q['topic']].intent}"}],
        )
        record("topics", q["text"], ask(SAY_AGE["12_15"], q["text"]), wanted)
    return answers
