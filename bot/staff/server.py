"""The staff dashboard, on 127.0.0.1:8001 by default (behind the council's HTTPS reverse proxy
in production). The first admin is created with `promisebot staff add`; admins manage the
other accounts on the Users page (bot/staff/accounts.py).

Roles: analyst - anonymised topics, flows, safeguarding counts, unanswered questions (all
redacted or counted, 1-4 shown as "fewer than 5"), CSV export, Council4Kidz's ratings;
caseworker - the request queue: age, timescales, owner, notes, status, whether the team's
email went, and replies to the child's chat (every view and change written to the access
log); admin - staff accounts, Council4Kidz tester codes and the access log. Everyone: their
own second factor ("Your account").
Every POST needs the session's CSRF token; the login form uses a double-submit cookie.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime
import logging
import secrets
import sys
from collections import defaultdict
from pathlib import Path
from typing import Awaitable, Callable, Dict, List, NamedTuple, Optional, Tuple

from aiohttp import web

from bot import logs, settings
from bot.casework import BAND_NAMES, mail
from bot.casework.child_replies import MAX_REPLY, TelegramOut, checked_reply, keep_delivering, news_text
from bot.casework.timescales import STEPS, Calendar, against_timescales, deadlines
from bot.content import THEME_IDS, current_content
from bot.council4kidz.testers import feedback_by_answer, issue_code, list_codes
from bot.privacy.failures import log_failure
from bot.staff import users
from bot.staff.accounts import AccountPages
from bot.staff.pages import (
    WITHHELD,
    bar_chart,
    complementary,
    csv_text,
    is_using_the_chat,
    line_chart,
    notice,
    page,
    promise_count,
    role_required,
    topic_label,
)
from bot.staff.report import last_month, month_of, monthly_report
from bot.staff.themes import group_by_wording, phrasing_sheet
from bot.store import topic_log
from bot.store.attempts import STAFF_ADDRESS, STAFF_USER, client_address
from bot.store.counters import SMALL_NUMBER, disclosure_counts, month_of_week, shown, weeks_of_month
from bot.store.database import StorageError, require_current_schema
from bot.store.requests import (
    MAX_NOTE,
    STATUSES,
    access_log,
    add_note,
    add_update,
    get_request,
    list_requests,
    notes_of,
    now,
    take_request,
    timings,
    update_request,
    updates_of,
)

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
COOKIE, LOGIN_COOKIE = "promisebot_staff", "promisebot_login"
HOME = {"analyst": "/topics", "caseworker": "/requests", "admin": "/users"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Dashboard(AccountPages):
    def __init__(self, secure_cookies: Optional[bool] = None):
        # Secure cookies behind HTTPS; on plain loopback HTTP (development) a Secure cookie
        # would never come back. PROMISEBOT_STAFF_SECURE_COOKIES=always forces it.
        self.secure_cookies = secure_cookies

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self.headers, self.session_and_csrf], client_max_size=64 * 1024)
        app.router.add_get("/health", self.health)
        app.router.add_get("/login", self.login_page)
        app.router.add_post("/login", self.login)
        app.router.add_post("/logout", self.logout)
        app.router.add_get("/", self.home)
        app.router.add_get("/topics", self.topics)
        app.router.add_get("/flows", self.flows)
        app.router.add_get("/safeguarding", self.safeguarding)
        app.router.add_get("/unanswered", self.unanswered)
        app.router.add_get("/promises", self.promises)
        app.router.add_get("/unanswered/sheet", self.unanswered_sheet)
        app.router.add_get("/report", self.report)
        app.router.add_get("/export/topics.csv", self.export_topics)
        app.router.add_get("/export/safeguarding.csv", self.export_safeguarding)
        app.router.add_get("/requests", self.requests)
        app.router.add_get("/requests/{reference}", self.request_detail)
        app.router.add_post("/requests/{reference}", self.request_update)
        app.router.add_post("/requests/{reference}/take", self.request_take)
        app.router.add_post("/requests/{reference}/notes", self.request_note)
        app.router.add_post("/requests/{reference}/reply", self.request_reply)
        self.add_account_routes(app)
        app.router.add_get("/access-log", self.access_log)
        app.router.add_get("/feedback", self.feedback)
        app.router.add_get("/testers", self.testers)
        app.router.add_post("/testers", self.issue_tester_code)
        app.router.add_static("/static/", STATIC, show_index=False)
        return app

    @staticmethod
    async def health(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    # --- middleware ---------------------------------------------------------------------
    @web.middleware
    async def headers(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as error:
            response = error
        except Exception as error:  # staff notes and replies quote children: never in the log
            log_failure(logger, "staff dashboard request failed", error)
            response = web.Response(
                text=notice("Something went wrong", "Please try again."), content_type="text/html", status=500
            )
        response.headers.update(SECURITY_HEADERS)
        return response

    @web.middleware
    async def session_and_csrf(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        token = request.cookies.get(COOKIE)
        request["who"] = await asyncio.to_thread(users.signed_in, token) if token else None
        if request.method == "POST" and request.path not in ("/login", "/set-password"):  # their own CSRF cookie
            form = await request.post()
            who = request["who"]
            if who is None:
                raise web.HTTPSeeOther("/login")
            if not secrets.compare_digest(str(form.get("csrf_token", "")), who.csrf_token):
                raise web.HTTPForbidden(text="The form had no valid CSRF token: reload the page and try again.")
        return await handler(request)

    def _secure(self, request: web.Request) -> bool:
        if self.secure_cookies is not None:
            return self.secure_cookies
        return (
            request.secure
            or request.headers.get("X-Forwarded-Proto") == "https"
            or settings.text("PROMISEBOT_STAFF_SECURE_COOKIES").lower() == "always"
        )

    # A form used before signing in (sign-in, set a password) has no session to hold its CSRF
    # token: the token goes in a cookie too, and the two must match (double submit).
    def _give_form_cookie(self, request: web.Request, response: web.Response, cookie: str, token: str) -> None:
        response.set_cookie(cookie, token, httponly=True, samesite="Strict", secure=self._secure(request), max_age=3600)

    @staticmethod
    def _form_cookie_matches(request: web.Request, form, cookie: str) -> bool:
        expected = request.cookies.get(cookie, "")
        return bool(expected) and secrets.compare_digest(str(form.get("csrf_token", "")), expected)

    # --- signing in ---------------------------------------------------------------------
    async def login_page(self, request: web.Request, message: Optional[str] = None, status: int = 200) -> web.Response:
        login_csrf = secrets.token_urlsafe(32)
        response = web.Response(
            text=page("login.html", login_csrf=login_csrf, problem=message), content_type="text/html", status=status
        )
        self._give_form_cookie(request, response, LOGIN_COOKIE, login_csrf)
        return response

    async def login(self, request: web.Request) -> web.Response:
        form = await request.post()
        if not self._form_cookie_matches(request, form, LOGIN_COOKIE):
            return await self.login_page(request, "The sign-in form expired. Please try again.", status=403)
        username = str(form.get("username", "")).strip().lower()[:64]
        address = client_address(request.remote, request.headers.get("X-Forwarded-For"))
        if await asyncio.to_thread(lambda: STAFF_USER.is_locked(username) or STAFF_ADDRESS.is_locked(address)):
            return await self.login_page(
                request, "Too many failed attempts. Wait 15 minutes and try again.", status=429
            )
        result = await asyncio.to_thread(
            users.sign_in, username, str(form.get("password", "")), str(form.get("code", ""))
        )
        if result is None:
            await asyncio.to_thread(STAFF_USER.failed, username)
            await asyncio.to_thread(STAFF_ADDRESS.failed, address)
            return await self.login_page(request, "That username, password or code did not match.", status=401)
        token, who = result
        await asyncio.to_thread(STAFF_USER.succeeded, username)
        response = web.HTTPSeeOther(HOME[who.role])
        response.set_cookie(
            COOKIE,
            token,
            httponly=True,
            samesite="Strict",
            secure=self._secure(request),
            max_age=users.SESSION_HOURS * 3600,
        )
        response.del_cookie(LOGIN_COOKIE)
        return response

    async def logout(self, request: web.Request) -> web.Response:
        users.sign_out(request.cookies.get(COOKIE, ""))
        response = web.HTTPSeeOther("/login")
        response.del_cookie(COOKIE)
        return response

    async def home(self, request: web.Request) -> web.Response:
        who = request.get("who")
        raise web.HTTPSeeOther(HOME[who.role] if who else "/login")

    # --- analysts -----------------------------------------------------------------------
    @role_required("analyst")
    def topics(self, request: web.Request) -> web.Response:
        content = current_content()  # read once: every row's topic title comes from it
        by_month = request.query.get("by") == "month"
        period = month_of_week if by_month else (lambda week: week)  # topics are kept by ISO week
        first, last = month_query(request, "from"), month_query(request, "to")  # a range, or all that is kept
        weeks = [
            week
            for week, _ in topic_log.counts_by("iso_week")
            if (not first or month_of_week(week) >= first) and (not last or month_of_week(week) <= last)
        ]
        totals: Dict[str, int] = defaultdict(int)
        by_topic: Dict[str, Dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for week, topic, count in topic_log.counts_by("iso_week", "topic", weeks=weeks):
            totals[period(week)] += count
            by_topic[topic][period(week)] += count
        periods = sorted(totals)[-12:]
        topic_rows = sorted(by_topic.items(), key=lambda item: -sum(item[1].values()))

        # The chart shows each period's total, so a lone small cell is protected by withholding another.
        withheld = {p: complementary({topic: counts.get(p, 0) for topic, counts in by_topic.items()}) for p in periods}

        def by_period(rows) -> list:
            return [
                [topic_label(topic, content)]
                + [WITHHELD if topic in withheld[p] else shown(counts.get(p, 0)) for p in periods]
                for topic, counts in rows
            ]

        asked = [row for row in topic_rows if not is_using_the_chat(row[0])]
        chatting = [row for row in topic_rows if is_using_the_chat(row[0])]
        unit = "month" if by_month else "week"
        short = (
            (lambda month: f"{datetime.date.fromisoformat(month + '-01'):%b}")
            if by_month
            else (lambda week: week.split("-")[1])
        )  # "Nov", "W45": the bars are narrow
        return self._page(
            "topics.html",
            request,
            first=first,
            last=last,
            unit=unit,
            chart=bar_chart(f"Bot turns per {unit}", [(short(p), totals[p]) for p in periods]),
            movers=top_movers(by_topic, content, periods),
            periods=periods,
            asked=by_period(asked),
            by_band=[
                (BAND_NAMES.get(band, band), topic_label(topic, content), shown(c))
                for band, topic, c in topic_log.counts_by("age_band", "topic", weeks=weeks)
                if not is_using_the_chat(topic)
            ],
            chatting=by_period(chatting),
            by_channel=[
                (channel, outcome, shown(c))
                for channel, outcome, c in topic_log.counts_by("channel", "outcome", weeks=weeks)
            ],
            report_month=last_month(now().date()),
        )

    @role_required("analyst")
    async def report(self, request: web.Request) -> web.Response:
        try:
            year, number = month_of(request.query.get("month", ""))
        except ValueError as error:
            raise web.HTTPBadRequest(text=str(error)) from None
        month = f"{year}-{number:02d}"  # as written back in the file name: digits only
        html = await asyncio.to_thread(monthly_report, month)
        return web.Response(
            text=html,
            content_type="text/html",
            headers={"Content-Disposition": f'attachment; filename="promises-{month}.html"'},
        )

    @role_required("analyst")
    def promises(self, request: web.Request) -> web.Response:
        """Which promises young people asked about in a month, by age band, beside the month
        before: the strategy is to be held to them."""
        try:
            year, number = month_of(request.query.get("month") or last_month(now().date()))
        except ValueError as error:
            raise web.HTTPBadRequest(text=str(error)) from None
        first = datetime.date(year, number, 1)
        before = (first - datetime.timedelta(days=1)).replace(day=1)
        this_month = topic_log.promise_counts(weeks_of_month(year, number))
        month_before = topic_log.promise_counts(weeks_of_month(before.year, before.month))
        content = current_content()
        bands = []
        for band in content.bands.values():
            rows = []
            for theme in band.themes:
                for promise in theme.promises:
                    now_count = promise_count(this_month, band.id, theme.id, promise)
                    then_count = promise_count(month_before, band.id, theme.id, promise)
                    rows.append(
                        (
                            now_count,
                            theme.title,
                            promise.text,
                            shown(now_count),
                            shown(then_count),
                            change(now_count, then_count),
                        )
                    )
            rows.sort(key=lambda row: -row[0])
            # every promise: one nobody asks about says something too
            bands.append((band.label, [row[1:] for row in rows]))
        months = [months_back(first, back) for back in range(11, -1, -1)]
        by_theme = {theme: [0] * len(months) for theme in THEME_IDS}
        for i, month in enumerate(months):
            for (_, theme_id, _), count in topic_log.promise_counts(weeks_of_month(month.year, month.month)).items():
                if theme_id in by_theme:
                    by_theme[theme_id][i] += count
        themes = next(iter(content.bands.values())).themes
        chart = line_chart(
            "Promises asked about, by theme, in the 12 months to " + f"{first:%B %Y}",
            [f"{m:%b}" for m in months],
            [(theme.title, by_theme[theme.id]) for theme in themes],
        )
        return self._page("promises.html", request, first=first, before=before, chart=chart, bands=bands)

    @role_required("analyst")
    def flows(self, request: web.Request) -> web.Response:
        rows = [
            (flow, shown(f["flow started"]), shown(f["flow completed"]), shown(f["flow cancelled"]))
            for flow, f in topic_log.funnels().items()
        ]
        since, until, timescales = self._against_timescales(request)
        return self._page("flows.html", request, flows=rows, since=since, until=until, timescales=timescales)

    def _against_timescales(self, request: web.Request) -> Tuple[datetime.date, datetime.date, List[tuple]]:
        """Requests made between two dates (chosen on the page) against the council's
        timescales: the dates, and a row of counts only for each flow's step."""
        today = now().date()
        last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
        since, until = date_query(request, "from", last_month), date_query(request, "to", today)
        content = current_content()
        made = timings(_start_of(since), _start_of(until + datetime.timedelta(days=1)))
        figures = against_timescales(content, made, now())
        rows = []
        for flow, steps in figures.items():
            for step, f in steps.items():
                median = f.median_days()
                rows.append(
                    (
                        flow.replace("_", " "),
                        STEPS[step][0],
                        timescale_text(content, flow, step),
                        shown(f.in_time),
                        shown(f.late),
                        shown(f.overdue),
                        shown(f.not_yet_due),
                        f"{median:g}" if median is not None and len(f.days_to_reach) >= SMALL_NUMBER else "-",
                    )
                )
        return since, until, rows

    @role_required("analyst")
    def safeguarding(self, request: web.Request) -> web.Response:
        return self._page("safeguarding.html", request, counts=disclosure_counts())

    @role_required("analyst")
    def unanswered(self, request: web.Request) -> web.Response:
        questions = topic_log.unanswered()
        themes = group_by_wording([q.text for q in questions])
        return self._page(
            "unanswered.html",
            request,
            themes=[t for t in themes if len(t.questions) > 1],  # a question asked once is no theme
            questions=[(q.iso_week, q.age_band, q.channel, q.text) for q in questions],
        )

    @role_required("analyst")
    def unanswered_sheet(self, request: web.Request) -> web.Response:
        example = request.query.get("example", "")
        themes = group_by_wording([q.text for q in topic_log.unanswered()])
        theme = next((t for t in themes if example in t.questions), None)
        if theme is None:
            raise web.HTTPNotFound(text="Those questions are no longer kept (90 days).")
        return web.Response(
            text=phrasing_sheet(theme),
            content_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="unanswered-phrasings.csv"'},
        )

    @role_required("analyst")
    def export_topics(self, request: web.Request) -> web.Response:
        rows, content = topic_log.counts_by("iso_week", "topic", "age_band", "channel", "outcome"), current_content()
        return self._csv(
            "topics.csv",
            ["week", "topic", "title", "using_the_chat", "age_band", "channel", "outcome", "count"],
            [
                (
                    week,
                    topic,
                    topic_label(topic, content),
                    "yes" if is_using_the_chat(topic) else "no",
                    *rest,
                    shown(count),
                )
                for week, topic, *rest, count in rows
            ],
        )

    @role_required("analyst")
    def export_safeguarding(self, request: web.Request) -> web.Response:
        return self._csv("safeguarding.csv", ["week", "age_band", "kind", "channel", "count"], disclosure_counts())

    @role_required("analyst")
    def feedback(self, request: web.Request) -> web.Response:
        ratings = [
            dataclasses.replace(rated, answer=rated.answer[:300] + ("..." if len(rated.answer) > 300 else ""))
            for rated in feedback_by_answer()
        ]
        return self._page("feedback.html", request, ratings=ratings)

    # --- caseworkers --------------------------------------------------------------------
    @role_required("caseworker")
    def requests(self, request: web.Request) -> web.Response:
        status = request.query.get("status")
        status = status if status in STATUSES else None
        content, moment = current_content(), now()
        calendar = Calendar(content)
        rows = list_requests(request["who"].username, status)
        emails = mail.emails_of([r.id for r in rows])
        queue = [
            QueueRow(
                r.reference,
                r.kind.replace("_", " "),
                flags(r),
                r.status,
                f"{r.created_at:%Y-%m-%d %H:%M}",
                working_days_old(calendar, r.created_at, moment),
                steps_to_watch(content, r, moment),
                r.handled_by or "nobody yet",
                email_summary(emails.get(r.id, [])),
            )
            for r in rows
        ]
        return self._page("requests.html", request, statuses=STATUSES, queue=queue)

    @role_required("caseworker")
    def request_detail(self, request: web.Request, status_note: str = "") -> web.Response:
        try:
            row = get_request(request.match_info["reference"], request["who"].username)
        except LookupError:
            raise web.HTTPNotFound(
                text=notice("Not found", "No such request.", request["who"]), content_type="text/html"
            ) from None
        content, moment = current_content(), now()
        contact = [
            ("Name they are known by", row.known_name or "-"),
            ("Contact by", row.contact_preference or "-"),
            ("Contact detail", row.contact_detail or "-"),
            ("Channel", row.channel or "-"),
            ("Age", BAND_NAMES.get(row.age_band or "", "not given")),
            ("Flags", flags(row) or "-"),
        ]
        timescales = [
            (
                d.label,
                f"{d.due:%Y-%m-%d %H:%M}",
                f"{d.reached:%Y-%m-%d %H:%M}" if d.reached else "not yet",
                "OVERDUE" if d.overdue(moment) else "on time",
            )
            for d in deadlines(content, row)
        ]
        emails = [
            (
                e.inbox,
                f"{e.sent_at:%Y-%m-%d %H:%M}" if e.sent_at else "not sent yet",
                e.attempts,
                e.last_error or "",
            )
            for e in mail.emails_of([row.id]).get(row.id, [])
        ]
        news = [
            (
                f"{u.at:%Y-%m-%d %H:%M}",
                u.who,
                u.text,
                f"{u.delivered_at:%Y-%m-%d %H:%M}"
                if u.delivered_at
                else f"NOT YET ({u.attempts} tries){': ' + u.last_error if u.last_error else ''}",
            )
            for u in updates_of(row.id)
        ]
        return self._page(
            "request.html",
            request,
            status_note,
            row=row,
            details=list(row.details.items()),
            contact=contact,
            timescales=timescales,
            emails=emails,
            statuses=STATUSES,
            news=news,
            max_reply=MAX_REPLY,
            notes=[(f"{n.at:%Y-%m-%d %H:%M}", n.who, n.text) for n in notes_of(row.id)],
            max_note=MAX_NOTE,
        )

    @role_required("caseworker")
    async def request_update(self, request: web.Request) -> web.Response:
        status, content = str((await request.post()).get("status", "")), current_content()
        return await self._change_request(
            request,
            lambda reference, who: update_request(
                reference, status, who, news=lambda row: news_text(content, row.kind, row.reference, status)
            ),
        )

    @role_required("caseworker")
    async def request_reply(self, request: web.Request) -> web.Response:
        content = current_content()
        try:
            words = checked_reply(str((await request.post()).get("reply", "")))
        except ValueError as error:
            return await self.request_detail(request, str(error))
        return await self._change_request(
            request,
            lambda reference, who: add_update(
                reference, who, "reply", lambda row: news_text(content, row.kind, row.reference, "reply", words)
            ),
        )

    @role_required("caseworker")
    async def request_take(self, request: web.Request) -> web.Response:
        return await self._change_request(request, take_request)

    @role_required("caseworker")
    async def request_note(self, request: web.Request) -> web.Response:
        note = str((await request.post()).get("note", ""))
        return await self._change_request(request, lambda reference, who: add_note(reference, who, note))

    async def _change_request(self, request: web.Request, change: Callable[[str, str], object]) -> web.Response:
        reference = request.match_info["reference"]
        try:
            await asyncio.to_thread(change, reference, request["who"].username)
        except ValueError as error:
            return await self.request_detail(request, str(error))
        except LookupError:
            raise web.HTTPNotFound(text="No such request.") from None
        raise web.HTTPSeeOther(f"/requests/{reference}")

    # --- admins (the accounts are in bot/staff/accounts.py) -------------------------------
    @role_required("admin")
    def testers(self, request: web.Request, new_code: str = "", problem: str = "") -> web.Response:
        codes = [(c.label, f"{c.created_at:%Y-%m-%d}", f"{c.expires_at:%Y-%m-%d}") for c in list_codes()]
        return self._page("testers.html", request, new_code=new_code, problem=problem, codes=codes)

    @role_required("admin")
    async def issue_tester_code(self, request: web.Request) -> web.Response:
        form = await request.post()
        try:
            days = int(str(form.get("days", "30")) or 30)
            code = await asyncio.to_thread(issue_code, str(form.get("label", "")), days)
        except ValueError as error:
            return await self.testers(request, problem=str(error))
        return await self.testers(request, new_code=code)

    @role_required("admin")
    def access_log(self, request: web.Request) -> web.Response:
        entries = [
            (f"{a.at:%Y-%m-%d %H:%M:%S}", a.who, a.action, a.reference or "", a.detail or "") for a in access_log()
        ]
        return self._page("access_log.html", request, entries=entries)

    # --- helpers ------------------------------------------------------------------------
    def _page(self, template: str, request: web.Request, status: str = "", **values) -> web.Response:
        return web.Response(text=page(template, request["who"], status, **values), content_type="text/html")

    @staticmethod
    def _csv(name: str, headers, rows) -> web.Response:
        return web.Response(
            text=csv_text(headers, rows),
            content_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )


