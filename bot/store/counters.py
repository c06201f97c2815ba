"""Anonymous counts for staff: safeguarding answers by week, age band, kind and channel."""

from __future__ import annotations

import datetime
from typing import List, Mapping, Optional, Sequence, Tuple

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.store.database import session
from bot.store.models import SafeguardingCount

SMALL_NUMBER = 5  # counts from 1 to 4 are shown as "fewer than 5"


def iso_week(day: Optional[datetime.date] = None) -> str:
    year, week, _ = (day or datetime.date.today()).isocalendar()
    return f"{year}-W{week:02d}"


def month_of_week(week: str) -> str:
    """ "2026-W45" -> "2026-11": the month its Thursday is in (the inverse of weeks_of_month)."""
    year, number = week.split("-W")
    return f"{datetime.date.fromisocalendar(int(year), int(number), 4):%Y-%m}"


def weeks_of_month(year: int, month: int) -> List[str]:
    """The ISO weeks counted in a month: those whose Thursday falls in it (ISO 8601's rule for
    which year a week belongs to, applied to months), so every week is in exactly one month."""
    day, weeks = datetime.date(year, month, 1), []
    while day.month == month:
        if day.isoweekday() == 4:
            weeks.append(iso_week(day))
        day += datetime.timedelta(days=1)
    return weeks


def add_disclosures(db: Session, week: str, age_band: str, channel: str, kinds: Mapping[str, int]) -> None:
    """Add a turn's safeguarding counts in the caller's transaction (bot.store.topic_log.record_turn).
    Two processes may insert the same week's first row at once: the second commit then raises
    IntegrityError, and the caller tries the whole turn again."""
    for kind, number in sorted(kinds.items()):
        key = dict(iso_week=week, age_band=age_band, kind=kind, channel=channel)
        updated = db.execute(
            update(SafeguardingCount).filter_by(**key).values(count=SafeguardingCount.count + number)
        ).rowcount
        if not updated:
            db.add(SafeguardingCount(count=number, **key))


def shown(count: int) -> str:
    return "fewer than 5" if 0 < count < SMALL_NUMBER else str(count)


def disclosures_by_kind(weeks: Sequence[str], url: Optional[str] = None) -> List[Tuple[str, int]]:
    """(kind, raw count) in the given ISO weeks, most first (suppress on display)."""
    with session(url) as db:
        total = func.sum(SafeguardingCount.count)
        rows = db.execute(
            select(SafeguardingCount.kind, total)
            .where(SafeguardingCount.iso_week.in_(list(weeks)))
            .group_by(SafeguardingCount.kind)
            .order_by(total.desc(), SafeguardingCount.kind)
        )
        return [(kind, int(count)) for kind, count in rows]


def disclosure_counts(url: Optional[str] = None) -> List[Tuple[str, str, str, str, str]]:
    """(week, age band, kind, channel, count as shown to staff), newest week first."""
    with session(url) as db:
        rows = (
            db.execute(select(SafeguardingCount).order_by(SafeguardingCount.iso_week.desc(), SafeguardingCount.kind))
            .scalars()
            .all()
        )
        return [(r.iso_week, r.age_band, r.kind, r.channel, shown(r.count)) for r in rows]
