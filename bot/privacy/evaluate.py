"""How well the redactor finds the personal details marked in a labelled set of messages.

A set is YAML: `messages:` is a list of strings in which each detail is marked [text](LABEL).
A marked detail is recalled when predicted spans cover all of its characters (whatever their
label; `label_recall` also asks for the right label). A predicted span is correct when it overlaps
a marked detail. Messages with nothing marked must come back unchanged.

    python -m bot.privacy.evaluate tests/redaction/dev.yml
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from bot.privacy.redaction import LABELS, Redactor, Span, redactor

MARK = re.compile(r"\[([^\]]+)\]\((%s)\)" % "|".join(LABELS))


def parse(marked: str) -> Tuple[str, List[Span]]:
    """The plain message and its gold spans."""
    text, spans, last = "", [], 0
    for m in MARK.finditer(marked):
        text += marked[last : m.start()]
        spans.append(Span(len(text), len(text) + len(m[1]), m[2]))
        text += m[1]
        last = m.end()
    return text + marked[last:], spans


def load(path: Path) -> List[Tuple[str, List[Span]]]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return [parse(message) for message in data["messages"]]


@dataclass
class Counts:
    gold: int = 0
    recalled: int = 0  # covered by predicted spans of any label
    label_recalled: int = 0  # covered by predicted spans of the right label
    predicted: int = 0
    correct: int = 0  # predicted spans that overlap a gold span

    def recall(self) -> float:
        return self.recalled / self.gold if self.gold else 1.0

    def label_recall(self) -> float:
        return self.label_recalled / self.gold if self.gold else 1.0

    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    def add(self, other: "Counts") -> None:
        for name in ("gold", "recalled", "label_recalled", "predicted", "correct"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Scores:
    by_label: Dict[str, Counts] = field(default_factory=lambda: {label: Counts() for label in LABELS})
    clean_messages: int = 0  # messages with nothing marked
    changed_clean_messages: int = 0  # ... that the redactor changed anyway
    # For looking into the development set only: the held-out set is looked at as figures, never as messages.
    misses: List[Tuple[str, Span]] = field(default_factory=list)  # (text, gold span not recalled)
    false_alarms: List[Tuple[str, Span]] = field(default_factory=list)  # (text, predicted span overlapping no gold)

    def overall(self) -> Counts:
        total = Counts()
        for counts in self.by_label.values():
            total.add(counts)
        return total

    def false_redaction_rate(self) -> float:
        return self.changed_clean_messages / self.clean_messages if self.clean_messages else 0.0


def covered(span: Span, predicted: List[Span]) -> bool:
    return all(any(p.start <= i < p.end for p in predicted) for i in range(span.start, span.end))


def score(examples: List[Tuple[str, List[Span]]], redactor_: Redactor) -> Scores:
    scores = Scores()
    for text, gold in examples:
        predicted = redactor_.find(text)
        for g in gold:
            counts = scores.by_label[g.label]
            counts.gold += 1
            counts.recalled += covered(g, predicted)
            counts.label_recalled += covered(g, [p for p in predicted if p.label == g.label])
            if not covered(g, predicted):
                scores.misses.append((text, g))
        for p in predicted:
            counts = scores.by_label[p.label]
            counts.predicted += 1
            hit = any(g.start < p.end and p.start < g.end for g in gold)
            counts.correct += hit
            if not hit:
                scores.false_alarms.append((text, p))
        if not gold:
            scores.clean_messages += 1
            scores.changed_clean_messages += bool(predicted)
    return scores


def evaluate(path: Path, redactor_: Optional[Redactor] = None) -> Scores:
    return score(load(path), redactor_ or redactor())


def table(scores: Scores) -> str:
    rows = [f"{'label':<9}{'gold':>6}{'recall':>9}{'label rec':>11}{'predicted':>11}{'precision':>11}"]
    for label, c in list(scores.by_label.items()) + [("overall", scores.overall())]:
        if c.gold or c.predicted:
            rows.append(
                f"{label:<9}{c.gold:>6}{c.recall():>9.1%}{c.label_recall():>11.1%}{c.predicted:>11}"
                f"{c.precision():>11.1%}"
            )
    rows.append(
        f"false redactions: {scores.changed_clean_messages}/{scores.clean_messages} messages with no "
        f"personal details were changed ({scores.false_redaction_rate():.1%})"
    )
    return "\n".join(rows)


if __name__ == "__main__":
    for name in sys.argv[1:] or ["tests/redaction/dev.yml"]:
        print(f"{name}\n{table(evaluate(Path(name)))}\n")
