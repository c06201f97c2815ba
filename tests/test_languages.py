"""Other languages: a message in one is recognised and answered in it, with help now and how to
get an interpreter, then offered in English; English in any spelling stays English.

The fresh set (tests/languages/fresh_messages.yml) was written by a helper who never saw the
detector, before it was measured, and is never tuned against: 12 messages in each of the 12
languages, and 200 English messages of eight kinds (text-speak, typos, one-word replies, slang,
loanwords like "inshallah", names from the same communities...)."""

from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml

from bot import replies
from bot.content import load_content
from bot.languages import OTHER, false_switches, help_in, language_of, load_languages
from bot.languages import main as measure_english

ROOT = Path(__file__).resolve().parent.parent
FRESH = yaml.safe_load((ROOT / "tests" / "languages" / "fresh_messages.yml").read_text(encoding="utf-8"))
ISSUE_LANGUAGES = {"ar", "ps", "prs", "fa", "ckb", "ti", "sq", "vi", "pa", "ur", "pl", "bn"}
# Answered in a language the young person reads: Dari and Farsi are one written language with
# different words; Punjabi in Shahmukhi script shares Urdu's letters, and Urdu is read by most
# who write it, so either answer counts.
UNDERSTOOD = {"prs": {"prs", "fa"}, "fa": {"fa", "prs"}, "pa": {"pa", "pa-Arab", "ur"}}
# Floors a little under the first measurement: native script 120/129, typed without accents or
# romanised 1/15, English switched 0/200 (docs/benchmarks.md).
FRESH_NATIVE_MIN, FRESH_LATIN_MIN = 0.9, 0.05

# Our own examples (not the fresh set): a short message a child might send in each language.
ASKED = {
    "ar": "أنا خائف ولا أعرف ماذا أفعل",
    "ps": "زه مرسته غواړم، انګلیسي نه پوهېږم",
    "prs": "من انگلیسی نمی فهمم، کمک میخایم",
    "fa": "من انگلیسی بلد نیستم و کمک می‌خواهم",
    "ckb": "یارمەتیم پێویستە، ئینگلیزی نازانم",
    "ti": "ሓገዝ የድልየኒ እየ",
    "sq": "më duhet ndihmë, nuk flas anglisht",
    "vi": "tôi cần giúp đỡ, tôi không nói được tiếng Anh",
    "pa": "ਮੈਨੂੰ ਮਦਦ ਚਾਹੀਦੀ ਹੈ",
    "ur": "مجھے مدد چاہیے، مجھے انگریزی نہیں آتی",
    "pl": "potrzebuję pomocy, nie mówię po angielsku",
    "bn": "আমার সাহায্য দরকার, আমি ইংরেজি বলতে পারি না",
}


def test_punjabi_in_shahmukhi_is_told_from_urdu_by_its_own_words():
    assert language_of("مینوں مدد چاہیدی اے") == "pa-Arab"
    assert language_of("مجھے مدد چاہیے") == "ur"


STAYS_ENGLISH = [
    "wallah my social worker never answers",
    "inshallah i see my mum soon",
    "my name is Tesfay",
    "k",
    "lol",
    "wat u on abt",
    "my dad hits me",
    "im from kabul",
    "🙂🙂",
    "ok ty",
]


def test_every_language_of_the_issue_has_a_text_with_help_now_and_carry_on_in_english():
    english, languages = load_languages()
    assert ISSUE_LANGUAGES <= set(languages)
    content = load_content()
    for code in languages:
        text, carry_on = help_in(content, code)
        assert "999" in text and "0800 1111" in text, code  # from contacts.yml, not typed in each text
        assert carry_on.endswith("Carry on in English"), code
    assert all(not language.translator_checked for language in languages.values()), (
        "a translation marked checked: make sure a qualified translator really did, then change this test"
    )


@pytest.mark.parametrize("code", sorted(ASKED))
def test_a_message_in_each_language_is_recognised(code):
    assert language_of(ASKED[code]) in UNDERSTOOD.get(code, {code})


@pytest.mark.parametrize("text", STAYS_ENGLISH)
def test_english_in_any_spelling_stays_english(text):
    assert language_of(text) is None


