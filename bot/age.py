"""Find a young person's own age in what they write, and the age band it falls in.

"im 14", "I'm fourteen", "14yo", "age 16", "actually I'm 15", "I'm 14, what do you promise
about school?" all state an age. "my brother is 14", "im 2 tired" and "i have 14 merits" do
not. Only first-person statements (or a message that is nothing but a number) count, so a
child talking about someone else does not change their own answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional

UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
}
# Common misspellings young people type.
UNITS.update(
    {
        "fourten": 14,
        "forteen": 14,
        "fiveteen": 15,
        "fithteen": 15,
        "thirten": 13,
        "sixten": 16,
        "seventen": 17,
        "eightteen": 18,
        "eighten": 18,
        "twelv": 12,
        "elevan": 11,
        "nineteen": 19,
        "ninteen": 19,
    }
)
NUMBER_WORD = "|".join(sorted(UNITS, key=len, reverse=True))
# "twenty one", "twenty-one"
NUMBER = rf"(?:\d{{1,3}}|twenty[\s-]+(?:one|two|three|four|five)|{NUMBER_WORD})"

I_AM = r"(?:i\s*['’`]?\s*a?m|im|iam|i\s+am|me)"
YEARS = r"(?:years?|yrs?|yr|y\.?o\.?|y/o|yo)"
FIRST_PERSON = [
    # i'm 14 / im fourteen / i am 14 / i'm 14 years old / actually im 15 now
    rf"\b{I_AM}\s+(?:(?:now|only|just|nearly|almost|actually|like|about)\s+)?(?P<n>{NUMBER})(?!\s*(?:%|p\b|pm\b|am\b|mins?\b|minutes?\b|hours?\b|pounds?\b|quid\b|times\b|x\b|of\b|foot\b|feet\b|ft\b|cm\b|kg\b|stone\b|st\b))",
    # my age is 14 / age 14 / aged 14 / age: 14
    rf"\b(?:my\s+age\s+is|my\s+age|age|aged)\s*[:=]?\s*(?P<n>{NUMBER})\b",
    # i just turned 16 / i turned 16
    rf"\bi\s+(?:just\s+|have\s+just\s+|recently\s+)?turned\s+(?P<n>{NUMBER})\b",
    # i'm a 15 year old / im a fifteen yr old
    rf"\b{I_AM}\s+(?:a|an)\s+(?P<n>{NUMBER})\s*[-\s]?{YEARS}",
]
# "14 years old", "14yo" with no subject: counts unless someone else is named just before.
# "5 years" alone is usually how long, not how old: it needs "old", or "yo" / "y/o".
BARE_YEARS = rf"(?<![\w-])(?P<n>{NUMBER})\s*-?\s*(?:(?:years?|yrs?|yr)\s*old\b|(?:y\.?o\.?|y/o|yo)\b)"
THIRD_PERSON = re.compile(
    r"\b(?:he|she|they|hes|shes|theyre|is|are|was|my\s+\w+|his|her|their|brother|sister|mum|dad|friend|mate)\W*$"
)
# A whole message that is just an age: "14", "fourteen", "16+", "im 14!!"
ONLY_NUMBER = rf"^\W*(?:(?:nearly|almost|just)\s+)?(?P<n>{NUMBER})\s*\+?\W*$"
CARE_LEAVER = re.compile(r"\b(?:i\s*['’]?\s*a?m|im|i\s+am)\s+(?:a\s+)?care\s*leaver\b")
# "nearly 12" means 11; "12 next week" is still 11 today, but we keep it simple: only
# "nearly" and "almost" lower the age.
NEARLY = re.compile(r"\b(?:nearly|almost)\s+$")

YOUNGEST, OLDEST_CARE_LEAVER = 4, 25


@dataclass(frozen=True)
class AgeStatement:
    age: Optional[int]  # None when only "I'm a care leaver" was said
    band: str  # up_to_11, 12_15, 16_18, 18_plus or over_25
    start: int
    end: int


def band_for_age(age: int) -> str:
    if age <= 11:
        return "up_to_11"
    if age <= 15:
        return "12_15"
    if age <= 17:
        return "16_18"
    if age <= OLDEST_CARE_LEAVER:
        return "18_plus"
    return "over_25"


def _to_int(token: str) -> Optional[int]:
    token = token.lower().strip()
    if token.isdigit():
        return int(token)
    if token in UNITS:
        return UNITS[token]
    parts = re.split(r"[\s-]+", token)
    if len(parts) == 2 and parts[0] == "twenty" and parts[1] in UNITS:
        return 20 + UNITS[parts[1]]
    return None


def find_age(text: str) -> Optional[AgeStatement]:
    """The age the writer states about themself, or None."""
    if not text:
        return None
    lowered = text.lower()[:1000]  # an age is stated near the start; long texts are not scanned whole
    candidates: List[re.Match[str]] = []
    for pattern in FIRST_PERSON + [ONLY_NUMBER]:
        candidates.extend(re.finditer(pattern, lowered))
    for match in re.finditer(BARE_YEARS, lowered):
        if not THIRD_PERSON.search(lowered[: match.start()]):
            candidates.append(match)
    for match in sorted(candidates, key=lambda m: m.start("n")):
        age = _to_int(match.group("n"))
        if age is None or age < YOUNGEST or age > 120:
            continue
        # "im 2 tired", "im 4 real": 2 and 4 are words there, and below the youngest user anyway.
        if NEARLY.search(lowered[: match.start("n")]):
            age -= 1
        return AgeStatement(age, band_for_age(age), match.start("n"), match.end("n"))
    leaver = CARE_LEAVER.search(lowered)
    if leaver:
        return AgeStatement(None, "18_plus", leaver.start(), leaver.end())
    return None
