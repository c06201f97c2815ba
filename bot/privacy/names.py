"""People's names, from name lists and from what is said around them.

A word is a name when:
- it is on the first-name list and is not also an everyday word ("chantelle", "Tendai"), or
- it comes where a name goes ("my name is X", "call me X", "my sw X", "X is my carer", "tell X",
  "mrs X") and is a listed name or a word that is in no dictionary ("Piotr"), or
- it is a listed name that is also an everyday word, Capitalised in the middle of a sentence
  ("i told Grace"), but never bare ("i hope", "will you", "summer holidays").
A surname, or an unknown Capitalised word, next to a name is part of it ("Sarah Jones").
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Dict, List, Set, Tuple

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

from bot.privacy.lexicon import NAME_CHARS, Lexicon

# Words after which a name is announced: anything not in a dictionary counts ("call me Piotrek").
NAMING = [
    "my name is",
    "my names",
    "my name",
    "my name 's",
    "name is",
    "names is",
    "name :",
    "call me",
    "calls me",
    "i m called",
    "i 'm called",
    "i am called",
    "known as",
    "nickname is",
    "my nickname is",
]
CALLED = ["called", "named"]  # also "a school called Hope Academy": a date or place only when Capitalised
# Introductions and verbs: a Capitalised unknown word counts ("me and Nav", "hiya its Wiktoria").
INTRO = [
    "i m",
    "i 'm",
    "i am",
    "its",
    "it s",
    "it 's",
    "this is",
    "its me",
    "hi",
    "hiya",
    "hey",
    "heya",
    "hello",
    "dear",
    "bye",
    "thanks",
    "thank you",
    "thx",
    "cheers",
    "ta",
    "night",
    "morning",
]
VERB = [
    "tell",
    "told",
    "ask",
    "asked",
    "text",
    "texted",
    "txt",
    "ring",
    "rang",
    "call",
    "message",
    "messaged",
    "msg",
    "dm",
    "phone",
    "phoned",
    "email",
    "emailed",
]
LINK = ["with", "and", "&", "or", "see", "saw", "seen", "meet", "met", "visit", "visited", "not", "than", "me and"]
TITLES = ["mr", "mrs", "ms", "mx", "dr", "sir", "mr.", "mrs.", "ms.", "dr."]
TITLE_MISS = ["miss"]  # also a verb ("i miss home"): only a surname or a Capitalised word follows it as a name
# People a young person in care talks about by name.
ROLES = """sw|s/w|social worker|socialworker|worker|carer|carers|fc|foster carer|foster carers|foster mum|foster dad|
foster mom|foster parent|foster sister|foster brother|mum|mom|mam|mommy|mummy|mother|dad|daddy|father|stepmum|stepdad|
step mum|step dad|brother|bro|sister|sis|twin|cousin|aunt|aunty|auntie|uncle|nan|nana|nanny|gran|granny|grandma|
grandad|granddad|grandpa|nephew|niece|son|daughter|baby|boyfriend|bf|girlfriend|gf|partner|friend|mate|bestie|bff|
best friend|best mate|pal|teacher|tutor|key worker|keyworker|support worker|youth worker|pa|personal adviser|
personal advisor|iro|advocate|mentor|therapist|counsellor|counselor|nurse|doctor|manager|staff|neighbour|housemate|
flatmate|roommate|boss|coach|lawyer|solicitor|guardian|kid|child|girl|boy|lad|guy|ex|teaching assistant|
head teacher|headteacher|head of year|senco|link worker|family worker|sibling""".replace("\n", "").split("|")
ROLES += [role + "s" for role in ROLES if not role.endswith("s")]  # "my sisters amrit and simi"
ADJECTIVES = [
    "best",
    "little",
    "big",
    "older",
    "younger",
    "old",
    "new",
    "baby",
    "foster",
    "step",
    "half",
    "birth",
    "real",
    "other",
    "twin",
    "ex",
    "lil",
    "favourite",
    "fave",
    "current",
    "previous",
    "temporary",
    "proper",
]
OWNERS = ["my", "our", "me", "his", "her", "their", "the", "ur", "your", "a"]  # "me mum" is Black Country for "my mum"
SEPARATORS = ["is", "was", "are", "were", "=", ":", "-", ","]

CALENDAR = frozenset(
    """january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday spring summer autumn winter christmas easter""".split()
)
MODALS = frozenset({"will", "may"})  # "my sw will ring", "may i ask": a name only when Capitalised
# After these a lowercase everyday name is being used as a word: "my dad drew me", "my sister rose up".
WORD_FOLLOWERS = frozenset(
    """me you u him her us them it up down be have a an the to out off ya this that some any
