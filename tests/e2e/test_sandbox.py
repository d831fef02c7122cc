"""The Messenger sandbox in headless Chromium: a developer chats with the real branch from the page."""
from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from actions.text import locale as customer_locale
from bot.core_bank.seed import DEMO_BALANCES, DEMO_CUSTOMER_NUMBER, DEMO_PHONE
from tests.support.stack import Stack as SandboxBranch

REPLY_MS = 30_000  # how long a reply may take to show (the first one warms the model up)


def say(page: Page, text: str) -> None:
    page.locator("#message").fill(text)
    page.locator("#message").press("Enter")
    expect(customer_bubbles(page).last).to_have_text(text)


def customer_bubbles(page: Page) -> Locator:
    return page.locator("#thread .from-customer .bubble")


def page_says(page: Page, text: str) -> Locator:
    """The bot's messages containing `text`; waits until there is one."""
    found = page.locator("#thread .from-page").filter(has_text=text)
    expect(found.first).to_be_visible(timeout=REPLY_MS)
    return found


def page_answers(page: Page) -> None:
    """Waits until the bot said something."""
    expect(page.locator("#thread .from-page").first).to_be_visible(timeout=REPLY_MS)


def delivered(page: Page) -> None:
    """Every message the customer sent was accepted by the connector."""
    expect(page.locator("#thread .from-customer.sending")).to_have_count(0, timeout=REPLY_MS)
    expect(page.locator("#thread .from-customer.failed")).to_have_count(0)


def test_balance_with_the_code_then_a_quick_reply_a_carousel_and_a_button(sandbox: SandboxBranch, page: Page):
    page.goto(sandbox.sandbox_url)
    psid = page.locator("#psid").text_content()
    assert psid and psid.startswith("sandbox-")

    say(page, "what's my balance?")
    page_says(page, "make sure it's really you")
    page_says(page, "customer number")
    delivered(page)

    say(page, DEMO_CUSTOMER_NUMBER)
    page_says(page, "sent a 6-digit code")

    # The developer panel shows the SMS the mock bank sent; clicking its code puts it in the message box.
    sms = page.locator("#sms-outbox .sms-item").filter(has_text=DEMO_PHONE).first
    expect(sms.locator(".sms-code")).to_be_visible(timeout=REPLY_MS)
    code = sms.locator(".sms-code").text_content()
    assert code == sandbox.branch.latest_code(DEMO_PHONE)
    sms.locator(".sms-code").click()
    expect(page.locator("#message")).to_have_value(code)
    page.locator("#message").press("Enter")
    expect(customer_bubbles(page).last).to_have_text(code)

    page_says(page, "you're verified")
    balances = page_says(page, "Here are your balances, Alex").first
    expect(balances).to_contain_text(customer_locale.money(DEMO_BALANCES["current"], "EUR"))
    expect(balances).to_contain_text(customer_locale.money(DEMO_BALANCES["savings"], "EUR"))

    # Quick replies: chips under the newest message; tapping one sends its payload and they go away.
    say(page, "help")
    chips = page.locator("#quick-replies .quick-reply")
    expect(chips.filter(has_text="Loans")).to_be_visible(timeout=REPLY_MS)
    chips.filter(has_text="Loans").click()
    expect(customer_bubbles(page).last).to_have_text("Loans")
    expect(chips).to_have_count(0)

    # The loan products come as a carousel of cards, each with its own button.
    page_says(page, "Here are our loans and their rates")
    cards = page.locator("#thread .carousel .card")
    expect(cards).to_have_count(3, timeout=REPLY_MS)
    car = cards.filter(has=page.locator(".card-title", has_text="Car loan"))
    expect(car.locator(".card-title")).to_have_text("Car loan: 4.90% APR")
    expect(car.locator(".card-subtitle")).to_contain_text("months")
    car.get_by_role("button", name="Get a quote").click()
    expect(customer_bubbles(page).last).to_have_text("Get a quote")

    page_says(page, "How much would you like to borrow?")
    say(page, "10k")
    page_says(page, "Over how long")
    say(page, "4 years")
    # "car": the card's exact payload reached the bot.
    quote = page_says(page, "car loan of €10,000.00 over 48 months").first
    expect(quote.locator(".button-template .template-button")).to_have_text(["Apply", "No, thanks"])
    quote.get_by_role("button", name="Apply").click()
    page_says(page, "Your application is in")
    delivered(page)

    # What the page drew is what the branch sent to this Messenger user.
    sent = sandbox.branch.texts_to(psid)
    assert any("Here are your balances, Alex" in text for text in sent)
    assert any(text.startswith("Your application is in") for text in sent)


def test_text_is_shown_as_typed_never_as_html(sandbox: SandboxBranch, page: Page):
    page.goto(sandbox.sandbox_url)
    markup = '<img src="x" onerror="document.title=\'pwned\'"><b>bold?</b>'
    say(page, markup)
    delivered(page)
    expect(customer_bubbles(page).last).to_have_text(markup)
    expect(page.locator("#thread img")).to_have_count(0)
    expect(page.locator("#thread b")).to_have_count(0)
    page_answers(page)
    assert page.title() != "pwned"


def test_new_conversation_starts_a_fresh_thread_as_another_user(sandbox: SandboxBranch, page: Page):
    page.goto(sandbox.sandbox_url)
    first_psid = page.locator("#psid").text_content()
    say(page, "hello")
    page_answers(page)
    page.get_by_role("button", name="New conversation").click()
    expect(page.locator("#psid")).not_to_have_text(first_psid or "")
    expect(page.locator("#thread li")).to_have_count(0)

    say(page, "what's my balance?")
    page_says(page, "customer number")  # a new user: asked who they are again
    second_psid = page.locator("#psid").text_content()
    assert second_psid and sandbox.branch.texts_to(second_psid)
