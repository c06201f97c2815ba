"""Shared fixtures: the trained model, and the assistant running as `make run` starts it."""
import os
import socket
import tempfile
import uuid
from dataclasses import dataclass
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Assistant:
    ports: "Ports"
    rasa_token: str
    workdir: Path

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.rasa}/webhooks/rest/webhook"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.rasa}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.web}"

    @property
    def staff_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.staff}"


@pytest.fixture(scope="session")
def assistant(model_path):
    """Every process `make run` starts (not Telegram), on free ports, with a throwaway database."""
    from bot.supervisor import Ports, assistant_services, start_all, stop_all

    workdir = Path(tempfile.mkdtemp(prefix="promisebot-test-"))
    saved = os.environ.get("PROMISEBOT_DATABASE_URL")
    os.environ["PROMISEBOT_DATABASE_URL"] = f"sqlite:///{workdir / 'test.sqlite'}"  # never the real one
    ports = Ports(rasa=free_port(), actions=free_port(), web=free_port(), staff=free_port())
    token = uuid.uuid4().hex
    services = assistant_services(model_path, ports, telegram=False, rasa_token=token)
    start_all(services, log_dir=workdir)
    yield Assistant(ports, token, workdir)
    stop_all(services)
    if saved is None:
        os.environ.pop("PROMISEBOT_DATABASE_URL", None)
    else:
        os.environ["PROMISEBOT_DATABASE_URL"] = saved


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
