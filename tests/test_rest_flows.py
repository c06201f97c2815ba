"""The three request flows end to end over REST: happy paths, cancel, questions, disclosures."""

import os
import sqlite3

import pytest
from conftest import Child


@pytest.fixture
def child(assistant):
    young_person = Child(assistant.rest_url)
    young_person.says("im 14")
    return young_person


def database() -> sqlite3.Connection:
    """The assistant's SQLite database, as the tests' assistant is started with it."""
    return sqlite3.connect(os.environ["PROMISEBOT_DATABASE_URL"][len("sqlite:///") :])


def saved_requests():
    return database().execute("select reference, kind, details, known_name from requests").fetchall()


def test_complaints_topic_explains_first_then_offers_to_start_one(child):
    replies = child.says("how do i complain")
    assert "Stage 1" in replies[0]["text"]
    assert "/start_complaint" in [b["payload"] for r in replies for b in r.get("buttons", [])]


def test_a_complaint_from_start_to_reference(child):
    before = len(saved_requests())
    assert "won't get in trouble" in child.hears("/start_complaint")
    first_answer = child.hears("my bedroom has no heating and its freezing")
    assert "not your fault" in first_answer  # possible neglect: the safeguarding answer, at once ...
    assert "would you like to happen" in first_answer  # ... and the complaint goes on, their words kept
    assert "advocate" in child.hears("i want it fixed this week")
    assert "name" in child.hears("/affirm")
    assert "get back to you" in child.hears("Sam")
    assert "phone number or email" in child.hears("Phone")
    read_back = child.hears("07700 900123")
    assert "my bedroom has no heating" in read_back and "07700 900123" in read_back and "Is it right?" in read_back
    done = child.hears("/affirm")
    rows = saved_requests()
    assert len(rows) == before + 1
    reference = rows[-1][0]
    assert reference.startswith("C-2026-") and reference in done and "5 working days" in done


def test_stop_leaves_the_form_and_nothing_is_saved(child):
    before = len(saved_requests())
    child.says("/request_advocate")
    assert "Nothing was saved" in child.hears("stop")
    assert len(saved_requests()) == before
    assert "advocate" in child.hears("wat is an advocate").lower()  # back to normal answers


def test_a_question_mid_form_is_answered_and_the_form_goes_on(child):
    child.says("/request_advocate")
    text = child.hears("what is an independent visitor?")
    assert "Independent Visitor" in text and "carry on" in text
    assert "help you with" in text  # asked again


def test_a_disclosure_while_a_choice_is_asked_interrupts_and_the_form_is_kept(child):
    child.says("/message_social_worker")
    child.says("please call me")
    text = child.hears("my foster dad hits me")  # asked how soon, not what happened
    assert "not your fault" in text and "0800 1111" in text
    assert "How soon do you need them to see it?" in text  # the form resumes with its question


def safeguarding_answers_counted():
    return database().execute("select coalesce(sum(count), 0) from safeguarding_counts").fetchone()[0]


def test_a_disclosure_written_as_the_message_is_answered_counted_and_sent(child):
    before, counted = len(saved_requests()), safeguarding_answers_counted()
    child.says("/message_social_worker")
    text = child.hears("my foster dad hits me and i want to move")
    assert "not your fault" in text and "How soon" in text
    assert safeguarding_answers_counted() == counted + 1
    for answer in ("Today", "Sam", "Through my social worker"):
        child.says(answer)
    child.says("/affirm")
    rows = saved_requests()
    assert len(rows) == before + 1 and "hits me" in rows[-1][2]


def test_a_message_for_the_social_worker_is_saved(child):
    before = len(saved_requests())
    child.says("/message_social_worker")
    child.says("can i go to my friends party on saturday")
    child.says("This week")
    child.says("Sam")
    child.says("Through my social worker")
    done = child.hears("yes")
    rows = saved_requests()
    assert len(rows) == before + 1 and rows[-1][0].startswith("S-") and rows[-1][0] in done


def test_saying_no_at_the_read_back_sends_nothing(child):
    before = len(saved_requests())
    child.says("/request_advocate")
    child.says("my review meeting")
    child.says("Sam")
    child.says("Through my carer")
    assert "haven't sent anything" in child.hears("/deny")
    assert len(saved_requests()) == before


def test_asking_to_complain_straight_away_still_explains_first(child):
    text = child.hears("/start_complaint")
    assert "Stage 1" in text and "10 working days" in text and "won't get in trouble" in text


def test_asking_for_an_advocate_straight_away_explains_what_one_is(child):
    text = child.hears("/request_advocate")
    assert "independent" in text and "0808 800 5792" in text and "help you with" in text


def test_an_advocacy_request_is_saved_with_a_reference(child):
    before = len(saved_requests())
    child.says("/request_advocate")
    child.says("i want help to say what i think at my review")
    child.says("Sam")
    assert "phone number or email" in child.hears("Email")
    read_back = child.hears("sam@example.org")
    assert "say what i think at my review" in read_back and "sam@example.org" in read_back
    done = child.hears("yes")
    rows = saved_requests()
    assert len(rows) == before + 1 and rows[-1][0].startswith("A-") and rows[-1][0] in done


def test_a_reference_typed_back_says_where_its_news_comes(child):
    text = child.hears("whats happening with c-2026-000123??")
    assert "your request C-2026-000123" in text and "the way you chose" in text


def test_a_reference_never_hides_a_disclosure(child):
    text = child.hears("C-2026-000123 he hit me again last night")
    assert "not your fault" in text and "the way you chose" not in text
