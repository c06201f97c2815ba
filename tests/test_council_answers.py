"""After the child sends a request: the team is emailed (a real SMTP server, started by the
tests), without the child's words; a failed send is retried and shown; the queue keeps time
in working days on the council's calendar."""

import datetime
import re
import time
import uuid

import pytest
import request_flows
import requests
from dashboard import new_staff_member

from bot.casework import news_codes
from bot.casework.mail import MailSettings, emails_of, send_due
from bot.casework.timescales import Calendar, acknowledge_by, deadlines, overdue
from bot.content import current_content
from bot.store.database import migrate, session
from bot.store.models import Request, StaffEmail
from bot.store.requests import NewRequest, get_request, save_request, update_request

CHILDS_WORDS = [
    "they keep moving me",
    "ask me before any more moves",
    "can we talk about seeing my brother",
    "Sam",
    "07700 900123",
]


def send_in_the_web_chat(assistant, steps) -> str:
    """Drive the web chat's API as the page does, tapping only buttons it was just shown, and
    checking what each step expects; the last answer."""
    session_id = uuid.uuid4().hex
    answer, buttons = say(assistant, session_id, {"start": True})
    for step in steps:
        time.sleep(1.3)  # typed like a person: the web chat allows 8 messages in 10 s
        answer, buttons = say(
            assistant, session_id, {"payload": buttons[step.tap]} if step.tap else {"text": step.type}
        )
        assert step.expect is None or step.expect in answer + " ".join(buttons), (step, answer, list(buttons))
    return answer


def say(assistant, session_id: str, body: dict):
    response = requests.post(assistant.web_url + "/api/message", json={"session": session_id, **body}, timeout=60)
    assert response.status_code == 200
    messages = response.json()["messages"]
    return "\n".join(m["text"] for m in messages), {b["title"]: b["payload"] for m in messages for b in m["buttons"]}


def reference_in(answer: str) -> str:
    found = request_flows.REFERENCE.search(answer)
    assert found, answer
    return found.group()


def test_a_complaint_sent_in_the_web_chat_is_emailed_to_its_team_without_the_childs_words(assistant, mailbox):
    answer = send_in_the_web_chat(assistant, request_flows.script("complaint", "Phone", age_button="12 to 15"))
    reference = reference_in(answer)
    emails = mailbox.about(reference)
    assert [to for to, _ in emails] == [["complaints@council.test"]]
    message = emails[0][1]
    body = message.get_content()
    assert message["Subject"] == f"New complaint: {reference}" and message["From"] == "promises@council.test"
    assert "Age: 12 to 15" in body and f"/requests/{reference}" in body and "To be acknowledged by:" in body
    for words in CHILDS_WORDS:
        assert words not in body and words not in message["Subject"], words


def test_a_message_needed_today_goes_to_the_duty_inbox_too(assistant, mailbox):
    steps = request_flows.script("social_worker", "Don't contact me", age_button="16 to 18")
    steps = tuple(request_flows.tap("Today") if s.tap == "This week" else s for s in steps)
    reference = reference_in(send_in_the_web_chat(assistant, steps))
    emails = mailbox.about(reference)
    assert sorted(to[0] for to, _ in emails) == ["duty@council.test", "social-work@council.test"]
    assert all(m["Subject"].startswith("URGENT New message for a social worker") for _, m in emails)


def test_a_request_after_a_safeguarding_answer_is_flagged_to_the_duty_inbox(assistant, mailbox):
    steps = (
        request_flows.tap("11 or under"),
        request_flows.type_("my dad hits me", expect="not your fault"),
        *request_flows.OPENINGS["advocacy"],
        *request_flows.OWN_QUESTIONS["advocacy"],
        request_flows.type_("Sam"),
        request_flows.tap("Through my social worker"),
        request_flows.tap("Yes"),
    )
    reference = reference_in(send_in_the_web_chat(assistant, steps))
    emails = mailbox.about(reference)
    assert sorted(to[0] for to, _ in emails) == ["advocacy@council.test", "duty@council.test"]
    assert all(m["Subject"].startswith("SAFEGUARDING New request for an advocate") for _, m in emails)
    assert "my dad hits me" not in emails[0][1].get_content()