not never always really just so all""".split()
)
# "Hope my sister is ok" is a wish, "Hope my foster sister keeps taking my stuff" and "Grace my foster mum is
# the best" name someone: a name that is also a verb, before "my ROLE is", is taken as the verb.
STATEMENT_VERBS = frozenset("""is s 's was will wo can ca gets get has had does do did be would could should""".split())
VERB_NAMES = frozenset("""hope will may mark bill sue rob drew rose grant wade pat hunt chase trust""".split())
# Straight after a role, a lowercase verb-name is a name only before one of these: "my brother mark said",
# not "my sister rose early".
NAME_FOLLOWERS = frozenset("""is was and said says told from who has keeps wants lives texted rang messaged""".split())
# "Hope Academy", "Grace Church", "St Thomas": a place named after someone.
PLACE_WORDS = frozenset(
    """academy school college primary high centre center house church road street lane avenue
hospital park court close way drive hall ward unit""".split()
)
SAINT = frozenset({"st", "st.", "saint"})
# "a dog called Max", "my cat Luna": pets' names are not personal details.
PETS = frozenset(
    """dog dogs cat cats puppy kitten hamster rabbit bunny pet pets horse pony fish snake lizard bird
parrot budgie tortoise guinea pig""".split()
)
# Before these an everyday word is a verb or a noun, even Capitalised: "I Hope so", "He Will", "the Angel".
SUBJECTS_AND_DETERMINERS = frozenset(
    """i you u we they he she it the a an this that these those some any every no
""".split()
)
TITLE_WORDS = frozenset(TITLES + TITLE_MISS)
STRONG = {"NAMING", "ROLE", "ROLE_IS", "TITLE", "REVERSE_IS"}


