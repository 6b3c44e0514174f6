"""Fixtures of the staff console's tests: one real console (with its action
server) for the whole package, accounts made with the real script, and
Playwright driving Debian's chromium. Package-scoped, as in tests/browser/,
so Playwright's event loop has closed before other folders run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser.browser_env import CHROMIUM, CHROMIUM_ARGS
from playwright.sync_api import Browser, Playwright, sync_playwright

from staff_console.console_env import Console, StaffClient, console_running


@pytest.fixture(scope="package")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    with console_running(tmp_path_factory.mktemp("console")) as running:
        running.add_user("front-desk", "staff")
        running.add_user("manager", "admin")
        yield running


@pytest.fixture
def staff(console: Console) -> StaffClient:
    client = StaffClient(console)
    assert client.sign_in("front-desk").status_code == 302
    return client


@pytest.fixture
def admin(console: Console) -> StaffClient:
    client = StaffClient(console)
    assert client.sign_in("manager").status_code == 302
    return client


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser-deps` installs Debian's chromium")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()
