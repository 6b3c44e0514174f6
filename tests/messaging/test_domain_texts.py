"""What the messaging channels rely on to send domain.yml's responses as they
are, with no Markdown stripping and no splitting (channels/messaging/text.py):
no response has Markdown, and every response fits the smallest platform
limit, filled with the longest values its slots can take and with its
buttons as a numbered list, as the channels compose it."""

from __future__ import annotations

import re
import string

import pytest
import yaml

from actions.lib.side_effects import describe_site, join_names
from channels import facebook, replies, slack, telegram, twilio
from channels.messaging.options import numbered_options, options_from_buttons
from channels.messaging.text import text_length
from knowledge.body_sites import body_areas
from knowledge.side_effects import side_effects_table

SMALLEST_LIMIT = min(twilio.MAX_TEXT, facebook.MAX_TEXT, slack.MAX_TEXT, telegram.MAX_TEXT)
# Bigger than any list the bot offers: out_of_range and the numbers stay short.
MOST_OPTIONS = 99

MARKDOWN = re.compile(
    r"\*\*|__|~~|`"  # bold, strike, code
    r"|\[[^\]]*\]\("  # [link](url)
    r"|^\s{0,3}#{1,6}\s"  # heading
    r"|^\s*[*+]\s"  # bullet
    r"|(?<![\w*])\*\S[^*\n]*\*(?![\w*])"  # *emphasis*
    r"|(?<![\w_])_\S[^_\n]*_(?![\w_])",  # _emphasis_
    re.MULTILINE,
)


def responses() -> dict[str, list[dict]]:
    return yaml.safe_load(replies.DOMAIN_FILE.read_text(encoding="utf-8"))["responses"]


VARIANTS = [(name, variant) for name, variants in responses().items() for variant in variants]


def longest_values() -> dict[str, str]:
    """The longest value each slot of a response can be filled with."""
    areas = list(body_areas().values())
    effects = max((row.effects for row in side_effects_table().values()), key=len)
    sites = [describe_site(row.label, areas) for row in side_effects_table().values()]
    return {
        "site": max([*sites, join_names(areas)], key=len),
        "effects": effects.lower(),
        "count": str(MOST_OPTIONS),
        "number": str(MOST_OPTIONS),
        "title": max(
            (b["title"] for _, v in VARIANTS for b in v.get("buttons", [])), key=len, default=""
        ),
        # The longest clinic.yml allows (clinic/settings.py).
        "clinic_name": "N" * 80,
        "clinic_phone": "5" * 25,
        "clinic_hours": "H" * 120,
        "emergency_number": "9" * 6,
    }


def filled(text: str) -> str:
    names = {field for _, field, _, _ in string.Formatter().parse(text) if field}
    values = longest_values()
    assert names <= values.keys(), f"no longest value known for {names - values.keys()}"
    return text.format(**values)


@pytest.mark.parametrize(("name", "variant"), VARIANTS, ids=[name for name, _ in VARIANTS])
def test_no_response_has_markdown(name: str, variant: dict) -> None:
    titles = [button["title"] for button in variant.get("buttons", [])]
    for text in (variant.get("text", ""), *titles):
        assert not MARKDOWN.search(text), f"{name}: Markdown in {text!r}"


@pytest.mark.parametrize(("name", "variant"), VARIANTS, ids=[name for name, _ in VARIANTS])
def test_every_response_fits_the_smallest_platform_limit(name: str, variant: dict) -> None:
    text = filled(variant.get("text", ""))
    options = options_from_buttons(variant.get("buttons"))
    shown = numbered_options(text, options, start=MOST_OPTIONS - len(options)) if options else text
    assert text_length(shown) <= SMALLEST_LIMIT, f"{name}: {text_length(shown)} characters"


def test_the_checks_would_catch_markdown_and_long_texts() -> None:
    for markdown in ("**Before** IGRT", "see [our page](https://x.example)", "# Preparing",
                     "* item", "see *your* team", "_care team_", "`code`", "~~old~~"):  # fmt: skip
        assert MARKDOWN.search(markdown), markdown
    for plain in ("2*3*4 = 24", "side_effects_table", "1. What is IGRT?", "It's fine."):
        assert not MARKDOWN.search(plain), plain
    assert SMALLEST_LIMIT == 1600
    assert len(filled("{site} {effects}")) > 60
