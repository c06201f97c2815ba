"""README's first command, the way a newcomer runs it: `make run` in a fresh clone.

A fresh clone has no `var/` (git ignores it), and a restart straight after Ctrl-C finds the
last run's connections still in TIME_WAIT. Both stopped the assistant before; these tests
guard them, and the one clear line a bad database setting gets instead of a traceback.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bot.names import ROOT
from bot.supervisor import free_port, free_port_run, port_is_free

MAKE = shutil.which("make")
ANSWER_WITHIN = 240  # seconds from `make run` to an answer on the REST channel (about 30 s here)


# --- the port check --------------------------------------------------------------------------


def test_a_port_left_in_time_wait_by_a_stopped_run_counts_as_free():
    """The server side closes first, as the assistant's servers do when stopped, so that side's
    connection stays in TIME_WAIT on the port; a server binding with SO_REUSEADDR can listen there."""
    port = free_port()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen()
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = listener.accept()
    accepted.close()  # server side first: its end goes to TIME_WAIT
    time.sleep(0.1)
    client.close()
    listener.close()
    assert port_is_free(port)


def test_a_port_with_a_listener_is_not_free():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        assert not port_is_free(listener.getsockname()[1])


# --- database settings -----------------------------------------------------------------------


def promisebot(*args, database_url):
    env = {**os.environ, "PROMISEBOT_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_a_sqlite_database_in_a_folder_not_made_yet_is_created(tmp_path):
    database = tmp_path / "not" / "made" / "yet.sqlite"
    done = promisebot("migrate", database_url=f"sqlite:///{database}")
    assert done.returncode == 0, done.stderr
    assert database.exists()
    assert (database.parent.stat().st_mode & 0o777) == 0o700  # nobody else on the server reads it


@pytest.mark.parametrize(
    "url, names",
    [
        ("this is not a database url", ["is not a URL"]),
        ("nosuchdb://somewhere/x", ["nosuchdb://", "no driver"]),
        ("sqlite:////etc/hostname/inside/a/file.sqlite", ["/etc/hostname/inside/a", "cannot create the folder"]),
        ("postgresql://someone:hunter2secret@127.0.0.1:1/promises", ["127.0.0.1:1", "cannot open the database"]),
    ],
)
def test_a_bad_database_setting_gets_one_clear_line(url, names):
    done = promisebot("migrate", database_url=url)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for name in names + ["PROMISEBOT_DATABASE_URL"]:
        assert name in lines[0]
    assert "hunter2secret" not in done.stderr  # a password is never printed


# --- make run in a fresh clone ---------------------------------------------------------------


def git(*args, cwd=ROOT, env=None):
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


def fresh_clone(into: Path) -> Path:
    """A `git clone` of the repository as it is now (uncommitted changes included, so it can be
    run before committing), in `into/promises`, with `../shared` beside it as in CI."""
    index = into / "snapshot-index"
    env = {
        **os.environ,
        "GIT_INDEX_FILE": str(index),
        "GIT_AUTHOR_NAME": "test",
        "GIT_AUTHOR_EMAIL": "test@localhost",
        "GIT_COMMITTER_NAME": "test",
        "GIT_COMMITTER_EMAIL": "test@localhost",
    }
    git("read-tree", "HEAD", env=env)
    git("add", "-A", env=env)
    snapshot = git("commit-tree", git("write-tree", env=env), "-p", "HEAD", "-m", "working tree", env=env)
    ref = f"refs/promisebot-test/fresh-clone-{os.getpid()}"
    git("update-ref", ref, snapshot)
    clone = into / "promises"
    try:
        git("clone", "--quiet", "--no-checkout", str(ROOT), str(clone), cwd=into)
        git("fetch", "--quiet", "origin", ref, cwd=clone)
        git("checkout", "--quiet", "FETCH_HEAD", cwd=clone)
    finally:
        git("update-ref", "-d", ref)
    shared = ROOT.parent / "shared"
    if shared.exists():
        (into / "shared").symlink_to(shared)
    return clone


def answers(rasa_port: int) -> bool:
    try:
        reply = requests.post(
            f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
            json={"sender": "fresh-clone", "message": "hi im 14"},
            timeout=30,
        )
    except requests.RequestException:
        return False
    return reply.status_code == 200 and any("12 to 15" in (m.get("text") or "") for m in reply.json())


def venv_is_current_for(checkout: Path) -> bool:
    """Whether the shared .venv holds what this checkout's dependency files ask for, as
    scripts/setup-venv decides it (the checkout's own copy, run in the checkout)."""
    check = [str(checkout / "scripts" / "setup-venv"), "--is-current", str(ROOT / ".venv")]
    return subprocess.run(check, cwd=checkout).returncode == 0


def make_run(clone: Path, ports: dict, log: Path) -> subprocess.Popen:
    """README's first command. The already-built .venv and the trained model are reused (VENV
    names this checkout's; PYTHONPATH puts the clone's own code first), so it stays fast."""
    run_args = " ".join(f"--{name}-port {port}" for name, port in ports.items())
    env = {**os.environ, "PYTHONPATH": str(clone)}
    env.pop("PROMISEBOT_DATABASE_URL", None)  # the default: var/promisebot.sqlite in the clone
    return subprocess.Popen(
        [MAKE, "run", f"VENV={ROOT / '.venv'}", f"RUN_ARGS={run_args}"],
        cwd=clone,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> int:
    """Ctrl-C, as a newcomer stops it: to the whole process group."""
    os.killpg(process.pid, signal.SIGINT)
    try:
        return process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return process.wait()


def wait_for_answer(process: subprocess.Popen, rasa_port: int, log: Path) -> None:
    deadline = time.monotonic() + ANSWER_WITHIN
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"`make run` stopped (code {process.returncode}):\n{log.read_text()[-3000:]}")
        if answers(rasa_port):
            return
        time.sleep(1)
    pytest.fail(f"no answer on the REST channel within {ANSWER_WITHIN} s:\n{log.read_text()[-3000:]}")


@pytest.mark.skipif(
    MAKE is None or not (ROOT / ".venv" / "bin" / "promisebot").exists(),
    reason="needs make and the project's .venv (make test builds both)",
)
def test_make_run_is_the_first_command_in_a_fresh_clone_and_restarts_straight_away(tmp_path, model_path):
    clone = fresh_clone(tmp_path)
    assert not (clone / "var").exists()
    if not venv_is_current_for(clone):
        # `make run` would rebuild the shared .venv for the clone's dependencies, pointing it at the
        # clone (deleted after the test): never touch the developer's environment for a test.
        message = (
            "the committed pyproject.toml or requirements.lock differ from what .venv holds: commit, then `make setup`"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    (clone / "models").mkdir()
    shutil.copy2(model_path, clone / "models" / model_path.name)  # the trained model, reused
    first_rasa = free_port_run(1)
    ports = {"rasa": first_rasa, "action": free_port(), "web": free_port(), "staff": free_port()}
    log = tmp_path / "make-run.log"

    process = make_run(clone, ports, log)
    try:
        wait_for_answer(process, ports["rasa"], log)
        assert (clone / "var" / "promisebot.sqlite").exists()
        assert (clone / "var" / "sender.key").exists()
    finally:
        # make passes Ctrl-C on, waits for the assistant to stop, then dies of the same signal.
        assert stop(process) in (0, 2, -signal.SIGINT), log.read_text()[-3000:]
        assert "Stopping..." in log.read_text()

    # Straight after Ctrl-C, as a newcomer restarts it: no "port already in use".
    process = make_run(clone, ports, log)
    try:
        wait_for_answer(process, ports["rasa"], log)
    finally:
        stop(process)
    assert "already in use" not in log.read_text()
