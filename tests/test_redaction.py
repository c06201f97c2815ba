"""Personal details are replaced before a young person's message is stored; everything else is kept.

tests/redaction/dev.yml was used while building the redactor. tests/redaction/heldout.yml was
never read while building it: it is only run here, and only its figures are printed.
No trained model is needed: these tests run in a few seconds.
"""

import re
import time
from pathlib import Path

import pytest
import spacy

from bot.privacy import Redactor, Span, redact
from bot.privacy.evaluate import MARK, evaluate, load, parse, table
from bot.privacy.lexicon import read_list
from bot.privacy.redaction import redactor

SETS = Path(__file__).resolve().parent / "redaction"


def placeholders(marked: str) -> str:
    """What redact() should make of a marked message: each [text](LABEL) becomes [LABEL]."""
    return MARK.sub(lambda m: f"[{m[2]}]", marked)


@pytest.mark.parametrize(
    "marked",
    [
        # Phone numbers in every common spacing, international forms and brackets.
        "ring me on [07911 234567](PHONE) after school",
        "my new mobile is [07911-234-567](PHONE)",
        "my number changed its [+44 7911 234567](PHONE) now",
        "[0044 7911 234567](PHONE) is my mums",
        "my mums number is [+44 (0)7700 900123](PHONE)",
        "my nans house phone is [(01922) 721 300](PHONE)",
        "landline [0121 496 0000](PHONE) or mobile [07700900123](PHONE)",
        "my number is [7700 900123](PHONE) i forgot the 0",
        "my polish number is [+48 512 345 678](PHONE)",
        # Emails, links and handles.
        "my email is [kez_xo@hotmail.com](EMAIL) pls send the form",
        "email: [Jordan.Smith2008@gmail.com](EMAIL).",
        "this is my fb [facebook.com/kerry.smith.9](URL)",
        "look at my channel [https://www.youtube.com/@kezplays](URL)",
        "my tiktok is [@kez.xo](HANDLE)",
        "add me on snap [kez_xo2](HANDLE)",
        "my insta is [kerry.s.2009](HANDLE) follow me",
        "discord [kezza#4821](HANDLE)",
        "add me [kez_x22](HANDLE)",
        # Postcodes in any case and spacing; addresses are the number and street, not the town.
        "postcode [WS2 7DN](POSTCODE)",
        "[ws3  2hq](POSTCODE) thats my postcode",
        "my postcode is [ws31ab](POSTCODE)",
        "i live at [34 Mill Lane](ADDRESS) in aldridge",
        "my address is [Flat 2, 19 Wednesbury Road](ADDRESS) [WS1 4JQ](POSTCODE)",
        "post it to [7 Hawthorn Close](ADDRESS) [ws9 8ab](POSTCODE)",
        "i live at [45a Station Road](ADDRESS), walsall",
        "the new place is [Flat 7 Gorway Court](ADDRESS)",
        # Dates of birth in any format, only where the message says it is a birth date.
        "i was born on [14 august 2009](DOB)",
        "my birthday is the [3rd of may](DOB) and i want a party",
        "D.O.B: [21-01-2008](DOB)",
        "my bday is [june 5th](DOB)",
        "[12/3](DOB) is my bday",
        "my brothers birthday is [12/12/2015](DOB) can i see him",
        "born on the [twelfth of march](DOB)",
        # NHS and National Insurance numbers.
        "my nhs number is [485 777 3456](NHS)",
        "nhs no [4857773456](NHS)",
        "my nhs is [943 4765 919](NHS) i think",
        "[401 023 2137](NHS) is on my letter",  # no "nhs", but the check digit is right
        "my national insurance number is [AB 12 34 56 C](NI)",
        "NI [ab123456c](NI)",
        "ni no [NE-12-34-56-D](NI)",
        # Names: in a name context, from the lists, lowercase or Capitalised.
        "hiya my name is [Leah](NAME) and my sw is [Gemma Clarke](NAME)",
        "im called [Piotr](NAME) but everyone calls me [Piotrek](NAME)",
        "my sw is [anita patel](NAME)",
        "[Anita Patel](NAME) is my sw",
        "my foster carer [kerry](NAME) is alright",
        "my sw [Sarah](NAME) never rings back",
        "tell [Dave](NAME) im not coming",
        "can u tell [Will](NAME) my key worker",
        "my keyworker [Will](NAME) said i cant go out",
        "[Grace](NAME) my foster mum is the best",
        "[Hope](NAME) my foster sister keeps taking my stuff",
        "[rose](NAME) is my little sister",
        "my best mate [Summer](NAME) said hi",
        "my iro is mr [Hussain](NAME)",
        "my teacher miss [kaur](NAME) is strict",
        "me and [Kacper](NAME) want to live together",
        "[zainab](NAME) and [maryam](NAME) are my cousins",
        "[Faith](NAME) and [Joy](NAME) are my sisters",
        "my sister [lilly-mae](NAME) is 4",
        "[chantelle](NAME)",
        "[tendai](NAME) from school keeps messaging me",
        "MY NAME IS [JAYDEN](NAME) AND IM 13",
        "Bye [Naz](NAME)",
        "my dad is called [Florin](NAME) and he lives in romania",
        # Several details at once.
        "ok my details r [Chidi Okafor](NAME) [ws5 4nz](POSTCODE) [07700 900 488](PHONE)",
        "ring [Sandra](NAME) my carer on [07700 900 555](PHONE)",
    ],
)
def test_personal_details_are_replaced(marked):
    text, _ = parse(marked)
    assert redact(text) == placeholders(marked)


