"""The word lists the redactor decides with: names, everyday words, places, public contacts.

The lists are plain text files in `data/` so that staff can add a name or a helpline without
touching code. English vocabulary comes from spacy-lookups-data (no download needed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import FrozenSet, Tuple

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.lookups import Table, load_lookups

DATA = Path(__file__).resolve().parent / "data"

# Chat words that are not in the dictionary, so that "my sw is sooo annoying" or "call me pls"
# are not read as names. Role abbreviations are here too: "i called sw" names nobody.
CHAT_WORDS = frozenset(
    """
pls plz plss lol lmao lmfao omg omfg idk idc tbh ngl rn fr frfr imo btw gonna wanna gotta kinda sorta
tryna dunno innit init bruh bro bredren fam cuz coz cos cus bc tho thx ty u ur r ya yeah yh yea yep yup nah
nope ok okay k kk hmm hm aww aw oi hiya heya hey sup wyd wbu hbu smh jk ily brb gtg ttyl tmrw tmr tmoz
tonite rlly rly srsly deffo defo prolly bare peng lit sus cap mid slay lowkey highkey bestie bff luv hun
babe mate m8 sis skl skool sch wknd mins hrs xx xxx x xo soz sry pfft ugh urgh meh wow yay yeh naa ye
dat dis wiv wid dem gyal ting wagwan mandem bredda allow wasteman dunno nuffin nothin summat sumthin
wat wot wut wen y cuz cause coz tht thats dont cant wont didnt doesnt isnt aint ive im id youre theyre
sw fc iro pa bf gf kw lac pep sgo edt camhs asap fyi nvm wtf
gna gunna finna boutta sed kno knw dno dnt cnt wnt realy rele propa proply buzzin vex aight ight alr wavey hench
mardy bostin yampy tara ar yow gorn babby bab mither nesh blarting tuffun
""".split()
)

NAME_CHARS = re.compile(r"^[^\W\d_]+(?:['’][^\W\d_]+)?$")  # letters, maybe one apostrophe: O'Brien


def read_list(name: str) -> Tuple[str, ...]:
    """The entries of data/NAME: one per line, `#` starts a comment line, lowercased."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return tuple(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _with_plain_apostrophes(names: Tuple[str, ...]) -> FrozenSet[str]:
    """o'brien also as obrien: young people drop apostrophes."""
    return frozenset(names) | {n.replace("'", "") for n in names}


@dataclass(frozen=True)
class Lexicon:
    first_names: FrozenSet[str]
    surnames: FrozenSet[str]
    everyday: FrozenSet[str]  # names that are also ordinary words: need a name context
    not_names: FrozenSet[str]  # words of places, services and brands
    vocabulary: FrozenSet[str]  # English words (and chat words): never a name by themselves
    inflections: Table  # "called", "lives": inflected forms, looked up by `in`
    public_numbers: FrozenSet[str]  # digits only
    public_domains: Tuple[str, ...]

    def is_word(self, lower: str) -> bool:
        """An English or chat word, allowing for stretched spellings ("sooo", "pleaseee")."""
        return any(
            form in self.vocabulary or form in self.inflections
            for form in {lower, re.sub(r"(.)\1{2,}", r"\1", lower), re.sub(r"(.)\1{2,}", r"\1\1", lower)}
        )


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    tables = load_lookups("en", ["lemma_lookup", "lemma_index"])
    lemmas = tables.get_table("lemma_lookup")  # inflected form -> lemma; its keys are stored hashed
    vocabulary = {str(lemma).lower() for lemma in lemmas.values()} | set(STOP_WORDS) | CHAT_WORDS
    for words in tables.get_table("lemma_index").values():  # base forms by part of speech
        vocabulary.update(words)
    contacts = read_list("public_contacts.txt")
    return Lexicon(
        first_names=_with_plain_apostrophes(read_list("first_names.txt")),
        surnames=_with_plain_apostrophes(read_list("surnames.txt")),
        everyday=frozenset(read_list("everyday_names.txt")),
        not_names=frozenset(w for entry in read_list("places_and_organisations.txt") for w in entry.split()),
        vocabulary=frozenset(vocabulary),
        inflections=lemmas,
        public_numbers=frozenset(re.sub(r"[^0-9]", "", c) for c in contacts if not re.search(r"[a-z]", c)),
        public_domains=tuple(c for c in contacts if re.search(r"[a-z]", c)),
    )
