"""scripts/rasa_speedups.py: Rasa checks custom action replies exactly as
before, with the validator built once."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from scripts import rasa_speedups

A_REPLY = {
    "events": [{"event": "slot", "name": "body_site", "value": ["chest"]}],
    "responses": [{"response": "utter_side_effects_chest"}],
}
NOT_A_REPLY = {"events": [{"event": "no_such_event"}], "responses": "utter_x"}


@pytest.fixture
def remote_action(monkeypatch: pytest.MonkeyPatch) -> RemoteAction:
    monkeypatch.setattr(
        RemoteAction, "_validate_action_result", RemoteAction._validate_action_result
    )
    rasa_speedups.apply()
    return RemoteAction("action_side_effects_by_body_site", None)


def test_a_valid_action_reply_passes(remote_action: RemoteAction) -> None:
    assert remote_action._validate_action_result(A_REPLY) is True


def test_an_invalid_action_reply_is_refused_with_rasas_message(remote_action: RemoteAction) -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        remote_action._validate_action_result(NOT_A_REPLY)
