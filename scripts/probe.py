"""Exit 0 when a URL answers 2xx within a few seconds, else 1: the image's HEALTHCHECK.

The image has no curl; this needs only the standard library (the base image's
python3). The URL is the argument, or HEALTHCHECK_URL (Rasa's GET / by default).

    python3 scripts/probe.py [URL]
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:5005/"
TIMEOUT_SECONDS = 4.0


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError):
        return False


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("HEALTHCHECK_URL", DEFAULT_URL)
    sys.exit(0 if healthy(target) else 1)