async def start_sending(app: web.Application, mail_settings: "mail.MailSettings") -> None:
    """The dashboard's process sends the teams' emails (bot.casework.mail) and the news for
    young people (bot.casework.child_replies): one sender of each, so nothing goes twice."""
    app["senders"] = [
        asyncio.create_task(mail.keep_sending(mail_settings)),
        asyncio.create_task(keep_delivering(TelegramOut.from_env())),
    ]


async def stop_sending(app: web.Application) -> None:
    for task in app["senders"]:
        task.cancel()


class Movers(NamedTuple):
    before: str  # the period before the last one shown
    last: str
    rows: List[Tuple[str, int, int, str]]  # topic, its count in each, the change


def top_movers(by_topic, content, periods: List[str]) -> Optional[Movers]:
    """The topics that changed most between the last two periods shown, with 5 or more in both
    (a change with a suppressed count would give it away). None with fewer than two periods."""
    if len(periods) < 2:
        return None
    last, before = periods[-1], periods[-2]
    moved = [
        (counts.get(last, 0) - counts.get(before, 0), topic, counts.get(before, 0), counts.get(last, 0))
        for topic, counts in by_topic.items()
        if not is_using_the_chat(topic) and min(counts.get(last, 0), counts.get(before, 0)) >= SMALL_NUMBER
    ]
    moved.sort(key=lambda row: (-abs(row[0]), row[1]))
    return Movers(
        before,
        last,
        [(topic_label(topic, content), then, now_, f"{difference:+d}") for difference, topic, then, now_ in moved[:10]],
    )


