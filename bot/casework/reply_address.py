"""Where the council's answer to a request can reach the child: the Telegram chat they sent it
from, when they chose "Here in this chat".

A Telegram chat id identifies a real account, so it is never kept in clear: the bridge passes
it to Rasa sealed (Fernet: encrypted and authenticated) in each message's metadata, the request
keeps the sealed form, and only the process that delivers the council's replies opens it
(bot.casework.child_replies). The sealed address is removed once the request is closed and its
last news delivered, and goes with the request at the end of its retention.

The key is PROMISEBOT_REPLY_KEY, else var/reply.key (made once, readable by this user only).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Tuple

from cryptography.fernet import Fernet, InvalidToken

from bot.names import VAR_DIR
from bot.store.kept_secrets import kept_secret

KEY_FILE = VAR_DIR / "reply.key"


class UnreadableAddress(Exception):
    """Sealed with another key, or not a sealed address at all."""


@lru_cache(maxsize=1)  # the key is read once per process: every message on Telegram is sealed
def _fernet() -> Fernet:
    return Fernet(kept_secret(KEY_FILE, "PROMISEBOT_REPLY_KEY", lambda: Fernet.generate_key().decode()))


def seal(channel: str, chat_id: object) -> str:
    return _fernet().encrypt(f"{channel}:{chat_id}".encode()).decode()


def unseal(sealed: str) -> Tuple[str, str]:
    """(channel, chat id)."""
    try:
        channel, _, chat_id = _fernet().decrypt(sealed.encode()).decode().partition(":")
    except (InvalidToken, ValueError, UnicodeDecodeError):
        raise UnreadableAddress("the reply address cannot be opened with this key") from None
    return channel, chat_id
