"""Personal details that have a shape: numbers, codes, addresses, links.

Regular expressions are the right tool here: these details are defined by their characters,
not by words. Every pattern starts at a word boundary written as a lookbehind, so that a long
run of letters or digits is scanned once, not once per character (20,000-character messages).
"""

from __future__ import annotations

import re
from typing import Iterator, List, Tuple

from bot.privacy.lexicon import Lexicon

Found = Tuple[int, int, str]  # start, end, label

# --- Phone numbers -----------------------------------------------------------------------------
# UK numbers as typed: 0 + 9 or 10 digits, or +44/0044 (optionally "(0)") + 9 or 10 digits, with
# spaces, dashes, dots or brackets anywhere between the digits.
_GAP = r"[\s\-.()]{0,2}"
UK_PHONE = re.compile(
    rf"""(?<![\w+(])(?:
    (?P<intl>(?:\+|00)\s?44\s?(?:\(0\)\s?)?|\(\+44\)\s?)(?P<subscriber>[1-9](?:{_GAP}[0-9]){{8,9}})
  | (?P<national>\(?0(?:{_GAP}[0-9]){{9,10}})
)(?![0-9])""",
    re.X,
)
OTHER_PHONE = re.compile(rf"(?<![\w+])\+(?!44)[1-9][0-9]{{0,2}}(?:{_GAP}[0-9]){{7,12}}(?![0-9])")
# A mobile typed without its 0 ("my number is 7700 900123"), only when the message says it is a number.
MOBILE_WITHOUT_0 = re.compile(rf"(?<![\w+])7(?:{_GAP}[0-9]){{9}}(?![0-9])")
PHONE_WORDS = re.compile(r"\b(?:number|num|no|mobile|mob|phone|ring|call|text|whatsapp|digits|contact)\b", re.I)


def phones(text: str, lexicon: Lexicon) -> Iterator[Found]:
    for m in UK_PHONE.finditer(text):
        digits = "0" + re.sub(r"[^0-9]", "", m["subscriber"]) if m["intl"] else re.sub(r"[^0-9]", "", m["national"])
        # 04 and 06 are not UK number ranges; mobiles (07) always have 11 digits.
        if digits[1] in "46" or (digits[1] == "7" and len(digits) != 11) or digits in lexicon.public_numbers:
            continue
        yield m.start(), m.end(), "PHONE"
    for m in OTHER_PHONE.finditer(text):
        yield m.start(), m.end(), "PHONE"
    for m in MOBILE_WITHOUT_0.finditer(text):
        if PHONE_WORDS.search(text, max(0, m.start() - 30), m.start()):
            yield m.start(), m.end(), "PHONE"


