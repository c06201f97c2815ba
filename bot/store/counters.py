"""Anonymous counts for staff."""
from __future__ import annotations

import datetime
from typing import List, Optional, Tuple

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.store.database import session
from bot.store.models import SafeguardingCount

SMALL_NUMBER = 5  # counts from 1 to 4 are shown as "fewer than 5"


def iso_week(day: Optional[datetime.date] = None) -> str:
    year, week, _ = (day or datetime.date.today()).isocalendar()
    return f"{year}-W{week:02d}"


def record_disclosure(age_band: str, kind: str, channel: str, url: Optional[str] = None) -> None:
    """Add one to this week's count; concurrent writers both count (retry on a race)."""
    key = dict(iso_week=iso_week(), age_band=age_band, kind=kind, channel=channel)
    for _ in range(3):
        with session(url) as db:
            updated = db.execute(
                update(SafeguardingCount).filter_by(**key).values(count=SafeguardingCount.count + 1)
            ).rowcount
            if not updated:
                db.add(SafeguardingCount(count=1, **key))
            try:
                db.commit()
                return
            except IntegrityError:  # another process inserted the same row first
                db.rollback()
    raise RuntimeError("could not record the disclosure count")


def shown(count: int) -> str:
    return "fewer than 5" if 0 < count < SMALL_NUMBER else str(count)


def disclosure_counts(url: Optional[str] = None) -> List[Tuple[str, str, str, str, str]]:
    """(week, age band, kind, channel, count as shown to staff), newest week first."""
    with session(url) as db:
        rows = db.execute(select(SafeguardingCount).order_by(
            SafeguardingCount.iso_week.desc(), SafeguardingCount.kind)).scalars().all()
        return [(r.iso_week, r.age_band, r.kind, r.channel, shown(r.count)) for r in rows]
