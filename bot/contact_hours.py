"""Whether a contact is answering now, from its hours in content/contacts.yml and the council's
calendar (bot.casework.timescales.Calendar): "Open now.", or when it opens again.

Two kinds of hours: set times on working days (Coram Voice 9.30am to 6pm, Help at Hand), and
the Emergency Duty Team, which answers exactly when the council's offices are closed. Working
days are the council's (weekdays that are not bank holidays): the same in England for a
national helpline.
"""

from __future__ import annotations

import datetime
from typing import Optional

from bot.casework.timescales import Calendar, uk_time, utc_at
from bot.content import Contact, Content

COUNCIL_CLOSED = "council_closed"


def spoken_time(moment: datetime.datetime) -> str:
    """5pm, 9.30am: as the contacts' own hours are written."""
    local = uk_time(moment)
    hour = local.hour % 12 or 12
    minutes = f".{local.minute:02d}" if local.minute else ""
    return f"{hour}{minutes}{'am' if local.hour < 12 else 'pm'}"


def spoken_day(day: datetime.date, today: datetime.date) -> str:
    if day == today:
        return "today"
    if day == today + datetime.timedelta(days=1):
        return "tomorrow"
    return f"on {day.strftime('%A')}"


def status(contact: Contact, content: Content, now: Optional[datetime.datetime] = None) -> str:
    """A sentence saying whether `contact` answers now; "" for one open all the time."""
    if not contact.hours:
        return ""
    now = now or datetime.datetime.utcnow()
    calendar = Calendar(content)
    today = uk_time(now).date()
    if contact.hours.get("days") == COUNCIL_CLOSED:
        if not calendar.is_open(now):
            return "Open now."
        return f"It opens at {spoken_time(calendar.closing_time(today))} today."
    opens, closes = contact.hours["opens"], contact.hours["closes"]
    if calendar.is_working_day(today) and utc_at(today, opens) <= now < utc_at(today, closes):
        return "Open now."
    day = today if calendar.is_working_day(today) and now < utc_at(today, opens) else calendar.next_working_day(today)
    return f"Closed now. It opens again {spoken_day(day, today)} at {spoken_time(utc_at(day, opens))}."
