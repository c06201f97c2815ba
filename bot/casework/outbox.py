"""What the two outboxes share (the teams' emails, bot.casework.mail; the news for the child,
bot.casework.child_replies): recording one attempt, with growing waits before the next try,
and the loop the staff dashboard's process runs to send what is due."""

from __future__ import annotations

import asyncio
import datetime
import logging
from typing import Callable, Optional, Sequence, Tuple

from bot.privacy.failures import log_failure
from bot.store.requests import now

logger = logging.getLogger(__name__)


def record_attempt(row, done_column: str, error: Optional[str], retry_after: Sequence[int]) -> bool:
    """Whether it went; if not, why (never the child's words) and when to try again."""
    row.attempts += 1
    if error is None:
        setattr(row, done_column, now())
        row.last_error = None
        return True
    wait = retry_after[min(row.attempts, len(retry_after)) - 1]
    row.last_error, row.next_attempt_at = error[:300], now() + datetime.timedelta(seconds=wait)
    return False


async def keep_sending(one_round: Callable[[], Tuple[int, int]], every: float, what: str) -> None:
    """Run `one_round` (it blocks: SMTP, HTTP, the database) in a thread every `every` seconds."""
    while True:
        try:
            sent, failed = await asyncio.to_thread(one_round)
            if sent or failed:
                logger.info("%s: %d sent, %d not sent (will retry)", what, sent, failed)
        except Exception as error:  # a database error quotes its values; an HTTP one, the bot's token
            log_failure(logger, f"could not send {what}; will try again", error)
        await asyncio.sleep(every)
