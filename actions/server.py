"""The action server: rasa_sdk's app, answering only callers that hold the shared secret.

rasa-sdk 3.6 checks no credentials and `rasa run actions` listens on 0.0.0.0.
Here every route but /health needs `Authorization: Bearer <ACTION_SERVER_TOKEN>`,
which Rasa sends from the `headers:` of `action_endpoint` in endpoints.yml, and
the server listens on --host (127.0.0.1 by default).

    ACTION_SERVER_TOKEN=... python -m actions.server --host 127.0.0.1 --port 5055
"""

from __future__ import annotations

import argparse
import hmac
import os
import sys

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

TOKEN_VARIABLE = "ACTION_SERVER_TOKEN"
# Shorter secrets are guessable; `make run` generates 43 characters.
MIN_TOKEN_LENGTH = 16
# Load balancers and run.sh probe this without the secret; it tells nothing.
OPEN_PATHS = frozenset({"/health"})


def require_token(app: Sanic, token: str) -> None:
    """Answer 401 to any request but OPEN_PATHS without the right bearer token."""
    expected = f"Bearer {token}".encode()

    @app.middleware("request")
    async def check_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        sent = request.headers.get("Authorization", "").encode()
        # Constant time, so the secret cannot be guessed byte by byte.
        if hmac.compare_digest(sent, expected):
            return None
        return response.json({"error": "unauthorized"}, status=401)


def token_from_environment() -> str:
    token = os.environ.get(TOKEN_VARIABLE, "")
    if len(token) < MIN_TOKEN_LENGTH:
        sys.exit(f"{TOKEN_VARIABLE} must be set to a secret of {MIN_TOKEN_LENGTH}+ characters")
    return token


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--actions", default="actions", help="package of the actions")
    utils.add_logging_level_option_arguments(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_arguments(argv)
    token = token_from_environment()
    # The same logging as `python -m rasa_sdk`.
    utils.configure_colored_logging(args.loglevel)
    utils.update_sanic_log_level()
    # No browser talks to the action server: no CORS origins.
    app = create_app(args.actions, cors_origins=None)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    require_token(app, token)
    app.run(args.host, args.port, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main()
