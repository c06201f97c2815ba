"""Start the Rasa SDK action server on loopback only, and never let a failure quote a child.

`python -m rasa_sdk` always listens on every interface; the action server needs no
outside callers (only the Rasa server on this machine), so it is bound to 127.0.0.1.

When an action fails, Rasa SDK's own error handler answers with the exception's message and
the whole request (the conversation, the slots holding a child's raw form answers), and Rasa
logs that answer at ERROR. Here a failure is answered and logged as its type and place only.
"""

from __future__ import annotations

import argparse
import logging
import sys

from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request

from bot import logs
from bot.privacy.failures import log_failure
from bot.store.database import StorageError, require_current_schema

logger = logging.getLogger(__name__)


def action_app(package: str = "actions") -> Sanic:
    app = create_app(package, cors_origins=None)

    # Registered after Rasa SDK's handler for the same exception, so it replaces that one.
    @app.exception(Exception)
    async def failed(request: Request, error: Exception):
        log_failure(logger, "an action failed", error)
        return response.json({"error": "the action failed; see the action server's log"}, status=500)

    return app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--actions", default="actions", help="the package of actions to serve")
    args = parser.parse_args()
    logs.configure("actions", logging.WARNING)
    try:
        require_current_schema()  # migrated once, before the services start (bot.supervisor)
    except StorageError as error:
        print(f"action server: {error}", file=sys.stderr)
        return 1
    app = action_app(args.actions)
    app.run(args.host, args.port, access_log=False, workers=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
