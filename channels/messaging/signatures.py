"""Comparing a secret with what a request carries, in constant time."""

from __future__ import annotations

import hmac


def secret_matches(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a secret or signature with a header value."""
    if not given:
        return False
    try:
        given_bytes = given.strip().encode("utf-8")
    except UnicodeEncodeError:  # undecodable header bytes (surrogate escapes)
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given_bytes)
