"""The web chat on the demo bank site, in headless Chromium, against the real Rasa server's socket.io channel."""
from __future__ import annotations

import time
from typing import Optional

from playwright.sync_api import Locator, Page, expect

from actions.text import locale as customer_locale
from bot.core_bank.seed import DEMO_BALANCES, DEMO_CUSTOMER_NUMBER, DEMO_PHONE
from tests.support.stack import Stack as SandboxBranch

REPLY_MS = 30_000


def open_chat(page: Page, sandbox: SandboxBranch) -> None:
    page.goto(f"{sandbox.web_url}/")
    expect(page.get_by_role("heading", name="Your bank, open all night")).to_be_visible()
    page.get_by_role("button", name="Chat with us").click()
    expect(page.locator("#web-chat-status")).to_have_text("online", timeout=REPLY_MS)


def say(page: Page, text: str, shown: Optional[str] = None) -> None:
    page.locator("#web-chat-input").fill(text)
    page.locator("#web-chat-input").press("Enter")
    expect(page.locator("#web-chat-thread .msg.user").last).to_have_text(text if shown is None else shown)


def bot_says(page: Page, text: str) -> Locator:
    found = page.locator("#web-chat-thread .msg.bot").filter(has_text=text)
    expect(found.first).to_be_visible(timeout=REPLY_MS)
    return found


def test_balance_with_the_sms_code_then_a_quick_reply_and_a_carousel(sandbox: SandboxBranch, page: Page):
    open_chat(page, sandbox)

    say(page, "what's my balance?")
    bot_says(page, "customer number")
    say(page, DEMO_CUSTOMER_NUMBER)
    bot_says(page, "sent a 6-digit code")
    say(page, sandbox.branch.latest_code(DEMO_PHONE))
    bot_says(page, "you're verified")
    balances = bot_says(page, "Here are your balances, Alex").first
    expect(balances).to_contain_text(customer_locale.money(DEMO_BALANCES["current"], "EUR"))
    expect(balances).to_contain_text(customer_locale.money(DEMO_BALANCES["savings"], "EUR"))

    # Quick replies: tapping one sends its payload, shows its title, and the chips go away.
    say(page, "help")
    chips = page.locator("#web-chat-quick-replies .quick-reply")
    expect(chips.filter(has_text="Loans")).to_be_visible(timeout=REPLY_MS)
    chips.filter(has_text="Loans").click()
    expect(page.locator("#web-chat-thread .msg.user").last).to_have_text("Loans")
    expect(chips.filter(has_text="Loans")).to_have_count(0)

    # The loan products: one carousel of cards, each with its postback button.
    bot_says(page, "Here are our loans and their rates")
    cards = page.locator("#web-chat-thread .carousel .card")
    expect(cards).to_have_count(3, timeout=REPLY_MS)
    car = cards.filter(has_text="Car loan")
    car.get_by_role("button", name="Get a quote").click()
    expect(page.locator("#web-chat-thread .msg.user").last).to_have_text("Get a quote")
    bot_says(page, "How much would you like to borrow?")


def test_the_conversation_resumes_after_a_reload_and_text_is_never_html(sandbox: SandboxBranch, page: Page):
    open_chat(page, sandbox)
    session_id = page.evaluate("JSON.parse(localStorage.getItem('branch-web-chat.session')).session_id")
    markup = '<img src="x" onerror="document.title=\'pwned\'"><b>bold?</b>'
    say(page, markup)
    expect(page.locator("#web-chat-thread .msg.bot").first).to_be_visible(timeout=REPLY_MS)
    expect(page.locator("#web-chat-thread img")).to_have_count(0)
    expect(page.locator("#web-chat-thread b")).to_have_count(0)

    page.reload()
    expect(page.locator("#web-chat-status")).to_have_text("online", timeout=REPLY_MS)
    expect(page.locator("#web-chat-thread .msg.user").first).to_have_text(markup)
    assert page.evaluate("JSON.parse(localStorage.getItem('branch-web-chat.session')).session_id") == session_id
    assert page.title() != "pwned"


