"""Keeping young people's personal details (names, numbers, addresses...) out of what is stored."""

from bot.privacy.redaction import Redactor, Span, redact

__all__ = ["Redactor", "Span", "redact"]