# --- Email, links and social media handles ------------------------------------------------------
EMAIL = re.compile(r"(?<![\w.+\-])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_TLD = (
    r"(?:com|co\.uk|org\.uk|org|net|uk|ee|io|me|tv|gg|ly|app|be|to|link|page|site|xyz|info|biz|us|ie|pl|ro|fm|cc"
    r"|bio|live)"
)
URL = re.compile(
    rf"""(?<![\w@.\-/])(?:
    https?://[^\s<>"'\[\]]+
  | www\.[^\s<>"'\[\]]+
  | (?:[a-z0-9\-]+\.)+{_TLD}/[^\s<>"'\[\]]*   # a bare domain only with a path: tiktok.com/@x
)""",
    re.X | re.I,
)
AT_HANDLE = re.compile(r"(?<![\w@.\-/])@[A-Za-z0-9_][A-Za-z0-9_.]{0,29}(?:#[0-9]{4})?")
AT_TIME = re.compile(r"@[0-9]{1,2}(?:[:.][0-9]{2})?(?:am|pm)?", re.I)  # "see u @3pm"
# "my snap is jazzyk22", "add me on snap tee.jay.04", "xbox gamertag KwameBoi2K9". Facebook is not
# here: people use their real names there, which the name finder handles.
_PLATFORM = (
    r"snap(?:chat)?|sc|insta(?:gram)?|ig|tik\s?tok|tt|discord|xbox|gamer\s?tag|psn|twitter|twitch"
    r"|youtube|yt|roblox|fortnite|steam|kik|telegram|bereal|pinterest|reddit|user\s?name"
)
_FILLER = r"name|username|user|handle|id|tag|gamertag|acc|account|is|its|it's|me|on"
PLATFORM_HANDLE = re.compile(
    rf"(?<![\w@])(?:{_PLATFORM})(?!\w)(?:\s+(?:{_FILLER}))*"
    r"(?:\s*[:=\-]\s*|\s+)(?P<handle>@?\w[\w.\-]{1,29}(?:#[0-9]{4})?)",
    re.I,
)  # discord names may end #1234
NOT_A_HANDLE = re.compile(rf"{_PLATFORM}|{_FILLER}", re.I)  # "xbox gamertag [HANDLE]" when redacting again
# "add me kez_x": after "add me" only something that cannot be a word ("add me pls", "add me back").
ADD_ME = re.compile(r"(?<!\w)add\s+me\s+(?P<handle>@?\w[\w.\-]{1,29})", re.I)
_TRAILING = ".,!?:;)'\"-"


def _trimmed(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in _TRAILING:
        end -= 1
    return end


def _public(url: str, lexicon: Lexicon) -> bool:
    host = re.sub(r"^(?:https?://)?(?:www\.)?", "", url.lower()).split("/")[0]
    return any(host == d or host.endswith("." + d) for d in lexicon.public_domains)


def links(text: str, lexicon: Lexicon) -> Iterator[Found]:
    if "@" in text:
        for m in EMAIL.finditer(text):
            yield m.start(), _trimmed(text, m.start(), m.end()), "EMAIL"
        for m in AT_HANDLE.finditer(text):
            end = _trimmed(text, m.start(), m.end())
            if re.search(r"[A-Za-z]", text[m.start() : end]) and not AT_TIME.fullmatch(text[m.start() : end]):
                yield m.start(), end, "HANDLE"
    for m in URL.finditer(text):
        end = _trimmed(text, m.start(), m.end())
        if not _public(text[m.start() : end], lexicon):
            yield m.start(), end, "URL"
    for m in ADD_ME.finditer(text):
        start, end = m.start("handle"), _trimmed(text, m.start("handle"), m.end("handle"))
        if re.search(r"[0-9_.]", text[start:end]):
            yield start, end, "HANDLE"
    for m in PLATFORM_HANDLE.finditer(text):
        start, end = m.start("handle"), _trimmed(text, m.start("handle"), m.end("handle"))
        handle = text[start:end]
        # A plain word after "snap" is usually not a handle: "my snap is private", "on snap pls".
        made_up = re.search(r"[0-9_.@]", handle) or not (
            lexicon.is_word(handle.lower()) or handle.lower() in lexicon.not_names
        )
        if len(handle) >= 3 and made_up and not NOT_A_HANDLE.fullmatch(handle):
            yield start, end, "HANDLE"


# --- Postcodes ----------------------------------------------------------------------------------
AREAS = frozenset(
    """AB AL B BA BB BD BF BH BL BN BR BS BT BX CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT
DY E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL LN LS LU M ME MK
ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ
TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE""".split()
)
POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])(?P<area>[A-Za-z]{1,2})[0-9][A-Za-z0-9]?(?:\s{0,2}|-)(?P<inward>[0-9][ABD-HJLNP-UW-Zabd-hjlnp-uw-z]{2})"
    r"(?![A-Za-z0-9])"
)
# Lowercase chat that has a postcode's shape: "see u b4 7am", "w8 4me", "my m8 2nd time".
CHAT_OUTWARDS = frozenset({"b4", "w8", "m8", "l8", "h8"})
ORDINAL = {"1": "st", "2": "nd", "3": "rd"}


