"""The widget when the assistant cannot be reached, and when it is back."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from browser.browser_env import SCREENSHOTS, WidgetServers
from browser.widget_helpers import bot_messages, chat_input, open_chat, user_messages

QUESTION = "what is igrt"


def test_server_down_says_so_keeps_the_question_and_retry_works(
    page: Page, servers: WidgetServers
) -> None:
    open_chat(page)
    users_before = user_messages(page).count()

    servers.stop()  # the page stays loaded; the Rasa server is gone
    chat_input(page).fill(QUESTION)
    chat_input(page).press("Enter")

    notice = page.get_by_role("alert")
    expect(notice).to_contain_text("can't reach the assistant")
    expect(notice).to_contain_text("In an emergency call 911")
    # The question was not sent: it is back in the box, not in the conversation.
    expect(chat_input(page)).to_have_value(QUESTION)
    expect(user_messages(page)).to_have_count(users_before)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "widget-desktop-offline.png")

    servers.start()  # same ports as before
    page.get_by_role("button", name="Retry").click()

    expect(notice).to_have_count(0)
    expect(user_messages(page).last).to_have_text(QUESTION)
    expect(bot_messages(page).last).to_contain_text("Image-guided radiation therapy")
    expect(chat_input(page)).to_have_value("")
