"""domain.yml's responses with the clinic's settings filled in (Rasa's NLG).

Rasa renders every reply, the action server's included, through the natural
language generator named in endpoints.yml (`nlg: type: clinic.nlg.ClinicResponses`).
This one is Rasa's own templated generator with the settings added to the
values a response is filled with, read from clinic.yml when it changed
(clinic/settings.py). So a settings change reaches the next reply of every
conversation, however old, without slots, restarts or the action server.

The settings are not slots: `clinic_phone_known` picks the variant of a
response that has the contact sentence (a `condition` in domain.yml). A Rasa
started without this generator fills nothing and matches no condition, so it
says the plain variant: never "None" or "{clinic_phone}". The emergency and
crisis numbers are written in the safety replies themselves and depend on
nothing here.
"""

from __future__ import annotations

from typing import Any

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from clinic.settings import current, template_values


class ClinicResponses(TemplatedNaturalLanguageGenerator):
    """Rasa's templated generator, with the clinic's settings among the values."""

    def __init__(
        self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None
    ) -> None:
        # Rasa gives the model's responses once the model is loaded (Agent.load_model).
        super().__init__(domain.responses if domain else {})

    def generate_from_slots(
        self,
        utter_action: str,
        filled_slots: dict[str, Any],
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        values = {**(filled_slots or {}), **template_values(current())}
        return super().generate_from_slots(utter_action, values, output_channel, **kwargs)
