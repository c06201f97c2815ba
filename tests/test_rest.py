"""End to end over the REST channel, with the action server and Rasa server running."""

import pytest
from conftest import Child


@pytest.fixture
def child(assistant):
    return Child(assistant.rest_url)


def test_hello_age_and_promises_for_that_age(child):
    first = child.hears("hiya")
    assert "computer" in first and "999" in first and "How old are you" in first
    assert "12 to 15" in child.hears("im 14")
    school = child.hears("wat r my skool promises")
    assert "we promise to try and make sure that you don’t have to change school" in school


def test_age_and_question_in_one_message(child):
    text = child.hears("I'm 14, what do you promise about school?")
    assert "computer" in text and "999" in text  # asked straight away: still told what the bot is
    assert "aged 12 to 15" in text
    assert "we promise to make sure that you have the best education possible" in text


def test_age_is_asked_first_then_the_question_answered(child):
    assert "how old are you" in child.hears("can I keep my toys?").lower()
    assert "favourite toys" in child.hears("im 8")


def test_changing_age_changes_the_answers(child):
    child.says("im 14")
    assert "changed" in child.hears("actually I'm 16")
    assert "council tax" in child.hears("do I have to pay council tax?")


def test_buttons_come_through_and_work(child):
    replies = child.says("hello")
    payloads = [b["payload"] for r in replies for b in r.get("buttons", [])]
    assert '/inform_age{"age_band":"up_to_11"}' in payloads
    assert "children aged up to 11" in child.hears('/inform_age{"age_band":"up_to_11"}')
    assert "Keeping you healthy" in child.hears("/promises_healthy")


def test_a_topic_is_answered(child):
    assert "advocate" in child.hears("wat is an advocate").lower()


def test_a_disclosure_gets_help_not_a_cheerful_answer(child):
    text = child.hears("I'm being forced to have sex and I'm only 12 years old")
    assert "not your fault" in text and "999" in text and "0800 1111" in text


@pytest.mark.parametrize(
    "message", ["", "😀😀😀", "x" * 5000, "'; DROP TABLE users; --", "¿Dónde está mi trabajadora social?"]
)
def test_odd_input_still_gets_a_kind_answer(child, message):
    text = child.hears(message)
    assert text.strip()


def test_a_disclosure_first_thing_gets_help(child):
    text = child.hears("my foster dad hits me")
    assert "not your fault" in text and "0800 1111" in text


def test_a_disclosure_interrupts_and_the_child_can_go_back(child):
    assert "how old are you" in child.hears("can i keep my toys").lower()
    help_text = child.hears("my mums boyfriend touches me")
    assert "not your fault" in help_text and "nobody reads this chat" in help_text
    assert "favourite toys" in child.hears("im 9")  # the question they asked before is still answered


def test_a_disclosure_about_a_friend_gets_help(child):
    text = child.hears("my best mate is cutting herself")
    assert "116 123" in text and "looking out for them" in text


def test_a_disclosure_in_the_middle_of_a_question_is_not_answered_cheerfully(child):
    child.says("im 15")
    text = child.hears("how do i complain cos staff at my home touch me")
    assert "not your fault" in text
    assert "Stage 1" not in text  # not the complaints answer as if nothing was said


def test_disclosures_are_counted_without_text_or_sender(child):
    import os
    import sqlite3

    child.says("im 13")
    child.says("someone online keeps asking me for nudes")
    path = os.environ["PROMISEBOT_DATABASE_URL"][len("sqlite:///") :]
    rows = (
        sqlite3.connect(path)
        .execute("select age_band, kind, channel, count from safeguarding_counts where kind = 'online_grooming'")
        .fetchall()
    )
    assert rows and rows[0][:3] == ("12_15", "online_grooming", "rest")
    # The counts and the topic log hold neither (the conversation itself, redacted, is in `events`).
    database = sqlite3.connect(path)
    counted = repr(
        database.execute("select * from safeguarding_counts").fetchall()
        + database.execute("select * from topic_turns").fetchall()
    )
    assert "nudes" not in counted and child.sender not in counted


def test_each_turn_reaches_the_topic_log_through_the_event_broker(child):
    """endpoints.yml's broker (bot/store/topic_broker.py) writes the row staff count."""
    import os
    import sqlite3

    from bot.store.topic_log import counts_by

    child.says("im 16")
    child.says("what is an advocate")
    url = os.environ["PROMISEBOT_DATABASE_URL"]
    assert ("16_18", "topic_advocacy", "answered") in {
        row[:3] for row in counts_by("age_band", "topic", "outcome", url=url)
    }
    rows = sqlite3.connect(url[len("sqlite:///") :]).execute("select * from topic_turns").fetchall()
    assert child.sender not in repr(rows)


