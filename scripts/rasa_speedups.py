"""Two changes to Rasa 3.6 that a turn's latency needs, applied by
scripts/quiet_start.py before `rasa run` starts. Each keeps Rasa's behaviour
and only stops redoing work whose answer cannot change while it runs.

- Rasa checks every custom action's reply with `jsonschema.validate`, which
  first checks the schema itself against the JSON Schema meta-schema: 33 ms of
  every turn that runs a custom action, on this machine, against 0.4 ms for
  the validation alone. The validator is built once.
- Reading a conversation, Rasa finds each stored event's class by walking
  every subclass of Event (0.13 ms an event: 17 ms a turn late in a session of
  25 messages). The classes are looked up in a table built once; a name not in
  it goes to Rasa's own lookup, which also handles its special cases.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

RASA_RESOLVE_BY_TYPE = Event.resolve_by_type


@cache
def action_response_validator() -> Validator:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(_: RemoteAction, result: dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result, with the validator built once."""
    try:
        action_response_validator().validate(result)
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your "
            "response from the Action endpoint is valid. For more information about "
            f"the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise
    return True


@cache
def event_classes() -> dict[str, type[Event]]:
    classes: dict[str, type[Event]] = {}
    for event_class in all_subclasses(Event):
        # The first match wins, as in Rasa's walk.
        classes.setdefault(event_class.type_name, event_class)
    return classes


def resolve_event_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    """Event.resolve_by_type, from the table."""
    return event_classes().get(type_name) or RASA_RESOLVE_BY_TYPE(type_name, default)


def apply() -> None:
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(resolve_event_type)  # type: ignore[method-assign]
