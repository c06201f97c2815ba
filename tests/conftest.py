"""Shared fixtures: the trained model, and the assistant running as `make run` starts it."""

import os
import uuid
from pathlib import Path

import pytest
import requests

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
# Every process the tests start seals and opens Telegram reply addresses with one key (not var/'s).
os.environ.setdefault("PROMISEBOT_REPLY_KEY", "hVw9n0Tq4TgP3y6m0mJ0mO2Ykqv8bTg1R3C0cY3lq0E=")


# `make test-fast` runs what needs none of these: no trained model, no database or Redis server,
# no browser. A test needing the model is marked by the fixtures it uses, so no test can forget.
NEEDS_MODEL = {"model_path", "assistant"}


def pytest_collection_modifyitems(items):
    for item in items:
        if NEEDS_MODEL & set(item.fixturenames):
            item.add_marker(pytest.mark.model)


@pytest.fixture(scope="session")
def model_path() -> Path:
    from bot.model_cache import model_path as current_model

    path = current_model()
    if not path.exists():
        pytest.fail(f"No model for the current inputs at {path}: run `make train` (make test does it)")
    return path


@pytest.fixture(scope="session")
def mailbox():
    """A real SMTP server: every email the assistant sends to staff arrives here."""
    from mailbox_server import Mailbox

    started = Mailbox().start()
    yield started
    started.stop()


@pytest.fixture(scope="session")
def fake_telegram():
    """One fake Bot API for the session: the bridges the tests start, and the staff process
    delivering the council's news, all talk to it."""
    from fakes import FakeTelegram

    started = FakeTelegram().start()
    yield started
    started.stop()


@pytest.fixture(scope="session")
def assistant(model_path, mailbox, fake_telegram):
    """Every process `make run` starts (not Telegram), on free ports, with a throwaway database;
    its emails to staff go to the test mailbox, and news for young people to the fake Telegram."""
    from bot.supervisor import throwaway_assistant

    env = {
        **mailbox.settings(),
        "PROMISEBOT_TELEGRAM_TOKEN": fake_telegram.token,
        "PROMISEBOT_TELEGRAM_API_URL": fake_telegram.base_url,
        "PROMISEBOT_NEWS_EVERY_SECONDS": "0.5",
    }
    with throwaway_assistant(model_path, prefix="promisebot-test-", env=env) as running:
        yield running


class Child:
    """One young person chatting over POST /webhooks/rest/webhook."""

    def __init__(self, url):
        self.url, self.sender = url, f"test-{uuid.uuid4().hex[:8]}"

    def says(self, message):
        response = requests.post(self.url, json={"sender": self.sender, "message": message}, timeout=60)
        assert response.status_code == 200
        # What a client shows: messages with words or buttons (each message's source follows it
        # as a separate custom item, for Council4Kidz's ratings).
        replies = [r for r in response.json() if r.get("text") or r.get("buttons")]
        assert replies, f"no answer to {message!r}"
        return replies

    def hears(self, message):
        return "\n".join(r.get("text", "") for r in self.says(message))
