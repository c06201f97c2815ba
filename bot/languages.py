"""A message in another language: which one, and the help the bot gives in it.

The bot understands only English. A young person who writes in another language is answered in
that language (content/languages.yml) with how to get help now and how to ask for an interpreter,
and offered to carry on in English. Languages: those of separated migrant children in care and
Walsall's most spoken.

Deciding the language, the cautious way round, because English with typos and text-speak must
stay English (measured on the held-out English phrasings: `python -m bot.languages`):
- The writing system decides first. Ge'ez is Tigrinya; Gurmukhi is Punjabi; Bengali script is
  Bengali. Arabic script is told apart by the letters only one language uses (Sorani's ێ ۆ ڵ ڕ ە,
  Pashto's ټ ډ ړ ښ ګ ڼ, Urdu's ٹ ڈ ڑ ں ے), then by langid.py among Arabic, Persian, Urdu and Pashto;
  Dari by words Farsi does not use, Punjabi in Shahmukhi by words Urdu does not use. Any other
  script gets the English version of the help.
- Latin script is English unless langid.py (py3langid, its model in the package) is all but
  certain of Polish, Albanian or Vietnamese, among those and the other languages English
  look-alikes fall into, and the message has that language's own letters or common words.
- A message mixing scripts (an English disclosure with one Arabic word) stays English, so the
  safeguarding judgement still hears it.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import yaml

from bot.content import CONTENT_DIR, Content, ContentError
from bot.names import ROOT
from bot.nlu_data import plain, read_nlu_examples

LANGUAGES_FILE = CONTENT_DIR / "languages.yml"
OTHER = "other"  # a language the bot has no text for: the help in plain English
NUMBER_PLACEHOLDER = re.compile(r"\{number:([a-z0-9_]+)\}")

SORANI_LETTERS = set("ێۆڵڕە")
PASHTO_LETTERS = set("ټډړږښګڼۍې")
URDU_LETTERS = set("ٹڈڑںے")
# Punjabi in Shahmukhi shares Urdu's letters; these everyday words are Punjabi's, not Urdu's.
SHAHMUKHI_WORDS = {
    "نوں",
    "دا",
    "تسی",
    "تسیں",
    "ساڈا",
    "ساڈی",
    "تہاڈا",
    "تہاڈی",
    "نئیں",
    "چاہیدی",
    "چاہیدا",
    "کیہ",
    "اے",
    "وچ",
    "ہن",
    "مینوں",
    "تینوں",
}
DARI_WORDS = {"استم", "استی", "اس", "ترجمان", "تیلفون", "حالا", "مکتب", "اطفال", "کجاستی", "بچه", "چطور", "میخایم"}
# Words common in each Latin-script language and rare in English, for messages typed without
# their accents.
COMMON_WORDS = {
    "pl": {
        "nie",
        "jest",
        "mam",
        "się",
        "sie",
        "mnie",
        "co",
        "jak",
        "ja",
        "mi",
        "że",
        "ze",
        "czy",
        "chcę",
        "chce",
        "moja",
        "mój",
        "moj",
        "mama",
        "tata",
        "pomocy",
        "pomoc",
        "dzień",
        "dobry",
        "proszę",
        "prosze",
        "boję",
        "boje",
        "wiem",
        "mówię",
        "mowie",
        "po",
        "angielsku",
        "polsku",
        "szkoła",
        "szkoly",
        "szkole",
        "tu",
        "do",
    },
    "sq": {
        "nuk",
        "jam",
        "më",
        "me",
        "ndihmë",
        "ndihme",
        "kam",
        "dua",
        "të",
        "te",
        "një",
        "nje",
        "flas",
        "shqip",
        "anglisht",
        "mama",
        "babai",
        "shkollë",
        "shkolle",
        "frikë",
        "frike",
        "si",
        "je",
        "përshëndetje",
        "pershendetje",
        "faleminderit",
        "ku",
        "është",
        "eshte",
        "shtëpi",
        "shtepi",
        "mirë",
        "mire",
    },
    "vi": {
        "tôi",
        "toi",
        "không",
        "khong",
        "em",
        "anh",
        "chị",
        "chi",
        "giúp",
        "giup",
        "đỡ",
        "do",
        "cần",
        "can",
        "xin",
        "chào",
        "chao",
        "mẹ",
        "me",
        "bố",
        "bo",
        "sợ",
        "so",
        "nói",
        "noi",
        "tiếng",
        "tieng",
        "việt",
        "viet",
        "muốn",
        "muon",
        "có",
        "co",
        "được",
        "duoc",
        "là",
        "la",
        "ở",
        "o",
        "nhà",
        "nha",
        "trường",
        "truong",
    },
}
LATIN_LETTERS = {
    "pl": set("ąćęłńśźż"),
    "sq": set("ëç"),
    "vi": set("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"),
}
# langid.py's choice for Latin script: English and what English text-speak is often taken for.
LATIN_CANDIDATES = [
    "en",
    "pl",
    "sq",
    "vi",
    "es",
    "fr",
    "de",
    "it",
    "pt",
    "nl",
    "ro",
    "tr",
    "id",
    "ms",
    "sw",
    "tl",
    "da",
    "no",
    "sv",
    "fi",
    "hu",
    "cs",
    "sk",
    "hr",
    "sl",
    "lt",
    "lv",
    "et",
    "la",
    "eo",
]
ARABIC_CANDIDATES = ["ar", "fa", "ur", "ps"]
SURE = 0.99  # langid.py's normalised probability for a Latin-script language without its letters
SURE_WITH_LETTERS = 0.9


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    native_name: str
    direction: str
    translator_checked: bool
    text: str
    carry_on_in_english: str


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # loads the model once (~0.3 s)

    return LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)


def _ranked(text: str, candidates: List[str]) -> Tuple[str, float]:
    identifier = _identifier()
    identifier.set_languages(candidates)
    code, probability = identifier.classify(text)
    return code, float(probability)


def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    for script in ("LATIN", "ARABIC", "ETHIOPIC", "GURMUKHI", "BENGALI"):
        if name.startswith(script):
            return script
    return name.split(" ")[0] or "UNKNOWN"


def language_of(text: str) -> Optional[str]:
    """The code of the language `text` is in, OTHER for one without a text, None for English."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 2:
        return None  # "ok", "?", an emoji: nothing to go on, so English
    scripts = Counter(_script(c) for c in letters)
    script, count = scripts.most_common(1)[0]
    if count < 0.6 * len(letters):
        return None  # mixed: an English message with a name or word in another script stays English
    chars = set(letters)
    if script == "ETHIOPIC":
        return "ti"
    if script == "GURMUKHI":
        return "pa"
    if script == "BENGALI":
        return "bn"
    if script == "ARABIC":
        return _arabic_script(text, chars)
    if script == "LATIN":
        return _latin_script(text, chars)
    return OTHER


