"""The console in headless Chromium: keyboard use, axe-core on every page,
screenshots in reports/screenshots/ (as tests/browser/ does for the widget)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from browser.browser_env import AXE_JS, AXE_VIOLATIONS, DESKTOP, PHONE, SCREENSHOTS
from playwright.sync_api import Browser, Page, expect

from clinic import settings as clinic
from console.db import checks, inbox, inbox_notes
from staff_console.console_env import PASSWORD, Console
from staff_console.test_console_quality import INTENT_REPORT, PNG


@pytest.fixture
def page(browser: Browser, console: Console) -> Iterator[Page]:
    """A fresh profile; the console's CSP would refuse axe-core, so it is bypassed."""
    assert AXE_JS.exists(), "axe-core is missing: `make browser-deps` runs `npm ci`"
    context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto(f"{console.url}/try")
    yield page
    context.close()


def violations(page: Page) -> list[dict]:
    page.add_script_tag(path=AXE_JS)
    return [v for v in page.evaluate(AXE_VIOLATIONS) if v["impact"] in ("serious", "critical")]


def sign_in_with_the_keyboard(page: Page, name: str = "front-desk") -> None:
    expect(page.get_by_label("Name")).to_be_focused()
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Try a question")).to_be_visible()


def test_keyboard_only_sign_in_try_and_save(page: Page, console: Console) -> None:
    expect(page).to_have_url(re.compile(r"/login$"))  # redirected
    assert violations(page) == []
    sign_in_with_the_keyboard(page)
    question = page.get_by_label("A question, or a whole conversation")
    question.focus()
    page.keyboard.type("hello")
    page.keyboard.press("Shift+Enter")  # a second message of the conversation
    page.keyboard.type("what is igrt")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".turn")).to_have_count(2)
    expect(page.locator(".turn").last.locator(".decided-by")).to_contain_text("intent classifier")
    page.locator(".turn").last.locator("summary").click()
    expect(page.locator(".turn").last.locator("mark").first).to_be_visible()
    assert violations(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "console-try.png", full_page=True)

    page.get_by_role("button", name="Save as a check").click()
    expect(page.get_by_role("heading", name="Check saved")).to_be_visible()
    assert violations(page) == []
    with sa.create_engine(console.database_url).connect() as db:
        saved = db.execute(sa.select(checks).order_by(checks.c.id.desc())).first()
    # The whole conversation, one message a line, and the last message's topic.
    assert (saved.messages, saved.expected_topic) == ("hello\nwhat is igrt", "what_is_igrt")


def test_checks_results_and_inbox_pages_are_accessible(page: Page, console: Console) -> None:
    sign_in_with_the_keyboard(page)
    page.get_by_role("link", name="Checks").click()
    expect(page.get_by_role("heading", name="Checks", exact=True)).to_be_visible()
    assert violations(page) == []
    page.get_by_role("button", name=re.compile(r"^Run ")).first.click()
    expect(page.locator(".summary")).to_contain_text("passed")
    assert violations(page) == []
    page.screenshot(path=SCREENSHOTS / "console-results.png", full_page=True)
    page.get_by_role("link", name="Unanswered questions").click()
    expect(page.get_by_role("heading", name="Unanswered questions")).to_be_visible()
    assert violations(page) == []
    page.set_viewport_size(PHONE)
    page.get_by_role("link", name="Try a question").click()
    assert violations(page) == []
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


def test_clinic_settings_page_refuses_a_bad_phone_and_saves_a_good_one(
    page: Page, console: Console
) -> None:
    original = console.clinic_file.read_bytes()
    try:
        sign_in_with_the_keyboard(page, "manager")
        page.get_by_role("link", name="Clinic settings").click()
        expect(page.get_by_role("heading", name="Clinic settings")).to_be_visible()
        assert violations(page) == []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "console-clinic.png", full_page=True)

        page.get_by_label("Phone number").fill("call the front desk")
        page.get_by_role("button", name="Save settings").click()
        expect(page.locator("#phone-error")).to_contain_text("Phone number: a phone number")
        expect(page.get_by_label("Phone number")).to_have_attribute("aria-invalid", "true")
        assert violations(page) == []
        page.screenshot(path=SCREENSHOTS / "console-clinic-refused.png", full_page=True)

        page.get_by_label("Phone number").fill("(555) 555-0142")
        page.get_by_label("Phone opening hours").fill("weekdays, 9 a.m. to 4 p.m.")
        page.get_by_role("button", name="Save settings").click()
        expect(page.locator(".saved")).to_contain_text("Saved.")
        expect(page.locator("table.audit")).to_contain_text("(555) 555-0142")
        assert clinic.read(console.clinic_file)[0].phone == "(555) 555-0142"
        page.set_viewport_size(PHONE)
        assert violations(page) == []
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        console.clinic_file.write_bytes(original)


