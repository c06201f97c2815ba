"""The web chat: one page for all ages, and a small JSON API that relays to the Rasa server.

No account, no cookies, no tracking, nothing fetched from anywhere else (the Content
Security Policy forbids it). The page keeps a random session id in the tab's sessionStorage;
Rasa only ever sees a keyed hash of it. Rasa itself stays on loopback: this server is the
only way in.

  GET  /               the page (urgent contacts are in it, so they work without JavaScript)
  POST /api/message    {"session": ID, "start": true} when the page opens (the welcome);
                       {"session": ID, "text": "..."} or {"session": ID, "payload": P}, where P is the
                       payload of a button this session was shown (any other gets a kind answer
                       with the buttons again, bot.channels.offered)
                       -> {"messages": [{"text": ..., "buttons": [{"title", "payload"}]}], "retry": bool},
                       and "check_news_for": REFERENCE when a reference typed back starts "Check for news"
  POST /api/forget     {"session": ID} -> {"messages": [...], "forgotten": bool}: deletes the conversation
  POST /api/news       {"session": ID, "reference": R, "code": C} -> {"messages": [...]}: the status and the
                       council's replies of a request sent from here, for its reference and code
                       (bot.casework.news_codes; wrong codes lock it for a while)
  POST /api/tester     {"session": ID, "code": CODE} -> {"label", "ages"}: a Council4Kidz tester code
                       turns on test mode (403 if it is not valid)
  POST /api/feedback   {"session", "code", "source", "answer", "rating": 1|-1, "comment", "age_band"}:
                       a tester's rating of one answer
  POST /api/save-test  {"session", "code", "title"}: keep a tester's conversation as a conversation test
  GET  /health
"""

from __future__ import annotations

import argparse
import asyncio
import html
import logging
import re
import sys
from pathlib import Path
from string import Template
from typing import List, Optional

from aiohttp import web
from sqlalchemy import text as sql

from bot import logs, settings
from bot.casework import news_codes
from bot.casework.child_replies import news_text
from bot.channels.offered import Taps
from bot.channels.rasa_client import RasaClient, RasaUnavailable, Reply, typed_text
from bot.channels.rate_limit import RateLimiter
from bot.channels.senders import sender_id, sender_key
from bot.contact_hours import status
from bot.content import PROMISE_BAND, Contact, Content, current_content
from bot.council4kidz.testers import (
    clean_title,
    code_of_session,
    save_conversation,
    save_rating,
    start_testing,
    story_from_events,
    valid_code,
)
from bot.privacy.failures import log_failure
from bot.privacy.notice import privacy_notice
from bot.store.attempts import TESTER_ADDRESS, TESTER_SESSION, client_address
from bot.store.database import StorageError, engine
from bot.store.models import TesterCode

logger = logging.getLogger(__name__)

CHANNEL = "webchat"
STATIC = Path(__file__).parent / "static"
SESSION_ID = re.compile(r"^[A-Za-z0-9-]{16,64}$")
HELP_NOW = ("emergency", "childline", "edt", "samaritans", "shout")  # the "Get help now" list, most urgent first
MAX_BODY_BYTES = 64 * 1024
GREET = "/greet"  # what the channel sends Rasa when the page opens
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

# --- the page -------------------------------------------------------------------------------


def contact_link(contact: Contact, content: Content) -> str:
    """A contact as HTML, with its number or address as a link a phone can use, and whether it is open now."""
    how = html.escape(contact.how)
    call = re.fullmatch(r"call ([\d ]+)", contact.how)
    text = re.fullmatch(r"text (\w+) to (\d+)", contact.how)
    site = re.search(r"([a-z0-9-]+(?:\.[a-z0-9-]+)+\.?[a-z]*)$", contact.how)
    if call:
        how = f'call <a href="tel:{call.group(1).replace(" ", "")}">{html.escape(call.group(1))}</a>'
    elif text:
        how = f'text {html.escape(text.group(1))} to <a href="sms:{text.group(2)}">{text.group(2)}</a>'
    elif site:
        how = (
            html.escape(contact.how[: site.start()])
            + f'<a href="https://{site.group(1)}">{html.escape(site.group(1))}</a>'
        )
    when = contact.when_said(status(contact, content))
    return (
        f'<li><strong>{html.escape(contact.name)}</strong>: {how}. <span class="when">{html.escape(when)}</span></li>'
    )


def bullets(points: List[str]) -> str:
    return "\n".join(f"          <li>{html.escape(point)}</li>" for point in points)


