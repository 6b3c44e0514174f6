"""Reading a webhook request, and the short answers a platform gets."""

from __future__ import annotations

from urllib.parse import parse_qs

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

# Refused (413) before parsing or checking a signature: a patient's message is
# far smaller (Telegram 4096, Twilio 1600 characters), and parsing or hashing a
# huge unsigned body would hold up every conversation.
MAX_BODY_BYTES = 64 * 1024
# Twilio sends about 20 form fields (a few more per media item).
MAX_FORM_FIELDS = 200


def forbidden() -> HTTPResponse:
    return response.text("forbidden", status=403)


def bad_request(reason: str) -> HTTPResponse:
    return response.text(reason, status=400)


def too_large() -> HTTPResponse:
    return response.text(f"the body must be at most {MAX_BODY_BYTES} bytes", status=413)


def form_params(body: bytes) -> dict[str, list[str]]:
    """URL-encoded form fields, keeping blank ones (they are signed too; Sanic's
    request.form drops them); {} if not a form or more than MAX_FORM_FIELDS."""
    try:
        return parse_qs(
            body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS
        )
    except (UnicodeDecodeError, ValueError):
        return {}


def public_url(request: Request, public_base_url: str | None) -> str:
    """The URL the platform called: behind a proxy, PUBLIC_BASE_URL + path."""
    if not public_base_url:
        return request.url
    query = f"?{request.query_string}" if request.query_string else ""
    return f"{public_base_url}{request.path}{query}"