def test_the_queue_shows_each_request_was_emailed(assistant, mailbox):
    reference = reference_in(
        send_in_the_web_chat(assistant, request_flows.script("advocacy", "Email", age_button="16 to 18"))
    )
    mailbox.about(reference)
    queue = new_staff_member(assistant.staff_url, "caseworker").get(assistant.staff_url + "/requests", timeout=10).text
    row = re.search(rf"<tr><td><a href=\"/requests/{reference}\">.*?</tr>", queue).group()
    assert "<td>sent</td>" in row and "0 working days" in row and "acknowledged by" in row


# --- a mail server that fails, and then works -------------------------------------------------
@pytest.fixture
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'requests.sqlite'}"
    monkeypatch.setenv("PROMISEBOT_DATABASE_URL", url)
    migrate(url)
    return url


@pytest.mark.slow
def test_a_failed_send_is_kept_retried_and_then_sent(database, mailbox):
    reference = save_request(
        NewRequest("complaint", {"complaint_about": "my room is cold"}, age_band="16_18"),
        database,
        inboxes=["complaints"],
    )
    down = MailSettings(
        **{
            **vars(MailSettings.from_env()),
            "host": "127.0.0.1",
            "port": _closed_port(),
            "security": "none",
            "inboxes": {"complaints": "complaints@council.test"},
        }
    )
    assert send_due(down, database) == (0, 1)
    request_id = get_request(reference, "test", database).id
    [email] = emails_of([request_id], database)[request_id]
    assert email.sent_at is None and email.attempts == 1 and "Connection" in email.last_error
    assert email.next_attempt_at > datetime.datetime.utcnow() + datetime.timedelta(seconds=30)
    assert send_due(down, database) == (0, 0)  # not again before its time

    with session(database) as db:  # its time comes
        db.query(StaffEmail).update({StaffEmail.next_attempt_at: datetime.datetime.utcnow()})
        db.commit()
    up = MailSettings(
        host="127.0.0.1",
        port=mailbox.port,
        security="none",
        sender="promises@council.test",
        inboxes={"complaints": "complaints@council.test"},
    )
    assert send_due(up, database) == (1, 0)
    assert mailbox.about(reference)
    [email] = emails_of([request_id], database)[request_id]
    assert email.sent_at is not None and email.attempts == 2 and email.last_error is None
    assert send_due(up, database) == (0, 0)  # sent once


def test_an_inbox_with_no_address_is_shown_as_not_sent(database):
    save_request(NewRequest("advocacy", {"advocacy_help_with": "my review"}), database, inboxes=["advocacy"])
    assert send_due(MailSettings(), database) == (0, 1)
    with session(database) as db:
        assert "PROMISEBOT_SMTP_HOST is not set" in db.query(StaffEmail).one().last_error


def _closed_port() -> int:
    from bot.supervisor import free_port

    return free_port()  # nothing listens there


