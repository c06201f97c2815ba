"""Changing what a message is taken to mean, the one way our NLU components do it."""

from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message


def override_intent(message: Message, name: str) -> None:
    """`name` first, with what the classifier said kept next in the ranking for review."""
    override = {"name": name, "confidence": 1.0}
    ranking = [r for r in message.get(INTENT_RANKING_KEY, []) if r.get("name") != name]
    message.set(INTENT, override, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [override] + ranking, add_to_output=True)


def add_entity(message: Message, name: str, value: str, start: int, end: int, extractor: str) -> None:
    """An entity our components found, replacing any earlier one of the same name."""
    entity = {"entity": name, "value": value, "start": start, "end": end, "confidence": 1.0, "extractor": extractor}
    kept = [e for e in message.get(ENTITIES, []) if e.get("entity") != name]
    message.set(ENTITIES, kept + [entity], add_to_output=True)
