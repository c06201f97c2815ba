"""Saving requests (committed before the child is told), and the caseworker's queue.

Every read or change of requests by a person is written to the request access log, with who
did it: the child's words are here because a caseworker must act on them, and only for that.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Dict, List, Optional

from sqlalchemy import select

from bot.store.database import session
from bot.store.models import Request, RequestAccess

KINDS = {"complaint": "C", "advocacy": "A", "social_worker": "S"}
STATUSES = ("new", "in_progress", "done")


@dataclass(frozen=True)
class NewRequest:
    kind: str
    details: Dict[str, str]
    known_name: Optional[str] = None
    contact_preference: Optional[str] = None
    contact_detail: Optional[str] = None
    urgency: Optional[str] = None
    channel: Optional[str] = None


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def save_request(new: NewRequest, url: Optional[str] = None) -> str:
    """Commit the request and return its reference; raises if it could not be saved.

    The reference comes from the row's own id, inside the same transaction, so two
    requests saved at the same moment can never share one.
    """
    if new.kind not in KINDS:
        raise ValueError(f"unknown request kind {new.kind!r}")
    with session(url) as db:
        stamp = now()
        row = Request(kind=new.kind, status="new", details=new.details, known_name=new.known_name,
                      contact_preference=new.contact_preference, contact_detail=new.contact_detail,
                      urgency=new.urgency, channel=new.channel, created_at=stamp, updated_at=stamp)
        db.add(row)
        db.flush()  # assigns the id
        row.reference = f"{KINDS[new.kind]}-{stamp.year}-{row.id:06d}"
        db.commit()
        return row.reference


def log_access(db, who: str, action: str, reference: Optional[str] = None, detail: Optional[str] = None) -> None:
    db.add(RequestAccess(at=now(), who=who, action=action, reference=reference, detail=detail))


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


def update_request(reference: str, status: str, handled_by: str, url: Optional[str] = None) -> Request:
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    with session(url) as db:
        row = db.execute(select(Request).where(Request.reference == reference)).scalar_one_or_none()
        if row is None:
            raise LookupError(f"no request {reference}")
        row.status, row.handled_by, row.updated_at = status, handled_by, now()
        log_access(db, handled_by, "update", reference, f"status {status}")
        db.commit()
        db.refresh(row)
        db.expunge(row)
        return row


def access_log(url: Optional[str] = None, limit: int = 500) -> List[RequestAccess]:
    with session(url) as db:
        rows = db.execute(select(RequestAccess).order_by(RequestAccess.id.desc()).limit(limit)).scalars().all()
        db.expunge_all()
        return rows