# --- working days ------------------------------------------------------------------------------
def utc(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


def test_timescales_count_working_days_and_skip_weekends_and_bank_holidays():
    content = current_content()
    calendar = Calendar(content)
    # Made on Friday 27 November 2026 at 10:00 (UK time is UTC in winter): 5 working days is
    # Friday 4 December, at Friday's closing time.
    complaint = Request(kind="complaint", created_at=utc("2026-11-27 10:00"), urgency=None)
    due = {d.step: d.due for d in deadlines(content, complaint)}
    # 20 working days skips 25 and 28 December, bank holidays.
    assert due == {
        "acknowledge": utc("2026-12-04 16:30"),
        "answer": utc("2026-12-11 16:30"),
        "answer_at_most": utc("2026-12-29 17:00"),
    }
    # After closing time it counts from the next working day; a message needed "today" is due by its end.
    late_friday = Request(kind="social_worker", created_at=utc("2026-11-27 18:00"), urgency="today")
    assert [d.due for d in deadlines(content, late_friday)] == [utc("2026-11-30 17:00")]
    assert calendar.working_days_between(utc("2026-11-27 10:00"), utc("2026-11-30 09:00")) == 1
    assert calendar.working_days_between(utc("2026-11-27 10:00"), utc("2026-11-27 15:00")) == 0


def test_the_child_is_told_the_day_their_request_will_be_acknowledged_by():
    content = current_content()
    assert acknowledge_by(content, "complaint", None, utc("2026-11-27 10:00")) == "Friday 4 December"
    assert acknowledge_by(content, "social_worker", "today", utc("2026-11-27 10:00")) == "the end of today"
    assert acknowledge_by(content, "social_worker", "today", utc("2026-11-27 18:00")) == "Monday 30 November"
    assert (
        acknowledge_by(content, "social_worker", "whenever", utc("2026-12-21 09:00")) == "Thursday 7 January"
    )  # 25, 28 Dec and 1 Jan are bank holidays


def test_a_request_past_a_timescale_is_overdue_until_that_step_is_reached():
    content = current_content()
    complaint = Request(kind="complaint", created_at=utc("2026-11-02 10:00"), status="new", urgency=None)
    assert [d.step for d in overdue(content, complaint, utc("2026-11-09 17:01"))] == ["acknowledge"]
    complaint.acknowledged_at = utc("2026-11-10 09:00")  # late, and shown as late
    assert [d.step for d in overdue(content, complaint, utc("2026-11-10 10:00"))] == ["acknowledge"]
    on_time = Request(
        kind="complaint",
        created_at=utc("2026-11-02 10:00"),
        status="acknowledged",
        urgency=None,
        acknowledged_at=utc("2026-11-03 09:00"),
    )
    assert overdue(content, on_time, utc("2026-11-12 10:00")) == []
    assert [d.step for d in overdue(content, on_time, utc("2026-11-16 17:30"))] == ["answer"]


def test_answering_reaches_the_steps_the_queue_counts(database):
    reference = save_request(NewRequest("complaint", {"complaint_about": "x"}), database)
    row = update_request(reference, "answered", "caseworker-1", database)
    assert overdue(current_content(), row, datetime.datetime.utcnow()) == []


# --- news in the web chat, with a reference and a code -------------------------------------------
def web_chat_request(database, contact="chat", channel="webchat") -> str:
    return save_request(
        NewRequest("complaint", {"complaint_about": "x"}, contact_preference=contact, channel=channel), database
    )


def test_a_code_is_issued_once_only_for_a_web_chat_request_that_asked_for_news_here(database):
    reference = web_chat_request(database)
    code = news_codes.issue(reference, database)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert news_codes.issue(reference, database) is None  # shown once
    assert news_codes.issue(web_chat_request(database, contact="phone"), database) is None
    assert news_codes.issue(web_chat_request(database, channel="telegram"), database) is None
    assert news_codes.issue("C-2026-999999", database) is None


def test_news_is_shown_only_for_the_right_reference_and_code_and_wrong_codes_lock_it(database):
    reference = web_chat_request(database)
    code = news_codes.issue(reference, database)
    assert news_codes.check(reference, code, database).outcome == "ok"
    assert (
        news_codes.check(reference.replace("-", " ").lower(), code.lower().replace("-", ""), database).outcome == "ok"
    )
    assert news_codes.check("C-2026-999999", code, database).outcome == "wrong"  # as for a wrong code
    assert [news_codes.check(reference, "ABCD-EFGH", database).outcome for _ in range(5)] == ["wrong"] * 4 + ["locked"]
    assert news_codes.check(reference, code, database).outcome == "locked"
    with session(database) as db:  # the lock ends
        db.query(Request).update({Request.news_code_locked_until: datetime.datetime.utcnow()})
        db.commit()
    assert news_codes.check(reference, code, database).outcome == "ok"
