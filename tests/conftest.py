"""Shared fixtures: the trained model, and the assistant running as `make run` starts it."""
import os
import uuid
from pathlib import Path

import pytest
import requests

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


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
def assistant(model_path, mailbox):
    """Every process `make run` starts (not Telegram), on free ports, with a throwaway database,
    sending its emails to staff to the test mailbox."""
    from bot.supervisor import throwaway_assistant

    saved = {name: os.environ.get(name) for name in mailbox.settings()}
    os.environ.update(mailbox.settings())
    try:
        with throwaway_assistant(model_path, prefix="promisebot-test-") as running:
            yield running
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


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
