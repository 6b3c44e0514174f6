"""What the bot says when the classifier is unsure.

Usually the honest "I don't know, ask your care team". One exception: right
after a side-effects answer, a message naming a body part ("and if it were the
chest wall instead?") is taken as the follow-up it almost always is.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.side_effects import (
    entity_values,
    follows_side_effects_turn,
    known_areas,
    utter_side_effects_for,
)


class ActionUnclearMessage(Action):
    def name(self) -> str:
        return "action_unclear_message"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        mentioned = known_areas(entity_values(tracker))
        if mentioned and follows_side_effects_turn(tracker):
            utter_side_effects_for(mentioned, dispatcher)
        else:
            dispatcher.utter_message(response="utter_out_of_scope")
        return []
