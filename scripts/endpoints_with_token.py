"""Copy an endpoints file so that its action_endpoint sends the action server's
secret and its replies are rendered with the clinic's settings.

scripts/run.sh gives Rasa this copy, so an endpoints file written without the
header (the tests write their own) still reaches the action server, which
refuses callers without it (actions/server.py). The copy holds the placeholder
`${ACTION_SERVER_TOKEN}`, never the secret: Rasa fills it in when it reads the file.
A file without an `nlg` section gets the clinic's generator (clinic/nlg.py).

    python scripts/endpoints_with_token.py SOURCE TARGET
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

HEADER = "Authorization"
# Plain (unquoted) when dumped, so Rasa's ${...} substitution applies.
VALUE = "Bearer ${ACTION_SERVER_TOKEN}"
CLINIC_NLG = {"type": "clinic.nlg.ClinicResponses"}


def with_token_header(endpoints: dict[str, Any]) -> dict[str, Any]:
    """The endpoints with the header added to action_endpoint, unless it has one."""
    action = endpoints.get("action_endpoint")
    if not isinstance(action, dict) or not action.get("url"):
        return endpoints
    headers = {HEADER: VALUE, **(action.get("headers") or {})}
    return {**endpoints, "action_endpoint": {**action, "headers": headers}}


def with_clinic_nlg(endpoints: dict[str, Any]) -> dict[str, Any]:
    """The endpoints with the clinic's generator, unless they name one."""
    return endpoints if endpoints.get("nlg") else {**endpoints, "nlg": dict(CLINIC_NLG)}


def main(source: Path, target: Path) -> None:
    # Plain PyYAML: other ${...} placeholders stay as they are, for Rasa to fill.
    endpoints = yaml.safe_load(source.read_text()) or {}
    endpoints = with_clinic_nlg(with_token_header(endpoints))
    target.write_text(yaml.safe_dump(endpoints, sort_keys=False))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
