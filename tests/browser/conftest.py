"""Fixtures of the chat widget's browser tests.

Package-scoped, so the servers stop and Playwright's event loop closes before
other test folders run (asyncio.run fails while that loop runs).

Real servers (scripts/run.sh through tests/assistant_server.py) on fixed free
ports, so that a test can stop them and start them again at the same address,
and Playwright driving Debian's chromium (/usr/bin/chromium): nothing is
downloaded at run time. `make test` installs chromium and axe-core first.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from browser.browser_env import DESKTOP, WidgetServers

# Package-scoped, so each package's browser closes before other tests run asyncio.
from browser.browser_fixtures import browser, playwright  # noqa: F401


@pytest.fixture(scope="package")
def widget_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WidgetServers]:
    servers = WidgetServers(tmp_path_factory.mktemp("widget-servers"))
    servers.start()
    try:
        yield servers
    finally:
        servers.stop()


@pytest.fixture
def servers(widget_servers: WidgetServers) -> WidgetServers:
    """The servers, running (a test that stopped them may have failed half-way)."""
    widget_servers.ensure_running()
    return widget_servers


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:  # noqa: F811 (the fixture)
    """A fresh browser profile (its own sessionStorage), desktop-sized."""
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(30_000)
    yield context
    context.close()


@pytest.fixture
def dialogs(context: BrowserContext) -> list[str]:
    """Messages of every alert/confirm/prompt any page of the context opens."""
    seen: list[str] = []

    def on_page(page: Page) -> None:
        def on_dialog(dialog) -> None:
            seen.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)

    context.on("page", on_page)
    return seen


@pytest.fixture
def page(context: BrowserContext, dialogs: list[str], servers: WidgetServers) -> Page:
    page = context.new_page()
    page.goto(servers.page_url)
    return page
