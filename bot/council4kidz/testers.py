"""Tester codes for Council4Kidz, and their ratings of the bot's answers.

A code (like C4K-7KQ2-MX9P) is given to a tester by staff, from the dashboard or
`promisebot testers issue`. In the web chat it turns on test mode: every answer can be rated
and commented on, and the rating is saved with the content that produced the answer, so staff
can see which answers to fix, worst first. A tester can also save the conversation; staff
write the saved ones into tests/conversations/ (`promisebot testers save-tests`), so what the
tester found stays fixed.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

from sqlalchemy import case, func, select

from bot.privacy.redaction import redact
from bot.store.database import session
from bot.store.models import AnswerRating, TesterCode, TesterConversation, TesterSession

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
MAX_COMMENT = 1000


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def now() -> datetime.datetime:
    return datetime.datetime.utcnow()


def issue_code(label: str, days: int = 30, url: Optional[str] = None) -> str:
    label = label.strip()
    if not label or len(label) > 100:
        raise ValueError("Give the code a label of 1-100 characters, like 'Council4Kidz session, March'.")
    if not 1 <= days <= 365:
        raise ValueError("A code lasts 1 to 365 days.")
    code = "C4K-" + "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(2))
    with session(url) as db:
        db.add(
            TesterCode(
                code_hash=_digest(code), label=label, created_at=now(), expires_at=now() + datetime.timedelta(days=days)
            )
        )
        db.commit()
    return code


def valid_code(code: str, url: Optional[str] = None) -> Optional[TesterCode]:
    if not isinstance(code, str) or not 4 <= len(code) <= 40:
        return None
    with session(url) as db:
        row = db.execute(
            select(TesterCode).where(TesterCode.code_hash == _digest(code), TesterCode.expires_at > now())
        ).scalar_one_or_none()
        if row is not None:
            db.expunge(row)
        return row


def start_testing(code: TesterCode, session_hash: str, url: Optional[str] = None) -> None:
    """This web chat session entered the code: it alone may now rate and save with it."""
    with session(url) as db:
        if not db.execute(
            select(TesterSession.id).where(
                TesterSession.tester_code_id == code.id, TesterSession.session_hash == session_hash
            )
        ).first():
            db.add(TesterSession(tester_code_id=code.id, session_hash=session_hash, started_at=now()))
            db.commit()


def code_of_session(code: str, session_hash: str, url: Optional[str] = None) -> Optional[TesterCode]:
    """The code, if it is valid and was entered in this session (`start_testing`): knowing a
    code and another session's id is not enough to rate as it or save its conversation."""
    found = valid_code(code, url)
    if found is None:
        return None
    with session(url) as db:
        entered = db.execute(
            select(TesterSession.id).where(
                TesterSession.tester_code_id == found.id, TesterSession.session_hash == session_hash
            )
        ).first()
    return found if entered else None


def list_codes(url: Optional[str] = None) -> List[TesterCode]:
    with session(url) as db:
        rows = db.execute(select(TesterCode).order_by(TesterCode.created_at.desc())).scalars().all()
        db.expunge_all()
        return rows


def save_rating(
    code: TesterCode,
    source: str,
    answer: str,
    rating: int,
    comment: str = "",
    age_band: Optional[str] = None,
    url: Optional[str] = None,
) -> None:
    if rating not in (1, -1):
        raise ValueError("rating must be 1 (good) or -1 (not good)")
    kept_comment = redact(comment.strip()[:MAX_COMMENT]) if comment and comment.strip() else None
    with session(url) as db:
        db.add(
            AnswerRating(
                created_at=now(),
                tester_code_id=code.id,
                source=(source or "unknown")[:200],
                answer=answer[:4000],
                rating=rating,
                comment=kept_comment,
                age_band=age_band,
            )
        )
        db.commit()


@dataclass(frozen=True)
class AnswerFeedback:
    source: str
    answer: str  # the latest wording rated
    good: int
    not_good: int
    comments: List[str]


def feedback_by_answer(url: Optional[str] = None) -> List[AnswerFeedback]:
    """Ratings per answer, the most disliked first."""
    with session(url) as db:
        totals = db.execute(
            select(
                AnswerRating.source,
                func.sum(case((AnswerRating.rating > 0, 1), else_=0)),
                func.sum(case((AnswerRating.rating < 0, 1), else_=0)),
            ).group_by(AnswerRating.source)
        ).all()
        feedback = []
        for source, good, not_good in totals:
            rows = (
                db.execute(select(AnswerRating).where(AnswerRating.source == source).order_by(AnswerRating.id.desc()))
                .scalars()
                .all()
            )
            feedback.append(
                AnswerFeedback(source, rows[0].answer, int(good), int(not_good), [r.comment for r in rows if r.comment])
            )
    return sorted(feedback, key=lambda f: (f.good - f.not_good, -f.not_good, f.source))


# --- a tester's conversation, kept as a conversation test --------------------------------------


def story_from_events(title: str, events: List[dict]) -> str:
    """A Rasa test story (YAML) of a conversation, as `rasa test core` reads them."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.shared.core.training_data.story_writer.yaml_story_writer import YAMLStoryWriter

    from bot.names import ROOT

    slug = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:60] or "tester_conversation"
    domain = Domain.load(str(ROOT / "domain.yml"))
    tracker = DialogueStateTracker.from_dict(slug, events, domain.slots)
    return tracker.export_stories(YAMLStoryWriter(), e2e=True)


def clean_title(title: str) -> str:
    """A saved conversation's title as kept: one line (it heads a YAML file that staff commit),
    redacted like a comment (testers type names and numbers into it too)."""
    return redact(" ".join(title.split())[:200]) or "untitled"


def save_conversation(code: TesterCode, title: str, story: str, url: Optional[str] = None) -> int:
    with session(url) as db:
        row = TesterConversation(created_at=now(), tester_code_id=code.id, title=clean_title(title), story=story)
        db.add(row)
        db.commit()
        return row.id


def export_conversations(directory: Path, url: Optional[str] = None) -> List[Path]:
    """Write each saved conversation not yet exported as tests/conversations/council4kidz_<id>.yml."""
    written = []
    with session(url) as db:
        rows = (
            db.execute(
                select(TesterConversation)
                .where(TesterConversation.exported_to.is_(None))
                .order_by(TesterConversation.id)
            )
            .scalars()
            .all()
        )
        for row in rows:
            path = directory / f"council4kidz_{row.id:04d}.yml"
            header = (
                f"# Saved by a Council4Kidz tester on {row.created_at:%Y-%m-%d}: {row.title}\n"
                "# Check each step: where the tester found a mistake, write the action the bot SHOULD take,\n"
                "# fix the bot until `make test` passes, and it stays fixed.\n"
            )
            path.write_text(header + row.story, encoding="utf-8")
            row.exported_to = str(path)
            written.append(path)
        db.commit()
    return written
