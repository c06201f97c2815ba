"""The privacy notice a young person reads (the web chat page, Telegram's /privacy): what
happens to what they write, in their words, filled from the retention actually configured,
so it stays true when the settings change (bot.store.retention)."""

from __future__ import annotations

from typing import List

from bot.content import Content
from bot.store.retention import UNANSWERED_KEPT_FOR, configured_conversation_days, request_days

HOW_TO_DELETE = {
    "webchat": 'You can delete our chat any time: tap "Delete my chat".',
    "telegram": "You can delete our chat any time: type /forget. Telegram carries our messages, so Telegram's "
    "own privacy rules apply to them too.",
}


def how_long(days: int) -> str:
    return f"{days // 365} year{'s' if days // 365 != 1 else ''}" if days % 365 == 0 else f"{days} days"


def privacy_notice(content: Content, channel: str) -> List[str]:
    """The notice's lines: a heading, then one point each."""
    text = content.message(
        "privacy_notice",
        conversation_days=configured_conversation_days(),
        unanswered_days=UNANSWERED_KEPT_FOR.days,
        request_time=how_long(request_days()),
        how_to_delete=HOW_TO_DELETE[channel],
    )
    return [line.lstrip("- ").strip() for line in text.splitlines() if line.strip()]