def change(now_count: int, then_count: int) -> str:
    """The change between two months, only when neither is a small number (a difference with a
    suppressed count would give it away)."""
    if now_count < SMALL_NUMBER or then_count < SMALL_NUMBER:
        return "-"
    return f"{now_count - then_count:+d}"


def months_back(first: datetime.date, back: int) -> datetime.date:
    """The first day of the month `back` months before the month of `first`."""
    index = first.year * 12 + first.month - 1 - back
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_query(request: web.Request, name: str) -> str:
    """A month chosen on a page ("2026-11"), or "" for none; a 400 for anything else."""
    text = request.query.get(name, "")
    if not text:
        return ""
    try:
        year, number = month_of(text)
    except ValueError as error:
        raise web.HTTPBadRequest(text=str(error)) from None
    return f"{year}-{number:02d}"


def date_query(request: web.Request, name: str, default: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(request.query.get(name, ""))
    except ValueError:
        return default


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day)


def timescale_text(content, flow: str, step: str) -> str:
    """A step's timescale as staff read it: "5", or one for each urgency ("today 0, this week 5")."""
    value = ((content.flows.get(flow) or {}).get("timescales") or {}).get(step)
    if isinstance(value, dict):
        return ", ".join(f"{urgency.replace('_', ' ')} {days}" for urgency, days in value.items())
    return str(value)


