"""Changing what a message is taken to mean, the one way our NLU components do it."""
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message


def override_intent(message: Message, name: str) -> None:
    """`name` first, with what the classifier said kept next in the ranking for review."""
    override = {"name": name, "confidence": 1.0}
    ranking = [r for r in message.get(INTENT_RANKING_KEY, []) if r.get("name") != name]
    message.set(INTENT, override, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [override] + ranking, add_to_output=True)
