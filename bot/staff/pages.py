"""HTML for the staff dashboard: Jinja2 templates (templates/) that escape every value, the
numbers of the charts they draw as inline SVG (no scripts at all), and small helpers. Counts
from 1 to 4 are shown as "fewer than 5" here and in exports."""

from __future__ import annotations

import asyncio
import csv
import inspect
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

import jinja2
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


TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,  # a missing value is an error, never a blank
    finalize=lambda value: "" if value is None else value,  # None (no channel, say) is an empty cell
    # A block tag on a line of its own leaves no line in the page: the templates write the HTML as
    # compactly as the pages are served. The monthly report is a file, and ends with a newline.
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
TEMPLATES.globals["NAV"] = NAV


def render(template: str, **values) -> str:
    return TEMPLATES.get_template(template).render(**values)


def page(template: str, who=None, status: str = "", **values) -> str:
    """A dashboard page: its template extends base.html, whose navigation is for `who`'s role
    (none before signing in), with `status` as a note above the page's own content."""
    return render(template, who=who, status=status, **values)


def notice(title: str, sentence: str, who=None) -> str:
    """A page that only says why there is nothing to show (not allowed, not found, an error)."""
    return page("notice.html", who, title=title, sentence=sentence)


def role_required(*roles: str):
    """Only these roles may open the page; others get 403, strangers the sign-in page. A page
    written as plain code (not `async`) reads the database, so it is built in a worker thread,
    never on the event loop (other staff, and the emails and news this process sends)."""

    def wrap(handler):
        async def guarded(self, request: web.Request, *args, **kwargs) -> web.StreamResponse:
            who = request.get("who")
            if who is None:
                raise web.HTTPSeeOther("/login")
            if who.role not in roles:
                raise web.HTTPForbidden(
                    text=notice("Not allowed", "Your role cannot open this page.", who), content_type="text/html"
                )
            if inspect.iscoroutinefunction(handler):
                return await handler(self, request, *args, **kwargs)
            return await asyncio.to_thread(handler, self, request, *args, **kwargs)

        return guarded

    return wrap


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


@dataclass(frozen=True)
class Bar:
    x: int
    top: int  # y of the bar's top; a count under 5 draws no bar (height 0)
    width: int
    height: int
    middle: float  # x of the bar's count and label
    shown: str
    label: str


@dataclass(frozen=True)
class BarChart:
    title: str
    description: str  # every bar in words, for screen readers
    bars: List[Bar]
    width: int
    height: int  # of the bars' area: the counts sit above it, the labels below

    @property
    def shown_width(self) -> int:
        return min(self.width, 900)


def bar_chart(title: str, bars: List[Tuple[str, int]]) -> Optional[BarChart]:
    """Vertical bars with their (suppressed) counts; a count under 5 draws no bar. None: no chart."""
    if not bars:
        return None
    width, height, gap = 48, 160, 12
    top = max(c for _, c in bars) or 1
    drawn = []
    for i, (label, count) in enumerate(bars):
        x = i * (width + gap)
        h = 0 if count < SMALL_NUMBER else round(count / top * (height - 20))
        drawn.append(Bar(x, height - h, width, h, x + width / 2, shown(count), label))
    description = "; ".join(f"{label}: {shown(count)}" for label, count in bars)
    return BarChart(title, description, drawn, len(bars) * (width + gap), height)


LINE_COLOURS = ("#1d4ed8", "#a1001a", "#0b6e4f", "#6b3fa0", "#8a4b00")  # each 4.5:1 or more on white


@dataclass(frozen=True)
class LineChart:
    title: str
    description: str  # every point in words, for screen readers
    periods: List[Tuple[float, str]]  # (x, label) along the bottom
    lines: List[Tuple[str, str]]  # (colour, SVG points "x,y x,y"): one for each unbroken stretch
    legend: List[Tuple[str, str]]  # (colour, series name)
    left: int  # x where the axis starts; it is `length` long
    length: int
    width: int
    height: int  # y of the axis: the period labels sit below it


def line_chart(title: str, periods: Sequence[str], series: Sequence[Tuple[str, Sequence[int]]]) -> Optional[LineChart]:
    """One line per series over the periods. A count from 1 to 4 is left out of the line (a
    gap), and the description says "fewer than 5", as the tables do. None: no chart."""
    if not periods or not series:
        return None
    width, height, left, length = 640, 200, 36, 600
    step = length / max(len(periods) - 1, 1)
    top = max([c for _, counts in series for c in counts if c >= SMALL_NUMBER] or [1])
    lines = []
    for (_, counts), colour in zip(series, LINE_COLOURS):
        stretches: List[List[str]] = [[]]
        for i, count in enumerate(counts):
            if 0 < count < SMALL_NUMBER:  # a gap, not a point
                stretches.append([])
            else:
                stretches[-1].append(f"{left + i * step:.0f},{height - count / top * (height - 20):.0f}")
        lines += [(colour, " ".join(points)) for points in stretches if points]
    described = ". ".join(
        f"{name}: " + ", ".join(f"{p} {shown(c)}" for p, c in zip(periods, counts)) for name, counts in series
    )
    return LineChart(
        title=title,
        description=described,
        periods=[(left + i * step, label) for i, label in enumerate(periods)],
        lines=lines,
        legend=[(colour, name) for (name, _), colour in zip(series, LINE_COLOURS)],
        left=left,
        length=length,
        width=width,
        height=height,
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