@pytest.mark.parametrize(
    "text",
    [
        # Public helplines are what the bot hands out: never redacted.
        "call childline on 0800 1111",
        "i rang 999 when he hit me",
        "ring 111 if u feel ill or 101 for the police",
        "the samaritans number is 116 123",
        "text shout to 85258 if ur struggling",
        "nspcc 0808 800 5000",
        "the FRANK number is 0300 123 6600",
        "coram voice is 0808 800 5792",
        "go to www.childline.org.uk or kooth.com",
        "https://www.childline.org.uk/get-support/",
        # Ages, school years, money, times, counts and dates that are not birth dates.
        "im 15 and in year 11",
        "I'm 17 next month",
        "i got £30 for my birthday",
        "it costs £1,200 a month",
        "my review is on 14/03 at 10am",
        "my review is on 12 march",
        "its my birthday and my review is 12 march",
        "on 12/03/2025 i have court",
        "its 5 days till my birthday",
        "i was born in 2010",
        "its 16:30 now",
        "see u @3pm",
        "the bus takes 20 mins",
        "its a 10 min walk from school",
        "i walked 3 miles down the road",
        "the bus is the 529 or 301",
        "my case number is 1234567890",
        "see u b4 7am",
        # Towns, organisations, apps, faiths.
        "i live in darlaston with my foster carers",
        "we moved to Willenhall, then Bloxwich, then Aldridge and Brownhills",
        "i went to Dudley with my mate",
        "how do i complain about Walsall Council",
        "Coram Voice and Kooth and Childline",
        "I rang Frank about weed",
        "I use Snapchat and TikTok",
        "im Sikh and my mum is English",
        "Eid Mubarak",
        # Everyday words that are also names.
        "i hope i get to stay here",
        "hope my sister is ok",
        "Hope my sister is ok",
        "will you tell my social worker what i say",
        "Will my sw be at the review",
        "my sw will ring me tomorrow",
        "may i ask how long u keep my messages",
        "my sister may come to the review",
        "mark my words",
        "summer holidays are so boring",
        "summer is my favourite season",
        "the grace period ends next week",
        "i have faith it will get better",
        "the price rose again",
        "my sister rose early",
        "my dad drew me a picture",
        "i like art and music",
        "the gas bill",
        "Sky Sports",
        "Dawn till dusk",
        "I Hope So",
        "He Will",
        "Leaving Care Grant",
        "its called summer school",
        "i go to Hope Academy",
        "i go to st thomas more school",
        "call me back pls",
        "call me later",
        # Everyday messages.
        "what are my promises",
        "Can I Have A Sleepover At My Friends House",
        "my sw is sooo annoying",
        "my mum is in hospital",
        "my snap is private",
        "i was on snap all night",
        "I WANT TO SPEAK TO MY SOCIAL WORKER",
        "ok",
        "",
    ],
)
def test_other_things_are_left_alone(text):
    assert redact(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        " " * 20000,
        "a" * 20000,
        "😭" * 20000,
        "my number is 07700 900123 " * 800,
        "0 " * 10000,
        "\x00\x01\x1b[31m\x7f\u200b\u202e",
        "\ud800 lone surrogate \udfff",
        "مرحبا اسمي أحمد",
        "你好，我叫李明",
        "Cześć, mam na imię Zofia i mieszkam w Walsall",
        "Salut, numele meu este Andreea",
        "[NAME] [PHONE] [[[]]] ](NAME) @@@ ///",
    ],
)
def test_never_raises_and_always_returns_a_string(text):
    out = redact(text)
    assert isinstance(out, str)
    spans = redactor().find(text)
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:])), "sorted and not overlapping"