def postcodes(text: str) -> Iterator[Found]:
    for m in POSTCODE.finditer(text):
        if m["area"].upper() not in AREAS:
            continue
        outward, inward = text[m.start() : m.start("inward")].strip(), m["inward"]
        if m.group().islower() and (
            outward in CHAT_OUTWARDS or inward[1:] in ("am", "pm", "me") or inward[1:] == ORDINAL.get(inward[0], "th")
        ):
            continue
        yield m.start(), m.end(), "POSTCODE"


# --- Street addresses ---------------------------------------------------------------------------
_SUFFIX = (
    r"road|rd|street|st|avenue|ave|close|lane|ln|drive|dr|way|grove|crescent|court|ct|place|terrace|walk"
    r"|gardens|gdns|mews|square|rise|green|view|vale|parade|croft|meadows|row|hill|park|gate|mount"
)
ADDRESS = re.compile(
    rf"""(?<!\w)(?:
    (?:(?:flat|apartment|apt|unit|house)\s*[0-9]{{1,4}}[a-z]?\s*,?\s+)?[0-9]{{1,4}}[a-z]?,?\s+  # 14, flat 3, 14
  | (?:flat|apartment|apt|unit)\s*[0-9]{{1,4}}[a-z]?,?\s+                                      # flat 7 Gorway Court
)   (?P<street>(?-i:The)\s+(?:[a-z][a-z'’\-]*\s+){{0,2}}?|(?:[a-z][a-z'’\-]*\s+){{1,3}}?)    # 14 The Crescent
    (?:{_SUFFIX})(?![\w'’])""",
    re.X | re.I,
)
# "a 10 minute walk", "3 miles down the road", "2 brothers st helens": a number and a unit or a phrase,
# not a house number and a street name.
NOT_STREET = frozenset(
    """minute minutes min mins hour hours hr hrs second seconds day days week weeks month months
year years time times mile miles metre metres meter meters foot feet km pound pounds quid pence p percent
people kids boys girls brothers sisters mates friends cousins children sons daughters a an the of to in on at for
from with and or but is are was were be my your his her their our its it this that these those there here me you him
them us i we they he she""".split()
)


def addresses(text: str) -> Iterator[Found]:
    for m in ADDRESS.finditer(text):
        words = m["street"].split()
        if not any(word.lower() in NOT_STREET for word in words[words[0] == "The" :]):
            yield m.start(), m.end(), "ADDRESS"


# --- Dates of birth -----------------------------------------------------------------------------
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAY = (
    r"(?:(?:[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th)?|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth"
    r"|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth"
    r"|twentieth|twenty[\s\-]?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)|thirtieth"
    r"|thirty[\s\-]?first)"
)
DATE = re.compile(
    rf"""(?<![\w/.\-£$])(?:
    [0-9]{{1,2}}[/.\-][0-9]{{1,2}}[/.\-](?:[0-9]{{4}}|[0-9]{{2}})
  | [0-9]{{1,2}}\s[0-9]{{1,2}}\s(?:19|20)[0-9]{{2}}
  | [0-9]{{4}}-[0-9]{{1,2}}-[0-9]{{1,2}}
  | [0-9]{{1,2}}/[0-9]{{1,2}}
  | {_DAY}\s+(?:of\s+)?{_MONTH}\.?(?:,?\s+(?:(?:19|20)[0-9]{{2}}|'[0-9]{{2}}))?
  | {_MONTH}\.?\s+{_DAY}(?:,?\s+(?:19|20)[0-9]{{2}})?
)(?![\w/])""",
    re.X | re.I,
)
BIRTH = re.compile(
    r"(?<![a-z])(?:born|dob|d\.\s?o\.\s?b\.?|d\s?o\s?b|birth\s?day+|b-?day+|b'day+|birthdate"
    r"|birth\s+date|date\s+of\s+birth)(?![a-z])",
    re.I,
)
# Text between "birthday" and a date that says the date is about something else.
OTHER_EVENT = re.compile(
    r"[.!?\n]|\b(?:and|but|review|meeting|court|contact|appointment|move|moving|exam|visit)\b", re.I
)
AFTER_WORD, BEFORE_WORD = 45, 20  # how far a date may be from "born"/"birthday", in characters


