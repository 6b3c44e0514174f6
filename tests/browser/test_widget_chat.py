"""The chat widget on the demo clinic page, against the real assistant."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from browser.browser_env import WidgetServers
from browser.widget_helpers import (
    GREETING,
    ask,
    bot_messages,
    chat_input,
    has_focus,
    launcher,
    open_chat,
    panel,
    quick_replies,
    session_storage,
    tab_to,
    user_messages,
)

CHEST_QUESTION = "what are the side effects for my chest treatment"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_keyboard_user_asks_about_chest_side_effects(
    context: BrowserContext, servers: WidgetServers
) -> None:
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    page.goto(servers.page_url)

    # The launcher is a real button, reached with Tab and opened with Enter.
    expect(launcher(page)).to_have_attribute("aria-expanded", "false")
    tab_to(page, launcher(page))
    assert launcher(page).evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    expect(panel(page)).to_be_visible()
    expect(launcher(page)).to_have_attribute("aria-expanded", "true")
    expect(chat_input(page)).to_be_focused()
    expect(bot_messages(page).last).to_contain_text(GREETING)

    # The disclaimer and the emergency number are part of the widget itself.
    expect(panel(page)).to_contain_text(
        "General information, not medical advice. In an emergency call 911."
    )
    expect(page.locator(".log")).to_have_attribute("aria-live", "polite")

    page.keyboard.type(CHEST_QUESTION)
    page.keyboard.press("Enter")
    expect(user_messages(page).last).to_have_text(CHEST_QUESTION)
    answer = bot_messages(page).filter(has_text="shortness of breath")
    expect(answer).to_have_count(1)
    expect(answer).to_contain_text("cough")
    expect(answer).to_contain_text("chest")
    expect(chat_input(page)).to_have_value("")

    # Escape closes the chat and gives the focus back to the launcher.
    page.keyboard.press("Escape")
    expect(panel(page)).to_be_hidden()
    assert has_focus(launcher(page))
    page.keyboard.press("Enter")
    expect(chat_input(page)).to_be_focused()
    expect(answer).to_be_visible()

    # Every request went to our two servers: no fonts, scripts or trackers elsewhere.
    ours = {urlsplit(servers.page_url).netloc, urlsplit(servers.rasa_url).netloc}
    assert requested
    assert {urlsplit(url).netloc for url in requested} <= ours, requested
    assert page.evaluate("() => localStorage.length") == 0


def test_quick_replies_send_their_payload_and_show_their_title(page: Page) -> None:
    open_chat(page)
    quick_replies(page).filter(has_text="What side effects can it cause?").click()
    expect(user_messages(page).last).to_have_text("What side effects can it cause?")
    expect(bot_messages(page).last).to_contain_text("Which part of the body is being treated?")
    # The greeting's buttons are gone; the new question's are there.
    expect(quick_replies(page)).to_have_text(["Head and neck", "Chest", "Abdomen", "Pelvis"])

    quick_replies(page).filter(has_text="Chest").click()
    expect(user_messages(page).last).to_have_text("Chest")
    answer = bot_messages(page).filter(has_text="For treatment to the chest")
    expect(answer).to_contain_text("cough")
    expect(answer).to_contain_text("shortness of breath")
    # Payloads are sent, never shown.
    expect(page.get_by_text("/inform_body_site")).to_have_count(0)
    expect(page.get_by_text("/ask_side_effects")).to_have_count(0)


def test_patient_html_is_shown_as_text(page: Page, dialogs: list[str]) -> None:
    attack = "<img src=x onerror=alert(1)>"
    open_chat(page)
    replies_before = bot_messages(page).count()
    ask(page, attack)
    expect(bot_messages(page)).to_have_count(replies_before + 1)

    expect(user_messages(page).last).to_have_text(attack)
    assert page.locator("#igrt-chat img").count() == 0
    page.wait_for_timeout(300)  # an onerror handler would have run by now
    assert dialogs == []
    page.evaluate("() => alert('probe')")  # the listener does see dialogs
    assert dialogs == ["probe"]


def test_bot_text_is_text_links_are_safe_and_typing_is_shown(
    page: Page, dialogs: list[str], servers: WidgetServers
) -> None:
    open_chat(page)
    held: list[Route] = []
    page.route(f"{servers.rasa_url}/webhooks/rest/webhook", lambda route: held.append(route))

    ask(page, "anything")
    # While the assistant is answering, the typing indicator shows.
    expect(page.locator(".typing")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("The assistant is typing")
    # Send still works: a question typed now is queued (next test).
    expect(page.get_by_role("button", name="Send")).to_be_enabled()

    reply = [
        {
            "recipient_id": "x",
            "text": "Read https://example.org/igrt. <b>bold</b><img src=y onerror=alert(2)>",
            "buttons": [{"title": "<i>Next</i>", "payload": "/greet"}],
        }
    ]
    assert len(held) == 1
    held[0].fulfill(status=200, content_type="application/json", body=json.dumps(reply))

    expect(page.locator(".typing")).to_be_hidden()
    last = bot_messages(page).last
    expect(last).to_contain_text("<b>bold</b><img src=y onerror=alert(2)>")
    link = last.locator("a")
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("href", "https://example.org/igrt")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(quick_replies(page).last).to_have_text("<i>Next</i>")
    assert page.locator("#igrt-chat b, #igrt-chat i, #igrt-chat img").count() == 0
    page.wait_for_timeout(300)
    assert dialogs == []


def test_a_question_typed_during_a_slow_reply_is_sent_after_it(
    page: Page, servers: WidgetServers
) -> None:
    open_chat(page)
    sent: list[str] = []
    held: list[Route] = []

    def slow_first_reply(route: Route) -> None:
        sent.append(route.request.post_data_json["message"])
        if len(sent) == 1:
            held.append(route)  # answered when the test says so
        else:
            route.continue_()

    page.route(f"{servers.rasa_url}/webhooks/rest/webhook", slow_first_reply)
    ask(page, "what is igrt")
    expect(page.locator(".typing")).to_be_visible()
    ask(page, CHEST_QUESTION)  # typed while the first reply is pending

    # Shown at once, out of the box, and not sent before the first answer.
    expect(user_messages(page)).to_have_text(["what is igrt", CHEST_QUESTION])
    expect(chat_input(page)).to_have_value("")
    page.wait_for_timeout(500)
    assert sent == ["what is igrt"]

    held[0].continue_()
    expect(bot_messages(page).filter(has_text="type of radiation therapy")).to_have_count(1)
    expect(bot_messages(page).filter(has_text="shortness of breath")).to_have_count(1)
    expect(page.locator(".typing")).to_be_hidden()
    assert sent == ["what is igrt", CHEST_QUESTION]

    # Each answer under its question, as the transcript is saved for a reload.
    shown = page.locator(".message .text").all_inner_texts()
    saved = [message["text"] for message in session_storage(page)["messages"]]
    assert shown == saved
    first_answer = next(i for i, text in enumerate(saved) if "type of radiation therapy" in text)
    assert saved.index("what is igrt") < first_answer < saved.index(CHEST_QUESTION)


def test_reload_keeps_the_conversation_and_a_new_tab_starts_a_new_one(
    page: Page, context: BrowserContext, browser: Browser, servers: WidgetServers
) -> None:
    open_chat(page)
    ask(page, "what is igrt")
    expect(bot_messages(page).last).to_contain_text("Image-guided radiation therapy")
    saved = session_storage(page)
    assert UUID.match(saved["sender"]), saved["sender"]
    shown = bot_messages(page).all_inner_texts()

    page.reload()
    expect(panel(page)).to_be_visible()  # it was open, so it still is
    expect(user_messages(page)).to_have_text(["what is igrt"])
    assert bot_messages(page).all_inner_texts() == shown
    assert session_storage(page)["sender"] == saved["sender"]

    # A new tab of the same browser, and a new browser profile: a new conversation.
    other_profile = browser.new_context()
    for fresh in (context.new_page(), other_profile.new_page()):
        fresh.goto(servers.page_url)
        expect(launcher(fresh)).to_be_visible()
        expect(panel(fresh)).to_be_hidden()
        open_chat(fresh)
        expect(user_messages(fresh)).to_have_count(0)
        assert session_storage(fresh)["sender"] != saved["sender"]
    other_profile.close()


def test_a_quick_reply_that_fails_can_be_retried_or_replaced(
    page: Page, servers: WidgetServers
) -> None:
    open_chat(page)
    webhook = f"{servers.rasa_url}/webhooks/rest/webhook"
    page.route(webhook, lambda route: route.abort("connectionrefused"))
    quick_replies(page).filter(has_text="What is IGRT?").click()

    expect(page.get_by_role("alert")).to_contain_text("can't reach the assistant")
    expect(user_messages(page)).to_have_count(0)
    expect(chat_input(page)).to_have_value("")  # a payload never lands in the box
    expect(quick_replies(page)).to_have_count(4)  # still there to pick another

    page.unroute(webhook)
    page.get_by_role("button", name="Retry").click()
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(user_messages(page)).to_have_text(["What is IGRT?"])
    expect(bot_messages(page).last).to_contain_text("Radiation therapy uses powerful energy")
