"""Platform ids checked, and turned into pseudonyms before Rasa sees them."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

# Platform ids are short visible ASCII ("+15551234567", "whatsapp:+15551234567",
# Messenger's page-scoped ids, Slack's "U0123ABCD"); anything else did not come
# from the platform. (Telegram's chat ids are integers: channels/telegram.py.)
PLATFORM_ID = re.compile(r"[!-~]{1,128}")


def platform_id_valid(value: Any) -> bool:
    return isinstance(value, str) and PLATFORM_ID.fullmatch(value) is not None


def conversation_id(key: str, channel: str, *user_parts: str) -> str:
    """A stable pseudonym for a platform user: HMAC-SHA256 keyed by a secret of
    the channel, so the tracker store and logs never see phone numbers or ids."""
    message = "\x1f".join((channel, *user_parts)).encode("utf-8", "surrogatepass")
    digest = hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return f"{channel}-{digest[:32]}"


def derived_key(secret: str, purpose: str) -> bytes:
    """A key for one purpose, from a channel secret every replica has."""
    return hmac.new(secret.encode("utf-8"), purpose.encode("utf-8"), hashlib.sha256).digest()


def keyed_hash(key: bytes, value: str) -> str:
    data = value.encode("utf-8", "surrogatepass")
    return hmac.new(key, data, hashlib.sha256).hexdigest()[:32]
