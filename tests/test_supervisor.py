"""The supervisor of `promisebot run` / `serve`: restarts with growing waits, counts afresh
after a quiet spell, gives up on a service that keeps stopping; and the settings it checks
before anything starts."""

import subprocess
import sys

from bot.supervisor import QUIET_AFTER, RESTART_BACKOFF, RESTART_LIMIT, Service, keep_running


def crashing(essential: bool) -> Service:
    return Service("crashing", [sys.executable, "-c", "raise SystemExit(3)"], None, essential=essential)


def test_a_service_that_keeps_stopping_waits_longer_each_time_then_is_given_up(tmp_path):
    service, now, waits = crashing(essential=False), 1000.0, []
    service.start(tmp_path)
    watched = [service]
    while True:
        service.process.wait()
        assert keep_running(watched, tmp_path, now) is None
        if service not in watched:
            break
        waits.append(service.restart_at - now)
        assert keep_running(watched, tmp_path, now + waits[-1] - 0.5) is None and service.restart_at  # not yet
        now = service.restart_at
        keep_running(watched, tmp_path, now)  # started again: it stops again
    assert waits == list(RESTART_BACKOFF)[:RESTART_LIMIT] and service.restarts == RESTART_LIMIT


def test_an_essential_service_that_keeps_stopping_stops_the_assistant(tmp_path):
    service, now = crashing(essential=True), 1000.0
    service.restarts = RESTART_LIMIT
    service.start(tmp_path)
    service.process.wait()
    assert keep_running([service], tmp_path, now) == 1


def test_a_service_that_ran_quietly_for_a_while_is_counted_afresh(tmp_path):
    service = Service("steady", [sys.executable, "-c", "import time; time.sleep(30)"], None)
    service.start(tmp_path)
    try:
        service.restarts = 3
        keep_running([service], tmp_path, service.started_at + QUIET_AFTER - 1)
        assert service.restarts == 3
        keep_running([service], tmp_path, service.started_at + QUIET_AFTER)
        assert service.restarts == 0
    finally:
        service.stop()


def test_a_setting_that_cannot_work_stops_the_start_with_one_line_each(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve"],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "PATH": "/usr/bin:/bin",
            "PROMISEBOT_SMTP_PORT": "five hundred",
            "PROMISEBOT_LOG_FORMAT": "xml",
            "PROMISEBOT_TELEGRAM_WEBHOOK_URL": "https://x.test/telegram",
        },
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stderr.splitlines() == [
        "promisebot: PROMISEBOT_LOG_FORMAT is 'xml': it must be one of text, json",
        "promisebot: PROMISEBOT_SMTP_PORT is 'five hundred': it must be a whole number from 1 to 65535",
        "promisebot: PROMISEBOT_TELEGRAM_WEBHOOK_URL is set without PROMISEBOT_TELEGRAM_WEBHOOK_SECRET: set a long "
        "random secret, so that only Telegram can call the webhook",
    ]


def test_only_real_origins_may_frame_the_web_chat_and_exit_goes_to_a_web_address():
    from bot.settings import problems

    assert problems({"PROMISEBOT_WEBCHAT_EMBED_ORIGINS": "https://go.walsall.gov.uk http://127.0.0.1:8080"}) == []
    for bad in ("*", "https://*.walsall.gov.uk", "https://go.walsall.gov.uk/page", "'self'; script-src *"):
        lines = problems({"PROMISEBOT_WEBCHAT_EMBED_ORIGINS": bad})
        assert lines and all(line.startswith("PROMISEBOT_WEBCHAT_EMBED_ORIGINS has") for line in lines), lines
    assert problems({"PROMISEBOT_WEBCHAT_EXIT_URL": "javascript:alert(1)"}) == [
        "PROMISEBOT_WEBCHAT_EXIT_URL must be a web address starting https://"
    ]


def test_every_setting_the_code_reads_is_declared_and_in_env_example():
    """One place for settings: bot/settings.py. `.env.example` is written from it."""
    import re

    from bot.names import ROOT
    from bot.settings import BY_NAME, env_example

    used = set()
    for folder in ("bot", "actions"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(re.findall(r"PROMISEBOT_[A-Z0-9_]*[A-Z0-9]", path.read_text()))
    used -= {"PROMISEBOT_INBOX"}  # the inboxes' common prefix (bot/casework/mail.py)
    assert sorted(used - set(BY_NAME)) == []
    assert (ROOT / ".env.example").read_text() == env_example()


def test_json_logs_are_one_object_a_line_for_the_services_and_for_rasa():
    """In a process of its own, as each service is: logging set up the way a service does it,
    and the way Rasa reads its logging config file."""
    import json
    import os

    script = """
import logging, logging.config, sys, yaml
from bot import logs
logs.configure("webchat")
logging.getLogger("bot.test").warning("web chat request failed: %s", "ValueError at body (server.py:1)")
logging.config.dictConfig(yaml.safe_load(logs.rasa_logging_config().read_text()))
logging.getLogger("rasa.core.processor").info("Loaded the model")
"""
    run = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PROMISEBOT_LOG_FORMAT": "json"},
    )
    assert run.returncode == 0, run.stderr
    service, rasa = [json.loads(line) for line in run.stderr.splitlines()]
    assert service["service"] == "webchat" and service["level"] == "WARNING" and service["logger"] == "bot.test"
    assert service["message"] == "web chat request failed: ValueError at body (server.py:1)" and service["time"]
    assert rasa["service"] == "rasa" and rasa["message"] == "Loaded the model"
