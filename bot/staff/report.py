"""The monthly report for the corporate parenting board: one self-contained HTML page
(templates/report.html; charts drawn with matplotlib and embedded, no scripts, nothing
fetched), for one month.

`promisebot report --month 2026-11` writes it (a deployment's timer runs that on the 1st:
deploy/promisebot-report.timer); analysts download it from the dashboard. It holds counts
only, never a child's words, and every count from 1 to 4 is "fewer than 5", in the tables
and on the charts.

Topics and safeguarding answers are counted by ISO week (no finer time is kept), so a month
is its weeks whose Thursday falls in it (bot.store.counters.weeks_of_month); requests carry
their own dates.
"""

from __future__ import annotations

import base64
import datetime
import io
from typing import List, NamedTuple, Optional, Sequence, Tuple

from bot.casework import BAND_NAMES
from bot.casework.timescales import STEPS, against_timescales
from bot.content import Content, current_content
from bot.staff.pages import WITHHELD, complementary, is_using_the_chat, promise_count, render, topic_label
from bot.store import topic_log
from bot.store.counters import SMALL_NUMBER, disclosures_by_kind, shown, weeks_of_month
from bot.store.requests import timings

TOP_TOPICS = 15
TOP_PROMISES = 10


def month_of(text: str) -> Tuple[int, int]:
    """ "2026-11" as (2026, 11); a ValueError says what was wrong."""
    try:
        year, month = (int(part) for part in text.split("-"))
        datetime.date(year, month, 1)
    except ValueError:
        raise ValueError(f"a month is written like 2026-11, not {text!r}") from None
    return year, month


def last_month(today: datetime.date) -> str:
    previous = today.replace(day=1) - datetime.timedelta(days=1)
    return f"{previous:%Y-%m}"


def bar_chart_png(title: str, bars: Sequence[Tuple[str, int]]) -> str:
    """A horizontal bar chart as a data: URL. A count under 5 draws no bar and is labelled
    "fewer than 5", so the picture never shows what the tables hide."""
    import matplotlib

    matplotlib.use("Agg")  # no display on a server
    from matplotlib import pyplot

    labels = [label for label, _ in bars][::-1]
    values = [count if count >= SMALL_NUMBER else 0 for _, count in bars][::-1]
    figure, axes = pyplot.subplots(figsize=(8, 0.4 * len(bars) + 1.2), dpi=100)
    axes.barh(labels, values, color="#1d4ed8")
    for y, (_, count) in enumerate(list(bars)[::-1]):
        axes.text(max(values[y], 0) + 0.2, y, shown(count), va="center", fontsize=9)
    axes.set_title(title)
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_xlim(0, (max(values, default=0) or 1) * 1.25)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    pyplot.close(figure)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


class Chart(NamedTuple):
    title: str
    description: str  # every bar in words: the picture's text alternative
    src: str  # the picture, as a data: URL


def chart(title: str, bars: Sequence[Tuple[str, int]]) -> Optional[Chart]:
    if not bars:
        return None
    described = "; ".join(f"{label}: {shown(count)}" for label, count in bars)
    return Chart(title, described, bar_chart_png(title, bars))


def protected(rows: Sequence[Tuple[str, int]], label) -> List[Tuple[str, str]]:
    """Rows that add up to the total shown: small counts suppressed, and their complement."""
    withheld = complementary(dict(rows))
    return [(label(key), WITHHELD if key in withheld else shown(count)) for key, count in rows]


def monthly_report(month: str, content: Optional[Content] = None, now: Optional[datetime.datetime] = None) -> str:
    year, number = month_of(month)
    content = content or current_content()
    now = now or datetime.datetime.utcnow()
    weeks = weeks_of_month(year, number)
    first = datetime.datetime(year, number, 1)
    after = (first + datetime.timedelta(days=32)).replace(day=1)
    name = f"{first:%B %Y}"

    turns = topic_log.counts_by("topic", weeks=weeks)
    total = sum(c for _, c in turns)
    withheld = complementary(dict(turns))  # the total is shown: a lone small count must not be worked out
    asked = sorted(
        ((topic_label(t, content), c, t in withheld) for t, c in turns if not is_using_the_chat(t)), key=lambda r: -r[1]
    )
    by_band = topic_log.counts_by("age_band", weeks=weeks)
    by_channel = topic_log.counts_by("channel", weeks=weeks)
    flows = topic_log.funnels(weeks)
    timescales = against_timescales(content, timings(first, after), now)
    safeguarding = disclosures_by_kind(weeks)
    asked_promises = topic_log.promise_counts(weeks)
    promise_tables = []
    for band in content.bands.values():
        rows = sorted(
            (
                (promise_count(asked_promises, band.id, theme.id, promise), theme.title, promise.text)
                for theme in band.themes
                for promise in theme.promises
            ),
            key=lambda row: -row[0],
        )
        promise_tables.append(
            (band.label, [(theme, text, shown(count)) for count, theme, text in rows[:TOP_PROMISES] if count])
        )

    timescale_rows: List[tuple] = [
        (
            flow.replace("_", " "),
            STEPS[step][0],
            shown(f.in_time),
            shown(f.late),
            shown(f.overdue),
            shown(f.not_yet_due),
        )
        for flow, steps in timescales.items()
        for step, f in steps.items()
    ]
    return render(
        "report.html",
        name=name,
        weeks=weeks,
        total=shown(total),
        by_band=protected(by_band, lambda band: BAND_NAMES.get(band, band)),
        by_channel=protected(by_channel, str),
        promises=promise_tables,
        chart=chart(
            f"The {TOP_TOPICS} most asked about, {name}",
            [(label, c) for label, c, hide in asked[:TOP_TOPICS] if not hide],
        ),
        topics=[(label, WITHHELD if hide else shown(c)) for label, c, hide in asked],
        flows=[
            (
                flow.replace("_", " "),
                shown(f["flow started"]),
                shown(f["flow completed"]),
                shown(f["flow cancelled"]),
            )
            for flow, f in flows.items()
        ],
        timescales=timescale_rows,
        safeguarding=[(kind.replace("_", " "), shown(count)) for kind, count in safeguarding],
        now=now,
    )
