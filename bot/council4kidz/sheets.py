"""Phrasing sheets: Council4Kidz write questions the way young people ask them, see what the
bot makes of each, and approved ones become training data.

  promisebot phrasings answer SHEET.csv   columns: phrasing, optional age
      -> SHEET-answers.csv and SHEET-answers.html: what each was understood as, how sure
         the bot was, and the reply it gives
  promisebot phrasings import SHEET.csv   columns: phrasing, topic, approved
      -> approved rows added to data/nlu/council4kidz.yml under the right intent; the model
         retrains on the next run because its inputs changed
  promisebot phrasings weakest
      -> the topics the held-out test phrasings show the bot understands least well: where
         new phrasings would help most

A sheet with any bad row is not imported at all: every bad row is named, so it can be fixed
and the whole sheet imported again.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

import yaml

from bot.content import current_content
from bot.names import ROOT
from bot.nlu_data import normalise, read_nlu_examples
from bot.nlu_eval import HELD_OUT

SHEET_FILE = ROOT / "data" / "nlu" / "council4kidz.yml"
MAX_PHRASING = 300
YES = {"yes", "y", "true", "1", "x", "approved", "ok"}
NO = {"", "no", "n", "false", "0", "not yet", "rejected"}


class SheetError(ValueError):
    """Everything wrong with a sheet, one line per row."""


@dataclass
class ImportResult:
    added: Dict[str, int] = field(default_factory=dict)  # intent -> phrasings added
    duplicates: int = 0
    held_out: int = 0  # phrasings the NLU test keeps out of training, so the score stays honest
    not_approved: int = 0

    def __str__(self) -> str:
        added = sum(self.added.values())
        lines = [
            f"Added {added} phrasing{'s' * (added != 1)}"
            + (": " + ", ".join(f"{n} to {intent}" for intent, n in sorted(self.added.items())) if added else ".")
        ]
        if self.duplicates:
            lines.append(f"Skipped {self.duplicates} already in the training data.")
        if self.held_out:
            lines.append(f"Skipped {self.held_out} that are in the held-out test phrasings (tests/nlu/heldout.yml).")
        if self.not_approved:
            lines.append(f"Left out {self.not_approved} not approved.")
        return "\n".join(lines)


def read_sheet(path: Path, required: Iterable[str]) -> List[Tuple[int, Dict[str, str]]]:
    """(row number as a spreadsheet shows it, row) for every non-empty row."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # Excel saves CSV with a byte-order mark
    except (OSError, UnicodeDecodeError) as error:
        raise SheetError(f"{path}: cannot be read as UTF-8 CSV ({error})") from error
    reader = csv.DictReader(text.splitlines())
    headers = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in required if c not in headers]
    if missing:
        raise SheetError(
            f"{path.name}: row 1 (the header) needs the column{'s' * (len(missing) > 1)} "
            f"{', '.join(missing)}; it has {', '.join(headers) or 'nothing'}"
        )
    rows = []
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        if any(row.values()):
            rows.append((number, row))
    return rows


def known_topics() -> Dict[str, str]:
    """What a sheet may put in its topic column -> the intent it means.

    An intent name (topic_complaints), a topic id from content/topics.yml (complaints) or a
    topic's title ("Making a complaint"), in any case, with spaces or underscores.
    """
    intents = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"]
    names = {_key(i): i for i in intents}
    for topic in current_content().topics.values():
        names[_key(topic.id)] = topic.intent
        names[_key(topic.title)] = topic.intent
    return names


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()


def training_phrasings(directory: Path) -> set:
    return {normalise(text) for path in sorted(directory.glob("*.yml")) for text, _ in read_nlu_examples(path)}


def import_sheet(path: Path, target: Path = SHEET_FILE, held_out: Path = HELD_OUT) -> ImportResult:
    rows = read_sheet(path, ("phrasing", "topic", "approved"))
    topics, errors, approved = known_topics(), [], []
    for number, row in rows:
        phrasing, topic, decision = row["phrasing"], row["topic"], row["approved"].lower()
        if decision not in YES | NO:
            errors.append(f"row {number}: approved should be yes or no, not {row['approved']!r}")
        elif not phrasing:
            errors.append(f"row {number}: the phrasing is empty")
        elif len(phrasing) > MAX_PHRASING or "\n" in phrasing:
            errors.append(f"row {number}: the phrasing should be one line of at most {MAX_PHRASING} characters")
        elif _key(topic) not in topics:
            errors.append(
                f"row {number}: unknown topic {topic!r} (use an intent from domain.yml or a topic from "
                f"content/topics.yml, like 'complaints' or 'Making a complaint')"
            )
        else:
            approved.append((phrasing, topics[_key(topic)], decision in YES))
    if errors:
        raise SheetError(f"{path.name} was not imported; fix these rows and import it again:\n" + "\n".join(errors))

    result = ImportResult()
    seen = training_phrasings(target.parent)
    held = {normalise(text) for text, _ in read_nlu_examples(held_out)}
    new: Dict[str, List[str]] = {}
    for phrasing, intent, ok in approved:
        key = normalise(phrasing)
        if not ok:
            result.not_approved += 1
        elif key in held:
            result.held_out += 1
        elif key in seen:
            result.duplicates += 1
        else:
            seen.add(key)
            new.setdefault(intent, []).append(phrasing)
            result.added[intent] = result.added.get(intent, 0) + 1
    if new:
        _write(target, new)
    return result


