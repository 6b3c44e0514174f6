"""axe-core on the open widget, the phone layout, and screenshots to look at."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from browser.browser_env import AXE_JS, AXE_VIOLATIONS, DESKTOP, PHONE, SCREENSHOTS, WidgetServers
from browser.widget_helpers import (
    ask,
    ask_chest_side_effects_with_buttons,
    bot_messages,
    launcher,
    open_chat,
    panel,
)


@pytest.fixture
def axe_page(browser: Browser, servers: WidgetServers) -> Iterator[Page]:
    """The demo page with axe-core injected (the page's CSP would refuse it)."""
    assert AXE_JS.exists(), "axe-core is missing: `make browser-deps` runs `npm ci`"
    context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
    page = context.new_page()
    page.goto(servers.page_url)
    yield page
    context.close()


def serious_violations(page: Page) -> list[dict]:
    page.add_script_tag(path=AXE_JS)
    violations = page.evaluate(AXE_VIOLATIONS)
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def test_open_widget_has_no_serious_accessibility_violations(axe_page: Page) -> None:
    open_chat(axe_page)
    assert serious_violations(axe_page) == []  # with the greeting's quick replies

    ask_chest_side_effects_with_buttons(axe_page)
    ask(axe_page, "<b>patient text</b>")
    expect(bot_messages(axe_page)).not_to_have_count(0)
    axe_page.set_viewport_size(PHONE)
    assert serious_violations(axe_page) == []


def test_screenshots_desktop_and_phone(browser: Browser, servers: WidgetServers) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, device_scale_factor=1)
        page = context.new_page()
        page.goto(servers.page_url)
        expect(launcher(page)).to_be_visible()
        page.screenshot(path=SCREENSHOTS / f"widget-{name}-closed.png")

        open_chat(page)
        ask_chest_side_effects_with_buttons(page)
        page.screenshot(path=SCREENSHOTS / f"widget-{name}-open.png")

        box = panel(page).bounding_box()
        assert box is not None
        if name == "phone":  # the open chat takes the whole small screen
            assert (box["x"], box["y"]) == (0, 0)
            assert (box["width"], box["height"]) == (PHONE["width"], PHONE["height"])
            assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        else:
            assert box["width"] < viewport["width"] / 2
        context.close()
