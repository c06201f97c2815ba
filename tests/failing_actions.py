"""An action that fails quoting the child's message, served only by the fault tests: what an
action server says and logs when any action breaks (bot/action_server.py)."""

from rasa_sdk import Action


class ActionThatFails(Action):
    def name(self) -> str:
        return "action_that_fails"

    def run(self, dispatcher, tracker, domain):
        raise ValueError(f"could not handle {tracker.latest_message.get('text')!r}")