def dates_of_birth(text: str) -> Iterator[Found]:
    births = [m.span() for m in BIRTH.finditer(text)]
    if not births:
        return
    dates = [m.span() for m in DATE.finditer(text)]
    for i, (start, end) in enumerate(dates):
        previous_end = dates[i - 1][1] if i else -1
        next_start = dates[i + 1][0] if i + 1 < len(dates) else len(text) + 1
        for b_start, b_end in births:
            after = previous_end <= b_start and 0 <= start - b_end <= AFTER_WORD  # "born 12/03/2011"
            before = b_start <= next_start and 0 <= b_start - end <= BEFORE_WORD  # "12/3 is my bday"
            gap = text[b_end:start] if after else text[end:b_start] if before else None
            if gap is not None and not OTHER_EVENT.search(gap):
                yield start, end, "DOB"
                break


# --- NHS and National Insurance numbers ---------------------------------------------------------
NHS = re.compile(r"(?<![\w\-])[0-9]{3}(?P<gap>[\s\-]?)[0-9]{3}(?P=gap)[0-9]{4}(?![\w\-])")
ANY_10_DIGITS = re.compile(r"(?<![\w\-])[0-9](?:[\s\-]?[0-9]){9}(?![\w\-])")  # "943 4765 919", after "nhs"
NHS_WORD = re.compile(r"\bnhs\b", re.I)
# Two letters, six digits, a suffix letter A-D. Real prefixes never use D, F, I, Q, U or V (nor O second)
# and a few pairs are not issued; when the message says "ni" or "national insurance", any letters do.
NI = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2}[\s\-]?[0-9]{2}[\s\-]?[0-9]{2}[\s\-]?[0-9]{2}[\s\-]?[A-D](?![A-Za-z0-9])", re.I
)
NI_PREFIX = re.compile(r"(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]")
NI_WORDS = re.compile(r"\b(?:ni|nino|national\s+insurance|nat\.?\s*ins(?:urance)?|insurance)\b", re.I)


def nhs_check_digit_ok(digits: str) -> bool:
    """The NHS number's modulus 11 check: weights 10..2 on the first nine digits."""
    remainder = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1))) % 11
    check = 11 - remainder
    return check != 10 and (check % 11) == int(digits[9])


def health_and_insurance_numbers(text: str) -> Iterator[Found]:
    said_nhs = NHS_WORD.search(text) is not None
    for m in (ANY_10_DIGITS if said_nhs else NHS).finditer(text):
        digits = re.sub(r"[^0-9]", "", m.group())
        said = said_nhs and (
            NHS_WORD.search(text, max(0, m.start() - 40), m.start()) or NHS_WORD.search(text, m.end(), m.end() + 25)
        )
        # Without the word "nhs", a 10-digit number that starts with 0 is a phone number.
        if said or NHS.fullmatch(m.group()) and digits[0] != "0" and nhs_check_digit_ok(digits):
            yield m.start(), m.end(), "NHS"
    for m in NI.finditer(text):
        if NI_PREFIX.match(m.group()[:2].upper()) or NI_WORDS.search(text, max(0, m.start() - 40), m.start()):
            yield m.start(), m.end(), "NI"


def find_shapes(text: str, lexicon: Lexicon) -> List[Found]:
    found: List[Found] = []
    found += phones(text, lexicon)
    found += links(text, lexicon)
    found += postcodes(text)
    found += addresses(text)
    found += dates_of_birth(text)
    found += health_and_insurance_numbers(text)
    return found
