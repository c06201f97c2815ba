"""News about a request in the web chat, for the child who keeps its reference and a code.

A web chat has no address to send to (its session dies with the tab), so when the child
chooses "Here in this chat" there, the page shows a code once, when the request is sent; the
request keeps only a slow hash of it (scrypt, salted with the reference). With the reference
and the code, "Check for news" on the page shows the request's status and the council's news
(bot.casework.child_replies). Five wrong codes lock that request's news for 15 minutes, like
the staff sign-in; a wrong reference and a wrong code get the same answer.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from typing import List, Optional

from sqlalchemy import select

from bot.store.database import session
from bot.store.models import Request, RequestUpdate
from bot.store.requests import now

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read off a screen and typed on a phone
CODE_LENGTH = 8  # about 40 bits: with the lockout, beyond guessing
WRONG_CODES_ALLOWED, LOCKED_FOR = 5, datetime.timedelta(minutes=15)
ISSUE_WITHIN = datetime.timedelta(minutes=10)  # a code is given only as the request is sent
REFERENCE = re.compile(r"\b([CAS])\s*-?\s*(\d{4})\s*-?\s*(\d{6})\b", re.IGNORECASE)


def normalise_reference(text: str) -> Optional[str]:
    found = REFERENCE.search(text or "")
    return f"{found.group(1).upper()}-{found.group(2)}-{found.group(3)}" if found else None


def _normalise_code(code: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", (code or "").upper())


def _hash(reference: str, code: str) -> str:
    digest = hashlib.scrypt(_normalise_code(code).encode(), salt=reference.encode(), n=2**14, r=8, p=1, dklen=32)
    return digest.hex()


def issue(reference: str, url: Optional[str] = None) -> Optional[str]:
    """A new code for a web chat request that asked for news here, just sent; None otherwise
    (a code is issued once)."""
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    with session(url) as db:
        row = db.execute(select(Request).where(Request.reference == reference)).scalar_one_or_none()
        if (
            row is None
            or row.news_code_hash
            or row.contact_preference != "chat"
            or row.channel != "webchat"
            or now() - row.created_at > ISSUE_WITHIN
        ):
            return None
        row.news_code_hash = _hash(reference, code)
        db.commit()
    return f"{code[:4]}-{code[4:]}"


@dataclass(frozen=True)
class News:
    at: datetime.datetime
    kind: str  # "reply", or the status it moved to
    text: str


@dataclass
class NewsCheck:
    outcome: str  # "ok", "wrong" (reference or code) or "locked"
    status: Optional[str] = None
    kind: Optional[str] = None
    news: List[News] = field(default_factory=list)


def check(reference_text: str, code: str, url: Optional[str] = None) -> NewsCheck:
    reference = normalise_reference(reference_text)
    if reference is None:
        return NewsCheck("wrong")
    with session(url) as db:
        row = db.execute(select(Request).where(Request.reference == reference)).scalar_one_or_none()
        if row is None or not row.news_code_hash:
            _hash(reference, code)  # the same time taken, so a missing reference is not told apart
            return NewsCheck("wrong")
        if row.news_code_locked_until and row.news_code_locked_until > now():
            return NewsCheck("locked")
        if not hmac.compare_digest(row.news_code_hash, _hash(reference, code)):
            row.news_code_failures += 1
            if row.news_code_failures >= WRONG_CODES_ALLOWED:
                row.news_code_failures, row.news_code_locked_until = 0, now() + LOCKED_FOR
            db.commit()
            return NewsCheck("locked" if row.news_code_locked_until and row.news_code_locked_until > now() else "wrong")
        row.news_code_failures, row.news_code_locked_until = 0, None
        found = NewsCheck("ok", row.status, row.kind)
        for update in db.execute(
            select(RequestUpdate).where(RequestUpdate.request_id == row.id).order_by(RequestUpdate.id)
        ).scalars():
            found.news.append(News(update.at, update.kind, update.text))
            update.delivered_at = update.delivered_at or now()  # read now: the dashboard shows it was
        db.commit()
        return found