def test_quality_page_is_accessible_with_and_without_reports(page: Page, console: Console) -> None:
    shutil.rmtree(console.reports_dir, ignore_errors=True)
    sign_in_with_the_keyboard(page)
    page.get_by_role("link", name="Model quality").click()
    expect(page.get_by_role("heading", name="Model quality")).to_be_visible()
    expect(page.locator(".none")).to_have_count(3)
    assert violations(page) == []
    nlu = console.reports_dir / "nlu"
    nlu.mkdir(parents=True)
    (nlu / "intent_report.json").write_text(json.dumps(INTENT_REPORT))
    (nlu / "intent_confusion_matrix.png").write_bytes(PNG)
    (nlu / "intent_histogram.png").write_bytes(PNG)
    grades = console.reports_dir / "quality" / "reading_grades.json"
    grades.parent.mkdir()
    grades.write_text(
        json.dumps(
            {"generated_at": 0, "target": 8, "responses": [
                {"name": "utter_during_session", "variant": "", "grade": 13.4,
                 "text": "During image-guided radiation therapy, imaging tests are done."},
                {"name": "utter_thank", "variant": "", "grade": 2.1, "text": "You're welcome."},
            ]}
        )
    )  # fmt: skip
    try:
        page.reload()
        expect(page.locator("table.intents")).to_contain_text("goodbye")
        expect(page.locator("table.grades")).to_contain_text("above 8")
        expect(page.get_by_role("img", name=re.compile("^Confusion matrix"))).to_be_visible()
        assert violations(page) == []
        page.screenshot(path=SCREENSHOTS / "console-quality.png", full_page=True)
        page.set_viewport_size(PHONE)
        assert violations(page) == []
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        shutil.rmtree(console.reports_dir)


def test_a_group_of_questions_is_noted_and_reviewed_in_the_browser(
    page: Page, console: Console
) -> None:
    texts = ["where do I park for radiotherapy", "where can I park my car for radiotherapy"]
    engine = sa.create_engine(console.database_url)
    with engine.begin() as db:
        ids = [
            db.execute(
                inbox.insert().values(text=text, reason="scope check", day="2026-01-02")
            ).inserted_primary_key[0]
            for text in texts
        ]
    try:
        sign_in_with_the_keyboard(page)
        page.get_by_role("link", name="Unanswered questions").click()
        group = page.locator("section.inbox-group", has_text=texts[1])
        expect(group.get_by_role("heading")).to_contain_text("(2 questions)")
        group.get_by_role("textbox").fill("Add parking directions")
        group.get_by_role("button", name=re.compile("^Save note")).click()
        expect(page.locator(".note", has_text="Add parking directions")).to_be_visible()
        assert violations(page) == []
        group = page.locator("section.inbox-group", has_text=texts[1])
        group.get_by_role("button", name=re.compile("^Mark group reviewed")).click()
        expect(page.get_by_role("heading", name="Unanswered questions")).to_be_visible()
        expect(page.get_by_text(texts[1])).to_have_count(0)
        with engine.connect() as db:
            query = sa.select(inbox.c.reviewed).where(inbox.c.id.in_(ids))
            assert [row.reviewed for row in db.execute(query)] == [True, True]
    finally:  # the inbox tests count the planted patients' questions only
        with engine.begin() as db:
            db.execute(inbox_notes.delete().where(inbox_notes.c.item_id.in_(ids)))
            db.execute(inbox.delete().where(inbox.c.id.in_(ids)))
        engine.dispose()
