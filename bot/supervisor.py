"""Start the action server and the Rasa server, keep them running, stop them together.

Used by `promisebot run` (README's one command) and by the end-to-end tests, so the
tests start the assistant exactly the way a newcomer does.
"""
from __future__ import annotations

import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

import requests
import yaml

from bot.model_cache import ROOT, rasa_env

RESTART_LIMIT = 5  # a service that keeps dying is a fault to report, not to hide


@dataclass
class Service:
    name: str
    argv: List[str]
    ready_url: str
    process: Optional[subprocess.Popen] = field(default=None, repr=False)
    restarts: int = 0

    def start(self, log_dir: Optional[Path]) -> None:
        out = open(log_dir / f"{self.name}.log", "ab") if log_dir else None
        self.process = subprocess.Popen(self.argv, cwd=ROOT, env=rasa_env(), stdout=out, stderr=subprocess.STDOUT if out else None)

    def is_ready(self) -> bool:
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


def endpoints_for(action_port: int) -> Path:
    """endpoints.yml, pointed at an action server on another port (tests, benchmark)."""
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    endpoints["action_endpoint"]["url"] = f"http://127.0.0.1:{action_port}/webhook"
    path = Path(tempfile.mkdtemp(prefix="promisebot-")) / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints))
    return path


def assistant_services(model: Path, rasa_port: int = 5005, action_port: int = 5055) -> List[Service]:
    python = sys.executable
    endpoints = ROOT / "endpoints.yml" if action_port == 5055 else endpoints_for(action_port)
    return [
        Service("actions", [python, "-m", "bot.action_server", "--port", str(action_port)],
                f"http://127.0.0.1:{action_port}/health"),
        Service("rasa", [python, "-m", "rasa", "run", "--model", str(model), "--endpoints", str(endpoints),
                         "--credentials", str(ROOT / "credentials.yml"), "--interface", "127.0.0.1",
                         "--port", str(rasa_port)],
                f"http://127.0.0.1:{rasa_port}/"),
    ]


def port_of(service: Service) -> int:
    return int(service.ready_url.split(":")[2].split("/")[0])


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def start_all(services: List[Service], log_dir: Optional[Path] = None, timeout: float = 180) -> None:
    # Another copy still running would answer our readiness checks and hide the failure.
    busy = [f"{s.name} ({port_of(s)})" for s in services if not port_is_free(port_of(s))]
    if busy:
        raise RuntimeError(f"port already in use for {', '.join(busy)}: is the assistant already running?")
    for service in services:
        service.start(log_dir)
        try:
            service.wait_ready(timeout)
        except Exception:
            stop_all(services)
            raise


def stop_all(services: List[Service]) -> None:
    for service in reversed(services):
        service.stop()


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
        print("The assistant is running. REST channel: POST http://127.0.0.1:"
              f"{services[-1].ready_url.rsplit(':', 1)[1].rstrip('/')}/webhooks/rest/webhook  (Ctrl-C stops it)",
              flush=True)
        while True:
            time.sleep(1)
            for service in services:
                if service.process is not None and service.process.poll() is not None:
                    if service.restarts >= RESTART_LIMIT:
                        print(f"{service.name} keeps stopping; giving up.", file=sys.stderr)
                        return 1
                    service.restarts += 1
                    print(f"{service.name} stopped (code {service.process.returncode}); restarting.", file=sys.stderr)
                    service.start(log_dir)
                    service.wait_ready(180)
    except KeyboardInterrupt:
        print("\nStopping...", flush=True)
        return 0
    finally:
        stop_all(services)
