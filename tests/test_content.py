"""content/ is what a child reads: it must be complete, verbatim where it quotes, and valid."""

import re
import shutil
from pathlib import Path

import pytest
import yaml

from bot.content import PROMISE_BAND, THEME_IDS, ContentError, load_content
from bot.content_schema import Bands

ROOT = Path(__file__).resolve().parent.parent
STRATEGY = ROOT.parent / "shared" / "seeds" / "000_0b1cd04164b35705.txt"


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("•", " ")).strip()


@pytest.fixture(scope="module")
def content():
    return load_content()


def test_every_promise_is_quoted_verbatim_from_the_strategy(content):
    if not STRATEGY.exists():
        pytest.skip("shared/seeds is not beside the project")
    strategy = squash(STRATEGY.read_text(encoding="utf-8"))
    for band in content.bands.values():
        for theme in band.themes:
            for promise in theme.promises:
                assert squash(promise.text) in strategy, f"{band.id}/{theme.id}: not verbatim: {promise.text}"


def test_no_promise_of_the_strategy_is_missing(content):
    """Every bullet of Section 2's three promise lists is in content/promises.yml."""
    if not STRATEGY.exists():
        pytest.skip("shared/seeds is not beside the project")
    text = STRATEGY.read_text(encoding="utf-8")
    section = text[text.index("Our ‘Promises’ to younger children") : text.index("What our Children tell us")]
    bullets = [squash(b) for b in section.split("•")[1:]]
    # A bullet runs on into the next theme heading; the promise is its first sentence-part.
    ours = [squash(p.text) for b in content.bands.values() for t in b.themes for p in t.promises]
    for bullet in bullets:
        assert any(bullet.startswith(p) for p in ours), f"missing promise: {bullet[:80]}"
    assert len(ours) == len(bullets) == 53


def test_each_band_has_the_four_themes_with_the_strategy_titles(content):
    titles = {b: [t.title for t in content.bands[b].themes] for b in content.bands}
    assert titles["up_to_11"] == ["Keeping you safe", "Education", "Keeping you healthy", "Keeping in touch"]
    assert titles["12_15"][1] == "Education and training"
    assert titles["16_18"][1] == "Education, Training and Employment"
    assert all(tuple(t.id for t in b.themes) == THEME_IDS for b in content.bands.values())


def test_every_topic_intent_in_the_domain_has_an_answer(content):
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    topic_intents = {i for i in domain["intents"] if i.startswith("topic_")}
    assert topic_intents == {t.intent for t in content.topics.values()}
    for topic in content.topics.values():
        assert topic.sources, topic.id


def test_contacts_match_design(content):
    expected = {
        "emergency": "999",
        "childline": "0800 1111",
        "edt": "0300 555 2922",
        "coram_voice": "0808 800 5792",
        "samaritans": "116 123",
        "shout": "85258",
    }
    for contact_id, number in expected.items():
        assert number in content.contacts[contact_id].how


def test_complaint_timescales_are_the_law(content):
    answer = content.fill(content.topics["complaints"].answer_for("12_15"))
    for fact in ("10 working days", "20", "25", "65", "Ombudsman"):
        assert fact in answer


def test_placeholders_are_filled(content):
    for topic in content.topics.values():
        for wording in topic.answers.values():
            assert "{" not in content.fill(wording), topic.id
    assert "0800 1111" in content.message("fallback")


@pytest.fixture
def content_copy(tmp_path):
    copy = tmp_path / "content"
    shutil.copytree(ROOT / "content", copy)
    return copy


def edit(path: Path, change):
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True))


@pytest.mark.parametrize(
    "file,change,fault",
    [
        ("topics.yml", lambda d: d["topics"][0]["answer"].pop("default"), "answer.default"),
        ("topics.yml", lambda d: d["topics"][0].__setitem__("title", "x" * 40), "title"),
        (
            "topics.yml",
            lambda d: d["topics"][0]["answer"].__setitem__("default", "call {contact:nobody}"),
            "unknown contact",
        ),
        ("topics.yml", lambda d: d["topics"][0].__setitem__("related", ["no_such_topic"]), "does not exist"),
        ("topics.yml", lambda d: d["topics"][1].__setitem__("id", d["topics"][0]["id"]), "used twice"),
        ("promises.yml", lambda d: d["bands"]["12_15"]["themes"].reverse(), "themes: must be keeping_safe, education"),
        ("promises.yml", lambda d: d["bands"].pop("16_18"), r"bands\.16_18: is missing"),
        ("promises.yml", lambda d: d["bands"]["up_to_11"]["themes"][0]["promises"][0].pop("keywords"), "keywords"),
        ("contacts.yml", lambda d: d["contacts"].pop(0), "emergency"),
        ("messages.yml", lambda d: d.pop("version"), "version"),
    ],
)
def test_malformed_content_is_refused_with_the_place_named(content_copy, file, change, fault):
    edit(content_copy / file, change)
    with pytest.raises(ContentError, match=fault):
        load_content(content_copy)


