"""Replace a young person's personal details with placeholders before a message is stored.

    >>> redact("my sw is Sarah Jones her number is 07700 900123")
    'my sw is [NAME] her number is [PHONE]'

Shapes (numbers, codes, links, addresses) come from regular expressions in `shapes`, names from
the spaCy tokeniser, Matcher and word lists in `names`; no downloaded model is needed. When two
findings overlap, the more specific kind wins (an email beats the name inside it). Nothing here
logs or keeps the text.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import List, Optional

import spacy
from spacy.language import Language

from bot.privacy.lexicon import lexicon
from bot.privacy.names import NameFinder
from bot.privacy.shapes import find_shapes

LABELS = ("EMAIL", "URL", "NHS", "NI", "PHONE", "POSTCODE", "DOB", "ADDRESS", "HANDLE", "NAME")  # most specific first
PLACEHOLDER = re.compile(r"\[(?:%s)\]" % "|".join(LABELS))  # already redacted: left alone, so redacting is stable
LONG_RUN = re.compile(r"\S{60,}")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
FAILED = "[REDACTED]"  # the whole message, if something unforeseen goes wrong: never store what was not checked
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    label: str  # one of LABELS


class Redactor:
    def __init__(self, ner: Optional[Language] = None) -> None:
        """`ner`: optionally a spaCy pipeline whose PERSON entities are names too (e.g. en_core_web_sm, when
        installed). Not needed, and not used by `redact()`: without it the redactor is deterministic and fast."""
        self.nlp = spacy.blank("en")
        self.lexicon = lexicon()
        self.names = NameFinder(self.nlp, self.lexicon)
        self.ner = ner

    def find(self, text: str) -> List[Span]:
        """The personal details in `text`: non-overlapping, in order."""
        if not isinstance(text, str) or not text:
            return []
        found = find_shapes(text, self.lexicon)
        # spaCy's tokeniser takes quadratic time on a long run without spaces ("😭" * 5000), and cannot encode
        # a lone surrogate. No name is that long or contains one, so those are tokenised as characters that
        # are neither (same length, so offsets are unchanged).
        words = LONE_SURROGATE.sub("\ufffd", LONG_RUN.sub(lambda m: "0" * len(m.group()), text))
        found += [(s, e, "NAME") for s, e in self.names.find(self.nlp.make_doc(words))]
        if self.ner is not None:
            found += [(ent.start_char, ent.end_char, "NAME") for ent in self.ner(text).ents if ent.label_ == "PERSON"]
        kept = [(m.start(), m.end()) for m in PLACEHOLDER.finditer(text)]
        chosen: List[Span] = []
        for start, end, label in sorted(found, key=lambda f: (LABELS.index(f[2]), f[0] - f[1], f[0])):
            if start < end and not any(s < end and start < e for s, e in kept):
                kept.append((start, end))
                chosen.append(Span(start, end, label))
        return sorted(chosen, key=lambda span: span.start)

    def redact(self, text: str) -> str:
        """`text` with each personal detail replaced by its placeholder, e.g. "[PHONE]"."""
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        try:
            spans = self.find(text)
        except Exception as error:  # noqa: BLE001 - a message must never be stored unchecked, nor crash the bot
            log.error("redaction failed (%s); the whole message was withheld", type(error).__name__)
            return FAILED
        pieces, last = [], 0
        for span in spans:
            pieces += [text[last : span.start], f"[{span.label}]"]
            last = span.end
        return "".join(pieces) + text[last:]


@lru_cache(maxsize=1)
def redactor() -> Redactor:
    """One redactor per process: loading the word lists takes about half a second."""
    return Redactor()


def redact(text: str) -> str:
    return redactor().redact(text)
