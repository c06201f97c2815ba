"""HTML for the staff dashboard: small helpers, every value escaped, charts as inline SVG
(no scripts at all). Counts from 1 to 4 are shown as "fewer than 5" here and in exports."""

from __future__ import annotations

import csv
import html
import io
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from aiohttp import web

from bot.content import THEME_IDS, Content
from bot.store.counters import SMALL_NUMBER, shown

NAV = {
    "analyst": [
        ("/promises", "Promises"),
        ("/topics", "Topics"),
        ("/flows", "Requests started and sent"),
        ("/safeguarding", "Safeguarding"),
        ("/unanswered", "Unanswered questions"),
        ("/feedback", "Council4Kidz ratings"),
    ],
    "caseworker": [("/requests", "Request queue")],
    "admin": [("/users", "Users"), ("/testers", "Tester codes"), ("/access-log", "Access log")],
}
for _links in NAV.values():
    _links.append(("/account", "Your account"))


def role_required(*roles: str):
    """Only these roles may open the page; others get 403, strangers the sign-in page."""

    def wrap(handler):
        async def guarded(self, request: web.Request, *args, **kwargs) -> web.StreamResponse:
            who = request.get("who")
            if who is None:
                raise web.HTTPSeeOther("/login")
            if who.role not in roles:
                raise web.HTTPForbidden(
                    text=page("Not allowed", "<p>Your role cannot open this page.</p>", who), content_type="text/html"
                )
            return await handler(self, request, *args, **kwargs)

        return guarded

    return wrap


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


# Turns that are using the chat, not asking about anything: counted apart from the topics.
USING_THE_CHAT = {
    "greet": "Saying hello",
    "goodbye": "Saying goodbye",
    "thanks": "Saying thanks",
    "bot_challenge": "Asking if it is a person",
    "help": "Asking what it can do",
    "inform_age": "Giving their age",
    "affirm": "Yes",
    "deny": "No",
    "cancel": "Stopping",
    "delete_my_chat": "Deleting their chat",
    "safe_now": "Saying they are safe now",
}
TOPIC_NAMES = {
    "nlu_fallback": "Not understood",
    "out_of_scope": "Not something the bot covers",
    "promises_all": "Promises: all of them",
    "promise_question": "A promise, asked in their own words",
    "safeguarding_disclosure": "Safeguarding: the urgent answer",
    "safeguarding_check_in": "Safeguarding: a check-in",
    "safeguarding_past": "Safeguarding: something in the past",
    "start_complaint": "Request: complaint",
    "request_advocate": "Request: advocacy",
    "message_social_worker": "Request: social worker",
    "request_news": "News about a request they sent",
}


def topic_label(topic: str, content: Content) -> str:
    """A topic as staff read it: its title from content/, never an internal name."""
    if topic.startswith("flow:"):
        return f"Request: {topic[5:].replace('_', ' ')}"
    if topic in TOPIC_NAMES or topic in USING_THE_CHAT:
        return TOPIC_NAMES.get(topic) or USING_THE_CHAT[topic]
    if topic.startswith("promises_") and topic[len("promises_") :] in THEME_IDS:
        first_band = next(iter(content.bands.values()))
        return f"Promises: {first_band.theme(topic[len('promises_') :]).title}"
    found = content.topic_for_intent(topic)
    readable = topic.replace("_", " ")
    return found.title if found else readable[:1].upper() + readable[1:]


def is_using_the_chat(topic: str) -> bool:
    return topic in USING_THE_CHAT


WITHHELD = "withheld"  # a count of 5 or more hidden so that a small one cannot be worked out


def complementary(cells: Dict[str, int]) -> Set[str]:
    """The cells to withhold beside the small ones, when a total of them all is shown: if just
    one cell is a small number, total minus the rest would give it away, so the next smallest
    is withheld too."""
    small = [key for key, count in cells.items() if 0 < count < SMALL_NUMBER]
    if len(small) != 1:
        return set()
    others = sorted((count, key) for key, count in cells.items() if count >= SMALL_NUMBER)
    return {others[0][1]} if others else set()


def promise_count(counts, band_id: str, theme_id: str, promise) -> int:
    """A promise's count in topic_log.promise_counts, whose keys hold the first words of it."""
    return sum(
        count
        for (band, theme, words), count in counts.items()
        if (band, theme) == (band_id, theme_id) and promise.text.startswith(words)
    )


def page(title: str, body: str, who=None, status: str = "") -> str:
    nav = ""
    if who is not None:
        links = "".join(f'<li><a href="{href}">{esc(label)}</a></li>' for href, label in NAV[who.role])
        nav = (
            f'<nav aria-label="Dashboard"><ul>{links}</ul>'
            f'<form method="post" action="/logout">{csrf_field(who.csrf_token)}'
            f'<button type="submit">Sign out {esc(who.username)}</button></form></nav>'
        )
    note = f'<p class="status" role="status">{esc(status)}</p>' if status else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} - Promises helper staff dashboard</title><link rel="stylesheet" href="/static/staff.css"></head>
