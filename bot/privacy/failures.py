"""Logging a failure without the young person's words.

An exception's message can quote what it was handling: SQLAlchemy puts a statement's bound
values (a complaint, a name, a phone number) into its errors, and Rasa SDK's error handler
returns the whole request, slots and latest message, to Rasa, which logs it. So a failure is
logged as its type and the code it passed through, never its message or its values.
"""

from __future__ import annotations

import logging
import traceback


def where_it_failed(error: BaseException) -> str:
    """The exception's type and the code it passed through: never its message."""
    frames = traceback.extract_tb(error.__traceback__)[-3:]
    return f"{type(error).__name__} at " + " <- ".join(
        f"{f.name} ({f.filename.rsplit('/', 1)[-1]}:{f.lineno})" for f in reversed(frames)
    )


def log_failure(logger: logging.Logger, what: str, error: BaseException) -> None:
    """`logger.exception`, minus anything the exception could quote."""
    logger.error("%s: %s", what, where_it_failed(error))
