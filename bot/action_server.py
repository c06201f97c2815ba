"""Start the Rasa SDK action server on loopback only.

`python -m rasa_sdk` always listens on every interface; the action server needs no
outside callers (only the Rasa server on this machine), so it is bound to 127.0.0.1.
"""
from __future__ import annotations

import argparse
import logging
import sys

from rasa_sdk.endpoint import create_app

from bot.store.database import StorageError, migrate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    try:
        migrate()  # the schema is brought up to date before the first request
    except StorageError as error:
        print(f"action server: {error}", file=sys.stderr)
        return 1
    app = create_app("actions", cors_origins=None)
    app.run(args.host, args.port, access_log=False, workers=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