<body><header><p class="brand">Promises helper: staff dashboard</p>{nav}</header>
<main><h1>{esc(title)}</h1>{note}{body}</main></body></html>"""


def csrf_field(token: str) -> str:
    return f'<input type="hidden" name="csrf_token" value="{esc(token)}">'


def table(caption: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{cell if isinstance(cell, Raw) else esc(cell)}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    # A wide table scrolls inside its own box (keyboard-reachable), so the page fits a tablet.
    return (
        (
            f'<div class="table-scroll" role="region" aria-label="{esc(caption)}" tabindex="0">'
            f"<table><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            "</div>"
        )
        if body
        else f"<p>{esc(caption)}: nothing yet.</p>"
    )


class Raw(str):
    """Already-safe HTML for a table cell (a link we built)."""


def bar_chart(title: str, bars: List[Tuple[str, int]]) -> str:
    """Vertical bars with their (suppressed) counts; a count under 5 draws no bar."""
    if not bars:
        return ""
    width, height, gap = 48, 160, 12
    top = max(c for _, c in bars) or 1
    parts = []
    for i, (label, count) in enumerate(bars):
        x = i * (width + gap)
        h = 0 if count < SMALL_NUMBER else round(count / top * (height - 20))
        parts.append(
            f'<rect x="{x}" y="{height - h}" width="{width}" height="{h}" fill="#1d4ed8"></rect>'
            f'<text x="{x + width / 2}" y="{height - h - 4}" text-anchor="middle" font-size="11">{esc(shown(count))}</text>'
            f'<text x="{x + width / 2}" y="{height + 14}" text-anchor="middle" font-size="10">{esc(label)}</text>'
        )
    total_width = len(bars) * (width + gap)
    description = "; ".join(f"{label}: {shown(count)}" for label, count in bars)
    return (
        f'<figure><svg role="img" aria-label="{esc(title)}. {esc(description)}" viewBox="0 0 {total_width} {height + 20}" '
        f'width="{min(total_width, 900)}">{"".join(parts)}</svg><figcaption>{esc(title)}</figcaption></figure>'
    )


LINE_COLOURS = ("#1d4ed8", "#a1001a", "#0b6e4f", "#6b3fa0", "#8a4b00")  # each 4.5:1 or more on white


def line_chart(title: str, periods: Sequence[str], series: Sequence[Tuple[str, Sequence[int]]]) -> str:
    """One line per series over the periods, as inline SVG. A count from 1 to 4 is left out of
    the line (a gap), and the description says "fewer than 5", as the tables do."""
    if not periods or not series:
        return ""
    width, height, left, step = 640, 200, 36, 600 / max(len(periods) - 1, 1)
    top = max([c for _, counts in series for c in counts if c >= SMALL_NUMBER] or [1])
    parts = [f'<line x1="{left}" y1="{height}" x2="{left + 600}" y2="{height}" stroke="#75757f"></line>']
    for i, label in enumerate(periods):
        parts.append(
            f'<text x="{left + i * step}" y="{height + 16}" text-anchor="middle" font-size="10">{esc(label)}</text>'
        )
    for (name, counts), colour in zip(series, LINE_COLOURS):
        points, segment = [], []
        for i, count in enumerate(counts):
            if 0 < count < SMALL_NUMBER:  # a gap, not a point
                points.append(segment)
                segment = []
                continue
            segment.append(f"{left + i * step:.0f},{height - count / top * (height - 20):.0f}")
        points.append(segment)
        parts += [
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(p)}"></polyline>'
            for p in points
            if p
        ]
    legend = "".join(
        f'<li><span class="swatch" style="background:{colour}"></span>{esc(name)}</li>'
        for (name, _), colour in zip(series, LINE_COLOURS)
    )
    described = ". ".join(
        f"{name}: " + ", ".join(f"{p} {shown(c)}" for p, c in zip(periods, counts)) for name, counts in series
    )
    return (
        f'<figure><svg role="img" aria-label="{esc(title)}. {esc(described)}" viewBox="0 0 {width + 20} '
        f'{height + 24}" width="{width + 20}">{"".join(parts)}</svg><ul class="legend">{legend}</ul>'
        f"<figcaption>{esc(title)}</figcaption></figure>"
    )


def login_form(login_csrf: str, message: Optional[str] = None) -> str:
    error = f'<p class="error" role="alert">{esc(message)}</p>' if message else ""
    return page(
        "Sign in",
        f"""{error}<form method="post" action="/login" class="login">
{csrf_field(login_csrf)}
<label for="username">Username</label><input id="username" name="username" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<label for="code">Code from your authenticator app (if you set one up)</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code">
<button type="submit">Sign in</button></form>""",
    )


def csv_text(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV for staff to open in a spreadsheet: every cell shown, none run as a formula."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    return out.getvalue()


def spreadsheet_safe(cell):
    """A cell a spreadsheet will show, never run: text starting = + - @ (or a tab or return)
    is a formula to Excel, so it gets a leading apostrophe (OWASP's advice for CSV export)."""
    return "'" + cell if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
