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

from knowledge.body_sites import BodyArea, body_areas
from knowledge.side_effects import ANY_PART, side_effects_table

ACTION_NAME = "action_side_effects_by_body_site"
SLOT = "body_site"
# Bot turns after which a bare body site ("and the liver?") continues the
# side-effects conversation instead of just being noted.
SIDE_EFFECTS_TURNS = {ACTION_NAME, "utter_risks_general"}


class ActionSideEffectsByBodySite(Action):
    def name(self) -> str:
        return ACTION_NAME

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        intent = tracker.latest_message.get("intent", {}).get("name")
        mentioned = known_areas(entity_values(tracker))
        if intent == "inform_body_site" and mentioned and not wants_an_answer(tracker):
            dispatcher.utter_message(response="utter_body_site_noted", site=join_names(mentioned))
            return []
        areas = mentioned or known_areas(tracker.get_slot(SLOT) or [])
        if areas:
            utter_side_effects_for(areas, dispatcher)
        else:
            utter_any_part(dispatcher)
            if intent != "hair_loss":
                dispatcher.utter_message(response="utter_ask_body_site")
        if asks_about_a_symptom(tracker):
            dispatcher.utter_message(response="utter_symptom_safety_line")
        return []


def asks_about_a_symptom(tracker: Tracker) -> bool:
    """Triage (components/triage) saw a symptom asked about as a side effect."""
    return bool(tracker.latest_message.get("triage", {}).get("symptom_question"))


def entity_values(tracker: Tracker) -> list[str]:
    return [str(value) for value in tracker.get_latest_entity_values(SLOT)]


def known_areas(names: list[str]) -> list[BodyArea]:
    """Areas of the terms file, in the order first named, each once."""
    areas = body_areas()
    return [areas[name] for name in dict.fromkeys(names) if name in areas]


def wants_an_answer(tracker: Tracker) -> bool:
    """A body site said as a question or with "side effects", or right after a
    side-effects turn: not just a diagnosis to note."""
    text = (tracker.latest_message.get("text") or "").lower()
    return "?" in text or "side effect" in text or follows_side_effects_turn(tracker)


def follows_side_effects_turn(tracker: Tracker) -> bool:
    """Whether the bot's turn before the latest message was about side effects."""
    seen_latest_user_message = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_latest_user_message:
                return False
            seen_latest_user_message = True
        elif (
            seen_latest_user_message
            and event.get("event") == "action"
            and event.get("name") != "action_listen"
        ):
            return event.get("name") in SIDE_EFFECTS_TURNS
    return False


def utter_side_effects_for(areas: list[BodyArea], dispatcher: CollectingDispatcher) -> None:
    table = side_effects_table()
    for row in table.values():
        named_here = [area for area in areas if row.key in area.rows]
        if named_here:
            dispatcher.utter_message(
                response="utter_side_effects_for_site",
                site=describe_site(row.label, named_here),
                effects=lower_first(row.effects),
            )
    not_in_table = [area for area in areas if not area.rows]
    if not_in_table:
        dispatcher.utter_message(
            response="utter_side_effects_not_listed", site=join_names(not_in_table)
        )
    utter_any_part(dispatcher)
    dispatcher.utter_message(response="utter_side_effects_handoff")


def utter_any_part(dispatcher: CollectingDispatcher) -> None:
    dispatcher.utter_message(
        response="utter_side_effects_any_part",
        effects=lower_first(side_effects_table()[ANY_PART].effects),
    )


def describe_site(row_label: str, areas: list[BodyArea]) -> str:
    """'pelvis (prostate)'; just 'chest' when the patient said 'chest'."""
    label = row_label.lower()
    others = [area for area in areas if area.name != label]
    return f"{label} ({join_names(others)})" if others else label


def join_names(areas: list[BodyArea]) -> str:
    names = [area.name for area in areas]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
