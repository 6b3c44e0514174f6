"""Three changes to Rasa 3.6 that a turn's latency and a start's time need,
applied by scripts/quiet_start.py before `rasa run` starts. Each keeps Rasa's
behaviour and only stops doing work whose answer cannot change while it runs.

- Rasa checks every custom action's reply with `jsonschema.validate`, which
  first checks the schema itself against the JSON Schema meta-schema: 33 ms of
  every turn that runs a custom action, on this machine, against 0.4 ms for
  the validation alone. The validator is built once.
- Reading a conversation, Rasa finds each stored event's class by walking
  every subclass of Event (0.13 ms an event: 17 ms a turn late in a session of
  25 messages). The classes are looked up in a table built once; a name not in
  it goes to Rasa's own lookup, which also handles its special cases.
- Loading DIET, Rasa builds its weights by training it for one step on one
  example, then overwrites them from the model file: about 8 of the 16 s
  that loading the model took in a 26 s start of `rasa run`. To predict, the
  weights are restored from the file as predicting first creates them
  (TensorFlow's deferred restoration), and no training step is traced.
  Fine-tuning keeps Rasa's way, which needs the optimizer's state.
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
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel

RASA_RESOLVE_BY_TYPE = Event.resolve_by_type
RASA_MODEL_LOAD = RasaModel.load.__func__  # type: ignore[attr-defined]


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


def load_to_predict(
    cls: type[RasaModel],
    model_file_name: str,
    model_data_example: RasaModelData,
    predict_data_example: RasaModelData | None = None,
    finetune_mode: bool = False,
    *args: Any,
    **kwargs: Any,
) -> RasaModel:
    """RasaModel.load without the one training step, when only predicting."""
    if finetune_mode or predict_data_example is None:
        return RASA_MODEL_LOAD(
            cls, model_file_name, model_data_example, predict_data_example, finetune_mode,
            *args, **kwargs,
        )  # fmt: skip
    model = cls(*args, **kwargs)
    # The file also holds the optimizer's state, which predicting never uses.
    model.load_weights(model_file_name).expect_partial()
    # Creates the weights (each restored from the file as it is created) and
    # traces the prediction, as Rasa's load does last.
    model.run_inference(predict_data_example)
    return model


def apply() -> None:
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(resolve_event_type)  # type: ignore[method-assign]
    RasaModel.load = classmethod(load_to_predict)  # type: ignore[method-assign, assignment]
