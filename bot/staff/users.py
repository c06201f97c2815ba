"""Staff users and their signed-in sessions.

Passwords are hashed with scrypt (memory-hard, in the standard library) and a random salt, at
OWASP's current work factor; a hash made at an older one is remade at the next sign-in. A
session cookie holds a random token; the database holds only its SHA-256, so a copy of the
database does not let anyone sign in. A session ends after SESSION_HOURS, or after
IDLE_MINUTES without a page.

Hashing takes a few hundred milliseconds of CPU: the dashboard calls `sign_in` in a thread,
never on its event loop.
"""
from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import List, Optional, Tuple

from sqlalchemy import delete, select

from bot.store.database import session
from bot.store.models import StaffSession, StaffUser

ROLES = ("analyst", "caseworker", "admin")
USERNAME = re.compile(r"^[a-z0-9._-]{3,64}$")
MIN_PASSWORD = 12
SESSION_HOURS = 8
IDLE_MINUTES = 30
SCRYPT = dict(n=2 ** 17, r=8, p=1)  # OWASP's password storage advice for scrypt (128 MiB)
SCRYPT_MEMORY = 256 * 1024 * 1024  # hashlib's default allowance (32 MiB) is below what N=2^17 needs


@dataclass(frozen=True)
class SignedIn:
    username: str
    role: str
    csrf_token: str


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, maxmem=SCRYPT_MEMORY, **SCRYPT)
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                                   dklen=32, maxmem=SCRYPT_MEMORY)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(candidate.hex(), digest)


def hashed_at_current_cost(stored: str) -> bool:
    return stored.split("$")[1:4] == [str(SCRYPT[k]) for k in ("n", "r", "p")]


_NO_SUCH_USER = hash_password(secrets.token_hex(16))  # so an unknown name takes as long as a wrong password


def now() -> datetime.datetime:
    return datetime.datetime.utcnow()


def create_user(username: str, password: str, role: str, url: Optional[str] = None) -> None:
    if not USERNAME.match(username):
        raise ValueError("A username is 3-64 characters: lowercase letters, digits, '.', '_' or '-'.")
    if role not in ROLES:
        raise ValueError(f"The role must be one of {', '.join(ROLES)}.")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"The password must be at least {MIN_PASSWORD} characters.")
    with session(url) as db:
        if db.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none():
            raise ValueError(f"{username} already exists.")
        db.add(StaffUser(username=username, password_hash=hash_password(password), role=role, active=True,
                         created_at=now()))
        db.commit()


def disable_user(username: str, url: Optional[str] = None) -> None:
    with session(url) as db:
        user = db.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none()
        if user is None:
            raise LookupError(f"no user {username}")
        user.active = False
        db.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
        db.commit()


def list_users(url: Optional[str] = None) -> List[StaffUser]:
    with session(url) as db:
        users = db.execute(select(StaffUser).order_by(StaffUser.username)).scalars().all()
        db.expunge_all()
        return users


def sign_in(username: str, password: str, url: Optional[str] = None) -> Optional[Tuple[str, SignedIn]]:
    """(cookie token, who) for the right password of an active user; None otherwise."""
    with session(url) as db:
        user = db.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none()
        if not password_matches(password, user.password_hash if user else _NO_SUCH_USER) or not user or not user.active:
            return None
        if not hashed_at_current_cost(user.password_hash):
            user.password_hash = hash_password(password)
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        db.add(StaffSession(token_hash=_digest(token), user_id=user.id, csrf_token=csrf, last_seen_at=now(),
                            expires_at=now() + datetime.timedelta(hours=SESSION_HOURS)))
        db.commit()
        return token, SignedIn(user.username, user.role, csrf)


def signed_in(token: str, url: Optional[str] = None) -> Optional[SignedIn]:
    """Who holds this session, if it is live; using it keeps it from going idle."""
    with session(url) as db:
        row = db.execute(select(StaffSession, StaffUser).join(StaffUser, StaffUser.id == StaffSession.user_id)
                         .where(StaffSession.token_hash == _digest(token), StaffSession.expires_at > now(),
                                StaffSession.last_seen_at > now() - datetime.timedelta(minutes=IDLE_MINUTES),
                                StaffUser.active.is_(True))).first()
        if row is None:
            return None
        if now() - row.StaffSession.last_seen_at > datetime.timedelta(minutes=1):  # not a write on every page
            row.StaffSession.last_seen_at = now()
            db.commit()
        return SignedIn(row.StaffUser.username, row.StaffUser.role, row.StaffSession.csrf_token)


def sign_out(token: str, url: Optional[str] = None) -> None:
    with session(url) as db:
        db.execute(delete(StaffSession).where(StaffSession.token_hash == _digest(token)))
        db.commit()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
