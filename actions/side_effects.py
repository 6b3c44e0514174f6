"""Side effects by body site, from the page's table.

Sites come from `body_site` entities (found by components/body_site_extractor.py)
in the latest message, else from the `body_site` slot, which remembers sites
mentioned earlier in the conversation.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.lib.conversation import latest_intent, previous_answer
from actions.lib.side_effects import join_names, mentioned_areas, utter_side_effects

ACTION_NAME = "action_side_effects_by_body_site"
# Answers after which a bare body site ("and the liver?") continues the
# side-effects conversation instead of just being noted.
SIDE_EFFECTS_ANSWERS = {ACTION_NAME, "utter_risks_general", "utter_side_effects_manageable"}


class ActionSideEffectsByBodySite(Action):
    def name(self) -> str:
        return ACTION_NAME

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        intent = latest_intent(tracker)
        mentioned = mentioned_areas(tracker)
        if intent == "inform_body_site" and mentioned and not continues_side_effects(tracker):
            # A diagnosis said out of the blue: noted and remembered, not lectured on.
            dispatcher.utter_message(response="utter_body_site_noted", site=join_names(mentioned))
            return []
        utter_side_effects(tracker, dispatcher, asks_for_site=intent != "hair_loss")
        return []


def continues_side_effects(tracker: Tracker) -> bool:
    """The bot's previous answer was about side effects."""
    return previous_answer(tracker) in SIDE_EFFECTS_ANSWERS
