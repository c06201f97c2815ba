"""Engine, sessions and migrations for the project's database.

Every engine of the project's, and Alembic's migrations, come from `engine()`, which first
checks the URL with `usable_url()`: a SQLite file's folder is created (a fresh clone has no
`var/`), and a setting that cannot work becomes one `StorageError` line saying what was
tried and what to change, never a traceback.
"""

from __future__ import annotations

import os
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Optional

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from bot import settings
from bot.names import VAR_DIR

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DEFAULT_URL = f"sqlite:///{VAR_DIR / 'promisebot.sqlite'}"


CHANGE_IT = (
    "set PROMISEBOT_DATABASE_URL to a database this user can write (sqlite:////path/file.sqlite "
    "or postgresql://user:password@host/name), or unset it to use var/promisebot.sqlite"
)


class StorageError(RuntimeError):
    """A database or key setting that cannot work, said in one line: what was tried, what to change."""


def database_url() -> str:
    return settings.text("PROMISEBOT_DATABASE_URL") or DEFAULT_URL


def private_folder(folder: Path) -> Path:
    """Create `folder` if it is missing (readable by this user only) and check it can be
    written: the one place the SQLite file's folder and the sender key's folder are made."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise StorageError(f"cannot create the folder {folder} ({error.strerror})") from error
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StorageError(f"cannot write in the folder {folder} (permission denied)")
    only_for_this_user(folder, 0o700)
    return folder


def only_for_this_user(path: Path, mode: int) -> None:
    """Take away other local users' access to what holds children's details (a folder made
    before, or by a git clone, keeps its old mode). Left alone if another user owns it."""
    status = path.stat()
    if status.st_uid == os.getuid() and status.st_mode & 0o077:
        path.chmod(mode)


def private_file(path: Path) -> None:
    """The SQLite file, created readable by this user only (SQLite gives its journal files the
    same mode), or made so."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # an empty file is an empty database
        only_for_this_user(path, 0o600)
    except OSError as error:
        raise StorageError(f"cannot create the database file {path} ({error.strerror})") from error


def shown(url: str) -> str:
    """A URL safe to print: no password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unreadable)"


def usable_url(url: str) -> str:
    """`url`, checked: it parses, its driver is installed, and a SQLite file's folder exists."""
    try:
        parsed = make_url(url)
    except ArgumentError:  # SQLAlchemy's message quotes the whole setting, password and all
        raise StorageError(f"the database setting is not a URL: {CHANGE_IT}") from None
    try:
        parsed.get_dialect()
    except NoSuchModuleError:
        raise StorageError(
            f"the database URL {parsed.drivername}://... names a database this "
            f"installation has no driver for: {CHANGE_IT}"
        ) from None
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        try:
            database_file = Path(parsed.database).expanduser().absolute()
            private_folder(database_file.parent)
            private_file(database_file)
        except StorageError as error:
            raise StorageError(f"{error}, for the database {shown(url)}: {CHANGE_IT}") from error
    return url


def engine(url: Optional[str] = None) -> Engine:
    return _engine(url or database_url())


@lru_cache(maxsize=None)
def _engine(url: str) -> Engine:
    """One engine (and connection pool) per database URL."""
    # hide_parameters: an error's message never quotes the values (a child's complaint, a name)
    created = create_engine(usable_url(url), future=True, pool_pre_ping=True, hide_parameters=True)
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


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(url: Optional[str] = None) -> None:
    """Bring the database schema up to date: once per start, before the services (the
    supervisor, and `promisebot migrate` before `promisebot serve`). Alembic is handed a
    connection from `engine()`, so it never makes an engine of its own."""
    url = url or database_url()
    config = _alembic_config()
    try:
        with engine(url).connect() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        raise StorageError(f"cannot open the database {shown(url)} ({reason}): {CHANGE_IT}") from None


def require_current_schema(url: Optional[str] = None) -> None:
    """A service checks, and never migrates: processes starting together would race to change
    the same tables. StorageError, with what to run, if the schema is not the code's."""
    url = url or database_url()
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    try:
        with engine(url).connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        raise StorageError(f"cannot open the database {shown(url)} ({reason}): {CHANGE_IT}") from None
    if current != head:
        raise StorageError(
            f"the database {shown(url)} is not up to date (at {current or 'nothing'}, the code needs {head}): "
            "run `promisebot migrate` (`promisebot run` does it at start)"
        )


def tracker_database_url() -> str:
    """Where Rasa's conversations are kept: the same database unless told otherwise."""
    return settings.text("PROMISEBOT_TRACKER_DATABASE_URL") or database_url()


def new_postgres_database(server_url: str, prefix: str) -> str:
    """Create an empty database named `prefix` + a random suffix on a PostgreSQL server and
    return its URL (the scale-out tests and benchmark, so they never share data)."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with create_engine(server_url, isolation_level="AUTOCOMMIT").connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    return server_url.rsplit("/", 1)[0] + "/" + name