def test_the_french_page_chats_in_french_and_the_widget_follows_the_conversations_language(
        sandbox: SandboxBranch, page: Page):
    page.goto(f"{sandbox.web_url}/fr")
    expect(page.get_by_role("heading", name="Votre banque, ouverte toute la nuit")).to_be_visible()
    page.get_by_role("button", name="Discuter avec nous").click()
    expect(page.locator("#web-chat-status")).to_have_text("en ligne", timeout=REPLY_MS)
    expect(page.locator("#web-chat-input")).to_have_attribute("placeholder", "Écrivez un message…")
    expect(page.locator("#web-chat-form button[type=submit]")).to_have_text("Envoyer")

    say(page, DEMO_CUSTOMER_NUMBER)  # no language in the words: the page's language decides
    bot_says(page, "Merci, mais je ne vois pas à quoi cela correspond.")  # the answer to this message, in French
    session_id = page.evaluate("JSON.parse(localStorage.getItem('branch-web-chat.session')).session_id")
    # The widget shows the reply before Rasa stores the turn: wait for the stored turn, then read its slots.
    deadline = time.monotonic() + REPLY_MS / 1000
    while not any(e["event"] == "user" for e in sandbox.branch.tracker_events(session_id)):
        assert time.monotonic() < deadline, "the message was never stored"
        time.sleep(0.1)
    assert sandbox.branch.slots(session_id).get("language") == "fr"

    page.get_by_role("button", name="Continue in English").click()
    expect(page.locator("#web-chat-thread .msg.user").last).to_have_text("English")
    bot_says(page, "Sure, I'll carry on in English.")
    # The widget follows the conversation: its words are English now and its button offers French back.
    widget_speaks(page, ENGLISH_WIDGET)

    say(page, "je préfère continuer en français")  # asked in words, not with the button
    bot_says(page, "Très bien, je continue en français.")
    widget_speaks(page, FRENCH_WIDGET)

    page.get_by_role("button", name="Continue in English").click()
    # The newest bot message (the thread already holds the same words from the first switch).
    expect(page.locator("#web-chat-thread .msg.bot").last).to_have_text("Sure, I'll carry on in English.",
                                                                        timeout=REPLY_MS)
    widget_speaks(page, ENGLISH_WIDGET)
    page.reload()  # the thread is restored, and with it the conversation's language, not the page's
    expect(page.locator("#web-chat-thread .msg.bot").last).to_have_text("Sure, I'll carry on in English.",
                                                                        timeout=REPLY_MS)
    widget_speaks(page, ENGLISH_WIDGET)


# The widget's own words in each language: its language button (offering the other), placeholder, send, status.
ENGLISH_WIDGET = {"button": ("Français", "Continuer en français"), "placeholder": "Type a message…",
                  "send": "Send", "status": "online", "title": "Branch Bank assistant"}
FRENCH_WIDGET = {"button": ("English", "Continue in English"), "placeholder": "Écrivez un message…",
                 "send": "Envoyer", "status": "en ligne", "title": "Assistant Branch Bank"}


def widget_speaks(page: Page, words: dict) -> None:
    title, label = words["button"]
    button = page.locator("#web-chat-language")
    expect(button).to_have_text(title, timeout=REPLY_MS)
    expect(button).to_have_attribute("aria-label", label)
    expect(page.locator("#web-chat-input")).to_have_attribute("placeholder", words["placeholder"])
    expect(page.locator("#web-chat-form button[type=submit]")).to_have_text(words["send"])
    expect(page.locator("#web-chat-status")).to_have_text(words["status"], timeout=REPLY_MS)
    expect(page.locator("#web-chat-title")).to_have_text(words["title"])


def test_the_spending_chart_shows_in_the_widget_as_an_image_its_session_can_load(sandbox: SandboxBranch, page: Page):
    """The chart is an image the browser loads from the Rasa server with the session's cookie (no public URL): it
    must really load in the widget, with its text alternative, after the text summary."""
    open_chat(page, sandbox)
    say(page, "where did my money go last month?")
    bot_says(page, "customer number")
    say(page, DEMO_CUSTOMER_NUMBER)
    bot_says(page, "sent a 6-digit code")
    say(page, sandbox.branch.latest_code(DEMO_PHONE))
    bot_says(page, "Your spending,")
    chart = page.locator("#web-chat-thread .msg.bot img").last
    expect(chart).to_be_visible(timeout=REPLY_MS)
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=chart.element_handle(),
                           timeout=REPLY_MS)
    assert chart.get_attribute("alt")  # the chart's text alternative, for screen readers
    expect(chart).to_be_in_viewport(ratio=0.9)  # the thread scrolled to the whole chart once it loaded


def test_the_block_button_of_the_card_number_warning_stays_once_the_answer_came(sandbox: SandboxBranch, page: Page):
    """The warning about a typed card number offers "Block my card"; the answer after it in the same turn may bring
    its own chips: the button stays under the warning (as Messenger's button template does) and still works."""
    open_chat(page, sandbox)
    say(page, "hello")
    bot_says(page, "What can I do for you?")
    bots_before = page.locator("#web-chat-thread .msg.bot").count()
    # The tab keeps the thread to show it again after a reload: the number only as the bank keeps it.
    say(page, "my card number is 4111 1111 1111 1111", shown="my card number is •••• 1111")
    bot_says(page, "Never share your card number")
    kept = page.evaluate("Object.values(sessionStorage).join(' ')")
    assert "•••• 1111" in kept and "4111" not in kept
    # The turn's answer came after the warning (Rasa stores the turn once every reply went).
    session_id = page.evaluate("JSON.parse(localStorage.getItem('branch-web-chat.session')).session_id")
    deadline = time.monotonic() + REPLY_MS / 1000
    while sum(e["event"] == "user" for e in sandbox.branch.tracker_events(session_id)) < 2:
        assert time.monotonic() < deadline, "the turn was never stored"
        time.sleep(0.1)
    page.wait_for_function("n => document.querySelectorAll('#web-chat-thread .msg.bot').length > n",
                           arg=bots_before + 1, timeout=REPLY_MS)  # the warning, then the answer

    block = page.locator("#web-chat-thread .buttons").get_by_role("button", name="Block my card")
    expect(block).to_be_visible()
    block.click()
    expect(page.locator("#web-chat-thread .msg.user").last).to_have_text("Block my card")
    bot_says(page, "customer number")
