"""Reading age: can a child of each age band read what the bot says to them?

Every text a band can receive is measured with textstat's Flesch-Kincaid grade (textstat 0.7.4:
its syllables come from pyphen's dictionaries, in the package, so it works offline) and checked
against content/reading.yml: the band's highest grade, and its jargon, which must be explained in
the same sentence it is used. The promises are the strategy's own words, quoted verbatim: they
are measured and reported, never failed.

What is measured is what the child sees, made fit for the formula: each line is a sentence (a
list item has no full stop of its own), a contact is its name (its number and hours are checked
as the contact's own text), and a web address or a placeholder is one short word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Tuple

import textstat
import yaml

from bot.content import CONTACT_PLACEHOLDER, CONTENT_DIR, TOPIC_WORDING, Content, ContentError

READING_RULES = CONTENT_DIR / "reading.yml"
BANDS = ("up_to_11", "12_15", "16_18")  # care leavers (18_plus) read what 16-18 year olds read
BAND_NAMES = {"up_to_11": "up to 11", "12_15": "12 to 15", "16_18": "16 to 18 and care leavers"}

_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
_ADDRESS = re.compile(r"\S+\.(?:com|uk|org|gov)\S*")
_SENTENCE_END = re.compile(r"[.!?:]['\")]*$")
# After a jargon word, in the same sentence: the explanation starts.
_EXPLAINS = re.compile(
    r"^\W*(?:s|es)?\s*(?:\(|:|-|,? (?:is|are|means|who|which|someone|somebody|a|an|the|like)\b)", re.IGNORECASE
)


@dataclass(frozen=True)
class Rules:
    grade: Dict[str, float]
    messages_only_for: Dict[str, Tuple[str, ...]]
    jargon: Dict[str, Tuple[str, ...]]

    def bands_of_message(self, key: str) -> Tuple[str, ...]:
        return self.messages_only_for.get(key, BANDS)


@dataclass
class Finding:
    band: str
    where: str
    grade: float
    verbatim: bool = False  # a promise: reported, not failed
    jargon: List[str] = field(default_factory=list)  # used and not explained
    over: bool = False

    @property
    def fails(self) -> bool:
        return not self.verbatim and (self.over or bool(self.jargon))


def load_rules(path: Path = READING_RULES) -> Rules:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ContentError(f"{path.name}: cannot be read: {error}") from error
    if not isinstance(data, dict) or sorted((data.get("grade") or {})) != sorted(BANDS):
        raise ContentError(f"{path.name}: needs `grade` for each of {list(BANDS)}")
    only_for = {key: tuple(bands) for key, bands in (data.get("messages_only_for") or {}).items()}
    for key, bands in only_for.items():
        if not bands or set(bands) - set(BANDS):
            raise ContentError(f"{path.name}: messages_only_for.{key} must list bands from {list(BANDS)}")
    jargon = {band: tuple((data.get("jargon") or {}).get(band) or ()) for band in BANDS}
    return Rules({b: float(g) for b, g in data["grade"].items()}, only_for, jargon)


def readable_form(text: str, content: Content) -> str:
    """The text as the formula should see it: one sentence a line, names for contacts."""
    text = CONTACT_PLACEHOLDER.sub(lambda m: content.contacts[m.group(1)].name.split(" (")[0], text)
    text = _ADDRESS.sub("it", _PLACEHOLDER.sub("it", text))
    lines = [line.strip().lstrip("-*").strip() for line in text.splitlines()]
    return " ".join(line if _SENTENCE_END.search(line) else f"{line}." for line in lines if line)


def grade_of(text: str) -> float:
    return float(textstat.flesch_kincaid_grade(text))


def unexplained_jargon(text: str, terms: Iterable[str]) -> List[str]:
    """The terms used in `text` without an explanation straight after them in a sentence."""
    found = []
    for term in terms:
        flags = 0 if term.isupper() else re.IGNORECASE  # "PEP", but "advocate" or "Advocate"
        uses = list(re.finditer(rf"\b{re.escape(term)}(?:s|es)?\b", text, flags))
        if uses and not any(_EXPLAINS.match(text[use.end() :]) for use in uses):
            found.append(term)
    return found


def texts_for(content: Content, rules: Rules, band: str) -> Iterator[Tuple[str, str, bool]]:
    """(where, text, verbatim) for every text a child of `band` can receive."""
    for key, text in content.messages.items():
        if band in rules.bands_of_message(key):
            yield f"messages.yml {key}", text, False
    wording = TOPIC_WORDING[band]
    for topic in content.topics.values():
        used = wording if wording in topic.answers else "default"
        yield f"topics.yml {topic.id}.{used}", topic.answers[used], False
    for name, flow in content.flows.items():
        for key, text in flow.items():
            if isinstance(text, str) and key not in ("what", "button", "offered_after_topic"):
                yield f"flows.yml {name}.{key}", text, False
        for key, text in (flow.get("questions") or {}).items():
            yield f"flows.yml {name}.questions.{key}", text, False
    common = content.flow_common
    for key, text in common.items():
        if isinstance(text, str):
            yield f"flows.yml common.{key}", text, False
    for group in ("questions", "news", "news_where", "news_check"):
        for key, text in (common.get(group) or {}).items():
            yield f"flows.yml common.{group}.{key}", text, False
    for contact in content.contacts.values():
        yield f"contacts.yml {contact.id}", contact.render(), False
    for theme in content.bands[band].themes:
        for i, promise in enumerate(theme.promises):
            yield f"promises.yml {band}.{theme.id}[{i}]", promise.text, True
            if promise.plain:
                yield f"promises.yml {band}.{theme.id}[{i}].plain", promise.plain, False


def check(content: Content, rules: Rules) -> List[Finding]:
    """Every text of every band, measured; `fails` marks what must be rewritten."""
    findings = []
    for band in BANDS:
        for where, text, verbatim in texts_for(content, rules, band):
            readable = readable_form(text, content)
            grade = grade_of(readable)
            findings.append(
                Finding(
                    band,
                    where,
                    grade,
                    verbatim,
                    jargon=[] if verbatim else unexplained_jargon(readable, rules.jargon[band]),
                    over=grade > rules.grade[band],
                )
            )
    return findings


def report(findings: List[Finding], rules: Rules) -> List[str]:
    """What `promisebot check-content` prints: each failure, then a line per band."""
    lines = []
    for f in findings:
        if f.fails:
            problems = [f"grade {f.grade:.1f} (at most {rules.grade[f.band]:g})"] if f.over else []
            problems += [f"unexplained {term!r}" for term in f.jargon]
            lines.append(f"{BAND_NAMES[f.band]}: {f.where}: {', '.join(problems)}")
    for band in BANDS:
        own = [f for f in findings if f.band == band and not f.verbatim]
        promises = [f for f in findings if f.band == band and f.verbatim]
        failing = sum(f.fails for f in own)
        hardest = max(promises, key=lambda f: f.grade)
        lines.append(
            f"{BAND_NAMES[band]}: {len(own)} texts, {failing} to rewrite (grade at most "
            f"{rules.grade[band]:g}); {len(promises)} promises quoted verbatim, grade "
            f"{min(f.grade for f in promises):.1f} to {hardest.grade:.1f} ({hardest.where})"
        )
    return lines
