"""Rasa's server, started as `python -m bot.rasa_server run ...` with Rasa's own arguments.

It is `rasa` with two fixes for speed applied first; Rasa behaves exactly as before. The API
token comes from PROMISEBOT_RASA_TOKEN rather than the command line.

- Rasa checks each action server answer with `jsonschema.validate`, which also re-checks
  Rasa's own (large, constant) schema against the JSON Schema meta-schema on every call: half
  of all the time a turn took (docs/benchmarks.md). Here the schema is compiled once, and every
  answer is still checked against it, with the same error when one is wrong.
- Loading a conversation turns each stored event back into an object by searching every
  subclass of Event for its type name, each time. Here the search is remembered.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import Any, Dict, Optional

from bot import settings


@lru_cache(maxsize=None)
def _action_response_validator():
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # once, not once per answer
    return validator_class(schema)


def validate_action_result(self, result: Dict[str, Any]) -> bool:
    """Rasa's RemoteAction._validate_action_result, with the schema compiled once."""
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(_action_response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            f"from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


_event_classes: Dict[str, type] = {}


def resolve_event_type(type_name: str, default: Optional[type] = None) -> Optional[type]:
    """Rasa's Event.resolve_by_type, remembering what it found (searching again on a miss,
    so an Event subclass defined later is still found)."""
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    if type_name not in _event_classes:
        for cls in all_subclasses(Event):
            _event_classes.setdefault(cls.type_name, cls)  # the first match wins, as in Rasa
    if type_name in _event_classes:
        return _event_classes[type_name]
    if type_name == "topic":
        return None  # as Rasa: old TopicSet events are ignored
    if default is not None:
        return default
    raise ValueError(f"Unknown event name '{type_name}'.")


def apply_fixes() -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event

    RemoteAction._validate_action_result = validate_action_result
    Event.resolve_by_type = staticmethod(resolve_event_type)


def main() -> None:
    apply_fixes()
    from rasa.__main__ import main as rasa_main

    # The API token comes in the environment (only this user can read it), not on the command
    # line (every local user can); changing sys.argv here does not change what `ps` shows.
    token = settings.text("PROMISEBOT_RASA_TOKEN")
    if token and "--enable-api" in sys.argv:
        sys.argv.append(f"--auth-token={token}")

    rasa_main()


if __name__ == "__main__":
    main()
