"""Replies from the page's side-effects table, for the sites a patient named."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from knowledge.body_sites import BodyArea, body_areas
from knowledge.side_effects import ANY_PART, side_effects_table

SLOT = "body_site"


def mentioned_areas(tracker: Tracker) -> list[BodyArea]:
    """Areas named in the latest message (body_site entities)."""
    return known_areas([str(value) for value in tracker.get_latest_entity_values(SLOT)])


def remembered_areas(tracker: Tracker) -> list[BodyArea]:
    """Areas named at any point of this conversation (the body_site slot)."""
    return known_areas(tracker.get_slot(SLOT) or [])


def known_areas(names: list[str]) -> list[BodyArea]:
    """Areas of the terms file, in the order first named, each once."""
    areas = body_areas()
    return [areas[name] for name in dict.fromkeys(names) if name in areas]


def utter_side_effects(
    tracker: Tracker, dispatcher: CollectingDispatcher, asks_for_site: bool
) -> None:
    """The rows of the sites named now or earlier; else the "any part" row,
    then (`asks_for_site`) which part is treated. A symptom asked about as a
    side effect also gets the safety line."""
    areas = mentioned_areas(tracker) or remembered_areas(tracker)
    if areas:
        utter_side_effects_for(areas, dispatcher)
    else:
        utter_any_part(dispatcher)
        if asks_for_site:
            dispatcher.utter_message(response="utter_ask_body_site")
    if asks_about_a_symptom(tracker):
        dispatcher.utter_message(response="utter_symptom_safety_line")


def asks_about_a_symptom(tracker: Tracker) -> bool:
    """Triage (components/triage) saw a symptom asked about as a side effect."""
    return bool(tracker.latest_message.get("triage", {}).get("symptom_question"))


def utter_side_effects_for(areas: list[BodyArea], dispatcher: CollectingDispatcher) -> None:
    for row in side_effects_table().values():
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
