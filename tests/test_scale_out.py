"""The scale-out profile (docs/deployment.md): two Rasa replicas sharing a PostgreSQL tracker
store and a Redis lock store, with the Telegram bridge in webhook mode in front.

Needs the servers .ci/run starts (PROMISEBOT_TEST_POSTGRES_URL, PROMISEBOT_TEST_REDIS_URL);
locally these tests skip without them, under CI they fail.
"""

import concurrent.futures
import itertools
import os
import threading
import uuid

import pytest
import requests
from fakes import FakeTelegram
from sqlalchemy import create_engine, text
from test_telegram import start_bridge, wait_for_port

pytestmark = pytest.mark.servers

chat_ids = itertools.count(9101)


def server_url(variable: str) -> str:
    url = os.environ.get(variable)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the scale-out tests: set {variable} (see .ci/run)")
        pytest.skip(f"no server for the scale-out profile (set {variable})")
    return url


@pytest.fixture(scope="module")
def replicas(model_path):
    from bot.store.database import new_postgres_database
    from bot.supervisor import throwaway_assistant

    database = new_postgres_database(server_url("PROMISEBOT_TEST_POSTGRES_URL"), "promisebot_scale")
    with throwaway_assistant(
        model_path,
        ("actions", "rasa"),
        prefix="promisebot-scale-",
        database_url=database,
        replicas=2,
        lock_store=server_url("PROMISEBOT_TEST_REDIS_URL"),
    ) as running:
        assert len(running.rasa_urls) == 2
        yield running


def say(rasa_url: str, sender: str, message: str) -> str:
    response = requests.post(
        f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=60
    )
    assert response.status_code == 200
    return "\n".join(r.get("text", "") for r in response.json() if r.get("text"))


def stored_requests(replicas):
    with create_engine(replicas.database_url).connect() as connection:
        return connection.execute(text("select kind, details from requests")).fetchall()


def test_a_conversation_alternating_between_replicas_keeps_its_age_and_its_form(replicas):
    first, second = replicas.rasa_urls
    sender = f"scale-{uuid.uuid4().hex[:8]}"
    before = len(stored_requests(replicas))
    say(first, sender, "im 14")
    assert "What is your complaint about?" in say(second, sender, "/start_complaint")
    assert "What would you like to happen" in say(first, sender, "my room has no curtains")
    assert "advocate" in say(second, sender, "i want curtains put up")
    assert "name" in say(first, sender, "/deny")
    say(second, sender, "Sam")
    read_back = say(first, sender, "Through my social worker")
    assert "my room has no curtains" in read_back and "Is it right?" in read_back
    assert "C-" in say(second, sender, "/affirm")
    rows = stored_requests(replicas)
    assert len(rows) == before + 1 and rows[-1][0] == "complaint" and "no curtains" in str(rows[-1][1])
    assert "12 to 15" in say(first, sender, "what are my promises")  # the age band came along too


def test_messages_of_one_conversation_on_both_replicas_at_once_are_all_kept_in_order(replicas):
    """The Redis lock store makes the replicas take a conversation's messages one at a time;
    without it both would load the same history and one would overwrite the other's turn."""
    sender = f"scale-{uuid.uuid4().hex[:8]}"
    say(replicas.rasa_urls[0], sender, "im 15")
    messages = ["what are my rights", "wat is an advocate", "how do i complain", "can i see my brother"] * 3
    rounds = 3
    for _ in range(rounds):  # each round: every message at the same moment, half to each replica
        start = threading.Barrier(len(messages))

        def send(n, start=start):
            start.wait()
            return say(replicas.rasa_urls[n % 2], sender, messages[n])

        with concurrent.futures.ThreadPoolExecutor(len(messages)) as pool:
            assert all(pool.map(send, range(len(messages))))
    tracker = requests.get(
        f"{replicas.rasa_urls[1]}/conversations/{sender}/tracker", params={"token": replicas.rasa_token}, timeout=30
    ).json()
    users = [e for e in tracker["events"] if e["event"] == "user"]
    assert len(users) == 1 + rounds * len(messages)
    # each message's answer follows it: no turn was interleaved with another
    kinds = [e["event"] for e in tracker["events"] if e["event"] in ("user", "bot")]
    assert all(kinds[i] == "user" and kinds[i + 1] == "bot" for i in range(len(kinds) - 1) if kinds[i] == "user")


@pytest.fixture(scope="module")
def telegram_in_front(replicas, tmp_path_factory):
    """The real Telegram bridge in webhook mode, in front of both replicas (a fake Bot API)."""
    from bot.supervisor import free_port, stop_all

    telegram, port = FakeTelegram().start(), free_port()
    bridge = start_bridge(
        telegram,
        ",".join(replicas.rasa_urls),
        tmp_path_factory.mktemp("scale-telegram"),
        replicas.rasa_token,
        PROMISEBOT_TELEGRAM_WEBHOOK_URL="https://bot.example.test/telegram",
        PROMISEBOT_TELEGRAM_WEBHOOK_SECRET="scale-secret",
        PROMISEBOT_TELEGRAM_WEBHOOK_PORT=str(port),
    )
    telegram.wait_for(lambda: telegram.calls_to("setWebhook"), 60, "the bridge to set its webhook")
    webhook = f"http://127.0.0.1:{port}/telegram"
    updates = itertools.count(1)

    def user_sends(chat: int, words: str) -> None:
        wait_for_port(port)
        update = {"update_id": next(updates), "message": FakeTelegram._message(chat, text=words)}
        response = requests.post(
            webhook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "scale-secret"}, timeout=10
        )
        assert response.status_code == 200

    yield telegram, user_sends
    stop_all([bridge])
    telegram.stop()


def test_telegram_webhook_in_front_of_two_replicas_carries_a_conversation(telegram_in_front):
    telegram, user_sends = telegram_in_front
    chat = next(chat_ids)
    user_sends(chat, "hiya")
    telegram.wait_for(lambda: telegram.messages_to(chat), 30, "a welcome")
    user_sends(chat, "im 17")
    telegram.wait_for(lambda: len(telegram.messages_to(chat)) >= 2, 30, "an answer to the age")
    user_sends(chat, "what are my promises")  # on the other replica from the age, by turns
    telegram.wait_for_text(chat, "16 to 18", timeout=30)


def test_when_a_replica_stops_the_other_answers_the_next_message(replicas, telegram_in_front):
    telegram, user_sends = telegram_in_front
    second = replicas.services[-1]
    assert second.name == "rasa-2"
    chat = next(chat_ids)
    user_sends(chat, "im 12")
    telegram.wait_for(lambda: telegram.messages_to(chat), 30, "an answer to the age")
    second.stop()
    try:
        for question in ("what are my promises", "wat is an advocate"):  # one of them would go to the stopped one
            count = len(telegram.messages_to(chat))
            user_sends(chat, question)
            telegram.wait_for(
                lambda count=count: len(telegram.messages_to(chat)) > count, 30, f"an answer to {question!r}"
            )
        assert "having trouble" not in telegram.texts_to(chat)
        assert "12 to 15" in telegram.texts_to(chat) and "advocate" in telegram.texts_to(chat).lower()
    finally:
        second.start(replicas.workdir)
        second.wait_ready(120)
