"""What a reply looks like on SMS: the Twilio channel's own formatting
(channels/twilio.py: plain text, ASCII punctuation, numbered options, one
message per turn split at 1600 characters), with delivery replaced by a list."""

from __future__ import annotations

from typing import Any

from channels.twilio import TwilioOutput

# A fictitious number (555-01xx is reserved for fiction): only its form matters,
# SMS rather than WhatsApp.
PREVIEW_NUMBER = "+15555550100"


class PreviewOutput(TwilioOutput):
    def __init__(self) -> None:
        # No platform API: deliver() below collects the messages instead.
        super().__init__(
            None,  # type: ignore[arg-type]
            "http://127.0.0.1",
            "preview",
            "preview",
            PREVIEW_NUMBER,
            PREVIEW_NUMBER,
        )
        self.sent: list[str] = []

    async def deliver(self, text: str, extra: Any | None) -> None:
        self.sent.append(text)


async def sms_messages(replies: list[dict[str, Any]]) -> list[str]:
    """The SMS message(s) for one turn's replies (as the REST channel collects them)."""
    output = PreviewOutput()
    for reply in replies:
        text = reply.get("text") or ""
        if reply.get("buttons"):
            await output.send_text_with_buttons("preview", text, reply["buttons"])
        elif reply.get("quick_replies"):
            await output.send_quick_replies("preview", text, reply["quick_replies"])
        else:
            await output.send_text_message("preview", text)
    await output.flush()
    return output.sent
