"""Reply text as the platforms count and show it.

The texts are domain.yml's responses, which have no Markdown and each fit the
smallest platform limit (tests/messaging/test_domain_texts.py), so they are
sent as they are: nothing here strips markup or splits a message.
"""

from __future__ import annotations


def text_length(text: str) -> int:
    """Length in UTF-16 code units: what the platforms count (>= len(text))."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


_ASCII_PUNCTUATION = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
    }
)


def sms_text(text: str) -> str:
    """Typographic punctuation as ASCII: one curly quote makes a whole SMS
    UCS-2, which cuts each segment from 160 to 70 characters."""
    return text.translate(_ASCII_PUNCTUATION)


def packed(texts: list[str], limit: int) -> list[str]:
    """The texts joined by blank lines into as few messages as fit the limit,
    in order; a text is never cut (each fits on its own)."""
    messages: list[str] = []
    for text in texts:
        joined = f"{messages[-1]}\n\n{text}" if messages else text
        if messages and text_length(joined) <= limit:
            messages[-1] = joined
        else:
            messages.append(text)
    return messages
