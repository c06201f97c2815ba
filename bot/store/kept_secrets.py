"""Secrets this machine makes once and keeps in var/ (unless a setting gives them): the key
that hashes chat ids into sender ids (bot.channels.senders) and the key that seals Telegram
reply addresses (bot.casework.reply_address)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Callable

from bot import settings
from bot.store.database import StorageError, private_folder


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
