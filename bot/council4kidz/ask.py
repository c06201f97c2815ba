"""Asking a running assistant what it makes of a phrasing, as a young person would send it."""

from __future__ import annotations

import contextlib
import uuid
from typing import Callable, Iterator, Tuple

import requests

from bot.channels.rasa_client import typed_text

Ask = Callable[[str, str], Tuple[str, float, str]]


def asker(rasa_url: str, token: str) -> Ask:
    def ask(phrasing: str, age: str) -> Tuple[str, float, str]:
        sender = f"sheet-{uuid.uuid4().hex[:12]}"  # a new young person for every row
        text, _ = typed_text(phrasing)
        if age:
            _post(f"{rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": f"im {age}"})
        parsed = _post(f"{rasa_url}/model/parse?token={token}", {"text": text})
        replies = _post(f"{rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": text})
        reply = "\n".join(r.get("text", "") for r in replies)
        buttons = [b["title"] for r in replies for b in r.get("buttons") or []]
        if buttons:
            reply += "\n[buttons: " + " | ".join(buttons) + "]"
        return parsed["intent"]["name"], float(parsed["intent"].get("confidence") or 0), reply

    return ask


def _post(url: str, body: dict):
    response = requests.post(url, json=body, timeout=60)
    response.raise_for_status()
    return response.json()


@contextlib.contextmanager
def private_assistant() -> Iterator[Ask]:
    """The assistant on free ports with a throwaway database, so answering a sheet leaves no
    trace in the real topic log or conversations."""
    from bot.model_cache import ensure_model
    from bot.supervisor import throwaway_assistant

    with throwaway_assistant(ensure_model(), ("actions", "rasa"), prefix="promisebot-sheet-") as running:
        yield asker(running.rasa_url, running.rasa_token)
