"""What the running assistant has written to its folder."""

import time
from pathlib import Path


def files_at_rest(folder: Path, quiet_seconds: float = 1.0, timeout: float = 30) -> dict[Path, bytes]:
    """Every file in the folder with its bytes, read once no write is under way. The topic log
    is written after the reply goes out, so a SQLite journal can come and go while the test
    reads; a folder is at rest when no journal is there and no database changed for a second
    (the logs may go on growing)."""
    deadline, last, quiet_since = time.monotonic() + timeout, None, time.monotonic()
    while True:
        try:
            files = {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
        except FileNotFoundError:  # a journal went away between listing and reading
            files = None
        writing = files is None or any(p.name.endswith(("-journal", "-wal")) for p in files)
        databases = None if files is None else {p: raw for p, raw in files.items() if p.suffix != ".log"}
        if writing or databases != last:
            last, quiet_since = databases, time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_seconds:
            return files
        assert time.monotonic() < deadline, f"the assistant was still writing after {timeout} s"
        time.sleep(0.2)
