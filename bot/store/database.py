"""Engine, sessions and migrations for the project's database."""
from __future__ import annotations

import os
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Optional

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

ROOT = Path(__file__).resolve().parent.parent.parent
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DEFAULT_URL = f"sqlite:///{ROOT / 'var' / 'promisebot.sqlite'}"


def database_url() -> str:
    return os.environ.get("PROMISEBOT_DATABASE_URL", DEFAULT_URL)


def engine(url: Optional[str] = None) -> Engine:
    return _engine(url or database_url())


@lru_cache(maxsize=None)
def _engine(url: str) -> Engine:
    """One engine (and connection pool) per database URL."""
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    created = create_engine(url, future=True, pool_pre_ping=True)
    overwrite_deleted_rows(created)
    return created


def overwrite_deleted_rows(engine_: Engine) -> None:
    """SQLite leaves deleted rows in the file's free pages; secure_delete zeroes them, so a
    purged conversation or a sent request's draft answers are really gone."""
    if engine_.dialect.name != "sqlite":
        return

    @event.listens_for(engine_, "connect")
    def _secure_delete(connection, _record):
        connection.execute("PRAGMA secure_delete = ON")

    engine_.dispose()  # connections made before the listener get it too


def session(url: Optional[str] = None) -> Session:
    return sessionmaker(engine(url), future=True)()


def migrate(url: Optional[str] = None) -> None:
    """Bring the database schema up to date (safe to run at every start)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    command.upgrade(config, "head")


def tracker_database_url() -> str:
    """Where Rasa's conversations are kept: the same database unless told otherwise."""
    return os.environ.get("PROMISEBOT_TRACKER_DATABASE_URL") or database_url()


def new_postgres_database(server_url: str, prefix: str) -> str:
    """Create an empty database named `prefix` + a random suffix on a PostgreSQL server and
    return its URL (the scale-out tests and benchmark, so they never share data)."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with create_engine(server_url, isolation_level="AUTOCOMMIT").connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    return server_url.rsplit("/", 1)[0] + "/" + name
