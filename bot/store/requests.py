"""Saving requests (committed before the child is told), and the caseworker's queue.

Every read or change of requests by a person is written to the request access log, with who
did it: the child's words are here because a caseworker must act on them, and only for that.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence

from sqlalchemy import select

from bot.store.database import session
from bot.store.models import Request, RequestAccess, RequestNote, RequestUpdate, StaffEmail

KINDS = {"complaint": "C", "advocacy": "A", "social_worker": "S"}
# The steps the timescales count (bot.casework.timescales): the child was told it arrived,
# the child was answered, nothing more to do.
STATUSES = ("new", "acknowledged", "answered", "closed")
REACHED_AT = {"acknowledged": "acknowledged_at", "answered": "answered_at", "closed": "closed_at"}
MAX_NOTE = 5000


@dataclass(frozen=True)
class NewRequest:
    kind: str
    details: Dict[str, str]
    known_name: Optional[str] = None
    contact_preference: Optional[str] = None
    contact_detail: Optional[str] = None
    urgency: Optional[str] = None
    channel: Optional[str] = None
    age_band: Optional[str] = None
    safeguarding: bool = False  # a safeguarding answer came earlier in the conversation
    reply_address: Optional[str] = None  # sealed (bot.casework.reply_address), when they chose "Here in this chat"


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def save_request(new: NewRequest, url: Optional[str] = None, inboxes: Sequence[str] = ()) -> str:
    """Commit the request, with an email to each of `inboxes` waiting to be sent
    (bot.casework.mail), and return its reference; raises if it could not be saved.

    The reference comes from the row's own id, inside the same transaction, so two
    requests saved at the same moment can never share one.
    """
    if new.kind not in KINDS:
        raise ValueError(f"unknown request kind {new.kind!r}")
    with session(url) as db:
        stamp = now()
        row = Request(
            kind=new.kind,
            status="new",
            details=new.details,
            known_name=new.known_name,
            contact_preference=new.contact_preference,
            contact_detail=new.contact_detail,
            urgency=new.urgency,
            channel=new.channel,
            age_band=new.age_band,
            safeguarding=new.safeguarding,
            reply_address=new.reply_address,
            created_at=stamp,
            updated_at=stamp,
        )
        db.add(row)
        db.flush()  # assigns the id
        row.reference = f"{KINDS[new.kind]}-{stamp.year}-{row.id:06d}"
        db.add_all(
            StaffEmail(request_id=row.id, inbox=inbox, created_at=stamp, attempts=0, next_attempt_at=stamp)
            for inbox in inboxes
        )
        db.commit()
        return row.reference


def log_access(db, who: str, action: str, reference: Optional[str] = None, detail: Optional[str] = None) -> None:
    db.add(RequestAccess(at=now(), who=who, action=action, reference=reference, detail=detail))


def record_access(
    who: str, action: str, reference: Optional[str] = None, detail: Optional[str] = None, url: Optional[str] = None
) -> None:
    """An entry in the access log on its own (a change to a staff account, say)."""
    with session(url) as db:
        log_access(db, who, action, reference, detail)
        db.commit()


def list_requests(who: str, status: Optional[str] = None, url: Optional[str] = None) -> List[Request]:
    with session(url) as db:
        query = select(Request).order_by(Request.created_at)
        if status:
            query = query.where(Request.status == status)
        rows = db.execute(query).scalars().all()
        db.expunge_all()  # the caller reads them after this session ends
        log_access(db, who, "list", detail=f"{len(rows)} shown" + (f", status {status}" if status else ""))
        db.commit()
        return rows


def timings(since: datetime.datetime, until: datetime.datetime, url: Optional[str] = None) -> List[Request]:
    """The requests made in [since, until), with only what their timescales need (kind,
    urgency, when made, acknowledged, answered, closed): never what the child wrote, so
    analysts can see them and nothing is logged as a look at a request."""
    columns = (
        Request.kind,
        Request.urgency,
        Request.created_at,
        Request.acknowledged_at,
        Request.answered_at,
        Request.closed_at,
    )
    with session(url) as db:
        rows = db.execute(select(*columns).where(Request.created_at >= since, Request.created_at < until))
        return [Request(**{column.key: value for column, value in zip(columns, row)}) for row in rows]


def get_request(reference: str, who: str, url: Optional[str] = None) -> Request:
    with session(url) as db:
        row = db.execute(select(Request).where(Request.reference == reference)).scalar_one_or_none()
        if row is None:
            raise LookupError(f"no request {reference}")
        log_access(db, who, "view", reference)
        db.commit()
        db.refresh(row)
        db.expunge(row)
        return row


def _change(
    reference: str,
    who: str,
    action: str,
    detail: Optional[str],
    url: Optional[str],
    change: Callable[[Any, Request], None],
) -> Request:
    """Apply `change` to the request and write who did what to the access log, in one transaction."""
    with session(url) as db:
        row = db.execute(select(Request).where(Request.reference == reference)).scalar_one_or_none()
        if row is None:
            raise LookupError(f"no request {reference}")
        change(db, row)
        row.updated_at = now()
        log_access(db, who, action, reference, detail)
        db.commit()
        db.refresh(row)
        db.expunge(row)
        return row


def update_request(
    reference: str, status: str, who: str, url: Optional[str] = None, news: Optional[Callable[[Request], str]] = None
) -> Request:
    """A new status; the first time a step is reached is kept for the timescales. Whoever
    changes an unowned request takes it. `news` says it to the child, when they asked for
    news in their chat and the status really changed."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")

    def change(db, row: Request) -> None:
        if news is not None and row.contact_preference == "chat" and status != row.status and status != "new":
            db.add(
                RequestUpdate(
                    request_id=row.id, at=now(), who=who, kind=status, text=news(row), attempts=0, next_attempt_at=now()
                )
            )
        row.status = status
        stamp = now()
        for reached in STATUSES[1 : STATUSES.index(status) + 1]:  # answering a request acknowledges it too
            if getattr(row, REACHED_AT[reached]) is None:
                setattr(row, REACHED_AT[reached], stamp)
        row.handled_by = row.handled_by or who

    return _change(reference, who, "update", f"status {status}", url, change)


