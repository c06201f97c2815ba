"""Guarding against guessing: wrong staff passwords and wrong tester codes, counted in the
database so that every process (and every Rasa-side replica's staff or web server) sees the
same count, and a restart does not reset it.

A guard allows `allowed` failures per key in `window`; after that the key is locked until the
oldest of them is `window` old. Keys (a username, an address, a session) are stored hashed.
Rows older than a day are purged (bot.store.retention).
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import delete, func, select

from bot.store.database import session
from bot.store.models import FailedAttempt

KEPT_FOR = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Guard:
    name: str  # what is guarded, and by which key: "staff_user", "staff_address", ...
    allowed: int
    window: datetime.timedelta

    def _key(self, key: str) -> str:
        return hashlib.sha256(f"{self.name}:{key}".encode()).hexdigest()

    def is_locked(self, key: str, url: Optional[str] = None) -> bool:
        since = datetime.datetime.utcnow() - self.window
        with session(url) as db:
            failures = db.execute(
                select(func.count())
                .select_from(FailedAttempt)
                .where(
                    FailedAttempt.guarded == self.name,
                    FailedAttempt.key_hash == self._key(key),
                    FailedAttempt.at > since,
                )
            ).scalar_one()
        return failures >= self.allowed

    def failed(self, key: str, url: Optional[str] = None) -> None:
        with session(url) as db:
            db.add(FailedAttempt(guarded=self.name, key_hash=self._key(key), at=datetime.datetime.utcnow()))
            db.commit()

    def succeeded(self, key: str, url: Optional[str] = None) -> None:
        with session(url) as db:
            db.execute(
                delete(FailedAttempt).where(
                    FailedAttempt.guarded == self.name, FailedAttempt.key_hash == self._key(key)
                )
            )
            db.commit()


MINUTES_15 = datetime.timedelta(minutes=15)
STAFF_USER = Guard("staff_user", 5, MINUTES_15)  # one account's password guessed
STAFF_ADDRESS = Guard("staff_address", 20, MINUTES_15)  # many accounts tried from one place
TESTER_SESSION = Guard("tester_session", 5, MINUTES_15)  # codes guessed in one web chat session
TESTER_ADDRESS = Guard("tester_address", 20, MINUTES_15)  # ... or from one place, in fresh sessions


def client_address(remote: Optional[str], forwarded_for: Optional[str]) -> str:
    """Who is asking: the connecting address, or, when that is this machine (the council's
    reverse proxy, as in docs/deployment.md), the last address the proxy added to
    X-Forwarded-For. Anyone else's X-Forwarded-For could be made up, so it is not read."""
    try:
        local = remote is not None and ipaddress.ip_address(remote).is_loopback
    except ValueError:
        local = False
    if local and forwarded_for:
        return forwarded_for.split(",")[-1].strip()[:64] or remote or "unknown"
    return remote or "unknown"
