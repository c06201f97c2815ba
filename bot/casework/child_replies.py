"""The council's news reaching the child, in the chat they chose ("Here in this chat").

A caseworker's reply, or a change of status, is a row in `request_updates` holding exactly what
the child will read (composed here from content/flows.yml common.news). On Telegram, the staff
dashboard's process delivers the due ones every few seconds through the Bot API (the same token
and API address as the bridge), retrying with growing waits; in the web chat they wait until the
child checks with their reference and code (bot.casework.news_codes). The request page shows
what was delivered or read. Once a request is closed and its last news delivered, its sealed chat address is
removed: nothing can be sent to that chat again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import requests
from sqlalchemy import select

from bot import settings
from bot.casework import outbox
from bot.casework.reply_address import UnreadableAddress, unseal
from bot.content import Content
from bot.store.database import session
from bot.store.models import Request, RequestUpdate
from bot.store.requests import now

MAX_REPLY = 3000  # a Telegram message holds 4096 characters, with room for the words around it
RETRY_AFTER = (30, 120, 600, 3600)  # seconds after the 1st, 2nd, 3rd, later failures
TIMEOUT = 20


def news_text(content: Content, request_kind: str, reference: str, kind: str, reply: str = "") -> str:
    """What the child reads about their request: `kind` is a status (new, acknowledged,
    answered, closed) or "reply"."""
    what = (content.flows.get(request_kind) or {}).get("what", "request")
    return content.fill(content.flow_common["news"][kind]).format(what=what, reference=reference, reply=reply)


def checked_reply(words: str) -> str:
    words = (words or "").strip()
    if not words:
        raise ValueError("the reply is empty")
    if len(words) > MAX_REPLY:
        raise ValueError(f"a reply can be at most {MAX_REPLY} characters")
    return words


@dataclass(frozen=True)
class TelegramOut:
    token: Optional[str]
    api_url: str = "https://api.telegram.org/bot"

    @classmethod
    def from_env(cls) -> "TelegramOut":
        return cls(settings.text("PROMISEBOT_TELEGRAM_TOKEN") or None, settings.text("PROMISEBOT_TELEGRAM_API_URL"))

    def send(self, chat_id: str, text: str) -> None:
        response = requests.post(
            f"{self.api_url}{self.token}/sendMessage", json={"chat_id": chat_id, "text": text}, timeout=TIMEOUT
        )
        if response.status_code != 200:  # Telegram's own words, e.g. "Forbidden: bot was blocked by the user"
            description = (
                response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
            ).get("description", "")
            raise OSError(f"Telegram answered HTTP {response.status_code} {description}".strip())


def deliver_due(telegram: TelegramOut, url: Optional[str] = None) -> Tuple[int, int]:
    """Deliver every update whose time has come; (delivered, failed). Each outcome is
    committed before the next is tried."""
    delivered = failed = 0
    with session(url) as db:
        due = db.execute(
            select(RequestUpdate, Request)
            .join(Request, Request.id == RequestUpdate.request_id)
            .where(
                RequestUpdate.delivered_at.is_(None),
                RequestUpdate.next_attempt_at <= now(),
                Request.reply_address.isnot(None),
            )  # a web chat's news waits to be read
            .order_by(RequestUpdate.id)
        ).all()
        for update, request in due:
            error = None
            try:
                channel, chat_id = unseal(request.reply_address or "")
                if channel != "telegram":
                    error = f"cannot deliver to {channel}"
                elif not telegram.token:
                    error = "Telegram is not set up here: PROMISEBOT_TELEGRAM_TOKEN is not set"
                else:
                    telegram.send(chat_id, update.text)
            except UnreadableAddress as problem:
                error = str(problem)
            except (OSError, requests.RequestException, ValueError) as problem:
                error = f"{type(problem).__name__}: {problem}"
            if outbox.record_attempt(update, "delivered_at", error, RETRY_AFTER):
                delivered += 1
            else:
                failed += 1
            db.commit()
        forget_closed_addresses(db)
    return delivered, failed


def forget_closed_addresses(db) -> None:
    """A closed request whose news has all been delivered keeps no way to reach the chat."""
    waiting = select(RequestUpdate.request_id).where(RequestUpdate.delivered_at.is_(None))
    for request in db.execute(
        select(Request).where(Request.status == "closed", Request.reply_address.isnot(None), Request.id.notin_(waiting))
    ).scalars():
        request.reply_address = None
    db.commit()


async def keep_delivering(telegram: TelegramOut, every: Optional[float] = None) -> None:
    """The loop the staff dashboard runs."""
    every = every or settings.seconds("PROMISEBOT_NEWS_EVERY_SECONDS")
    await outbox.keep_sending(lambda: deliver_due(telegram), every, "news for young people")
