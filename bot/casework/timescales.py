"""How old a request is, in working days, and which of its timescales it has passed.

The timescales are the council's, in content/flows.yml (`timescales` of each flow): working
days from when the request was made, counted on the council's calendar (common.office_hours:
weekends and bank holidays are not working days). A step is due at closing time on its last
working day, so 0 means "by the end of the working day it was made" (the next working day's
end when it came in after hours).
"""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Set
from zoneinfo import ZoneInfo

from bot.content import Content

if TYPE_CHECKING:  # only its type: the council's calendar must not need the database (content uses it)
    from bot.store.models import Request

LONDON = ZoneInfo("Europe/London")  # Walsall's clock

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
    """The council's working days and office hours (content/flows.yml, common.office_hours):
    weekdays that are not bank holidays, closing earlier on Fridays. Moments are naive UTC,
    like the database's; days are Walsall's."""

    def __init__(self, content: Content):
        hours = content.flow_common["office_hours"]
        self.holidays: Set[datetime.date] = set(hours.get("bank_holidays") or [])
        self.opens, self.closes, self.friday_closes = hours["opens"], hours["closes"], hours["friday_closes"]

    def is_working_day(self, day: datetime.date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def next_working_day(self, day: datetime.date) -> datetime.date:
        day += datetime.timedelta(days=1)
        while not self.is_working_day(day):
            day += datetime.timedelta(days=1)
        return day

    def opening_time(self, day: datetime.date) -> datetime.datetime:
        return utc_at(day, self.opens)

    def closing_time(self, day: datetime.date) -> datetime.datetime:
        return utc_at(day, self.friday_closes if day.weekday() == 4 else self.closes)

    def is_open(self, moment: datetime.datetime) -> bool:
        """Whether the offices are open; otherwise the duty team answers."""
        day = uk_time(moment).date()
        return self.is_working_day(day) and self.opening_time(day) <= moment < self.closing_time(day)

    def counts_from(self, moment: datetime.datetime) -> datetime.date:
        """The working day a request made at `moment` counts from."""
        day = uk_time(moment).date()
        return day if self.is_working_day(day) and moment < self.closing_time(day) else self.next_working_day(day)

    def due(self, made: datetime.datetime, working_days: int) -> datetime.datetime:
        day = self.counts_from(made)
        for _ in range(working_days):
            day = self.next_working_day(day)
        return self.closing_time(day)

    def working_days_between(self, start: datetime.datetime, end: datetime.datetime) -> int:
        """Whole working days that have ended since `start` (so a request made this morning is 0)."""
        count, day = 0, self.counts_from(start)
        while self.closing_time(day) <= end:
            count, day = count + 1, self.next_working_day(day)
        return count


def uk_time(moment: datetime.datetime) -> datetime.datetime:
    """A naive UTC moment (as the database keeps them) on Walsall's clock."""
    return moment.replace(tzinfo=datetime.timezone.utc).astimezone(LONDON)


def utc_at(day: datetime.date, hh_mm: str) -> datetime.datetime:
    """HH:MM on Walsall's clock on `day`, as a naive UTC moment."""
    hours, minutes = hh_mm.split(":")
    local = datetime.datetime(day.year, day.month, day.day, int(hours), int(minutes), tzinfo=LONDON)
    return local.astimezone(datetime.timezone.utc).replace(tzinfo=None)


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


@dataclass
class StepFigures:
    """How the requests of one flow did against one step's timescale."""

    in_time: int = 0
    late: int = 0  # reached, after it was due
    overdue: int = 0  # not reached, and past due
    not_yet_due: int = 0
    days_to_reach: List[int] = field(default_factory=list)  # working days, for each reached

    def median_days(self) -> Optional[float]:
        return statistics.median(self.days_to_reach) if self.days_to_reach else None


def against_timescales(
    content: Content, requests: Sequence[Request], now: datetime.datetime
) -> Dict[str, Dict[str, StepFigures]]:
    """For each flow and each of its steps with a timescale: how many requests reached it in
    time, late, are overdue, or are not due yet; and the working days each took."""
    calendar = Calendar(content)
    figures: Dict[str, Dict[str, StepFigures]] = {}
    for request in requests:
        for deadline in deadlines(content, request):
            step = figures.setdefault(request.kind, {}).setdefault(deadline.step, StepFigures())
            if deadline.reached is not None:
                if deadline.reached <= deadline.due:
                    step.in_time += 1
                else:
                    step.late += 1
                step.days_to_reach.append(calendar.working_days_between(request.created_at, deadline.reached))
            elif now > deadline.due:
                step.overdue += 1
            else:
                step.not_yet_due += 1
    return figures


def acknowledge_by(content: Content, kind: str, urgency: Optional[str], made: datetime.datetime) -> str:
    """The day a new request's acknowledge step falls due, as the child reads it."""
    days = working_days(((content.flows.get(kind) or {}).get("timescales") or {}).get("acknowledge"), urgency)
    if days is None:
        return "soon"
    due, today = uk_time(Calendar(content).due(made, days)), uk_time(made).date()
    if due.date() == today:
        return "the end of today"
    return f"{due:%A} {due.day} {due:%B}"


def overdue(content: Content, request: Request, now: datetime.datetime) -> List[Deadline]:
    """Steps not reached in time: still open past their due time, or reached late."""
    return [d for d in deadlines(content, request) if d.overdue(now)]
