"""Sender ids for the Rasa server that do not reveal who is chatting.

A Telegram chat id is a stable identifier of a real account; the tracker store only ever
sees a keyed hash of it. The key lives in var/ (or PROMISEBOT_SENDER_KEY), so the same chat
keeps its conversation across restarts, and ids cannot be reversed without it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Callable

from bot import settings
from bot.store.database import ROOT, StorageError, private_folder

KEY_FILE = ROOT / "var" / "sender.key"


def sender_key(path: Path = KEY_FILE) -> bytes:
    return kept_secret(path, "PROMISEBOT_SENDER_KEY", lambda: secrets.token_hex(32))


def kept_secret(path: Path, setting: str, new_secret: Callable[[], str]) -> bytes:
    """The secret in the environment variable `setting`, else in the file `path`, which is
    made once (readable by this user only) so every process and every restart agree."""
    configured = settings.text(setting)
    if configured:
        return configured.encode()
    if not path.exists():
        private_folder(path.parent)
        # Written whole under another name, then linked into place: link fails if the file is
        # there, so of two processes starting at once one wins, and neither ever reads a key
        # half written (an empty key would hash every chat with no secret at all).
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w") as file:
                file.write(new_secret())
                file.flush()
                os.fsync(file.fileno())
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    secret = path.read_text().strip()
    if not secret:
        raise StorageError(f"the key file {path} is empty: delete it, and a new one is made at the next start")
    return secret.encode()


def sender_id(channel: str, raw_id: object, key: bytes) -> str:
    digest = hmac.new(key, f"{channel}:{raw_id}".encode(), hashlib.sha256).hexdigest()
    return f"{channel}-{digest[:32]}"
