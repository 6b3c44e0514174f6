"""What the action tests share: the domain loaded once, messages parsed by the
real body-site extractor, real rasa_sdk Trackers and CollectingDispatchers, and
replies rendered from domain.yml by the Rasa server's own response generator
(clinic/nlg.py: Rasa's, with clinic.yml's settings), so each test reads what
the patient would read."""

from __future__ import annotations

import asyncio
from functools import cache
from typing import Any

import yaml
from page import PROJECT
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.nlu.training_data.message import Message
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from clinic.nlg import ClinicResponses
from components.body_site_extractor import BodySiteEntityExtractor

DOMAIN: dict[str, Any] = yaml.safe_load((PROJECT / "domain.yml").read_text(encoding="utf-8"))


@cache
def extractor() -> BodySiteEntityExtractor:
    storage = LocalModelStorage(PROJECT / "var")  # nothing is written: not trainable
    context = ExecutionContext(GraphSchema({}), "action-tests")
    return BodySiteEntityExtractor.create({}, storage, Resource("body_sites"), context)


def parse(text: str, intent: str) -> dict[str, Any]:
    """The latest message as the NLU pipeline leaves it: the intent given, the
    body sites found by the pipeline's own extractor."""
    message = Message.build(text=text)
    extractor().process([message])
    entities = message.get("entities", [])
    return {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities}


def tracker(
    text: str,
    intent: str = "ask_side_effects",
    remembered: list[str] | None = None,
    previous_bot_action: str | None = None,
) -> Tracker:
    """A conversation whose latest message is `text`, after `previous_bot_action`
    answered an earlier one, with `remembered` areas in the body_site slot."""
    message = parse(text, intent)
    events: list[dict[str, Any]] = []
    if previous_bot_action:
        events += [
            {"event": "user", "text": "earlier question", "parse_data": {}},
            {"event": "action", "name": previous_bot_action},
            {"event": "action", "name": "action_listen"},
        ]
    events.append({"event": "user", "text": text, "parse_data": message})
    return Tracker(
        sender_id="test",
        slots={"body_site": remembered},
        latest_message=message,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


@cache
def generator() -> ClinicResponses:
    return ClinicResponses(domain=Domain.from_dict(DOMAIN))


def rendered(dispatcher: CollectingDispatcher) -> str:
    """The dispatched responses as the patient reads them (lower case), filled
    in as Rasa fills an action's responses (RemoteAction: its values as keyword
    arguments)."""
    texts = []
    for message in dispatcher.messages:
        values = {k: v for k, v in message.items() if k != "response" and v is not None}
        reply = generator().generate_from_slots(message["response"], {}, "rest", **values)
        texts.append(reply["text"])
    return " ".join(texts).lower()


def reply_of(action: Action, text: str, **conversation: Any) -> str:
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker(text, **conversation), DOMAIN))
    return rendered(dispatcher)


def assert_lists(reply: str, present: list[str], absent: list[str]) -> None:
    for phrase in present:
        assert phrase in reply, f"{phrase!r} missing from {reply!r}"
    for phrase in absent:
        assert phrase not in reply, f"{phrase!r} should not be in {reply!r}"


# Words only one row of the page's table says.
HEAD_NECK_ONLY = ["dry mouth", "thickened saliva", "sore throat", "food tastes", "tooth decay"]
CHEST_ONLY = ["cough", "shortness of breath"]
ABDOMEN_ONLY = ["vomiting"]
PELVIS_ONLY = ["bladder irritation", "urinating often", "sexual function"]
ANY_PART = ["hair loss", "skin irritation", "extreme tiredness"]
