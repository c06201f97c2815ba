"""Staff users and their signed-in sessions.

Passwords are hashed with scrypt (memory-hard, in the standard library) and a random salt, at
OWASP's current work factor; a hash made at an older one is remade at the next sign-in. A
session cookie holds a random token; the database holds only its SHA-256, so a copy of the
database does not let anyone sign in. A session ends after SESSION_HOURS, or after
IDLE_MINUTES without a page.

Admins manage accounts on the dashboard: a new account, or a password reset, gets a one-time
link for its holder to set their own password (admins never know it). Anyone may add a
second factor: a code from an authenticator app (TOTP), asked for at every sign-in.

Hashing takes a few hundred milliseconds of CPU: the dashboard calls `sign_in` in a thread,
never on its event loop.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import re
import secrets
import struct
import time
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
SETUP_HOURS = 24  # a link to set a password works this long, once
TOTP_STEP = 30  # seconds
NO_PASSWORD = "!"  # stored for an account whose holder has not set a password yet: nothing matches it
SCRYPT = dict(n=2**17, r=8, p=1)  # OWASP's password storage advice for scrypt (128 MiB)
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
        candidate = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32, maxmem=SCRYPT_MEMORY
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(candidate.hex(), digest)


def hashed_at_current_cost(stored: str) -> bool:
    return stored == NO_PASSWORD or stored.split("$")[1:4] == [str(SCRYPT[k]) for k in ("n", "r", "p")]


_NO_SUCH_USER = hash_password(secrets.token_hex(16))  # so an unknown name takes as long as a wrong password


def now() -> datetime.datetime:
    return datetime.datetime.utcnow()


def create_user(username: str, password: Optional[str], role: str, url: Optional[str] = None) -> None:
    """A new account. With no password (made on the dashboard), it cannot sign in until its
    holder sets one through the link `new_setup_link` gives."""
    if not USERNAME.match(username):
        raise ValueError("A username is 3-64 characters: lowercase letters, digits, '.', '_' or '-'.")
    if role not in ROLES:
        raise ValueError(f"The role must be one of {', '.join(ROLES)}.")
    if password is not None:
        check_password(password)
    with session(url) as db:
        if db.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none():
            raise ValueError(f"{username} already exists.")
        db.add(
            StaffUser(
                username=username,
                password_hash=hash_password(password) if password else NO_PASSWORD,
                role=role,
                active=True,
                created_at=now(),
            )
        )
        db.commit()


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"The password must be at least {MIN_PASSWORD} characters.")


def _user(db, username: str) -> StaffUser:
    user = db.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none()
    if user is None:
        raise LookupError(f"no user {username}")
    return user


def disable_user(username: str, url: Optional[str] = None) -> None:
    set_active(username, False, url)


def set_active(username: str, active: bool, url: Optional[str] = None) -> None:
    """Disabling signs the user out everywhere at once."""
    with session(url) as db:
        user = _user(db, username)
        user.active = active
        if not active:
            db.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
        db.commit()


def set_role(username: str, role: str, url: Optional[str] = None) -> None:
    if role not in ROLES:
        raise ValueError(f"The role must be one of {', '.join(ROLES)}.")
    with session(url) as db:
        user = _user(db, username)
        user.role = role
        db.execute(delete(StaffSession).where(StaffSession.user_id == user.id))  # signs in again with the new role
        db.commit()


def new_setup_link(username: str, url: Optional[str] = None) -> str:
    """A one-time token for the link that sets this user's password, valid SETUP_HOURS. The old
    password stops working and the user is signed out: a reset is for a password that may be
    known to someone else."""
    token = secrets.token_urlsafe(32)
    with session(url) as db:
        user = _user(db, username)
        user.password_hash = NO_PASSWORD
        user.setup_token_hash = _digest(token)
        user.setup_token_expires_at = now() + datetime.timedelta(hours=SETUP_HOURS)
        db.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
        db.commit()
    return token


def set_password_with_link(token: str, password: str, url: Optional[str] = None) -> str:
    """The username whose password the one-time `token` set; the token is then used up."""
    check_password(password)
    with session(url) as db:
        user = db.execute(
            select(StaffUser).where(
                StaffUser.setup_token_hash == _digest(token), StaffUser.setup_token_expires_at > now()
            )
        ).scalar_one_or_none()
        if user is None:
            raise LookupError("This link has been used or has run out. Ask an admin for a new one.")
        user.password_hash = hash_password(password)
        user.setup_token_hash = user.setup_token_expires_at = None
        db.commit()
        return user.username


# --- the second factor: TOTP (RFC 6238), as authenticator apps make it -----------------------


def totp_code(secret: str, step: int) -> str:
    key = base64.b32decode(secret)
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def _matching_step(secret: str, code: str, after: Optional[int]) -> Optional[int]:
    """The time step (30 s) this code belongs to, allowing one step of clock drift either way;
    never a step at or before `after` (a code already used)."""
    code = re.sub(r"\s", "", code or "")
    current = int(time.time()) // TOTP_STEP
    for step in (current - 1, current, current + 1):
        if (after is None or step > after) and hmac.compare_digest(totp_code(secret, step), code):
            return step
    return None


def start_totp(username: str, url: Optional[str] = None) -> str:
    """A new secret for the user to put in their authenticator app; asked for only once a code
    from it has been confirmed (`confirm_totp`)."""
    secret = base64.b32encode(secrets.token_bytes(20)).decode()
    with session(url) as db:
        user = _user(db, username)
        user.totp_secret, user.totp_on, user.totp_last_step = secret, False, None
        db.commit()
    return secret


def confirm_totp(username: str, code: str, url: Optional[str] = None) -> bool:
    with session(url) as db:
        user = _user(db, username)
        step = _matching_step(user.totp_secret, code, None) if user.totp_secret else None
        if step is None:
            return False
        user.totp_on, user.totp_last_step = True, step
        db.commit()
        return True


def turn_off_totp(username: str, code: str, url: Optional[str] = None) -> bool:
    """Only with a current code: a session taken over cannot remove the second factor."""
    with session(url) as db:
        user = _user(db, username)
        if user.totp_on and _matching_step(user.totp_secret, code, user.totp_last_step) is None:
            return False
        user.totp_secret, user.totp_on, user.totp_last_step = None, False, None
        db.commit()
        return True


def totp_uri(username: str, secret: str) -> str:
    """What an authenticator app reads (typed in, or pasted)."""
    return f"otpauth://totp/Promises%20dashboard:{username}?secret={secret}&issuer=Promises%20dashboard"


def list_users(url: Optional[str] = None) -> List[StaffUser]:
    with session(url) as db:
        users = db.execute(select(StaffUser).order_by(StaffUser.username)).scalars().all()
        db.expunge_all()
        return users


def sign_in(username: str, password: str, code: str = "", url: Optional[str] = None) -> Optional[Tuple[str, SignedIn]]:
    """(cookie token, who) for the right password of an active user, and the right code from
    their authenticator app when they have set one up; None otherwise."""
    with session(url) as db:
        user = db.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none()
        if not password_matches(password, user.password_hash if user else _NO_SUCH_USER) or not user or not user.active:
            return None
        if user.totp_on:
            step = _matching_step(user.totp_secret, code, user.totp_last_step)
            if step is None:
                return None
            user.totp_last_step = step
        if not hashed_at_current_cost(user.password_hash):
            user.password_hash = hash_password(password)
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        db.add(
            StaffSession(
                token_hash=_digest(token),
                user_id=user.id,
                csrf_token=csrf,
                last_seen_at=now(),
                expires_at=now() + datetime.timedelta(hours=SESSION_HOURS),
            )
        )
        db.commit()
        return token, SignedIn(user.username, user.role, csrf)


def signed_in(token: str, url: Optional[str] = None) -> Optional[SignedIn]:
    """Who holds this session, if it is live; using it keeps it from going idle."""
    with session(url) as db:
        row = db.execute(
            select(StaffSession, StaffUser)
            .join(StaffUser, StaffUser.id == StaffSession.user_id)
            .where(
                StaffSession.token_hash == _digest(token),
                StaffSession.expires_at > now(),
                StaffSession.last_seen_at > now() - datetime.timedelta(minutes=IDLE_MINUTES),
                StaffUser.active.is_(True),
            )
        ).first()
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
