"""Faults, each as the young person would meet it: the action server dying mid-form, the
database refusing a request as it is sent, and everything restarting mid-conversation. The
assistant here is a private copy (this module kills and restarts it), on free ports with its
own database."""

import os
import sqlite3
import subprocess
import sys
import time
import uuid

import pytest
import requests

from bot.store.database import migrate


@pytest.fixture(scope="module")
def private(model_path):
    from bot.supervisor import throwaway_assistant

    with throwaway_assistant(model_path, ("actions", "rasa", "webchat"), prefix="promisebot-faults-") as running:
        yield running


class WebChild:
    """A young person on the web chat: types, or taps a button the bot has just shown."""

    def __init__(self, web):
        self.web, self.session = web, uuid.uuid4().hex
        self.buttons = {}

    def hears(self, text=None, tap=None):
        body = {"session": self.session, **({"payload": self.buttons[tap]} if tap else {"text": text})}
        response = requests.post(self.web + "/api/message", json=body, timeout=60)
        assert response.status_code == 200
        messages = response.json()["messages"]
        self.buttons = {b["title"]: b["payload"] for m in messages for b in m["buttons"]}
        return "\n".join(m["text"] for m in messages)


def saved_references(private):
    return [row[0] for row in sqlite3.connect(private.database_path).execute("select reference from requests")]


def test_the_action_server_dying_mid_form_is_never_silent_and_the_form_carries_on(private):
    actions = private.services[0]
    child = WebChild(private.web_url)
    child.hears("im 14")
    child.hears("what is an advocate")
    child.hears(tap="Ask for an advocate")  # one request sent before anything goes wrong
    for answer in ("my contact with my mum keeps being cancelled", "Jo", "Through my social worker"):
        child.hears(answer)
    assert "A-2026-" in child.hears(tap="Yes")
    sent_before = saved_references(private)
    child = WebChild(private.web_url)  # the same young person, a new tab (the web chat allows 8 messages in 10 s)
    child.hears("im 14")
    child.hears("how do i make a complaint")
    assert "What is your complaint about?" in child.hears(tap="Start a complaint")
    actions.process.kill()
    actions.process.wait()
    trouble = child.hears("my room has no curtains")
    assert "something went wrong" in trouble and "999" in trouble and "0800 1111" in trouble
    actions.start(private.workdir)
    actions.wait_ready(60)
    assert "What would you like to happen" in child.hears("my room has no curtains")  # sent again, as asked
    assert saved_references(private) == sent_before  # what was sent before is all still there


def test_everything_restarting_mid_conversation_keeps_the_age_and_the_form(private):
    from bot.supervisor import start_all, stop_all

    child = WebChild(private.web_url)
    sent_before = saved_references(private)
    child.hears("im 15")
    child.hears("how do i make a complaint")
    child.hears(tap="Start a complaint")
    assert "What would you like to happen" in child.hears("they read my letters")
    stop_all(private.services)
    start_all(private.services, log_dir=private.workdir)
    assert "advocate" in child.hears("i want them to stop")  # the complaint goes on where it was
    child.hears("stop")
    assert "12 to 15" in child.hears("what are my promises")  # and the age band was kept
    assert saved_references(private) == sent_before  # stopped: nothing sent


def test_a_request_the_database_cannot_take_is_never_said_to_be_sent_and_nothing_is_half_written(private, tmp_path):
    actions = private.services[0]
    requests_database = tmp_path / "requests.sqlite"
    usual_env = actions.env
    actions.stop()  # the action server alone writes requests: give it a database we can lock
    migrate(f"sqlite:///{requests_database}")  # as the supervisor does before a service starts
    actions.env = {**usual_env, "PROMISEBOT_DATABASE_URL": f"sqlite:///{requests_database}"}
    actions.start(private.workdir)
    actions.wait_ready(60)
    try:
        child = WebChild(private.web_url)
        child.hears("im 13")
        child.hears("who is my social worker")
        child.hears(tap="Message my social worker")
        for answer in ("please ring me about seeing my nan", "Whenever", "Sam", "Through my social worker"):
            child.hears(answer)
        holder = sqlite3.connect(requests_database, timeout=0)
        holder.execute("BEGIN EXCLUSIVE")  # another writer holds the database: it is unavailable
        try:
            failed = child.hears(tap="Yes")
        finally:
            holder.rollback()
            holder.close()
        assert "did NOT go through" in failed and "0800 1111" in failed  # told, and what else to do
        assert "S-2026-" not in failed
        count = "select count(*) from requests"
        assert sqlite3.connect(requests_database).execute(count).fetchone()[0] == 0  # nothing half-written

        child = WebChild(private.web_url)  # with the database back, sending again works (a new session:
        child.hears("im 13")  # the web chat allows 8 messages in 10 s)
        child.hears("who is my social worker")
        child.hears(tap="Message my social worker")
        for answer in ("please ring me about seeing my nan", "Whenever", "Sam", "Through my social worker"):
            child.hears(answer)
        assert "S-2026-" in child.hears(tap="Yes")
        assert sqlite3.connect(requests_database).execute(count).fetchone()[0] == 1
        # The failed save was logged, without what the child wrote (SQLAlchemy quotes its values).
        logs = {path.name: path.read_text(errors="replace") for path in private.workdir.glob("*.log")}
        assert "could not save a social_worker request" in logs["actions.log"]
        assert not [name for name, text in logs.items() if "seeing my nan" in text]
    finally:
        actions.stop()
        actions.env = usual_env
        actions.start(private.workdir)
        actions.wait_ready(60)


@pytest.mark.slow
def test_an_action_that_fails_answers_and_logs_without_the_childs_words(tmp_path):
    """Rasa SDK's own handler answers a failed action with the whole request (slots, the
    latest message), and Rasa logs that answer at ERROR."""
    from bot.supervisor import free_port

    port, log, database = free_port(), tmp_path / "actions.log", f"sqlite:///{tmp_path / 'db.sqlite'}"
    migrate(database)  # as the supervisor does before the services start
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "bot.action_server", "--actions", "tests.failing_actions", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PROMISEBOT_DATABASE_URL": database},
        )
    try:
        for _ in range(120):
            try:
                requests.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.25)
        words = "my foster carer Dave locks me in"
        call = {
            "next_action": "action_that_fails",
            "sender_id": "child",
            "version": "3.6.2",
            "domain": {},
            "tracker": {
                "sender_id": "child",
                "slots": {"complaint_details": words},
                "events": [],
                "latest_message": {"text": words, "intent": {}, "entities": []},
            },
        }
        answer = requests.post(f"http://127.0.0.1:{port}/webhook", json=call, timeout=30)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert answer.status_code == 500 and "Dave" not in answer.text  # Rasa logs this answer
    logged = log.read_text(errors="replace")
    assert "an action failed: ValueError at run (failing_actions.py" in logged and "Dave" not in logged