def _write(target: Path, new: Dict[str, List[str]]) -> None:
    existing: Dict[str, List[str]] = {}
    for text, intent in read_nlu_examples(target) if target.exists() else []:
        existing.setdefault(intent, []).append(text)
    for intent, phrasings in new.items():
        existing.setdefault(intent, []).extend(phrasings)
    lines = [
        'version: "3.1"',
        "",
        "# Phrasings written and approved by Council4Kidz, added by `promisebot phrasings import`.",
        "# Edit with care: the import skips anything already here.",
        "nlu:",
    ]
    for intent in sorted(existing):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {_one_line(text)}" for text in existing[intent]]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# --- answering a sheet ------------------------------------------------------------------------


@dataclass(frozen=True)
class Answered:
    phrasing: str
    age: str
    intent: str
    topic: str
    confidence: float
    reply: str


def answer_rows(rows: List[Tuple[int, Dict[str, str]]], ask) -> List[Answered]:
    """`ask(phrasing, age)` -> (intent, confidence, reply) from a running assistant."""
    topics = {t.intent: t.title for t in current_content().topics.values()}
    answered = []
    for _, row in rows:
        phrasing, age = row.get("phrasing", ""), row.get("age", "")
        if not phrasing:
            continue
        intent, confidence, reply = ask(phrasing, age)
        answered.append(
            Answered(phrasing, age, intent, topics.get(intent, intent.replace("_", " ")), confidence, reply)
        )
    return answered


def write_answers(answered: List[Answered], csv_path: Path, html_path: Path) -> None:
    with csv_path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["phrasing", "age", "understood as", "topic", "confidence", "reply"])
        for a in answered:
            writer.writerow([a.phrasing, a.age, a.intent, a.topic, f"{a.confidence:.2f}", a.reply])
    html_path.write_text(_answers_page(answered), encoding="utf-8")


def _answers_page(answered: List[Answered]) -> str:
    from html import escape

    rows = "\n".join(
        f"<tr><td>{escape(a.phrasing)}</td><td>{escape(a.age) or '-'}</td><td>{escape(a.topic)}"
        f'<br><small>{escape(a.intent)}</small></td><td class="{"unsure" if a.confidence < 0.7 else "sure"}">'
        f"{a.confidence:.0%}</td><td>{escape(a.reply).replace(chr(10), '<br>')}</td></tr>"
        for a in answered
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>What the Promises helper said</title>
<style>body{{font-family:system-ui,Arial,sans-serif;margin:1rem;color:#1b1b1f}}table{{border-collapse:collapse}}
td,th{{border:1px solid #8d8d96;padding:.4rem;vertical-align:top;text-align:left}}th{{background:#eceff7}}
.unsure{{background:#fff4ce;font-weight:700}}</style></head><body>
<h1>What the Promises helper said</h1>
<p>{len(answered)} phrasings. A confidence under 70% (highlighted) means the bot was not sure what was meant:
those are the ones to look at together.</p>
<table><thead><tr><th scope="col">Phrasing</th><th scope="col">Age</th><th scope="col">Understood as</th>
<th scope="col">How sure</th><th scope="col">Reply</th></tr></thead><tbody>
{rows}
</tbody></table></body></html>
"""


# --- where new phrasings would help most --------------------------------------------------


def weakest_topics(scores, limit: int = 10) -> str:
    """Per-intent scores on the held-out phrasings, worst first, with topic titles."""
    titles = {t.intent: t.title for t in current_content().topics.values()}
    worst = sorted(scores.per_intent.items(), key=lambda item: (item[1][2], item[0]))[:limit]
    lines = [
        f"Held-out phrasings: macro F1 {scores.macro_f1:.3f}. Weakest first (F1; how many of its "
        "phrasings were understood; what they were taken for):"
    ]
    for intent, (_precision, recall, f1, support) in worst:
        confused = sorted({predicted for _, expected, predicted, _ in scores.mistakes if expected == intent})
        lines.append(
            f"  {f1:.2f}  {titles.get(intent, intent):<40} {round(recall * support)}/{support} understood"
            + (f"; taken for {', '.join(confused)}" if confused else "")
        )
    return "\n".join(lines)