class NameFinder:
    """Marks each token with the contexts it follows (NAMING, CALLED, INTRO, VERB, LINK, TITLE, TITLE_MISS, ROLE,
    ROLE_IS) or precedes (REVERSE "X my sw", REVERSE_IS "X is my sw"), then decides token by token."""

    def __init__(self, nlp: Language, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.nlp = nlp
        self.matcher = Matcher(nlp.vocab)
        optional_separator = {"LOWER": {"IN": [":", "-", ",", "="]}, "OP": "?"}
        for kind, phrases in (
            ("NAMING", NAMING),
            ("CALLED", CALLED),
            ("INTRO", INTRO),
            ("VERB", VERB),
            ("LINK", LINK),
            ("TITLE", TITLES),
            ("TITLE_MISS", TITLE_MISS),
        ):
            self.matcher.add(kind, [self._words(p) + [optional_separator] for p in phrases])
        owner: Dict[str, Any] = {"LOWER": {"IN": OWNERS}, "OP": "?"}
        adjectives: Dict[str, Any] = {"LOWER": {"IN": ADJECTIVES}, "OP": "*"}
        separator: Dict[str, Any] = {"LOWER": {"IN": SEPARATORS}}
        self.matcher.add("ROLE", [[owner, adjectives] + self._words(r) for r in ROLES])  # "my sw Priya"
        self.matcher.add("ROLE_IS", [[owner, adjectives] + self._words(r) + [separator] for r in ROLES])
        # "Faith is my social worker", "Hope my foster sister...": the name is just before the match.
        self.matcher.add(
            "REVERSE",
            [[dict(separator, OP="?"), {"LOWER": {"IN": ["my", "our"]}}, adjectives] + self._words(r) for r in ROLES],
        )

    def _words(self, phrase: str) -> List[Dict[str, Any]]:
        return [{"LOWER": token.lower_} for token in self.nlp.make_doc(phrase)]

    def find(self, doc: Doc) -> List[Tuple[int, int]]:
        """Character spans of the names in `doc`, in order."""
        contexts: Dict[int, Set[str]] = defaultdict(set)
        for match_id, start, end in self.matcher(doc):
            kind = self.nlp.vocab.strings[match_id]
            if kind == "REVERSE":
                stated = doc[start].lower_ in ("is", "was", "are", "were")
                statement = end < len(doc) and doc[end].lower_ in STATEMENT_VERBS
                if start > 0 and not (statement and doc[start - 1].lower_ in VERB_NAMES):
                    contexts[start - 1].add("REVERSE_IS" if stated else "REVERSE")
            elif end < len(doc):
                contexts[end].add(kind)
        capitals_mean_something = self._capitals_mean_something(doc)
        spans: List[Tuple[int, int]] = []
        i = 0
        while i < len(doc):
            context = set(contexts.get(i, ()))
            if spans and spans[-1][1] == i - 1 and doc[i - 1].lower_ in ("and", "&", ",", "n"):
                context.add("AFTER_NAME")  # "amrit and simi", "funmi and precious"
            if self._is_name(doc, i, context, capitals_mean_something):
                start, end = self._extend(doc, i, context, capitals_mean_something, spans)
                spans.append((start, end))
                i = end
            else:
                i += 1
        if capitals_mean_something:
            spans = self._and_before(doc, spans)
        return [(doc[s].idx, doc[e - 1].idx + len(doc[e - 1])) for s, e in spans]

    def _and_before(self, doc: Doc, spans: List[Tuple[int, int]]) -> List[Tuple[int, int]]:
        """Add a Capitalised everyday name just before "and NAME": "Faith and Joy are my sisters"."""
        taken = {i for s, e in spans for i in range(s, e)}
        added = [
            (s - 2, s - 1)
            for s, _ in spans
            if s >= 2
            and s - 2 not in taken
            and doc[s - 1].lower_ in ("and", "&")
            and doc[s - 2].text[0].isupper()
            and self.kind(doc[s - 2].text) == "everyday"
            and doc[s - 2].lower_ not in CALENDAR | MODALS
        ]
        return sorted(spans + added)

    @staticmethod
    def _capitals_mean_something(doc: Doc) -> bool:
        """Not when every word is Capitalised ("My Sw Is Nice") or SHOUTED."""
        words = [t.text for t in doc if t.is_alpha and len(t) > 1]
        return len(words) < 4 or sum(w[0].isupper() for w in words) / len(words) < 0.6

    def kind(self, text: str) -> str:
        """clear (a first name, not a word), everyday (a first name and a word), surname, unknown or word."""
        lower = text.lower().replace("’", "'")
        lex = self.lexicon
        if not NAME_CHARS.match(text):
            return "word"
        if lower in lex.first_names:
            usual_word = lower in lex.everyday or lower in lex.not_names or lower in CALENDAR or len(lower) < 3
            return "everyday" if usual_word else "clear"
        if lower in lex.surnames:
            return "surname"
        return "word" if lex.is_word(lower) or lower in lex.not_names else "unknown"

    def _is_name(self, doc: Doc, i: int, context: Set[str], capitals: bool) -> bool:
        token = doc[i]
        kind, lower = self.kind(token.text), token.lower_
        cap = capitals and token.text[0].isupper()
        next_word = doc[i + 1].lower_ if i + 1 < len(doc) else ""
        if lower in TITLE_WORDS or i > 0 and doc[i - 1].lower_ in SAINT:
            return False  # "Mrs" stays outside the name; "St Thomas" is a school or a church
        if any(t.lower_ in PETS for t in doc[max(0, i - 4) : i]) and (
            doc[i - 1].lower_ in PETS or context & {"CALLED", "ROLE_IS"} or doc[i - 1].lower_ in ("is", "s")
        ):
            return False
        if kind == "clear":
            return True
        if kind == "word":  # "my name is Storm"; never "call me later"
            return cap and "NAMING" in context
        if kind == "unknown":  # "call me piotrek", "my sw is bernie", "me and Nav"
            return bool(context & {"NAMING", "CALLED", "TITLE", "ROLE_IS"}) or cap and bool(context)
        if kind == "surname":  # "mrs Kaur", "miss kaur", "Kasia Nowak"; alone, "Hill" could be anything
            plain = lower not in self.lexicon.everyday  # "my mum is English", "Grace White"
            return (
                bool(context & {"NAMING", "TITLE"})
                or "TITLE_MISS" in context
                and plain
                or cap
                and plain
                and bool(context & {"CALLED", "TITLE_MISS", "ROLE", "ROLE_IS", "REVERSE", "REVERSE_IS"})
            )
        # A first name that is also an everyday word: grace, will, hope, summer, april...
        used_as_word = lower in MODALS or next_word in WORD_FOLLOWERS
        place_or_date = lower in CALENDAR or lower in self.lexicon.not_names or next_word in PLACE_WORDS
        if context & {"NAMING", "REVERSE_IS"}:
            return True
        if context & {"ROLE_IS", "TITLE"}:  # "my sw is grace", "mrs may"
            return cap or not used_as_word
        if "ROLE" in context:  # "my sister grace lives...", "my brother mark said", not "my sister rose early"
            return (
                cap
                or not used_as_word
                and (lower not in VERB_NAMES or next_word in NAME_FOLLOWERS or not any(c.isalnum() for c in next_word))
            )
        if "CALLED" in context:
            return cap or not place_or_date
        if "AFTER_NAME" in context:
            return cap or lower not in MODALS
        if not cap or place_or_date:
            return "VERB" in context and not (used_as_word or place_or_date)  # "tell will my key worker"
        before = doc[i - 1] if i > 0 else None
        if before is not None and before.lower_ in SUBJECTS_AND_DETERMINERS:
            return False
        if "VERB" in context:
            return True
        # Capitalised after a lowercase word: "i told Grace". Not in a Title Case phrase ("Leaving Care Grant").
        mid_sentence = before is not None and (before.is_alpha and before.text.islower() or before.text in (",", "&"))
        return mid_sentence or bool(context & {"REVERSE", "TITLE_MISS", "INTRO", "LINK"}) and lower not in MODALS

    def _extend(
        self, doc: Doc, i: int, context: Set[str], capitals: bool, spans: List[Tuple[int, int]]
    ) -> Tuple[int, int]:
        """The whole name around doc[i]: "Sarah Jones", "lilly-mae", "Mark Hill"."""
        cap = capitals and doc[i].text[0].isupper()
        start, end = i, i + 1
        before = doc[i - 1] if i > 0 and (not spans or spans[-1][1] < i) else None
        if (
            before is not None
            and cap
            and before.text[0].isupper()
            and self.kind(before.text) == "everyday"
            and before.lower_ not in CALENDAR | MODALS
        ):
            start = i - 1  # "Mark Hill is my sw": the context found Hill
        while end < len(doc) and end - i < 3:
            token = doc[end]
            if (
                token.text == "-"
                and end + 1 < len(doc)
                and not doc[end - 1].whitespace_
                and not token.whitespace_
                and self.kind(doc[end + 1].text) in ("clear", "everyday", "surname")
            ):
                end += 2  # "lilly-mae", "Sarah-Jane"
                continue
            kind, lower = self.kind(token.text), token.lower_
            next_cap = capitals and token.text[0].isupper()
            if kind == "clear" or kind == "surname" and lower not in self.lexicon.everyday:
                ok = next_cap or not cap
            elif kind in ("surname", "everyday"):
                following = doc[end + 1].lower_ if end + 1 < len(doc) else ""
                ok = (
                    cap
                    and next_cap
                    or bool(context & STRONG)
                    and not next_cap
                    and lower not in CALENDAR | MODALS
                    and following not in WORD_FOLLOWERS
                )
            elif kind == "unknown":
                ok = cap and next_cap or "NAMING" in context and not next_cap
            else:
                ok = False
            if not ok:
                break
            end += 1
        return start, end