def test_no_english_training_or_held_out_phrasing_is_taken_for_another_language():
    training = sorted((ROOT / "data" / "nlu").glob("*.yml"))
    assert measure_english([str(p) for p in training] + [str(ROOT / "tests" / "nlu" / "heldout.yml")]) == 0


def test_a_script_without_a_text_gets_the_help_in_english():
    assert language_of("мне нужна помощь") == OTHER
    text, carry_on = help_in(load_content(), OTHER)
    assert text.startswith("Hello. I am a chat bot") and carry_on == "Carry on in English"


def fresh_figures():
    right, asked, wrong = Counter(), Counter(), defaultdict(list)
    for code, items in FRESH["other_languages"].items():
        for item in items:
            script = item.get("script", "native")
            got = language_of(item["text"])
            asked[script] += 1
            if got in UNDERSTOOD.get(code, {code}):
                right[script] += 1
            else:
                wrong[code].append(got)
    switched = false_switches(e["text"] for e in FRESH["english"])
    return right, asked, wrong, switched


def test_the_fresh_set_is_recognised_and_its_english_stays_english():
    right, asked, wrong, switched = fresh_figures()
    print(
        f"native script {right['native']}/{asked['native']}, romanised {right['latin']}/{asked['latin']}, "
        f"English switched {len(switched)}/{len(FRESH['english'])}; missed: {dict(wrong)}"
    )
    assert switched == [], switched
    assert right["native"] >= FRESH_NATIVE_MIN * asked["native"], dict(wrong)
    assert right["latin"] >= FRESH_LATIN_MIN * asked["latin"], dict(wrong)


def test_the_reply_names_its_source_and_offers_english():
    [reply] = replies.other_language(load_content(), "ti")
    assert reply["source"] == "languages.yml ti"
    assert [b["payload"] for b in reply["buttons"]] == ["/help"]


# --- over REST, through the running assistant ------------------------------------------------------


def answers(url, text):
    """(sources, text, button payloads) of the assistant's answer to `text` in a new conversation."""
    import uuid

    import requests

    from bot.channels.rasa_client import replies_from

    response = requests.post(url, json={"sender": f"lang-{uuid.uuid4().hex[:8]}", "message": text}, timeout=60)
    replies = replies_from(response.json())
    return [r.source for r in replies], "\n".join(r.text for r in replies), [p for r in replies for _, p in r.buttons]


@pytest.mark.parametrize("code", sorted(ASKED))
def test_over_rest_a_child_writing_in_each_language_gets_help_in_it(assistant, code):
    sources, text, payloads = answers(assistant.rest_url, ASKED[code])
    assert sources[0] in {f"languages.yml {c}" for c in UNDERSTOOD.get(code, {code})}, sources
    expected, _ = help_in(load_content(), sources[0].split(" ")[1])
    assert text.strip() == expected and "999" in text and "0800 1111" in text
    assert payloads == ["/help"]  # and carry on in English


def test_over_rest_carrying_on_in_english_shows_the_menu(assistant):
    from conftest import Child

    child = Child(assistant.rest_url)
    assert "languages.yml ar" in answers_for(child, ASKED["ar"])
    assert "Tap a button or just type your question" in child.hears("/help")


def answers_for(child, text):
    import requests

    from bot.channels.rasa_client import replies_from

    response = requests.post(child.url, json={"sender": child.sender, "message": text}, timeout=60)
    return [r.source for r in replies_from(response.json())]


@pytest.mark.parametrize(
    "text",
    [
        "wallah my social worker never answers",
        "inshallah i see my mum soon",
        "my dad hits me",
        "my name is Tesfay Gebremedhin",
        "wat u on abt",
    ],
)
def test_over_rest_english_look_alikes_get_english_answers(assistant, text):
    sources, _, _ = answers(assistant.rest_url, text)
    assert not any(s.startswith("languages.yml") for s in sources), sources


def test_over_rest_an_english_disclosure_with_a_word_in_arabic_is_still_urgent(assistant):
    sources, _, _ = answers(assistant.rest_url, "my step dad hits me every night والله")
    assert sources[0].startswith("messages.yml safeguarding"), sources
