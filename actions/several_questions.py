"""Each of the page's questions in one message, answered in the order asked
(components/several_questions.py found them), then an honest "I don't know"
for a question in it the page does not answer. The answers are the domain's
responses; side effects and hair loss are the side-effects table's."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.lib.side_effects import utter_side_effects

ACTION_NAME = "action_answer_each_question"
SIDE_EFFECTS = {"ask_side_effects", "hair_loss"}
# Listed last when the message also asked something the page does not answer.
UNANSWERED = "out_of_scope"


class ActionAnswerEachQuestion(Action):
    def name(self) -> str:
        return ACTION_NAME

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        asked = tracker.latest_message.get("several_questions", {}).get("intents", [])
        for intent in asked:
            if intent == UNANSWERED:
                dispatcher.utter_message(response="utter_other_question_unknown")
            elif intent in SIDE_EFFECTS:
                # The other answers follow, so no "which part?" question here.
                utter_side_effects(tracker, dispatcher, asks_for_site=False)
            else:
                dispatcher.utter_message(response=f"utter_{intent}")
        if not asked:
            dispatcher.utter_message(response="utter_default")
        return []