def test_a_crafted_payload_cannot_put_a_made_up_band_or_kind_into_the_counts(child):
    """The channels pass on only offered buttons; Rasa's own REST channel takes any payload,
    so what reaches the counts is checked against the lists there too."""
    import os
    import sqlite3

    child.says('/inform_age{"age_band": "=HYPERLINK(\\"crafted-band\\")"}')
    child.says('/safeguarding_disclosure{"disclosure_kind": "=crafted-kind"}')
    assert "advocate" in child.hears("what is an advocate")  # the conversation goes on
    database = sqlite3.connect(os.environ["PROMISEBOT_DATABASE_URL"][len("sqlite:///") :])
    stored = repr(
        database.execute("select * from safeguarding_counts").fetchall()
        + database.execute("select * from topic_turns").fetchall()
    )
    assert "crafted-band" not in stored and "crafted-kind" not in stored


def test_a_second_copy_refuses_to_start_while_the_first_holds_the_ports(assistant, model_path):
    from bot.supervisor import Ports, assistant_services, start_all

    with pytest.raises(RuntimeError, match="already in use"):
        start_all(
            assistant_services(model_path, Ports(rasa=assistant.ports.rasa, actions=1, web=2, staff=3), telegram=False)
        )


def test_delete_my_chat_asks_then_forgets_everything(child):
    child.says("im 14")
    offer = child.says("pls delete this chat")
    assert "delete our conversation" in offer[-1]["text"]
    yes, no = [b["payload"] for b in offer[-1]["buttons"]]
    assert "deleted our conversation" in child.hears(yes)
    assert "how old are you" in child.hears("what are my promises").lower()  # the age went too


def test_saying_no_to_deleting_keeps_the_conversation(child):
    child.says("im 14")
    offer = child.says("delete my chat")
    yes, no = [b["payload"] for b in offer[-1]["buttons"]]
    child.says(no)
    child.says("yes")  # a yes afterwards deletes nothing
    assert "12 to 15" in child.hears("what are my promises")


@pytest.mark.parametrize(
    "body, problem",
    [
        ({"message": "hi"}, "sender"),
        ({"sender": "", "message": "hi"}, "sender"),
        ({"sender": 7, "message": "hi"}, "sender"),
        ({"sender": "x", "message": {"text": "hi"}}, "message"),
        (["sender", "message"], "JSON object"),
    ],
)
def test_the_rest_channel_refuses_what_is_not_a_message_clearly(assistant, body, problem):
    import requests

    response = requests.post(assistant.rest_url, json=body, timeout=30)
    assert response.status_code == 400 and problem in response.json()["error"]
    not_json = requests.post(
        assistant.rest_url, data=b"{oops", headers={"Content-Type": "application/json"}, timeout=30
    )
    assert not_json.status_code == 400


def test_a_huge_message_over_rest_is_read_in_part_and_answered(child):
    # Cut to 4,096 characters as the channels cut it; read whole, it took Rasa's memory to 7 GB.
    assert child.hears("my foster dad hits me " + "and " * 5000)


def test_a_failure_is_logged_without_the_childs_words():
    from bot.privacy.failures import where_it_failed

    try:
        raise ValueError("my name is Jade Smith and I live at 4 Elm Road")
    except ValueError as error:
        logged = where_it_failed(error)
    assert logged.startswith("ValueError at test_a_failure_is_logged") and "Jade" not in logged


# --- safeguarding: three answers, and what comes after ----------------------------------------


def sources_of_answer(child, message) -> list:
    """The content each reply came from (the urgent answer's start "messages.yml safeguarding")."""
    import requests

    from bot.channels.rasa_client import replies_from

    response = requests.post(child.url, json={"sender": child.sender, "message": message}, timeout=60)
    return [r.source for r in replies_from(response.json())]


def test_a_question_about_a_safeguarding_topic_gets_that_topics_answer_not_the_alarm(child):
    child.says("im 16")
    text = child.hears("what is county lines?")
    assert "County lines" in text or "county lines" in text
    assert "Thank you for telling me" not in text
    replies = child.says("what does grooming mean")
    assert "Thank you for telling me" not in "\n".join(r.get("text", "") for r in replies)
    assert "/safeguarding_disclosure" in [b["payload"] for r in replies for b in r.get("buttons", [])]


def test_harm_in_the_past_gets_a_check_in_and_no_is_urgent(child):
    child.says("im 15")
    text = child.hears("i used to self harm but ive been ok for a year now")
    assert "are you safe right now?" in text and "Thank you for telling me. You did the right thing" not in text
    urgent = child.hears("no")
    assert "999" in urgent and "0800 1111" in urgent


def test_after_a_disclosure_a_short_follow_up_is_urgent_too(child):
    child.says("im 13")
    assert "not your fault" in child.hears("my stepdad hits me")
    follow_up = sources_of_answer(child, "hes back")
    assert any(s and s.startswith("messages.yml safeguarding") for s in follow_up), follow_up


def test_i_am_ok_after_a_check_in_carries_on(child):
    child.says("im 14")
    child.says("i used to get bullied in year 7 but it stopped ages ago")
    assert "glad" in child.hears("/safe_now")
    assert "12 to 15" in child.hears("what are my promises")
