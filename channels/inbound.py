"""Reading what arrives at every channel (REST and the messaging apps).

Webhook bodies and message text come from the internet; these helpers make
sure nothing in them can reach Rasa in a form that breaks it.
"""

from __future__ import annotations

import json
from typing import Any

# Deepest nesting of arrays and objects accepted in a JSON body. The platforms'
# webhooks nest about 10 levels; much deeper bodies exhaust Python's recursion
# while parsing or printing them.
MAX_JSON_DEPTH = 32


def json_depth(value: Any) -> int:
    """How deeply arrays and objects nest in a parsed JSON value (0 for a
    scalar), counted without recursion."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, depth = todo.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth)
            todo.extend((child, depth + 1) for child in item)
    return deepest


def json_object(body: bytes | str) -> dict[str, Any] | None:
    """The body as a JSON object, or None: not UTF-8, not JSON, not an object,
    or nested deeper than MAX_JSON_DEPTH."""
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        value = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(value, dict) or json_depth(value) > MAX_JSON_DEPTH:
        return None
    return value


def readable_text(text: str) -> str:
    """The text with unpaired UTF-16 surrogates dropped (JSON can carry them as
    escapes such as "\\udc80"; no platform sends them in real text) and
    escaped pairs joined into their character."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "ignore")
