"""scripts/rasa_speedups.py: Rasa checks custom action replies and reads
stored events exactly as before, without redoing the same work each time."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses
from rasa.utils.tensorflow.models import RasaModel

from scripts import rasa_speedups

A_REPLY = {
    "events": [{"event": "slot", "name": "body_site", "value": ["chest"]}],
    "responses": [{"response": "utter_side_effects_chest"}],
}
NOT_A_REPLY = {"events": [{"event": "no_such_event"}], "responses": "utter_x"}


@pytest.fixture
def remote_action(monkeypatch: pytest.MonkeyPatch) -> RemoteAction:
    # Rasa's own methods come back after each test.
    monkeypatch.setattr(
        RemoteAction, "_validate_action_result", RemoteAction._validate_action_result
    )
    monkeypatch.setattr(Event, "resolve_by_type", Event.__dict__["resolve_by_type"])
    monkeypatch.setattr(RasaModel, "load", RasaModel.__dict__["load"])
    rasa_speedups.apply()
    return RemoteAction("action_side_effects_by_body_site", None)


def test_a_valid_action_reply_passes(remote_action: RemoteAction) -> None:
    assert remote_action._validate_action_result(A_REPLY) is True


def test_an_invalid_action_reply_is_refused_with_rasas_message(remote_action: RemoteAction) -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        remote_action._validate_action_result(NOT_A_REPLY)


@pytest.mark.usefixtures("remote_action")
def test_every_event_type_resolves_to_the_class_rasa_finds() -> None:
    for event_class in all_subclasses(Event):
        name = event_class.type_name
        assert Event.resolve_by_type(name) is rasa_speedups.RASA_RESOLVE_BY_TYPE(name)


@pytest.mark.usefixtures("remote_action")
def test_rasas_special_cases_still_hold() -> None:
    assert Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")
