"""How every service writes its log: plain lines, or with PROMISEBOT_LOG_FORMAT=json one JSON
object a line (time, level, service, logger, message) for the council's log collector.

What goes into a message is decided where it is logged: never a child's words
(bot.privacy.failures). Rasa configures its own logging, so it is given the same format as a
logging config file (`rasa_logging_config`).
"""

from __future__ import annotations

import datetime
import json
import logging
import tempfile
from pathlib import Path

import yaml

from bot import settings

TEXT_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str = "promisebot"):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.timezone.utc).isoformat(),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:  # a traceback's lines name code, not values (bot.privacy.failures)
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(service: str, level: int = logging.INFO) -> None:
    """Set up the root logger of this process in the chosen format."""
    handler = logging.StreamHandler()
    if settings.choice("PROMISEBOT_LOG_FORMAT") == "json":
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def rasa_logging_config() -> Path:
    """A logging config file for `rasa run --logging-config-file`, in the JSON format."""
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "bot.logs.JsonFormatter", "service": "rasa"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
        "root": {"handlers": ["console"], "level": "INFO"},
    }
    path = Path(tempfile.mkdtemp(prefix="promisebot-logging-")) / "rasa-logging.yml"
    path.write_text(yaml.safe_dump(config))
    return path
