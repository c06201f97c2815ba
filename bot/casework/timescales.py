"""How old a request is, in working days, and which of its timescales it has passed.

The timescales are the council's, in content/flows.yml (`timescales` of each flow): working
days from when the request was made, counted on the council's calendar (common.office_hours:
weekends and bank holidays are not working days). A step is due at closing time on its last
working day, so 0 means "by the end of the working day it was made" (the next working day's
end when it came in after hours).
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import List, Optional, Set

from bot.content import Content
from bot.flows import LONDON
from bot.store.models import Request

# Each step, and the moment on a request that shows it was reached.
STEPS = {
    "acknowledge": ("acknowledged", lambda r: r.acknowledged_at or r.answered_at or r.closed_at),
    "answer": ("answered", lambda r: r.answered_at or r.closed_at),
    "answer_at_most": ("answered at the latest", lambda r: r.answered_at or r.closed_at),
}


@dataclass(frozen=True)
class Deadline:
    step: str  # a key of STEPS
    due: datetime.datetime  # UTC, naive like the database's
    reached: Optional[datetime.datetime]

    @property
    def label(self) -> str:
        return STEPS[self.step][0]

    def overdue(self, now: datetime.datetime) -> bool:
        return (self.reached or now) > self.due


class Calendar:
    def __init__(self, content: Content):
        hours = content.flow_common["office_hours"]
        self.holidays: Set[datetime.date] = set(hours.get("bank_holidays") or [])
        self.closes, self.friday_closes = hours["closes"], hours["friday_closes"]

    def is_working_day(self, day: datetime.date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def closing_time(self, day: datetime.date) -> datetime.datetime:
        hh, mm = (self.friday_closes if day.weekday() == 4 else self.closes).split(":")
        local = datetime.datetime(day.year, day.month, day.day, int(hh), int(mm), tzinfo=LONDON)
        return local.astimezone(datetime.timezone.utc).replace(tzinfo=None)

    def counts_from(self, moment: datetime.datetime) -> datetime.date:
        """The working day a request made at `moment` (UTC) counts from."""
        day = _local(moment).date()
        if self.is_working_day(day) and moment < self.closing_time(day):
            return day
        day += datetime.timedelta(days=1)
        while not self.is_working_day(day):
            day += datetime.timedelta(days=1)
        return day

    def due(self, made: datetime.datetime, working_days: int) -> datetime.datetime:
        day, left = self.counts_from(made), working_days
        while left > 0:
            day += datetime.timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return self.closing_time(day)

    def working_days_between(self, start: datetime.datetime, end: datetime.datetime) -> int:
        """Whole working days that have ended since `start` (so a request made this morning is 0)."""
        count, day = 0, self.counts_from(start)
        while self.closing_time(day) <= end:
            count += 1
            day += datetime.timedelta(days=1)
            while not self.is_working_day(day):
                day += datetime.timedelta(days=1)
        return count


def _local(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(tzinfo=datetime.timezone.utc).astimezone(LONDON)


def working_days(value: object, urgency: Optional[str]) -> Optional[int]:
    """A timescale is a number, or a number for each urgency the child can choose."""
    if isinstance(value, dict):
        value = value.get(urgency or "")
    return int(value) if isinstance(value, int) else None


def deadlines(content: Content, request: Request) -> List[Deadline]:
    timescales = (content.flows.get(request.kind) or {}).get("timescales") or {}
    calendar = Calendar(content)
    found = []
    for step, (_label, reached) in STEPS.items():
        days = working_days(timescales.get(step), request.urgency)
        if days is not None:
            found.append(Deadline(step, calendar.due(request.created_at, days), reached(request)))
    return found


def acknowledge_by(content: Content, kind: str, urgency: Optional[str], made: datetime.datetime) -> str:
    """The day a new request's acknowledge step falls due, as the child reads it."""
    days = working_days(((content.flows.get(kind) or {}).get("timescales") or {}).get("acknowledge"), urgency)
    if days is None:
        return "soon"
    due = Calendar(content).due(made, days)
    if _local(due).date() == _local(made).date():
        return "the end of today"
    return f"{_local(due):%A} {_local(due).day} {_local(due):%B}"


def overdue(content: Content, request: Request, now: datetime.datetime) -> List[Deadline]:
    """Steps not reached in time: still open past their due time, or reached late."""
    return [d for d in deadlines(content, request) if d.overdue(now)]