def _arabic_script(text: str, chars: set) -> str:
    if chars & SORANI_LETTERS:
        return "ckb"
    if chars & PASHTO_LETTERS:
        return "ps"
    if chars & URDU_LETTERS:
        return "pa-Arab" if len(set(re.findall(r"\w+", text)) & SHAHMUKHI_WORDS) >= 2 else "ur"
    code, _ = _ranked(text, ARABIC_CANDIDATES)
    if code == "fa":
        return "prs" if set(re.findall(r"\w+", text)) & DARI_WORDS else "fa"
    return code


def _latin_script(text: str, chars: set) -> Optional[str]:
    words = re.findall(r"\w+", text.lower())
    code, probability = _ranked(text, LATIN_CANDIDATES)
    if code not in COMMON_WORDS:
        return None
    own_letters = bool(chars & LATIN_LETTERS[code])
    common = sum(word in COMMON_WORDS[code] for word in words)
    if own_letters and probability >= SURE_WITH_LETTERS and common >= 1:
        return code
    if len(words) >= 3 and probability >= SURE and common >= max(2, len(words) // 2):
        return code
    return None


# --- the texts ----------------------------------------------------------------------------------


def load_languages(path: Path = LANGUAGES_FILE) -> Tuple[str, Dict[str, Language]]:
    """The English help and each language's, checked; ContentError says where a fault is."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ContentError(f"{path.name}: cannot be read: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("english"), str):
        raise ContentError(f"{path.name}: needs `english`, the help in English")
    languages = {}
    for i, entry in enumerate(data.get("languages") or []):
        where = f"{path.name} languages[{i}]"
        fields = {name: entry.get(name) for name in Language.__dataclass_fields__}
        missing = [name for name, value in fields.items() if value is None or value == ""]
        if missing:
            raise ContentError(f"{where}: needs {', '.join(missing)}")
        for placeholder in ("{number:emergency}", "{number:childline}"):
            if placeholder not in fields["text"]:
                raise ContentError(f"{where} ({fields['code']}): the text must give {placeholder}")
        languages[fields["code"]] = Language(**fields)
    return data["english"], languages


def phone_number(content: Content, contact_id: str) -> str:
    """A contact's number alone ("call 0800 1111" gives "0800 1111"), for texts in other languages."""
    found = re.search(r"\d[\d ]*\d|\d", content.contacts[contact_id].how)
    if found is None:
        raise ContentError(f"contacts.yml {contact_id}: has no phone number")
    return found.group()


def help_in(content: Content, code: str) -> Tuple[str, str]:
    """The help for a young person writing in `code`, and the "carry on in English" label."""
    english, languages = load_languages()
    language = languages.get(code)
    text = language.text if language else english
    label = f"{language.carry_on_in_english} / Carry on in English" if language else "Carry on in English"
    return NUMBER_PLACEHOLDER.sub(lambda m: phone_number(content, m.group(1)), text).strip(), label


# --- measuring: English must stay English --------------------------------------------------------


def false_switches(texts: Iterable[str]) -> List[Tuple[str, str]]:
    """The English texts taken for another language."""
    return [(text, code) for text in texts if (code := language_of(text)) is not None]


def main(argv=None) -> int:
    """python -m bot.languages [FILE.yml ...]: English phrasings (Rasa NLU files) taken for another
    language; by default the training data (tests/test_languages.py adds the held-out set)."""
    files = [Path(a) for a in (argv if argv is not None else sys.argv[1:])] or sorted(
        (ROOT / "data" / "nlu").glob("*.yml")
    )
    texts = [plain(text) for path in files for text, _ in read_nlu_examples(path)]
    switched = false_switches(texts)
    for text, code in switched:
        print(f"{code}: {text}")
    print(f"{len(switched)} of {len(texts)} English phrasings taken for another language")
    return 1 if switched else 0


if __name__ == "__main__":
    sys.exit(main())
