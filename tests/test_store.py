"""The store, against SQLite and a real PostgreSQL server (.ci/run starts one).

Locally, the PostgreSQL cases run when PROMISEBOT_TEST_POSTGRES_URL is set
(scripts/start-test-postgres prints one); under CI they must run.
"""

import os
import threading

import pytest
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from sqlalchemy import inspect, text

from bot.names import COUNT_CHECK_IN, COUNT_UNNAMED_KIND, SAFEGUARDING_COUNT_SLOT
from bot.store.counters import disclosure_counts
from bot.store.database import engine, migrate
from bot.store.requests import (
    NewRequest,
    access_log,
    add_note,
    list_requests,
    notes_of,
    save_request,
    take_request,
    update_request,
)
from bot.store.topic_log import COUNTED_KINDS, counts_by, record_turn, safeguarding_counted
from bot.store.tracker_store import redact_event


def fresh_postgres(url: str) -> str:
    with engine(url).begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.servers)])
def database(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    else:
        url = os.environ.get("PROMISEBOT_TEST_POSTGRES_URL")
        if not url:
            if os.environ.get("CI"):
                pytest.fail("CI must test against PostgreSQL: set PROMISEBOT_TEST_POSTGRES_URL (see .ci/run)")
            pytest.skip("no PostgreSQL server (set PROMISEBOT_TEST_POSTGRES_URL)")
        url = fresh_postgres(url)
    migrate(url)
    return url


def test_migrations_create_the_tables_and_can_run_twice(database):
    migrate(database)
    assert {"safeguarding_counts", "requests"} <= set(inspect(engine(database)).get_table_names())


def counted_turn(kind: str, channel: str = "rest") -> list:
    """A saved turn's events whose safeguarding answer marked `kind` for counting (actions/actions.py)."""
    said = UserUttered("made-up words", intent={"name": "safeguarding_disclosure"}, input_channel=channel)
    return [said, ActionExecuted("action_safeguarding"), SlotSet(SAFEGUARDING_COUNT_SLOT, kind)]


def test_counts_hold_no_text_or_ids_and_small_numbers_are_suppressed(database):
    for _ in range(6):
        record_turn(counted_turn("physical_abuse"), "12_15", None, database)
    record_turn(counted_turn(COUNT_UNNAMED_KIND, "telegram"), None, None, database)
    rows = {(r[1], r[2], r[3]): r[4] for r in disclosure_counts(database)}
    assert rows[("12_15", "physical_abuse", "rest")] == "6"
    assert rows[("unknown", "classifier", "telegram")] == "fewer than 5"
    columns = {c["name"] for c in inspect(engine(database)).get_columns("safeguarding_counts")}
    assert columns == {"id", "iso_week", "age_band", "kind", "channel", "count"}
    assert "made-up words" not in repr(disclosure_counts(database))


def test_a_turn_counts_each_answer_it_marked_and_nothing_off_the_list(database):
    events = counted_turn("physical_abuse") + [SlotSet(SAFEGUARDING_COUNT_SLOT, COUNT_CHECK_IN)]
    record_turn(events + [SlotSet(SAFEGUARDING_COUNT_SLOT, "=crafted-kind")], "16_18", None, database)
    assert {r[2] for r in disclosure_counts(database)} == {"physical_abuse", COUNT_CHECK_IN}
    assert counts_by("outcome", url=database) == [("safeguarding", 1)]


def test_a_new_session_does_not_count_again_what_it_carries_over(database):
    """After an hour, Rasa's action_session_start sets again every slot the last session set:
    a safeguarding answer's mark and a request's reference are not counted a second time."""
    carried = [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        SlotSet(SAFEGUARDING_COUNT_SLOT, "physical_abuse"),
        SlotSet("request_reference", "C-2026-000001"),
        ActionExecuted("action_listen"),
    ]
    said = UserUttered("what is an advocate", intent={"name": "topic_advocacy"}, input_channel="rest")
    record_turn(carried + [said, ActionExecuted("action_answer_topic")], "12_15", None, database)
    assert disclosure_counts(database) == []
    assert counts_by("topic", "outcome", url=database) == [("topic_advocacy", "answered", 1)]
    record_turn(carried + counted_turn("physical_abuse"), "12_15", None, database)  # a new answer still counts
    assert [r[2:] for r in disclosure_counts(database)] == [("physical_abuse", "rest", "fewer than 5")]


def test_every_counted_kind_is_stored_as_marked_so_the_broker_can_count_it():
    """The broker counts the events as stored: redaction must leave the marks alone."""
    for kind in sorted(COUNTED_KINDS):
        stored = redact_event(SlotSet(SAFEGUARDING_COUNT_SLOT, kind), None, [])
        assert safeguarding_counted([stored]) == {kind: 1}


def test_concurrent_disclosures_are_all_counted_with_their_turns(database):
    threads = [
        threading.Thread(target=record_turn, args=(counted_turn("suicide"), "16_18", None, database)) for _ in range(20)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert disclosure_counts(database)[0][4] == "20"
    assert counts_by("age_band", url=database) == [("16_18", 20)]


def test_a_request_is_saved_with_a_reference_and_the_childs_words(database):
    reference = save_request(
        NewRequest("complaint", {"complaint_about": "my room is cold"}, "Sam", "phone", "07700 900123", channel="rest"),
        database,
    )
    assert reference.startswith("C-") and reference.endswith("000001")
    (saved,) = list_requests("test", url=database)
    assert saved.details == {"complaint_about": "my room is cold"} and saved.status == "new"


def test_references_are_unique_under_concurrent_submissions(database):
    references, errors = [], []

    def submit(kind):
        try:
            references.append(save_request(NewRequest(kind, {"sw_message": "hi"}), database))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [
        threading.Thread(target=submit, args=(["complaint", "advocacy", "social_worker"][i % 3],)) for i in range(30)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(references)) == 30 == len(list_requests("test", url=database))


def test_a_caseworker_updates_status_and_the_steps_reached_are_kept(database):
    reference = save_request(NewRequest("advocacy", {"advocacy_help_with": "my review"}), database)
    updated = update_request(reference, "answered", "caseworker-1", database)
    # Whoever changes an unowned request takes it; answering it acknowledges it too.
    assert (updated.status, updated.handled_by) == ("answered", "caseworker-1")
    assert updated.acknowledged_at == updated.answered_at is not None and updated.closed_at is None
    assert [r.reference for r in list_requests("test", "answered", database)] == [reference]
    closed = update_request(reference, "closed", "caseworker-2", database)
    assert (closed.handled_by, closed.answered_at) == ("caseworker-1", updated.answered_at)  # the first time is kept
    with pytest.raises(ValueError):
        update_request(reference, "lost", "x", database)
    with pytest.raises(LookupError):
        update_request("C-2026-999999", "closed", "x", database)


def test_ownership_and_notes_are_kept_and_logged_without_the_note(database):
    reference = save_request(NewRequest("complaint", {"complaint_about": "my room"}), database)
    assert take_request(reference, "caseworker-2", database).handled_by == "caseworker-2"
    row = add_note(reference, "caseworker-2", "  Rang the carer, room being fixed  ", database)
    assert [(n.who, n.text) for n in notes_of(row.id, database)] == [
        ("caseworker-2", "Rang the carer, room being fixed")
    ]
    with pytest.raises(ValueError):
        add_note(reference, "caseworker-2", "   ", database)
    logged = [(a.who, a.action, a.detail) for a in access_log(database)]
    assert ("caseworker-2", "take", "owner caseworker-2") in logged and ("caseworker-2", "note", None) in logged
    assert not any("room" in (a.detail or "") for a in access_log(database))


def _read_key(path: str) -> bytes:
    import os
    import secrets
    import time
    from pathlib import Path

    from bot.store.kept_secrets import kept_secret

    def slowly_made() -> str:  # making a key takes a moment: the window the old code left open
        time.sleep(0.05)
        return secrets.token_hex(32)

    os.environ.pop("PROMISEBOT_SENDER_KEY", None)  # so the key comes from the file
    return kept_secret(Path(path), "PROMISEBOT_SENDER_KEY", slowly_made)


def test_processes_starting_at_once_agree_on_one_whole_key(tmp_path):
    """The key was created, then written: a process starting at that moment read it empty."""
    from concurrent.futures import ProcessPoolExecutor

    for attempt in range(5):
        path = tmp_path / f"sender{attempt}.key"
        with ProcessPoolExecutor(max_workers=6) as pool:
            keys = set(pool.map(_read_key, [str(path)] * 12))
        assert len(keys) == 1 and len(keys.pop()) == 64  # each process made its own: one won, whole
        assert (
            oct(path.stat().st_mode & 0o777) == "0o600"
            and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
        )


def test_services_check_the_schema_and_never_migrate_it(tmp_path):
    from bot.store.database import StorageError, require_current_schema

    url = f"sqlite:///{tmp_path / 'new.sqlite'}"
    with pytest.raises(StorageError, match="not up to date.*promisebot migrate"):
        require_current_schema(url)
    migrate(url)
    require_current_schema(url)  # now it is the code's
