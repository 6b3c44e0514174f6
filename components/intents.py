"""Setting a message's intent from a component that overrides the classifier."""

from __future__ import annotations

from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message


def set_intent(message: Message, name: str) -> None:
    """`name` with confidence 1.0, first in the ranking; the rest keep their place."""
    intent = {"name": name, "confidence": 1.0}
    ranking = [entry for entry in message.get(INTENT_RANKING_KEY, []) if entry.get("name") != name]
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [dict(intent), *ranking], add_to_output=True)