def render_page(content: Content, embedded: bool = False) -> str:
    template = Template((STATIC / "index.html").read_text(encoding="utf-8"))
    heading, *points = privacy_notice(content, "webchat")
    # At the start, in short: a computer, what is kept and for how long, how to delete it.
    short = [points[0], points[1], next(p for p in points if "Delete my chat" in p)]
    return template.substitute(
        page_class="embedded" if embedded else "",
        exit_url=html.escape(settings.text("PROMISEBOT_WEBCHAT_EXIT_URL"), quote=True),
        privacy_heading=html.escape(heading),
        privacy_short=bullets(short),
        privacy_more=bullets([p for p in points if p not in short]),
        help_contacts="\n".join(contact_link(content.contacts[c], content) for c in HELP_NOW if c in content.contacts),
        trouble=html.escape(content.message("channel_trouble"), quote=True),
        gave_up=html.escape(content.message("channel_gave_up"), quote=True),
    )


# --- the API --------------------------------------------------------------------------------


def as_json(replies: List[Reply], retry: bool = False) -> dict:
    shown = [r for r in replies if r.text or r.buttons]
    check = next((r.check_news_for for r in replies if r.check_news_for), None)
    return {
        "messages": [
            {"text": r.text, "buttons": [{"title": t, "payload": p} for t, p in r.buttons], "source": r.source}
            for r in shown
        ],
        "retry": retry,
        **({"check_news_for": check} if check else {}),
    }


def said(key: str) -> Reply:
    return Reply(current_content().message(key))


def text_field(body: dict, name: str) -> str:
    """A field of a request's JSON body that should be text: "" when it is missing or is not."""
    value = body.get(name)
    return value if isinstance(value, str) else ""