def take_request(reference: str, who: str, url: Optional[str] = None) -> Request:
    """`who` owns the request from now on."""

    def change(db, row: Request) -> None:
        row.handled_by = who

    return _change(reference, who, "take", f"owner {who}", url, change)


def add_note(reference: str, who: str, text: str, url: Optional[str] = None) -> Request:
    """A staff-only note. The access log says a note was added, not what it says."""
    text = (text or "").strip()
    if not text:
        raise ValueError("the note is empty")
    if len(text) > MAX_NOTE:
        raise ValueError(f"a note can be at most {MAX_NOTE} characters")

    def change(db, row: Request) -> None:
        db.add(RequestNote(request_id=row.id, at=now(), who=who, text=text))

    return _change(reference, who, "note", None, url, change)


def add_update(
    reference: str, who: str, kind: str, text: Callable[[Request], str], url: Optional[str] = None
) -> Request:
    """News for the child in their chat (a caseworker's reply): only for a request that asked for it."""

    def change(db, row: Request) -> None:
        if row.contact_preference != "chat":
            raise ValueError("this young person did not ask for news in their chat: reply the way they chose")
        if row.status == "closed":
            raise ValueError("the request is closed: no more news can reach their chat")
        db.add(
            RequestUpdate(
                request_id=row.id, at=now(), who=who, kind=kind, text=text(row), attempts=0, next_attempt_at=now()
            )
        )

    return _change(reference, who, kind, None, url, change)


def updates_of(request_id: int, url: Optional[str] = None) -> List[RequestUpdate]:
    with session(url) as db:
        rows = (
            db.execute(select(RequestUpdate).where(RequestUpdate.request_id == request_id).order_by(RequestUpdate.id))
            .scalars()
            .all()
        )
        db.expunge_all()
        return rows


def notes_of(request_id: int, url: Optional[str] = None) -> List[RequestNote]:
    with session(url) as db:
        rows = (
            db.execute(select(RequestNote).where(RequestNote.request_id == request_id).order_by(RequestNote.id))
            .scalars()
            .all()
        )
        db.expunge_all()
        return rows


def access_log(url: Optional[str] = None, limit: int = 500) -> List[RequestAccess]:
    with session(url) as db:
        rows = db.execute(select(RequestAccess).order_by(RequestAccess.id.desc()).limit(limit)).scalars().all()
        db.expunge_all()
        return rows
