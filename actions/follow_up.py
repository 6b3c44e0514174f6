"""Follow-ups that lean on the previous answer, and messages the NLU was unsure of.

"Is that permanent?" after hair loss, "what's that doctor called?" after the
preparation answer, "and for her?" after side effects: answered against the
bot's previous answer (knowledge/follow_ups.yml), read from the conversation's
events. A body site named right after a side-effects answer continues it.
Anything else gets the honest out-of-scope reply (utter_out_of_scope).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.lib.conversation import previous_answer
from actions.lib.follow_ups import answer_for
from actions.lib.side_effects import (
    mentioned_areas,
    remembered_areas,
    utter_any_part,
    utter_side_effects_for,
)

SIDE_EFFECTS_ACTION = "action_side_effects_by_body_site"


class ActionFollowUp(Action):
    def name(self) -> str:
        return "action_follow_up"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        previous = previous_answer(tracker)
        mentioned = mentioned_areas(tracker)
        if mentioned and previous == SIDE_EFFECTS_ACTION:
            utter_side_effects_for(mentioned, dispatcher)
            return []
        parts = answer_for(previous, tracker.latest_message.get("text") or "")
        if parts is None:
            dispatcher.utter_message(response="utter_out_of_scope")
            return []
        for part in parts:
            say(part, tracker, dispatcher)
        return []


def say(part: str, tracker: Tracker, dispatcher: CollectingDispatcher) -> None:
    if part == "any_part_row":
        utter_any_part(dispatcher)
    elif part == "side_effects_again":
        areas = remembered_areas(tracker)
        if areas:
            utter_side_effects_for(areas, dispatcher)
        else:
            utter_any_part(dispatcher)
    else:
        dispatcher.utter_message(response=part)