# --- the schema (bot/content_schema.py): each kind of rule, said with the file, line and place ----


def fault_in(directory: Path) -> str:
    with pytest.raises(ContentError) as refused:
        load_content(directory)
    return str(refused.value)


@pytest.mark.parametrize(
    "file,change,fault",
    [
        # a required key missing
        ("topics.yml", lambda d: d["topics"][3].pop("sources"), r"topics\[3\] \(\w+\)\.sources: is missing"),
        ("flows.yml", lambda d: d["common"]["news"].pop("closed"), r"common\.news\.closed: is missing"),
        # a value of the wrong type
        ("topics.yml", lambda d: d["topics"][3].__setitem__("sources", "a book"), r"\.sources: must be a list"),
        (
            "promises.yml",
            lambda d: d["bands"]["12_15"]["themes"][1]["promises"][0]["keywords"].append(3),
            r"bands\.12_15\.themes\[1\] \(education\)\.promises\[0\]\.keywords\[\d+\]: must be non-empty text",
        ),
        (
            "contacts.yml",
            lambda d: d["contacts"][3].__setitem__(
                "hours", {"days": "working_days", "opens": "9am", "closes": "17:00"}
            ),
            r"contacts\[3\] \(\w+\)\.hours\.opens: must be a time as HH:MM",
        ),
        (
            "flows.yml",
            lambda d: d["flows"]["advocacy"]["timescales"].__setitem__("acknowledge", "a week"),
            r"flows\.advocacy\.timescales\.acknowledge: must be whole working days",
        ),
        # a limit
        (
            "promises.yml",
            lambda d: d["bands"]["up_to_11"]["themes"][2]["promises"][1].__setitem__("short", "x" * 31),
            r"themes\[2\] \(healthy\)\.promises\[1\]\.short: is 31 characters; a button label can be at most 30",
        ),
        ("topics.yml", lambda d: d["topics"][3]["answer"].__setitem__("up_to_11", None), r"answer\.up_to_11: is empty"),
        ("promises.yml", lambda d: d["bands"]["16_18"]["themes"][0].__setitem__("promises", []), "has nothing listed"),
        # an unknown key: a typo must not be ignored
        (
            "promises.yml",
            lambda d: d["bands"]["16_18"]["themes"][0]["promises"][0].__setitem__("plian", "simpler"),
            r"promises\[0\]\.plian: unknown key 'plian' \(misspelt\?\); the keys here are text, short, keywords, plain",
        ),
        (
            "flows.yml",
            lambda d: d["flows"]["complaint"].__setitem__("explain_frist", True),
            "unknown key 'explain_frist'",
        ),
        ("promises.yml", lambda d: d["bands"].__setitem__("18_plus", d["bands"]["16_18"]), "unknown key '18_plus'"),
        # an id used twice
        (
            "contacts.yml",
            lambda d: d["contacts"][5].__setitem__("id", d["contacts"][1]["id"]),
            r"contacts\[5\] \(\w+\)\.id: '\w+' is used twice \(also by contacts\[1\]\)",
        ),
        (
            "topics.yml",
            lambda d: d["topics"][4].__setitem__("intent", d["topics"][1]["intent"]),
            r"topics\[4\] \(\w+\)\.intent: 'topic_\w+' is used twice \(also by topics\[1\]\)",
        ),
    ],
)
def test_each_kind_of_schema_rule_names_the_file_line_and_place(content_copy, file, change, fault):
    edit(content_copy / file, change)
    said = fault_in(content_copy)
    assert re.match(rf"{re.escape(file)} line \d+, ", said), said
    assert re.search(fault, said), said


def line_of(path: Path, pattern: str) -> int:
    """The number of the first line of `path` matching `pattern`."""
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if re.search(pattern, line))


def test_the_line_given_is_the_faulty_line_of_the_file_as_staff_wrote_it(content_copy):
    promises = content_copy / "promises.yml"
    line = line_of(promises, r"^\s+short: ")
    lines = promises.read_text().splitlines(keepends=True)
    lines[line - 1] = re.sub(r"short: .*", 'short: "' + "x" * 35 + '"', lines[line - 1])
    promises.write_text("".join(lines))
    assert fault_in(content_copy) == (
        f"promises.yml line {line}, bands.up_to_11.themes[0] (keeping_safe).promises[0].short: "
        "is 35 characters; a button label can be at most 30"
    )


def test_a_key_given_twice_is_refused_not_silently_overwritten(content_copy):
    contacts = content_copy / "contacts.yml"
    first = line_of(contacts, r"^\s+how: ")
    lines = contacts.read_text().splitlines(keepends=True)
    lines.insert(first, lines[first - 1])  # the same key again, as a copy-and-paste leaves it
    contacts.write_text("".join(lines))
    assert re.fullmatch(
        rf"contacts\.yml line {first + 1}, contacts\[0\] \(\w+\)\.how: is given twice \(first on line {first}\), "
        "and only one can count",
        fault_in(content_copy),
    )


