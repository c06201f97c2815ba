"""The one way the channels reach the Rasa server: its REST webhook, and its HTTP API
(token-protected, loopback only) for deleting a conversation.

PROMISEBOT_RASA_URL may name several Rasa replicas, separated by commas (the scale-out
profile, docs/deployment.md): calls go to each in turn, and a replica that refuses the
connection is passed over for the next. Any replica can take any message because they share
the tracker store and lock conversations in Redis.
"""

from __future__ import annotations

import asyncio
import unicodedata
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import aiohttp

from bot import settings

DEFAULT_RASA_URL = "http://127.0.0.1:5005"
# Telegram's own limit for one message; the web chat uses the same, so both behave alike.
MAX_MESSAGE_CHARS = 4096


class RasaUnavailable(Exception):
    """Rasa did not answer. `retry_safe` is True only when the message surely never arrived
    (the connection was refused), so sending it again cannot make the bot read it twice."""

    def __init__(self, reason: str, retry_safe: bool):
        super().__init__(reason)
        self.retry_safe = retry_safe


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: Tuple[Tuple[str, str], ...] = field(default=())  # (title, payload)
    source: Optional[str] = None  # the content that produced it (for Council4Kidz's ratings)
    # A web chat request that asked for news here: the page shows a code for it (bot.casework.news_codes).
    news_code_for: Optional[str] = None
    # A reference typed back in the web chat: the page starts "Check for news" with it.
    check_news_for: Optional[str] = None


def typed_text(text: str) -> Tuple[str, bool]:
    """What a young person typed, made safe to pass on, and whether it had to be shortened.

    Control characters go; a leading "/" goes too, because Rasa would read "/intent" as a
    button payload rather than as words.
    """
    cleaned = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    cleaned = cleaned.strip().lstrip("/").strip()
    if len(cleaned) > MAX_MESSAGE_CHARS:
        return cleaned[:MAX_MESSAGE_CHARS], True
    return cleaned, False


def replies_from(rasa_json: object) -> List[Reply]:
    """Rasa's answer as replies. The actions send each message's source as a custom payload
    that Rasa's REST channel puts just after the message's text."""
    replies: List[Reply] = []
    for item in rasa_json if isinstance(rasa_json, list) else []:
        text = item.get("text") or ""
        buttons = tuple((b.get("title", ""), b.get("payload", "")) for b in item.get("buttons") or [])
        custom = item.get("custom") if isinstance(item.get("custom"), dict) else {}
        source = custom.get("source")
        if isinstance(custom.get("news_code_for"), str):
            replies.append(Reply("", news_code_for=custom["news_code_for"]))
        elif isinstance(custom.get("check_news_for"), str):
            replies.append(Reply("", check_news_for=custom["check_news_for"]))
        elif text or buttons:
            replies.append(Reply(text, buttons, source))
        elif source and replies and replies[-1].source is None:
            replies[-1] = Reply(replies[-1].text, replies[-1].buttons, source)
    return replies


class RasaClient:
    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, timeout: float = 60):
        urls = (url or settings.text("PROMISEBOT_RASA_URL") or DEFAULT_RASA_URL).split(",")
        self.urls = [u.strip().rstrip("/") for u in urls if u.strip()] or [DEFAULT_RASA_URL]
        self._next = 0
        self.token = token if token is not None else (settings.text("PROMISEBOT_RASA_TOKEN") or None)
        self.timeout = aiohttp.ClientTimeout(total=timeout, connect=5)
        self._session: Optional[aiohttp.ClientSession] = None

    async def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def send(self, sender: str, message: str, channel: str, metadata: Optional[dict] = None) -> List[Reply]:
        """Send one message (typed words, or a button's payload) and return the bot's replies."""
        body = {"sender": sender, "message": message, "input_channel": channel, "metadata": metadata or {}}
        return replies_from(await self._call("POST", "/webhooks/rest/webhook", json=body))

    async def forget(self, sender: str) -> None:
        """Delete a conversation: its events are replaced by none at all."""
        if not self.token:
            raise RasaUnavailable("no Rasa API token configured", retry_safe=False)
        await self._call("PUT", f"/conversations/{sender}/tracker/events", json=[], params={"token": self.token})

    async def events(self, sender: str) -> List[dict]:
        """The conversation's events, as stored (redacted), for a Council4Kidz test story."""
        if not self.token:
            raise RasaUnavailable("no Rasa API token configured", retry_safe=False)
        tracker = await self._call("GET", f"/conversations/{sender}/tracker", params={"token": self.token})
        return list(tracker.get("events") or []) if isinstance(tracker, dict) else []

    async def answers(self) -> bool:
        """Whether a Rasa server answers (the REST channel's own health check)."""
        try:
            await self._call("GET", "/webhooks/rest/")
            return True
        except RasaUnavailable:
            return False

    async def _call(self, method: str, path: str, **kwargs) -> object:
        http = await self._http()
        first, self._next = self._next, (self._next + 1) % len(self.urls)
        refused: Optional[aiohttp.ClientConnectorError] = None
        for attempt in range(len(self.urls)):
            url = self.urls[(first + attempt) % len(self.urls)]
            try:
                async with http.request(method, url + path, **kwargs) as response:
                    if response.status != 200:
                        raise RasaUnavailable(
                            f"Rasa answered HTTP {response.status}", retry_safe=response.status == 503
                        )
                    return await response.json()
            except aiohttp.ClientConnectorError as error:
                refused = error  # never reached this replica: the next one may take it
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                raise RasaUnavailable(f"no answer from Rasa: {type(error).__name__}", retry_safe=False) from error
        raise RasaUnavailable(f"cannot connect to Rasa: {refused}", retry_safe=True) from refused
