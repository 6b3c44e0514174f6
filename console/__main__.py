"""python -m console: the staff console's server (settings: console/settings.py)."""

from __future__ import annotations

import logging

from console.server import create_app
from console.settings import load


def configure_logging() -> None:
    """INFO at most: Rasa's DEBUG lines carry message text and parse data."""
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.INFO)
    configure_structlog(logging.INFO)


def main() -> None:
    configure_logging()
    settings = load()
    app = create_app(settings)
    app.run(host=settings.host, port=settings.port, access_log=False, workers=1)


if __name__ == "__main__":
    main()
