"""Load: 100 young people chatting at once for a minute, with nothing lost.

Each simulated user types about every 2 s and works through the mix in bot/benchmark/load.py
(promises for each band, topics, the three request flows to the end, a disclosure). Every
message must get an answer, every answered message must be in its stored conversation, and
every request confirmed must be in the caseworkers' queue. Speed is measured by
`promisebot bench`, not asserted here.
"""

import sqlite3

from bot.benchmark.load import drive, lost_turns


def saved_request_count(assistant) -> int:
    return sqlite3.connect(assistant.database_path).execute("select count(*) from requests").fetchone()[0]


def test_100_conversations_at_once_for_a_minute_get_every_answer_and_lose_nothing(assistant):
    before = saved_request_count(assistant)
    result = drive(assistant.rest_url, users=100, seconds=60, pace=2.0, timeout=60)
    assert result.error_count == 0, result.summary()
    assert result.turns > 1000, result.summary()  # it really was under load
    assert lost_turns(assistant.rasa_url, assistant.rasa_token, result.sent) == {}
    assert result.requests_sent > 10
    assert saved_request_count(assistant) - before == result.requests_sent