def test_odd_inputs_do_not_raise():
    assert redact(None) == ""
    assert redactor().find(None) == []


def test_redacting_twice_changes_nothing_more():
    for text, _ in load(SETS / "dev.yml"):
        once = redact(text)
        assert redact(once) == once


def test_find_gives_sorted_labelled_spans():
    text = "my sw is Sarah Jones her number is 07700 900123"
    assert Redactor().find(text) == [Span(9, 20, "NAME"), Span(35, 47, "PHONE")]
    assert redact(text) == "my sw is [NAME] her number is [PHONE]"


def test_a_model_with_a_person_entity_recogniser_can_add_names():
    """en_core_web_sm is not installed here: any pipeline that marks PERSON entities is used the same way."""
    ner = spacy.blank("en")
    ner.add_pipe("entity_ruler").add_patterns([{"label": "PERSON", "pattern": "Zed"}])
    assert Redactor(ner=ner).redact("ask Zed") == "ask [NAME]"
    assert Redactor().redact("ask Zed") == "ask Zed"


def test_a_typical_message_takes_well_under_5_ms(capsys):
    text = "my sw is Sarah Jones her number is 07700 900123 and i live at 22 Park Road ws1 3qd can u help"
    r = redactor()
    r.redact(text)
    runs = 300
    start = time.perf_counter()
    for _ in range(runs):
        r.redact(text)
    per_message = (time.perf_counter() - start) / runs
    with capsys.disabled():
        print(f"\nredaction of a {len(text)}-character message: {per_message * 1000:.2f} ms")
    assert per_message < 0.005


def test_the_word_lists_are_consistent():
    first, surnames, everyday = (set(read_list(n)) for n in ("first_names.txt", "surnames.txt", "everyday_names.txt"))
    assert len(first) >= 2500 and len(surnames) >= 1000
    assert everyday <= first | surnames, "an everyday word that is on neither name list does nothing"
    assert all(re.fullmatch(r"[^\W\d_]+(?:'[^\W\d_]+)?", n) for n in first | surnames), "one plain name per line"
    assert {
        "hope",
        "grace",
        "will",
        "may",
        "mark",
        "rose",
        "summer",
        "faith",
        "bill",
        "frank",
        "jack",
        "june",
        "dawn",
        "joy",
        "sky",
        "rich",
        "art",
    } <= everyday


def test_dev_set_figures(capsys):
    scores = evaluate(SETS / "dev.yml")
    with capsys.disabled():
        print("\nredaction, dev set (used while building)\n" + table(scores))
    assert scores.overall().recall() >= 0.95 and scores.overall().precision() >= 0.95


# The required recall for details with a fixed shape.
HELD_OUT_MIN_RECALL = {"PHONE": 0.95, "EMAIL": 0.95, "POSTCODE": 0.95, "NHS+NI": 0.95}
# Measured once, when the redactor was finished and before the held-out set had been run: every shape label
# 100% except ADDRESS 94.4%; NAME recall 95.3% and precision 96.1%; overall precision 98.6%; 2.3% of messages
# without personal details changed. The floors below sit a little under those figures: they guard against
# regressions and were not tuned against (nothing was changed after seeing the figures).
HELD_OUT_MIN_NAME_RECALL = 0.90
HELD_OUT_MIN_PRECISION = 0.95
HELD_OUT_MAX_FALSE_REDACTIONS = 0.05


def test_held_out_figures(capsys):
    scores = evaluate(SETS / "heldout.yml")
    with capsys.disabled():
        print("\nredaction, held-out set\n" + table(scores))
    by = scores.by_label
    nhs_ni_recalled = by["NHS"].recalled + by["NI"].recalled
    recall = {label: by[label].recall() for label in ("PHONE", "EMAIL", "POSTCODE")}
    recall["NHS+NI"] = nhs_ni_recalled / max(1, by["NHS"].gold + by["NI"].gold)
    for label, floor in HELD_OUT_MIN_RECALL.items():
        assert recall[label] >= floor, label
    assert by["NAME"].recall() >= HELD_OUT_MIN_NAME_RECALL
    assert scores.overall().precision() >= HELD_OUT_MIN_PRECISION
    assert scores.false_redaction_rate() <= HELD_OUT_MAX_FALSE_REDACTIONS
