"""Engine, sessions and migrations for the project's database."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Optional

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine
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
    return create_engine(url, future=True, pool_pre_ping=True)


def session(url: Optional[str] = None) -> Session:
    return sessionmaker(engine(url), future=True)()


def migrate(url: Optional[str] = None) -> None:
    """Bring the database schema up to date (safe to run at every start)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    command.upgrade(config, "head")
