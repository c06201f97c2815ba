"""The store: migrations, and anonymous disclosure counts that survive concurrent writers."""
import threading

import pytest
from sqlalchemy import inspect

from bot.store.counters import disclosure_counts, record_disclosure
from bot.store.database import engine, migrate


@pytest.fixture
def database(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    migrate(url)
    return url


def test_migrations_create_the_tables_and_can_run_twice(database):
    migrate(database)
    assert "safeguarding_counts" in inspect(engine(database)).get_table_names()


def test_counts_hold_no_text_or_ids_and_small_numbers_are_suppressed(database):
    for _ in range(6):
        record_disclosure("12_15", "physical_abuse", "rest", database)
    record_disclosure("unknown", "classifier", "telegram", database)
    rows = {(r[1], r[2], r[3]): r[4] for r in disclosure_counts(database)}
    assert rows[("12_15", "physical_abuse", "rest")] == "6"
    assert rows[("unknown", "classifier", "telegram")] == "fewer than 5"
    columns = {c["name"] for c in inspect(engine(database)).get_columns("safeguarding_counts")}
    assert columns == {"id", "iso_week", "age_band", "kind", "channel", "count"}


def test_concurrent_disclosures_are_all_counted(database):
    threads = [threading.Thread(target=record_disclosure, args=("16_18", "suicide", "rest", database))
               for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert disclosure_counts(database)[0][4] == "20"
