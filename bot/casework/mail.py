"""Telling the teams a request has arrived, by email, without the child's words.

A request's emails are rows in `staff_emails`, written in the same transaction as the request
(bot.store.requests.save_request), so none is lost and the child's confirmation never waits on
a mail server. The staff dashboard's process sends the due ones every few seconds, and retries
a failed send with growing waits; the queue shows any not sent and why.

Every email says only the reference, the kind, the urgency, the age band, whether a
safeguarding answer came earlier in the chat, the first deadline and a link to the request on
the dashboard: the child's words and name are read there, by a signed-in caseworker.

Settings (environment): PROMISEBOT_SMTP_HOST (no email is sent without it), _PORT (587),
_SECURITY (starttls, ssl or none), _USERNAME, _PASSWORD; PROMISEBOT_MAIL_FROM; the inboxes
PROMISEBOT_INBOX_COMPLAINTS, _ADVOCACY, _SOCIAL_WORK and _DUTY; PROMISEBOT_DASHBOARD_URL.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Dict, List, Optional, Sequence, Tuple

from sqlalchemy import select

from bot import settings as configured  # the module; `settings` below is a MailSettings
from bot.casework import BAND_NAMES, outbox
from bot.casework.timescales import deadlines, uk_time
from bot.content import Content, current_content
from bot.store.database import session
from bot.store.models import Request, StaffEmail
from bot.store.requests import NewRequest, now

INBOX_OF_KIND = {"complaint": "complaints", "advocacy": "advocacy", "social_worker": "social_work"}
DUTY = "duty"
INBOXES = tuple(INBOX_OF_KIND.values()) + (DUTY,)
URGENT = {"today"}
RETRY_AFTER = (60, 300, 900, 3600)  # seconds after the 1st, 2nd, 3rd, later failures
SMTP_TIMEOUT = 20
KINDS = {
    "complaint": "complaint",
    "advocacy": "request for an advocate",
    "social_worker": "message for a social worker",
}


def inboxes_for(request: NewRequest) -> List[str]:
    """The team that owns the kind; and the duty team too when it is urgent or follows a
    safeguarding answer, because those cannot wait for the team to open its inbox."""
    inboxes = [INBOX_OF_KIND[request.kind]]
    if request.safeguarding or request.urgency in URGENT:
        inboxes.append(DUTY)
    return inboxes


@dataclass(frozen=True)
class MailSettings:
    host: Optional[str] = None
    port: int = 587
    security: str = "starttls"
    username: Optional[str] = None
    password: Optional[str] = None
    sender: str = "promises-assistant@localhost"
    inboxes: Dict[str, str] = field(default_factory=dict)
    dashboard_url: str = "http://127.0.0.1:8001"

    @classmethod
    def from_env(cls) -> "MailSettings":
        security = configured.choice("PROMISEBOT_SMTP_SECURITY")
        port_set = configured.text("PROMISEBOT_SMTP_PORT")
        return cls(
            host=configured.text("PROMISEBOT_SMTP_HOST") or None,
            port=configured.number("PROMISEBOT_SMTP_PORT") if port_set else (465 if security == "ssl" else 587),
            security=security,
            username=configured.text("PROMISEBOT_SMTP_USERNAME") or None,
            password=configured.text("PROMISEBOT_SMTP_PASSWORD") or None,
            sender=configured.text("PROMISEBOT_MAIL_FROM"),
            inboxes={
                name: configured.text(f"PROMISEBOT_INBOX_{name.upper()}")
                for name in INBOXES
                if configured.text(f"PROMISEBOT_INBOX_{name.upper()}")
            },
            dashboard_url=configured.text("PROMISEBOT_DASHBOARD_URL").rstrip("/"),
        )


def compose(request: Request, to: str, settings: MailSettings, content: Content) -> EmailMessage:
    kind = KINDS.get(request.kind, request.kind)
    urgent = request.urgency in URGENT
    flags = [f for f, on in (("URGENT", urgent), ("SAFEGUARDING", request.safeguarding)) if on]
    message = EmailMessage()
    message["Subject"] = " ".join(flags + [f"New {kind}: {request.reference}"])
    message["From"], message["To"] = settings.sender, to
    made = uk_time(request.created_at)
    lines = [
        f"A young person has sent a {kind} through the Promises assistant.",
        "",
        f"Reference: {request.reference}",
        f"Sent: {made:%A %d %B %Y, %H:%M} (UK time)",
        f"Age: {BAND_NAMES.get(request.age_band or '', 'not given')}",
    ]
    if request.urgency:
        lines.append(f"How soon they need it seen: {request.urgency.replace('_', ' ')}")
    if request.safeguarding:
        lines.append(
            "Safeguarding: the assistant gave a safeguarding answer earlier in this conversation. "
            "Read the request today."
        )
    for deadline in deadlines(content, request):
        lines.append(f"To be {deadline.label} by: {uk_time(deadline.due):%A %d %B %Y, %H:%M}")
    lines += [
        "",
        f"Read it and take it on the dashboard (sign-in needed): {settings.dashboard_url}/requests/{request.reference}",
        "",
        "This email leaves out what the young person wrote and their name: they are on the dashboard only.",
    ]
    message.set_content("\n".join(lines) + "\n")
    return message


def deliver(message: EmailMessage, settings: MailSettings) -> None:
    if not settings.host:
        raise ValueError("no SMTP host is configured (PROMISEBOT_SMTP_HOST)")
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if settings.security == "ssl":
        client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=SMTP_TIMEOUT, context=context)
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT)
    with client:
        if settings.security == "starttls":
            client.starttls(context=context)
        if settings.username:
            client.login(settings.username, settings.password or "")
        client.send_message(message)


def send_due(settings: MailSettings, url: Optional[str] = None, content: Optional[Content] = None) -> Tuple[int, int]:
    """Send every email whose time has come; (sent, failed). Each outcome is committed
    before the next is tried, so a crash never sends one twice or forgets one."""
    content = content or current_content()
    sent = failed = 0
    with session(url) as db:
        due = db.execute(
            select(StaffEmail, Request)
            .join(Request, Request.id == StaffEmail.request_id)
            .where(StaffEmail.sent_at.is_(None), StaffEmail.next_attempt_at <= now())
            .order_by(StaffEmail.id)
        ).all()
        for email, request in due:
            error = None
            to = settings.inboxes.get(email.inbox)
            if not settings.host:
                error = "email is not set up: PROMISEBOT_SMTP_HOST is not set"
            elif not to:
                error = f"no address for this inbox: PROMISEBOT_INBOX_{email.inbox.upper()} is not set"
            else:
                try:
                    deliver(compose(request, to, settings, content), settings)
                except (
                    OSError,
                    smtplib.SMTPException,
                ) as problem:  # what the server said; it never has the child's words
                    error = f"{type(problem).__name__}: {problem}"
            if outbox.record_attempt(email, "sent_at", error, RETRY_AFTER):
                sent += 1
            else:
                failed += 1
            db.commit()
    return sent, failed


def emails_of(request_ids: Sequence[int], url: Optional[str] = None) -> Dict[int, List[StaffEmail]]:
    """Each request's emails, for the queue."""
    found: Dict[int, List[StaffEmail]] = {}
    if not request_ids:
        return found
    with session(url) as db:
        rows = (
            db.execute(select(StaffEmail).where(StaffEmail.request_id.in_(list(request_ids))).order_by(StaffEmail.id))
            .scalars()
            .all()
        )
        db.expunge_all()
    for row in rows:
        found.setdefault(row.request_id, []).append(row)
    return found


async def keep_sending(settings: MailSettings, every: Optional[float] = None) -> None:
    """The loop the staff dashboard runs."""
    if not settings.host:
        logging.getLogger(__name__).warning(
            "PROMISEBOT_SMTP_HOST is not set: no email will tell staff about new "
            "requests (the request queue shows them as not sent)"
        )
    every = every or configured.seconds("PROMISEBOT_MAIL_EVERY_SECONDS")
    await outbox.keep_sending(lambda: send_due(settings), every, "staff emails")
