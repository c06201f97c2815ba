"""Start the assistant's processes, keep them running, stop them together.

The action server, the Rasa server (REST channel, and its HTTP API behind a token made
fresh at each start), the web chat server, the staff dashboard, and the Telegram bridge when
a bot token is configured. Used by `promisebot run` (README's one command) and by the end-to-end tests, so
the tests start the assistant exactly the way a newcomer does.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence
from urllib.parse import urlsplit

import requests
import yaml

from bot import logs, settings
from bot.model_cache import rasa_env
from bot.names import ROOT
from bot.privacy.failures import where_it_failed
from bot.store import retention
from bot.store.database import migrate

RESTART_LIMIT = 5  # a service that keeps dying is a fault to report, not to hide...
QUIET_AFTER = 600  # ...but one that then ran this many seconds is counted afresh
RESTART_BACKOFF = (1, 2, 5, 15, 30)  # seconds before each restart in a row
PURGE_EVERY = 3600  # seconds between purges of what is past its time (bot.store.retention)


@dataclass
class Service:
    name: str
    argv: List[str]
    port: Optional[int]  # None for the Telegram bridge in polling mode: it serves nothing
    ready_path: str = "/"
    env: Dict[str, str] = field(default_factory=dict)
    essential: bool = True  # a non-essential service that keeps failing is left stopped; the rest go on
    uses_database: bool = False  # its schema is migrated before it starts
    process: Optional[subprocess.Popen] = field(default=None, repr=False)
    restarts: int = 0  # in a row: reset after QUIET_AFTER seconds running
    started_at: float = 0.0  # time.monotonic()
    restart_at: Optional[float] = None  # when a stopped service is due to start again

    @property
    def ready_url(self) -> Optional[str]:
        return f"http://127.0.0.1:{self.port}{self.ready_path}" if self.port else None

    def start(self, log_dir: Optional[Path]) -> None:
        # Logs, databases and keys are for this user only: other local users read nothing.
        out = (
            open(os.open(log_dir / f"{self.name}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")
            if log_dir
            else None
        )
        self.process = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            env={**rasa_env(), **self.env},
            umask=0o077,
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
        )
        self.started_at, self.restart_at = time.monotonic(), None

    def is_ready(self) -> bool:
        if self.ready_url is None:
            return self.process is not None and self.process.poll() is None
        try:
            return requests.get(self.ready_url, timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with code {self.process.returncode} while starting")
            if self.is_ready():
                return
            time.sleep(0.25)
        raise TimeoutError(f"{self.name} was not ready after {timeout:.0f} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def endpoints_for(action_port: int, lock_store: Optional[str] = None) -> Path:
    """endpoints.yml, pointed at an action server on another port (tests, benchmark), and for
    Rasa replicas at a shared Redis lock store (redis://HOST:PORT/DB), so that two replicas
    never handle the same conversation at once."""
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    endpoints["action_endpoint"]["url"] = f"http://127.0.0.1:{action_port}/webhook"
    if lock_store:
        redis = urlsplit(lock_store)
        endpoints["lock_store"] = {
            "type": "bot.store.lock_store.SharedRedisLockStore",
            "url": redis.hostname or "127.0.0.1",
            "port": redis.port or 6379,
            "db": int(redis.path.strip("/") or 0),
            "key_prefix": "promisebot",
        }
        if redis.password:
            endpoints["lock_store"]["password"] = redis.password
    path = Path(tempfile.mkdtemp(prefix="promisebot-")) / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints))
    path.chmod(0o600)  # it may hold Redis's password
    return path


@dataclass(frozen=True)
class Ports:
    rasa: int = 5005
    actions: int = 5055
    web: int = 8000
    staff: int = 8001


def assistant_services(
    model: Path,
    ports: Ports = Ports(),
    web_host: str = "127.0.0.1",
    telegram: Optional[bool] = None,
    rasa_token: Optional[str] = None,
    replicas: int = 1,
    lock_store: Optional[str] = None,
    rasa_module: str = "bot.rasa_server",
) -> List[Service]:
    """Every process of the assistant. Telegram runs when PROMISEBOT_TELEGRAM_TOKEN is set
    (or `telegram` says so); Rasa's HTTP API, used only to delete conversations, needs a
    token that only these processes are given. With `replicas` > 1, Rasa runs that many times
    on the ports after ports.rasa (rasa, rasa-2, ...), sharing `lock_store` (Redis) and the
    tracker store's database, which must then be a server (PostgreSQL). `rasa_module` "rasa"
    runs Rasa without this project's fixes (the benchmark's baseline)."""
    if replicas > 1 and not lock_store:
        raise ValueError("Rasa replicas need a shared lock store (Redis)")
    python = sys.executable
    endpoints = (
        ROOT / "endpoints.yml" if ports.actions == 5055 and not lock_store else endpoints_for(ports.actions, lock_store)
    )
    rasa_token = rasa_token or secrets.token_urlsafe(32)
    rasa_ports = [ports.rasa + n for n in range(replicas)]
    channel_env = {
        "PROMISEBOT_RASA_URL": ",".join(f"http://127.0.0.1:{port}" for port in rasa_ports),
        "PROMISEBOT_RASA_TOKEN": rasa_token,
    }
    services = [
        Service(
            "actions",
            [python, "-m", "bot.action_server", "--port", str(ports.actions)],
            ports.actions,
            "/health",
            uses_database=True,
        )
    ]
    # The token goes in the environment, which only this user can read: any local user can
    # read a command line (ps). bot.rasa_server hands it to Rasa; the benchmark's plain Rasa
    # baseline takes it on its command line.
    token_passed = (
        ([], {"PROMISEBOT_RASA_TOKEN": rasa_token})
        if rasa_module == "bot.rasa_server"
        else ([f"--auth-token={rasa_token}"], {})
    )  # one word: a token may begin with "-"
    rasa_logging = (
        ["--logging-config-file", str(logs.rasa_logging_config())]
        if settings.choice("PROMISEBOT_LOG_FORMAT") == "json"
        else []
    )
    for number, port in enumerate(rasa_ports, start=1):
        services.append(
            Service(
                "rasa" if number == 1 else f"rasa-{number}",
                [
                    python,
                    "-m",
                    rasa_module,
                    "run",
                    "--model",
                    str(model),
                    "--endpoints",
                    str(endpoints),
                    "--credentials",
                    str(ROOT / "credentials.yml"),
                    "--interface",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--enable-api",
                    *token_passed[0],
                    *rasa_logging,
                ],
                port,
                env=dict(token_passed[1]),
                uses_database=True,
            )
        )
    services += [
        Service(
            "webchat",
            [python, "-m", "bot.channels.webchat.server", "--host", web_host, "--port", str(ports.web)],
            ports.web,
            "/health",
            env=channel_env,
        ),
        # Staff pages failing must never take the children's chat down with them.
        Service(
            "staff",
            [python, "-m", "bot.staff.server", "--port", str(ports.staff)],
            ports.staff,
            "/health",
            essential=False,
            uses_database=True,
        ),
    ]
    if telegram if telegram is not None else bool(settings.text("PROMISEBOT_TELEGRAM_TOKEN")):
        services.append(
            Service("telegram", [python, "-m", "bot.channels.telegram"], None, env=channel_env, essential=False)
        )
    return services


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def free_port_run(count: int) -> int:
    """The first of `count` free ports in a row (Rasa replicas take consecutive ports)."""
    while True:
        first = free_port()
        if all(port_is_free(first + n) for n in range(1, count)):
            return first


@dataclass
class Throwaway:
    """A running assistant on free ports with its own database (see `throwaway_assistant`)."""

    ports: Ports
    rasa_token: str
    workdir: Path
    services: List[Service]
    database_url: str

    @property
    def database_path(self) -> Path:
        return self.workdir / "assistant.sqlite"

    @property
    def rasa_urls(self) -> List[str]:
        """Every Rasa replica, in order."""
        return [f"http://127.0.0.1:{s.port}" for s in self.services if s.name == "rasa" or s.name.startswith("rasa-")]

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.rasa}/webhooks/rest/webhook"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.rasa}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.web}"

    @property
    def staff_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.staff}"


@contextlib.contextmanager
def throwaway_assistant(
    model: Path,
    names: Sequence[str] = ("actions", "rasa", "webchat", "staff"),
    prefix: str = "promisebot-",
    database_url: Optional[str] = None,
    replicas: int = 1,
    lock_store: Optional[str] = None,
    rasa_module: str = "bot.rasa_server",
    env: Optional[Dict[str, str]] = None,
) -> Iterator[Throwaway]:
    """The named services on free ports with a throwaway database, so nothing they write
    reaches the real one (the tests, the benchmark, and `promisebot phrasings answer`): a new
    SQLite file unless `database_url` names another. Logs go to its workdir. With `replicas`,
    the Rasa replicas are named rasa, rasa-2, ... (and need not be listed in `names`). `env`
    is given to every service (the tests' mail server and fake Telegram)."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    saved = os.environ.get("PROMISEBOT_DATABASE_URL")
    database_url = database_url or f"sqlite:///{workdir / 'assistant.sqlite'}"
    os.environ["PROMISEBOT_DATABASE_URL"] = database_url
    rasa_port = free_port_run(replicas)
    ports = Ports(rasa=rasa_port, actions=free_port(), web=free_port(), staff=free_port())
    token = secrets.token_urlsafe(24)
    services = [
        s
        for s in assistant_services(
            model,
            ports,
            telegram=False,
            rasa_token=token,
            replicas=replicas,
            lock_store=lock_store,
            rasa_module=rasa_module,
        )
        if s.name in names or (s.name.startswith("rasa-") and "rasa" in names)
    ]
    for service in services:
        service.env.update(env or {})
    try:
        start_all(services, log_dir=workdir)
        yield Throwaway(ports, token, workdir, services, database_url)
    finally:
        stop_all(services)
        if saved is None:
            os.environ.pop("PROMISEBOT_DATABASE_URL", None)
        else:
            os.environ["PROMISEBOT_DATABASE_URL"] = saved


def port_is_free(port: int) -> bool:
    """Whether a server could listen on `port` now. The probe binds as the servers themselves
    do, with SO_REUSEADDR, so connections of a run just stopped (still in TIME_WAIT for up to a
    minute) do not count: only something really listening does."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def start_all(services: List[Service], log_dir: Optional[Path] = None, timeout: float = 180) -> None:
    # Another copy still running would answer our readiness checks and hide the failure.
    busy = [f"{s.name} ({s.port})" for s in services if s.port and not port_is_free(s.port)]
    if busy:
        raise RuntimeError(f"port already in use for {', '.join(busy)}: is the assistant already running?")
    # The schema is brought up to date once, here, so that processes starting together never
    # race to create the same tables.
    if any(s.uses_database for s in services):
        migrate()
    # All start at once (Rasa loading its model is the slow part), then each is waited for.
    for service in services:
        service.start(log_dir)
    for service in services:
        try:
            service.wait_ready(timeout)
        except Exception as error:
            if not service.essential:
                print(f"{service.name} did not start ({error}); carrying on without it.", file=sys.stderr)
                continue
            stop_all(services)
            raise


def stop_all(services: List[Service]) -> None:
    for service in reversed(services):
        service.stop()


def running_message(services: List[Service]) -> str:
    by_name = {s.name: s for s in services}
    lines = [
        "The assistant is running (Ctrl-C stops it):",
        f"  web chat:     http://127.0.0.1:{by_name['webchat'].port}/",
        f"  staff dashboard: http://127.0.0.1:{by_name['staff'].port}/ (users: promisebot staff add)",
        f"  REST channel: POST http://127.0.0.1:{by_name['rasa'].port}/webhooks/rest/webhook",
    ]
    replicas = [s.port for s in services if s.name.startswith("rasa-")]
    if replicas:
        lines.append(f"  more Rasa replicas on: {', '.join(map(str, replicas))} (sharing the lock store and database)")
    if "telegram" in by_name:
        lines.append("  Telegram bridge: running")
    return "\n".join(lines)


def purge_when_due(last_purge: Optional[float]) -> float:
    """Purge what is past its time if the last purge (time.monotonic()) was PURGE_EVERY ago or
    never: here, on a schedule, rather than inside a message a young person is waiting on.
    Returns when the last purge was."""
    if last_purge is not None and time.monotonic() - last_purge < PURGE_EVERY:
        return last_purge
    try:
        print(f"Purged what is past its time: {retention.purge()}.", flush=True)
    except Exception as error:  # the assistant keeps running; the next hour tries again
        print(f"Could not purge expired data: {where_it_failed(error)}", file=sys.stderr)
    return time.monotonic()


def keep_running(watched: List[Service], log_dir: Optional[Path], now: Optional[float] = None) -> Optional[int]:
    """One look at the services: restart a stopped one after a wait that grows with each restart
    in a row (RESTART_BACKOFF); count a service that has run QUIET_AFTER seconds afresh; give up
    on one that stopped RESTART_LIMIT times in a row (leaving it out, or, if the assistant cannot
    work without it, returning the exit code 1)."""
    now = time.monotonic() if now is None else now
    for service in list(watched):
        if service.process is None:
            continue
        if service.process.poll() is None:
            if service.restarts and now - service.started_at >= QUIET_AFTER:
                service.restarts = 0
            continue
        if service.restarts >= RESTART_LIMIT:
            print(f"{service.name} keeps stopping; giving up on it.", file=sys.stderr)
            if service.essential:
                return 1
            watched.remove(service)
            continue
        if service.restart_at is None:
            wait = RESTART_BACKOFF[min(service.restarts, len(RESTART_BACKOFF) - 1)]
            service.restart_at = now + wait
            print(
                f"{service.name} stopped (code {service.process.returncode}); restarting in {wait} s.", file=sys.stderr
            )
        if now < service.restart_at:
            continue
        service.restarts += 1
        service.start(log_dir)
        try:
            service.wait_ready(180)
        except (RuntimeError, TimeoutError) as error:  # stopped: the next look restarts it, or gives up
            print(f"{service.name} did not come back: {error}", file=sys.stderr)
            service.stop()
    return None


def supervise(services: List[Service], log_dir: Optional[Path] = None) -> int:
    """Run until Ctrl-C or SIGTERM; restart a service that dies, a few times at most."""

    def on_term(signum, frame):  # SIGTERM, and SIGINT even when started in the background
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    try:
        try:
            start_all(services, log_dir)
        except (RuntimeError, TimeoutError) as error:
            print(f"Could not start the assistant: {error}", file=sys.stderr)
            return 1
        print(running_message(services), flush=True)
        watched = list(services)
        last_purge = purge_when_due(None)
        while True:
            time.sleep(1)
            last_purge = purge_when_due(last_purge)
            failed = keep_running(watched, log_dir)
            if failed is not None:
                return failed
    except KeyboardInterrupt:
        print("\nStopping...", flush=True)
        return 0
    finally:
        stop_all(services)
