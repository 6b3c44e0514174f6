"""How the browser tests find and drive the chat widget on the demo page.

Playwright's CSS and role locators reach into the widget's open shadow root.
"""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

LAUNCHER_NAME = "Ask about IGRT"
INPUT_NAME = "Your question about IGRT"
GREETING = "What would you like to know about IGRT?"


def launcher(page: Page) -> Locator:
    return page.get_by_role("button", name=LAUNCHER_NAME)


def chat_input(page: Page) -> Locator:
    return page.get_by_role("textbox", name=INPUT_NAME)


def panel(page: Page) -> Locator:
    return page.locator("#igrt-chat-panel")


def bot_messages(page: Page) -> Locator:
    return page.locator(".message.bot .text")


def user_messages(page: Page) -> Locator:
    return page.locator(".message.user .text")


def quick_replies(page: Page) -> Locator:
    return page.locator(".quick-reply")


def has_focus(locator: Locator) -> bool:
    """Whether the element has the keyboard focus (inside its shadow root too)."""
    return locator.evaluate("el => el.getRootNode().activeElement === el")


def tab_to(page: Page, target: Locator, max_presses: int = 30) -> None:
    """Press Tab from where the focus is until the target has it."""
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        if has_focus(target):
            return
    raise AssertionError(f"{max_presses} presses of Tab never reached {target}")


def open_chat(page: Page) -> None:
    """Open the widget with the mouse and wait for the assistant's greeting."""
    launcher(page).click()
    expect(chat_input(page)).to_be_focused()
    expect(bot_messages(page).last).to_contain_text(GREETING)


def ask(page: Page, text: str) -> None:
    """Type a question and send it with Enter."""
    chat_input(page).fill(text)
    chat_input(page).press("Enter")
    expect(user_messages(page).last).to_have_text(text)


def session_storage(page: Page) -> dict:
    """The widget's saved state: {"sender", "messages", "open"}."""
    return page.evaluate(
        """() => {
            const key = Object.keys(sessionStorage).find(k => k.startsWith("igrt-chat:"));
            return key ? JSON.parse(sessionStorage.getItem(key)) : null;
        }"""
    )


def ask_chest_side_effects_with_buttons(page: Page) -> None:
    """The chest side effects through quick replies (payloads: no NLU involved)."""
    quick_replies(page).filter(has_text="What side effects can it cause?").click()
    quick_replies(page).filter(has_text="Chest").click()
    expect(bot_messages(page).filter(has_text="For treatment to the chest")).to_contain_text(
        "shortness of breath"
    )
