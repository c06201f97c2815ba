"""The safeguarding detector: spaCy Matcher patterns over normalised tokens.

It does not rest on the intent classifier: it runs on every message and marks a
disclosure whatever the classifier said. Only spaCy's tokeniser and the lookup lemma
table of `spacy-lookups-data` are used, so nothing has to be downloaded at run time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, List, Optional

import spacy
from spacy.lookups import load_lookups
from spacy.matcher import Matcher
from spacy.tokens import Doc

from bot.safeguarding.patterns import KINDS, SPELLINGS, UNLESS, WORDS

MAX_CHARS = 5000  # longer messages are checked in full, in pieces of this size
# A message that is nothing but a cry for help.
WHOLE_MESSAGE_ALARMS = {
    "help me",
    "help me please",
    "please help",
    "please help me",
    "pls help",
    "plz help",
    "someone help",
    "somebody help",
    "someone help me",
    "somebody help me",
    "sos",
    "im scared",
    "i m scared",
    "i am scared",
    "so scared",
    "im so scared",
    "scared",
    "im frightened",
    "i am frightened",
    "help help",
    "helpp",
    "cutting",
    "cutting again",
    "i cut",
    "sh",
    "kms",
    "i want out",
    "get me out",
    "get me out of here",
}


@dataclass(frozen=True)
class Disclosure:
    kind: str  # one of patterns.DETECTED_KINDS
    start: int  # character span of what matched, for tests and review (never logged)
    end: int


class SafeguardingDetector:
    def __init__(self) -> None:
        self.nlp = spacy.blank("en")
        self.lemmas = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
        self.matcher = Matcher(self.nlp.vocab)
        self.unless = Matcher(self.nlp.vocab)
        for kind, patterns in KINDS.items():
            self.matcher.add(kind, [self._compile(p) for p in patterns])
        self.unless.add("innocent", [self._compile(p) for p in UNLESS])
        self.alarms = {self._words(self._doc(alarm)) for alarm in WHOLE_MESSAGE_ALARMS}

    def normalise(self, word: str) -> str:
        lowered = word.lower().replace("’", "'")
        lowered = re.sub(r"(.)\1{2,}", r"\1\1", lowered)  # "hiiits" -> "hiits", "pleaseee" -> "pleasee"
        spelled = SPELLINGS.get(lowered, lowered)
        return str(self.lemmas.get(spelled, spelled)).lower()

    def _token_test(self, spec: str) -> Dict:
        optional = spec.endswith("?") and len(spec) > 1
        spec = spec.rstrip("?") if optional else spec
        if spec.startswith("~"):
            return {"OP": f"{{,{int(spec[1:])}}}"}
        values = [
            v
            for alternative in spec.split("|")
            for v in (WORDS[alternative[1:]] if alternative.startswith("@") else [alternative])
        ]
        for value in values:  # "im" or "don't" are two tokens in a message: as one, they never match
            if len(self.nlp.make_doc(value)) != 1:
                raise ValueError(f"pattern word {value!r} is more than one token; write it as separate words")
        test: Dict[str, object] = {"NORM": {"IN": sorted({self.normalise(v) for v in values})}}
        if optional:
            test["OP"] = "?"
        return test

    def _compile(self, pattern: str) -> List[Dict]:
        return [self._token_test(spec) for spec in pattern.split()]

    def _doc(self, text: str) -> Doc:
        doc = self.nlp.make_doc(text)
        for token in doc:
            token.norm_ = self.normalise(token.text)
        return doc

    def detect(self, text: str) -> Optional[Disclosure]:
        """The first disclosure in `text`, or None."""
        if not text or text.startswith("/"):  # "/intent" is a button tap, not words
            return None
        for offset in range(0, len(text), MAX_CHARS):
            found = self._detect_piece(text[offset : offset + MAX_CHARS + 100])
            if found:
                return Disclosure(found.kind, found.start + offset, found.end + offset)
        return None

    def _detect_piece(self, text: str) -> Optional[Disclosure]:
        doc = self._doc(text)
        if self._words(doc) in self.alarms:
            return Disclosure("cry_for_help", 0, len(text))
        innocent = [(s, e) for _, s, e in self.unless(doc)]
        for match_id, start, end in sorted(self.matcher(doc), key=lambda m: m[1]):
            if any(s < end and start < e for s, e in innocent):
                continue
            span = doc[start:end]
            return Disclosure(self.nlp.vocab.strings[match_id], span.start_char, span.end_char)
        return None

    @staticmethod
    def _words(doc: Doc) -> str:
        return " ".join(t.norm_ for t in doc if not t.is_punct)


@lru_cache(maxsize=1)
def detector() -> SafeguardingDetector:
    """One detector per process: building the matcher takes a moment."""
    return SafeguardingDetector()
