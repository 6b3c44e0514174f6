"""What the conversation's events say, read through rasa_sdk's Tracker."""

from __future__ import annotations

from rasa_sdk import Tracker

# Not answers: listening, and the disclaimer said before a first answer.
NOT_ANSWERS = ["action_listen", "action_session_start", "utter_disclaimer"]


def previous_answer(tracker: Tracker) -> str | None:
    """The name of the bot's last answer before the patient's latest message."""
    event = tracker.get_last_event_for("action", exclude=NOT_ANSWERS)
    return event.get("name") if event else None


def latest_intent(tracker: Tracker) -> str | None:
    return tracker.latest_message.get("intent", {}).get("name")