class WebChat:
    def __init__(self, rasa: RasaClient, key: bytes, limiter: Optional[RateLimiter] = None):
        self.rasa, self.key = rasa, key
        self.limiter = limiter or RateLimiter()
        # A tester rates each answer and saves a conversation now and then; a flood is not testing.
        self.rating_limiter, self.saving_limiter = RateLimiter(limit=30, window=60), RateLimiter(limit=3, window=60)
        self.taps = Taps(rasa)

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[self.safety])
        app.router.add_get("/", self.page)
        app.router.add_get("/embed", self.embed)
        app.router.add_get("/health", self.health)
        app.router.add_get("/ready", self.ready)
        app.router.add_post("/api/message", self.message)
        app.router.add_post("/api/forget", self.forget)
        app.router.add_post("/api/tester", self.tester)
        app.router.add_post("/api/feedback", self.feedback)
        app.router.add_post("/api/save-test", self.save_test)
        app.router.add_post("/api/news", self.news)
        app.router.add_static("/static/", STATIC, show_index=False, append_version=False)
        app.on_cleanup.append(lambda app: self.rasa.close())
        return app

    @web.middleware
    async def safety(self, request: web.Request, handler):
        """Security headers on everything; API errors as JSON a page can show; no 500 with a stack."""
        try:
            if request.path.startswith("/api/"):
                self.check_api_request(request)
            response = await handler(request)
        except web.HTTPException as error:  # a page not found gets the security headers too
            response = (
                web.json_response({"error": error.reason}, status=error.status)
                if request.path.startswith("/api/")
                else error
            )
        except Exception as error:  # never a stack trace, and never the young person's words, in the log
            log_failure(logger, "web chat request failed", error)
            response = web.json_response({"error": "Something went wrong on our side."}, status=500)
        for name, value in SECURITY_HEADERS.items():  # /embed sets its own frame-ancestors
            response.headers.setdefault(name, value)
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    @staticmethod
    def check_api_request(request: web.Request) -> None:
        # A JSON body cannot be sent cross-site without a CORS preflight, which this server
        # never grants; an Origin from elsewhere is refused outright.
        if request.content_type != "application/json":
            raise web.HTTPUnsupportedMediaType(reason="Send JSON (Content-Type: application/json).")
        origin = request.headers.get("Origin")
        if origin and origin.split("://", 1)[-1] != request.host:
            raise web.HTTPForbidden(reason="Cross-site requests are not allowed.")

    async def ready(self, request: web.Request) -> web.Response:
        """Whether a child's message can be answered now: the database answers, and Rasa does.
        (/health says only that this process is up.) For the load balancer and monitoring."""

        def database_answers() -> bool:
            try:
                with engine().connect() as connection:
                    connection.execute(sql("SELECT 1"))
                return True
            except Exception as error:
                log_failure(logger, "readiness: the database did not answer", error)
                return False

        database = await asyncio.to_thread(database_answers)
        rasa = await self.rasa.answers()
        checks = {"database": "ok" if database else "not answering", "rasa": "ok" if rasa else "not answering"}
        return web.json_response({"ready": database and rasa, **checks}, status=200 if database and rasa else 503)

    async def page(self, request: web.Request) -> web.Response:
        return web.Response(text=render_page(current_content()), content_type="text/html", charset="utf-8")

    async def embed(self, request: web.Request) -> web.Response:
        """The chat for a frame on the council's site: only the configured sites may frame it."""
        response = web.Response(
            text=render_page(current_content(), embedded=True), content_type="text/html", charset="utf-8"
        )
        ancestors = " ".join(settings.text("PROMISEBOT_WEBCHAT_EMBED_ORIGINS").split()) or "'none'"
        response.headers["Content-Security-Policy"] = SECURITY_HEADERS["Content-Security-Policy"].replace(
            "frame-ancestors 'none'", f"frame-ancestors {ancestors}"
        )
        return response

    @staticmethod
    async def health(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def body(self, request: web.Request) -> dict:
        try:
            body = await request.json()
        # ValueError covers JSONDecodeError, UnicodeDecodeError and a number over 4,300 digits;
        # RecursionError, [[[[...]]]] nested deep.
        except (ValueError, RecursionError):
            raise web.HTTPBadRequest(reason="The body is not valid JSON.") from None
        session_id = body.get("session") if isinstance(body, dict) else None
        if not isinstance(session_id, str) or not SESSION_ID.fullmatch(session_id):
            raise web.HTTPBadRequest(reason='Send {"session": ID, ...} with the page\'s session id.')
        return body

    async def message(self, request: web.Request) -> web.Response:
        body = await self.body(request)
        sender = sender_id("web", body["session"], self.key)
        text, payload = body.get("text"), body.get("payload")
        if payload is None and not isinstance(text, str) and body.get("start") is not True:
            raise web.HTTPBadRequest(reason='Send "text" (what was typed) or "payload" (a button).')
        if not self.limiter.allow(body["session"]):
            return web.json_response(as_json([said("channel_slow_down")]))
        notices: List[Reply] = []
        if body.get("start") is True:  # the page was opened: the welcome, as if they had said hello
            message = GREET
        elif payload is not None:
            if not await self.taps.accepts(sender, payload):
                return web.json_response(as_json([self.taps.refused(sender, current_content())]))
            message = payload
        else:
            message, shortened = typed_text(text if isinstance(text, str) else "")
            if not message:
                return web.json_response(as_json([said("channel_empty")]))
            notices = [said("channel_too_long")] if shortened else []
        try:
            replies = await self.rasa.send(sender, message, CHANNEL)
        except RasaUnavailable as error:
            logger.warning("Rasa unavailable (%s)", error)
            # Retry only what surely never arrived; the page does it, and tells the young person.
            return web.json_response(
                as_json(
                    notices + [said("channel_trouble" if error.retry_safe else "channel_gave_up")],
                    retry=error.retry_safe,
                )
            )
        self.taps.shown(sender, replies)
        replies = [await self.news_code(r) if r.news_code_for else r for r in replies]
        # Rasa answers nothing when an action failed (the action server down, say): never silence.
        return web.json_response(as_json(notices + (replies or [said("channel_no_answer")])))

    # --- news about a request sent from here ("Here in this chat") -----------------------
    @staticmethod
    async def news_code(reply: Reply) -> Reply:
        """The code to check for news, made here and shown once: it never passes through Rasa,
        so no conversation holds it (bot.casework.news_codes)."""
        common = current_content().flow_common
        try:
            code = await asyncio.to_thread(news_codes.issue, reply.news_code_for or "")
        except Exception as error:
            log_failure(logger, "could not make a news code", error)
            code = None
        if code is None:
            return Reply(common["news_code_failed"], source="flows.yml common.news_code_failed")
        return Reply(common["chat_done_webchat"].format(code=code), source="flows.yml common.chat_done_webchat")

    async def news(self, request: web.Request) -> web.Response:
        body = await self.body(request)
        reference, code = body.get("reference"), body.get("code")
        if not isinstance(reference, str) or not isinstance(code, str) or len(reference) > 40 or len(code) > 40:
            raise web.HTTPBadRequest(reason="Type your reference and your code.")
        if not self.limiter.allow(body["session"]):
            return web.json_response(as_json([said("channel_slow_down")]))
        found = await asyncio.to_thread(news_codes.check, reference, code)
        content = current_content()
        if found.outcome != "ok":
            return web.json_response(as_json([Reply(content.flow_common["news_check"][found.outcome])]))
        if found.kind is None or found.status is None:
            raise RuntimeError("a news check came back ok without the request's kind and status")
        status = news_text(content, found.kind, news_codes.normalise_reference(reference) or reference, found.status)
        replies = [Reply(f"{u.at:%d %B %Y}: {u.text}") for u in found.news if u.kind == "reply"]
        return web.json_response(as_json([Reply(status)] + replies))

    async def forget(self, request: web.Request) -> web.Response:
        body = await self.body(request)
        sender = sender_id("web", body["session"], self.key)
        self.taps.forget(sender)
        try:
            await self.rasa.forget(sender)
        except RasaUnavailable as error:
            logger.warning("could not delete a conversation: %s", error)
            return web.json_response({**as_json([said("channel_forget_failed")]), "forgotten": False})
        return web.json_response({**as_json([said("channel_forgotten")]), "forgotten": True})

    # --- Council4Kidz test mode ---------------------------------------------------------
    # A code is entered once per session (/api/tester), with wrong codes counted against the
    # session and the address (bot.store.attempts); ratings and saves then need that session.
    async def tester(self, request: web.Request) -> web.Response:
        body = await self.body(request)
        session = sender_id("web", body["session"], self.key)
        address = client_address(request.remote, request.headers.get("X-Forwarded-For"))
        code = text_field(body, "code")

        def check() -> Optional[TesterCode]:
            if TESTER_SESSION.is_locked(session) or TESTER_ADDRESS.is_locked(address):
                raise web.HTTPTooManyRequests(reason="Too many codes tried. Wait 15 minutes and try again.")
            found = valid_code(code)
            if found is None:
                TESTER_SESSION.failed(session)
                TESTER_ADDRESS.failed(address)
            else:
                start_testing(found, session)
            return found

        found = await asyncio.to_thread(check)
        if found is None:
            raise web.HTTPForbidden(
                reason="That tester code is not right, or it has run out. Ask the staff for a new one."
            )
        ages = Reply("", tuple(current_content().buttons["age"]))
        self.taps.shown(session, [ages])  # the page shows them as buttons
        return web.json_response({"label": found.label, "ages": [{"title": t, "payload": p} for t, p in ages.buttons]})

    async def tester_code(self, body: dict, limiter: RateLimiter) -> TesterCode:
        """The code of a session that entered it, within the session's limit for this."""
        session = sender_id("web", body["session"], self.key)
        code = text_field(body, "code")
        found = await asyncio.to_thread(code_of_session, code, session)
        if found is None:
            raise web.HTTPForbidden(
                reason="Enter your tester code first, in this chat. Ask the staff if it has run out."
            )
        if not limiter.allow(session):
            raise web.HTTPTooManyRequests(reason="That is a lot at once: wait a minute and try again.")
        return found

    async def feedback(self, request: web.Request) -> web.Response:
        body = await self.body(request)
        code = await self.tester_code(body, self.rating_limiter)
        rating, answer = body.get("rating"), body.get("answer")
        if rating not in (1, -1) or not isinstance(answer, str) or not answer:
            raise web.HTTPBadRequest(reason="Send the answer and a rating of 1 (good) or -1 (not good).")
        comment, source, band = body.get("comment") or "", body.get("source") or "unknown", body.get("age_band")
        if not all(isinstance(v, str) for v in (comment, source)) or band not in (None, *PROMISE_BAND, "18_plus"):
            raise web.HTTPBadRequest(reason="The comment, source and age band must be text.")
        # The database is written off the event loop, as every other call here does.
        await asyncio.to_thread(save_rating, code, source, answer, rating, comment, band)
        return web.json_response({"saved": True})

    async def save_test(self, request: web.Request) -> web.Response:
        body = await self.body(request)
        code = await self.tester_code(body, self.saving_limiter)
        title = clean_title(text_field(body, "title"))
        try:
            events = await self.rasa.events(sender_id("web", body["session"], self.key))
        except RasaUnavailable as error:
            logger.warning("could not fetch a tester's conversation: %s", error)
            raise web.HTTPServiceUnavailable(
                reason="Could not reach the assistant. Please try again in a minute."
            ) from None
        if not any(e.get("event") == "user" for e in events):
            raise web.HTTPBadRequest(reason="There is no conversation to save yet.")
        story = await asyncio.to_thread(story_from_events, title, events)
        saved = await asyncio.to_thread(save_conversation, code, title, story)
        return web.json_response({"saved": saved})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Serve the web chat page.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    logs.configure("webchat")
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # access lines would record visitors' IP addresses
    try:
        key = sender_key()
    except StorageError as error:
        print(f"web chat: {error}", file=sys.stderr)
        return 1
    web.run_app(WebChat(RasaClient(), key).app(), host=args.host, port=args.port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
