"""Every setting of the assistant, in one place: its name, what it does, its default, and what
a valid value looks like.

Settings are environment variables (a systemd unit reads them from the file made from
`.env.example`: deploy/README.md). `promisebot run` and `promisebot serve` check them all
before anything starts and stop with one line per mistake, never a traceback. The code reads
them only through `text()`, `number()` and `seconds()`, so a setting cannot be read without
being declared here; `.env.example` is written from this list (`promisebot settings
--example`) and a test keeps the two the same.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Tuple

ORIGIN = re.compile(r"https?://[a-z0-9.-]+(?::\d{1,5})?")  # a site that may frame the web chat


@dataclass(frozen=True)
class Setting:
    name: str
    help: str
    default: str = ""  # "" means unset; `default_help` says what happens then
    default_help: str = ""
    whole_number: Optional[Tuple[int, int]] = None  # (lowest, highest) allowed
    positive_seconds: bool = False
    choices: Tuple[str, ...] = ()
    secret: bool = False  # never printed; `.env.example` leaves it empty
    group: str = "Core"


SETTINGS: Tuple[Setting, ...] = (
    # --- core ----------------------------------------------------------------------------
    Setting(
        "PROMISEBOT_DATABASE_URL",
        "SQLAlchemy URL of the database (PostgreSQL in production: "
        "postgresql+psycopg2://user:password@host/promisebot)",
        secret=True,
        default_help="sqlite:///var/promisebot.sqlite",
    ),
    Setting(
        "PROMISEBOT_TRACKER_DATABASE_URL",
        "where Rasa keeps the (redacted) conversations, if not the database above",
        secret=True,
        default_help="the database above",
    ),
    Setting(
        "PROMISEBOT_REQUEST_RETENTION_DAYS",
        "days a request (a child's words) is kept",
        default="730",
        whole_number=(1, 3650),
    ),
    Setting(
        "PROMISEBOT_SENDER_KEY",
        "key of the hashes that stand for chats (keep it: a new one starts every conversation afresh)",
        secret=True,
        default_help="made once in var/sender.key",
    ),
    Setting(
        "PROMISEBOT_REPLY_KEY",
        "key that seals the chat a request's news goes to",
        secret=True,
        default_help="made once in var/reply.key",
    ),
    Setting(
        "PROMISEBOT_LOG_FORMAT",
        "the services' log lines: plain text, or one JSON object a line for a log collector",
        default="text",
        choices=("text", "json"),
    ),
    Setting(
        "PROMISEBOT_STAFF_SECURE_COOKIES",
        "'always' marks the dashboard's cookies Secure even when the proxy does not say it used HTTPS",
        choices=("always",),
        default_help="Secure when the request came over HTTPS",
    ),
    Setting(
        "PROMISEBOT_RASA_URL",
        "the Rasa servers the channels use, comma-separated (set by promisebot run)",
        default_help="http://127.0.0.1:5005",
        group="Set by promisebot run",
    ),
    Setting(
        "PROMISEBOT_RASA_TOKEN",
        "Rasa's API token, made fresh at each start (set by promisebot run; give "
        "it to `promisebot phrasings answer --rasa-url`)",
        secret=True,
        group="Set by promisebot run",
    ),
    # --- Telegram ------------------------------------------------------------------------
    Setting(
        "PROMISEBOT_TELEGRAM_TOKEN",
        "the bot's token from @BotFather; the bridge runs only when it is set",
        secret=True,
        group="Telegram",
    ),
    Setting(
        "PROMISEBOT_TELEGRAM_API_URL",
        "Bot API base URL (a self-hosted Bot API server, or the tests' fake)",
        default="https://api.telegram.org/bot",
        group="Telegram",
    ),
    Setting(
        "PROMISEBOT_TELEGRAM_WEBHOOK_URL",
        "public HTTPS address Telegram calls (ending /telegram)",
        default_help="long polling, which needs no public address",
        group="Telegram",
    ),
    Setting(
        "PROMISEBOT_TELEGRAM_WEBHOOK_SECRET",
        "required with a webhook: calls without it are refused",
        secret=True,
        group="Telegram",
    ),
    Setting(
        "PROMISEBOT_TELEGRAM_WEBHOOK_LISTEN", "where the webhook server listens", default="127.0.0.1", group="Telegram"
    ),
    Setting(
        "PROMISEBOT_TELEGRAM_WEBHOOK_PORT",
        "the webhook server's port",
        default="8443",
        whole_number=(1, 65535),
        group="Telegram",
    ),
    Setting(
        "PROMISEBOT_WEBCHAT_URL", "the web chat's public address, given to under-16s on Telegram", group="Telegram"
    ),
    # --- web chat ------------------------------------------------------------------------
    Setting(
        "PROMISEBOT_WEBCHAT_EMBED_ORIGINS",
        "sites that may show the web chat in a frame (/embed), space-separated, like https://go.walsall.gov.uk",
        default_help="none: /embed cannot be framed",
        group="Web chat",
    ),
    Setting(
        "PROMISEBOT_WEBCHAT_EXIT_URL",
        'where "Exit this page" goes: an ordinary page that gives nothing away',
        default="https://www.bbc.co.uk/weather",
        group="Web chat",
    ),
    # --- email to staff ------------------------------------------------------------------
    Setting(
        "PROMISEBOT_SMTP_HOST",
        "the mail server",
        default_help="no email is sent; the queue says so",
        group="Email to staff",
    ),
    Setting(
        "PROMISEBOT_SMTP_PORT",
        "the mail server's port",
        default_help="587, or 465 with ssl",
        whole_number=(1, 65535),
        group="Email to staff",
    ),
    Setting(
        "PROMISEBOT_SMTP_SECURITY",
        "how the connection is protected",
        default="starttls",
        choices=("starttls", "ssl", "none"),
        group="Email to staff",
    ),
    Setting("PROMISEBOT_SMTP_USERNAME", "if the server needs a login", group="Email to staff"),
    Setting("PROMISEBOT_SMTP_PASSWORD", "if the server needs a login", secret=True, group="Email to staff"),
    Setting(
        "PROMISEBOT_MAIL_FROM", "the sender address", default="promises-assistant@localhost", group="Email to staff"
    ),
    Setting("PROMISEBOT_INBOX_COMPLAINTS", "the complaints team's inbox", group="Email to staff"),
    Setting("PROMISEBOT_INBOX_ADVOCACY", "the advocacy service's inbox", group="Email to staff"),
    Setting("PROMISEBOT_INBOX_SOCIAL_WORK", "the social work team's inbox", group="Email to staff"),
    Setting(
        "PROMISEBOT_INBOX_DUTY",
        "the duty inbox: urgent requests, and any after a safeguarding answer",
        group="Email to staff",
    ),
    Setting(
        "PROMISEBOT_DASHBOARD_URL",
        "the dashboard's address, for the link in each email",
        default="http://127.0.0.1:8001",
        group="Email to staff",
    ),
    Setting(
        "PROMISEBOT_MAIL_EVERY_SECONDS",
        "how often the queue of emails is sent",
        default="10",
        positive_seconds=True,
        group="Email to staff",
    ),
    Setting(
        "PROMISEBOT_NEWS_EVERY_SECONDS",
        "how often news for children is delivered",
        default="5",
        positive_seconds=True,
        group="Email to staff",
    ),
)
BY_NAME: Dict[str, Setting] = {setting.name: setting for setting in SETTINGS}


class SettingError(ValueError):
    """A setting that cannot work, in one line: which, what it is, what it should be."""


def _declared(name: str) -> Setting:
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name} is not declared in bot/settings.py") from None


def text(name: str, environ: Optional[Mapping[str, str]] = None) -> str:
    """The setting as text: what is set (spaces trimmed), else its default ("" when none)."""
    setting = _declared(name)
    raw = (os.environ if environ is None else environ).get(name, "").strip()
    return raw or setting.default


def problem(setting: Setting, environ: Mapping[str, str]) -> Optional[str]:
    value = environ.get(setting.name, "").strip()
    if not value:
        return None
    shown = "(hidden)" if setting.secret else repr(value[:40])
    if setting.whole_number:
        low, high = setting.whole_number
        if not value.isdigit() or not low <= int(value) <= high:
            return f"{setting.name} is {shown}: it must be a whole number from {low} to {high}"
    if setting.positive_seconds:
        try:
            ok = 0 < float(value) < 86400
        except ValueError:
            ok = False
        if not ok:
            return f"{setting.name} is {shown}: it must be a number of seconds, more than 0"
    if setting.choices and value.lower() not in setting.choices:
        return f"{setting.name} is {shown}: it must be one of {', '.join(setting.choices)}"
    return None


def problems(environ: Optional[Mapping[str, str]] = None) -> List[str]:
    """One line per setting that cannot work; none when all can."""
    environ = os.environ if environ is None else environ
    found = [problem(setting, environ) for setting in SETTINGS]
    if text("PROMISEBOT_TELEGRAM_WEBHOOK_URL", environ) and not text("PROMISEBOT_TELEGRAM_WEBHOOK_SECRET", environ):
        found.append(
            "PROMISEBOT_TELEGRAM_WEBHOOK_URL is set without PROMISEBOT_TELEGRAM_WEBHOOK_SECRET: "
            "set a long random secret, so that only Telegram can call the webhook"
        )
    for origin in text("PROMISEBOT_WEBCHAT_EMBED_ORIGINS", environ).split():
        if not ORIGIN.fullmatch(origin):
            found.append(
                f"PROMISEBOT_WEBCHAT_EMBED_ORIGINS has {origin[:60]!r}: each must be a site's origin, "
                "like https://go.walsall.gov.uk (no path, no wildcard)"
            )
    if not re.fullmatch(r"https?://\S+", text("PROMISEBOT_WEBCHAT_EXIT_URL", environ)):
        found.append("PROMISEBOT_WEBCHAT_EXIT_URL must be a web address starting https://")
    return [line for line in found if line]


def _checked(name: str, environ: Optional[Mapping[str, str]]) -> str:
    """The setting's text (or default), or a SettingError saying why it cannot work."""
    value = text(name, environ)
    error = problem(_declared(name), {name: value})
    if error:
        raise SettingError(error)
    return value