def flags(row) -> str:
    return ", ".join(f for f, on in (("URGENT", row.urgency in mail.URGENT), ("SAFEGUARDING", row.safeguarding)) if on)


def working_days_old(calendar: Calendar, made, moment) -> str:
    days = calendar.working_days_between(made, moment)
    return f"{days} working day{'s' if days != 1 else ''}"


class QueueRow(NamedTuple):
    reference: str
    kind: str
    flags: str
    status: str
    made: str
    age: str
    steps: List[Tuple[str, str, bool]]  # steps_to_watch: none when every step is done
    owner: str
    emails: str


def steps_to_watch(content, row, moment) -> List[Tuple[str, str, bool]]:
    """(label, due, whether it is overdue) of the steps overdue or not reached yet."""
    return [
        (deadline.label, f"{deadline.due:%Y-%m-%d %H:%M}", deadline.overdue(moment))
        for deadline in deadlines(content, row)
        if deadline.overdue(moment) or deadline.reached is None
    ]


def email_summary(emails) -> str:
    if not emails:
        return "none"
    waiting = [e for e in emails if e.sent_at is None]
    if not waiting:
        return "sent"
    return "; ".join(
        f"{e.inbox}: NOT SENT ({e.attempts} tries){': ' + e.last_error if e.last_error else ''}" for e in waiting
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Serve the staff dashboard.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args(argv)
    logs.configure("staff")
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    try:
        require_current_schema()  # migrated once, before the services start (bot.supervisor)
    except StorageError as error:
        print(f"staff dashboard: {error}", file=sys.stderr)
        return 1
    try:
        mail_settings = mail.MailSettings.from_env()
    except ValueError as error:
        print(f"staff dashboard: {error}", file=sys.stderr)
        return 1
    app = Dashboard().app()

    async def start(app: web.Application) -> None:
        await start_sending(app, mail_settings)

    # aiohttp 3.9 types its signals for aiosignal < 1.4, which took the handler's type, not its
    # arguments' (aiosignal 1.4 is installed): a right handler does not type-check.
    app.on_startup.append(start)  # type: ignore[arg-type]
    app.on_cleanup.append(stop_sending)  # type: ignore[arg-type]
    web.run_app(app, host=args.host, port=args.port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
