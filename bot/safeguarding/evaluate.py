"""Safeguarding recall and false alarms, as the running bot would decide them.

A message reaches the safeguarding response when the detector finds a disclosure OR the
classifier predicts `safeguarding_disclosure` (the detector runs inside the NLU pipeline,
so parsing with the trained model gives exactly the bot's decision; the detector alone is
measured too, to show how much rests on it).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

from bot.safeguarding.detector import detector

SETS = Path(__file__).resolve().parent.parent.parent / "tests" / "safeguarding"


def read_set(name: str) -> List[Tuple[str, str]]:
    """(kind, message) pairs from tests/safeguarding/NAME.yml."""
    data = yaml.safe_load((SETS / f"{name}.yml").read_text(encoding="utf-8"))
    return [(kind, text) for kind, texts in data["kinds"].items() for text in texts]


@dataclass
class Flagged:
    total: int
    by_bot: int  # reached the safeguarding response
    by_detector: int  # of which the detector alone would have caught
    by_kind: Dict[str, Tuple[int, int]]  # kind -> (reached, total)
    examples: List[Tuple[str, str]]  # (kind, text) not reached (disclosures) or reached (benign)

    def rate(self) -> float:
        return self.by_bot / self.total


def flagged(pairs: List[Tuple[str, str]], intents: List[str], report_flagged: bool) -> Flagged:
    found = detector()
    by_kind: Dict[str, List[int]] = {}
    by_bot = by_detector = 0
    examples = []
    for (kind, text), intent in zip(pairs, intents):
        hit = intent == "safeguarding_disclosure"
        by_bot += hit
        by_detector += found.detect(text) is not None
        counts = by_kind.setdefault(kind, [0, 0])
        counts[0] += hit
        counts[1] += 1
        if hit == report_flagged:
            examples.append((kind, text))
    return Flagged(len(pairs), by_bot, by_detector, {k: (v[0], v[1]) for k, v in by_kind.items()}, examples)


def evaluate(model: Path, disclosures: str, benign: str) -> Tuple[Flagged, Flagged]:
    from bot.nlu_eval import predict

    d, b = read_set(disclosures), read_set(benign)
    intents = [name for name, _ in predict(model, [t for _, t in d + b])]
    return flagged(d, intents[: len(d)], report_flagged=False), flagged(b, intents[len(d):], report_flagged=True)


def summary(name: str, disclosures: Flagged, benign: Flagged) -> str:
    return (f"{name}: recall {disclosures.by_bot}/{disclosures.total} ({disclosures.rate():.1%}; detector alone "
            f"{disclosures.by_detector}/{disclosures.total}), false alarms {benign.by_bot}/{benign.total} "
            f"({benign.rate():.1%}; detector alone {benign.by_detector}/{benign.total})")