def number(name: str, environ: Optional[Mapping[str, str]] = None) -> int:
    return int(_checked(name, environ))


def seconds(name: str, environ: Optional[Mapping[str, str]] = None) -> float:
    return float(_checked(name, environ))


def choice(name: str, environ: Optional[Mapping[str, str]] = None) -> str:
    return _checked(name, environ).lower()


def env_example() -> str:
    """`.env.example`: every setting with what it does and its default, grouped."""
    lines = [
        "# Every setting of the Promises assistant (written by `promisebot settings --example`",
        "# from bot/settings.py). Copy to /etc/promisebot/promisebot.env (deploy/README.md), fill in,",
        "# and keep it readable by the service's user only: it holds secrets.",
    ]
    group = None
    for setting in SETTINGS:
        if setting.group != group:
            group = setting.group
            lines += ["", f"# --- {group} ---"]
        allowed = (f" One of: {', '.join(setting.choices)}." if setting.choices else "") + (
            " A whole number from {} to {}.".format(*setting.whole_number) if setting.whole_number else ""
        )
        unset = setting.default or setting.default_help
        lines.append(f"# {setting.help}.{allowed}" + (f" Default: {unset}." if unset else ""))
        commented = "# " if setting.group == "Set by promisebot run" else ""
        lines.append(f"{commented}{setting.name}=")
    return "\n".join(lines) + "\n"
