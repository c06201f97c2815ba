"""A conversation full of made-up personal details, through the web chat into the running
assistant; then every database and log file the system wrote is searched. The details may
appear nowhere but in the request the young person chose to send."""

import re
import sqlite3
import time
import uuid
from pathlib import Path

import requests
from assistant_files import files_at_rest

CHAT = [  # (what is sent: the page opening, typed text, or a tap on a button just shown, by its title)
    ("start", True),
    ("text", "im 14"),
    ("text", "hi my name is Tamsin Okonkwo"),
    ("text", "my email is tamsin.okon@example.com and my number is 07700 900461"),
    ("text", "i live at 14 Birchfield Road WS2 8PL"),
    ("text", "my dob is 03/04/2011 and my nhs number is 943 476 5919"),
    ("text", "my ni number is AB 12 34 56 C and my insta is @tamsin_ok22"),
    ("text", "can my sw Gemma ring me on 07700 900388 bout my pep"),
    ("text", "how do i make a complaint"),
    ("tap", "Start a complaint"),
    ("text", "my sw Priya Raman never calls me back, ring me on 07700 900462"),
    ("text", "i want a new social worker"),
    ("text", "yes"),
    ("text", "Tamsin"),
    ("text", "Phone"),
    ("text", "07700 900463"),
    ("tap", "Yes"),
]
SUBMITTED = ["Priya Raman", "07700 900462", "Tamsin", "07700 900463"]  # the request the child sent
# Numbers are searched for whole, as typed and without spaces: six digits alone ("900388") turn
# up by chance in the microseconds of stored timestamps, and failed CI once that way.
NEVER_STORED = [
    "Okonkwo",
    "tamsin.okon@example.com",
    "07700 900461",
    "07700900461",
    "Birchfield",
    "WS2 8PL",
    "03/04/2011",
    "943 476 5919",
    "9434765919",
    "AB 12 34 56 C",
    "tamsin_ok22",
    "Gemma",
    "07700 900388",
    "07700900388",
]


def database_text(path: Path, skip_table: str) -> str:
    """Every row of every table but one, as SQL text."""
    lines = sqlite3.connect(path).iterdump()
    return "\n".join(line for line in lines if not line.startswith(f'INSERT INTO "{skip_table}"'))


def around(raw: bytes, detail: str) -> bytes:
    """Where a detail was found, with what is either side, so a failure says how it got there."""
    at = raw.index(detail.encode())
    return raw[max(0, at - 80) : at + len(detail) + 80]


def test_personal_details_are_kept_only_in_the_request_the_child_sent(assistant, mailbox):
    session = uuid.uuid4().hex
    replies, buttons = [], {}
    for kind, message in CHAT:
        time.sleep(1.3)  # typed like a person: the web chat allows 8 messages in 10 s
        sent = {"payload": buttons[message]} if kind == "tap" else {kind: message}
        response = requests.post(assistant.web_url + "/api/message", json={"session": session, **sent}, timeout=60)
        assert response.status_code == 200
        messages = response.json()["messages"]
        buttons = {b["title"]: b["payload"] for m in messages for b in m["buttons"]}
        replies.append("\n".join(m["text"] for m in messages))
    assert "Your complaint has been sent" in replies[-1], replies[-3:]

    written = files_at_rest(assistant.workdir)
    databases = [p for p in written if p.suffix == ".sqlite"]
    assert databases and any(p.suffix == ".log" for p in written)
    request_rows = "\n".join(
        repr(row) for path in databases for row in sqlite3.connect(path).execute("select * from requests")
    )
    for detail in SUBMITTED:
        assert detail in request_rows, f"the sent request should keep {detail!r}"

    leaks = []
    for path, raw in written.items():  # deleted rows too: SQLite's free pages are zeroed (secure_delete)
        leaks += [f"{d!r} in {path.name}: {around(raw, d)}" for d in NEVER_STORED if d.encode() in raw]
        if path.suffix == ".sqlite":
            outside_requests = database_text(path, "requests")
            leaks += [f"{d!r} in {path.name} outside the request" for d in SUBMITTED if d in outside_requests]
        else:
            leaks += [f"{d!r} in {path.name}" for d in SUBMITTED if d.encode() in raw]
    reference = re.search(r"\bC-\d{4}-\d{6}\b", replies[-1]).group()
    for _, email in mailbox.about(reference):  # the team's email says a request came, and no more
        text = email["Subject"] + email.get_content()
        leaks += [f"{d!r} in the email to staff" for d in NEVER_STORED + SUBMITTED if d in text]
    assert not leaks, leaks


def test_other_local_users_can_read_nothing_the_assistant_keeps_nor_its_api_token(assistant):
    """The database, its journal, the logs and the folder holding them are this user's alone,
    and Rasa's API token (which reads any conversation) is on no process's command line."""
    folders = [path for path in assistant.workdir.rglob("*") if path.is_dir()]
    kept = [assistant.workdir, *folders, *files_at_rest(assistant.workdir)]  # at rest: a journal comes and goes
    assert assistant.database_path in kept and (assistant.workdir / "rasa.log") in kept
    assert [(path.name, oct(path.stat().st_mode & 0o777)) for path in kept if path.stat().st_mode & 0o077] == []
    for service in assistant.services:
        command_line = Path(f"/proc/{service.process.pid}/cmdline").read_bytes()
        assert assistant.rasa_token.encode() not in command_line, service.name
    # and the token still works: the web chat's "delete my chat" uses it
    events = requests.get(
        f"{assistant.rasa_url}/conversations/nobody/tracker", params={"token": assistant.rasa_token}, timeout=10
    )
    assert events.status_code == 200


def test_a_database_folder_and_file_made_before_are_made_private(tmp_path, monkeypatch):
    """A git clone's var/ and a database file created under another umask were readable by
    every local user."""
    from bot.store.database import usable_url

    folder = tmp_path / "var"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    (folder / "promisebot.sqlite").touch(mode=0o644)
    (folder / "promisebot.sqlite").chmod(0o644)
    usable_url(f"sqlite:///{folder / 'promisebot.sqlite'}")
    usable_url(f"sqlite:///{folder / 'new.sqlite'}")
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert {p.name: oct(p.stat().st_mode & 0o777) for p in folder.iterdir()} == {
        "promisebot.sqlite": "0o600",
        "new.sqlite": "0o600",
    }