def test_every_fault_of_a_file_is_listed_in_the_order_of_its_lines(content_copy):
    def change(d):
        d["topics"][6].pop("sources")
        d["topics"][2]["title"] = "x" * 40  # the schema checks a topic's title before its answer...
        d["topics"][2]["answer"]["default"] = " "  # ...which edit() writes above it: keys in a-z order

    edit(content_copy / "topics.yml", change)
    said = fault_in(content_copy).splitlines()
    assert len(said) == 3
    assert re.search(r"topics\[2\] \(\w+\)\.answer\.default: must be non-empty text$", said[0])
    assert re.search(r"topics\[2\] \(\w+\)\.title: is 40 characters; a topic's title can be at most 28$", said[1])
    assert re.search(r"topics\[6\] \(\w+\)\.sources: is missing$", said[2])


def test_a_yaml_mistake_quotes_the_line_it_is_on(content_copy):
    messages = content_copy / "messages.yml"
    messages.write_text(messages.read_text().replace("buttons:", "buttons: [", 1))
    said = fault_in(content_copy)
    assert said.startswith("messages.yml: cannot be read:")
    assert "line" in said and "^" in said, said  # the faulty line, with a caret under the place


def test_the_schema_has_the_promise_bands_the_bot_answers_from():
    assert {field.alias for field in Bands.__fields__.values()} == set(PROMISE_BAND.values())


# --- reading age (bot/reading.py, content/reading.yml) ------------------------------------------


def test_every_text_a_band_can_receive_passes_its_reading_age_and_explains_its_jargon(content):
    from bot import reading

    rules = reading.load_rules()
    findings = reading.check(content, rules)
    failing = [line for line in reading.report(findings, rules) if ": grade" in line or "unexplained" in line]
    assert failing == [], "\n".join(failing)
    # every band's own words were measured, and the verbatim promises reported, not failed
    assert {f.band for f in findings if not f.verbatim} == set(reading.BANDS)
    assert any(f.verbatim and f.over for f in findings)


def test_the_reading_check_fails_a_hard_text_and_unexplained_jargon(content):
    from bot import reading

    assert (
        reading.grade_of(
            reading.readable_form(
                "Notwithstanding the aforementioned considerations, the Independent Reviewing Officer's "
                "responsibilities encompass comprehensive oversight of individualised care planning.",
                content,
            )
        )
        > 12
    )
    assert reading.unexplained_jargon("Ask your IRO about it.", ["IRO"]) == ["IRO"]
    assert reading.unexplained_jargon("Ask your IRO (the person who runs your review).", ["IRO"]) == []
    assert reading.unexplained_jargon("An advocate is someone on your side.", ["advocate"]) == []
    assert reading.unexplained_jargon("Get an advocate today.", ["advocate"]) == ["advocate"]


def test_check_content_exits_non_zero_when_a_text_is_too_hard(tmp_path):
    import subprocess
    import sys

    copy = tmp_path / "content"
    shutil.copytree(ROOT / "content", copy)
    messages = copy / "messages.yml"
    messages.write_text(
        messages.read_text().replace(
            'what_next: "', 'what_next: "Notwithstanding comprehensive institutional considerations, '
        ),
        encoding="utf-8",
    )
    code = (
        "import sys; from pathlib import Path; import bot.content as c, bot.reading as r; "
        f"content = c.load_content(Path({str(copy)!r})); rules = r.load_rules(); "
        "sys.exit(1 if any(f.fails for f in r.check(content, rules)) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 1


# --- contacts' hours (bot/contact_hours.py) ----------------------------------------------------


@pytest.mark.parametrize(
    "contact_id, moment, said",
    [
        ("coram_voice", "2026-11-30 10:00", "Open now."),  # a Monday morning
        ("coram_voice", "2026-11-28 12:00", "Closed now. It opens again on Monday at 9.30am."),  # Saturday
        ("coram_voice", "2026-12-01 08:00", "Closed now. It opens again today at 9.30am."),
        ("coram_voice", "2026-12-24 19:00", "Closed now. It opens again on Tuesday at 9.30am."),  # Christmas, then 28th
        ("edt", "2026-11-30 11:00", "It opens at 5pm today."),
        ("edt", "2026-11-27 16:45", "Open now."),  # Friday: the offices close at 4.30pm
        ("edt", "2026-12-25 11:00", "Open now."),  # a bank holiday
        ("childline", "2026-11-28 03:00", ""),  # always open: nothing to say
    ],
)
def test_a_contact_with_hours_says_whether_it_is_open_now(content, contact_id, moment, said):
    import datetime

    from bot.contact_hours import status

    when = datetime.datetime.strptime(moment, "%Y-%m-%d %H:%M")  # UTC; in winter the UK's clock too
    assert status(content.contacts[contact_id], content, when) == said
