"""Sender ids for the Rasa server that do not reveal who is chatting.

A Telegram chat id is a stable identifier of a real account; the tracker store only ever
sees a keyed hash of it. The key lives in var/ (or PROMISEBOT_SENDER_KEY), so the same chat
keeps its conversation across restarts, and ids cannot be reversed without it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

from bot.names import VAR_DIR
from bot.store.kept_secrets import kept_secret

KEY_FILE = VAR_DIR / "sender.key"


def sender_key(path: Path = KEY_FILE) -> bytes:
    return kept_secret(path, "PROMISEBOT_SENDER_KEY", lambda: secrets.token_hex(32))


def sender_id(channel: str, raw_id: object, key: bytes) -> str:
    digest = hmac.new(key, f"{channel}:{raw_id}".encode(), hashlib.sha256).hexdigest()
    return f"{channel}-{digest[:32]}"
