"""End to end through every process: the branch's services in Messenger conversations."""
import re
import uuid
from datetime import timedelta
from decimal import Decimal

import requests

from actions import bank_day
from actions.text import locale as customer_locale
from actions.text.locale import Presentation
from bot.core_bank.seed import DEMO_BALANCES, DEMO_CARD_IDS, DEMO_CARD_LAST4, DEMO_CUSTOMER_NUMBER, DEMO_PHONE
from tests.integration.test_messenger_language import facebook_in
from tests.support.branch import Branch

CARD_NUMBER = re.compile(r"\d{13,19}")


def new_psid() -> str:
    return f"psid-{uuid.uuid4().hex[:12]}"


def joined(texts):
    return "\n".join(texts)


def verify_as(branch: Branch, psid: str, customer_number: str, phone: str) -> None:
    replies = branch.exchange(psid, customer_number)
    assert "sent a 6-digit code" in joined(replies), replies
    replies = branch.exchange(psid, branch.latest_code(phone))
    assert "you're verified" in joined(replies), replies


def test_a_lost_card_is_blocked_at_once_and_replaced_once(branch: Branch):
    psid = new_psid()
    # Two requests in one message (issue 19): the card is blocked first, then the replacement is offered.
    branch.exchange(psid, "block my card and order a new one")
    verify_as(branch, psid, DEMO_CUSTOMER_NUMBER, DEMO_PHONE)

    debit = f"Debit •••• {DEMO_CARD_LAST4['debit']}"
    replies = branch.tap(psid, debit)
    assert f"your debit card •••• {DEMO_CARD_LAST4['debit']} is blocked" in joined(replies)

    # A question about the offer first (read as a balance question), then a typed yes: the offer's yes all the same.
    branch.exchange(psid, "how much is the new one?")
    replies = branch.exchange(psid, "ok yes")
    assert "Order a debit card as a replacement" in joined(replies), replies
    replies = branch.tap(psid, "Yes, order it")
    assert "Your card is ordered" in joined(replies)
    branch.tap(psid, "Yes, order it")  # tapped twice: still one order

    everything = joined(branch.texts_to(psid))
    assert not CARD_NUMBER.search(everything), "a card number longer than its last 4 digits was shown"

    token = branch.customer_token(DEMO_PHONE, DEMO_CUSTOMER_NUMBER)
    headers = {"Authorization": f"Bearer {token}"}
    cards = requests.get(f"{branch.core_bank_url}/v1/cards", headers=headers, timeout=5).json()["cards"]
    assert {c["last4"]: c["status"] for c in cards}[DEMO_CARD_LAST4["debit"]] == "blocked"
    orders = requests.get(f"{branch.core_bank_url}/v1/card-orders", headers=headers, timeout=5).json()["orders"]
    assert len([o for o in orders if o["kind"] == "debit"]) == 1


def card_statuses(branch: Branch, phone: str, customer_number: str) -> dict:
    token = branch.customer_token(phone, customer_number)
    cards = requests.get(f"{branch.core_bank_url}/v1/cards", headers={"Authorization": f"Bearer {token}"}, timeout=5)
    return {c["last4"]: c["status"] for c in cards.json()["cards"]}


EN_STATES = {"active": "active", "frozen": "frozen for now", "blocked": "blocked for good"}


def test_what_cards_do_i_have_shows_each_card_as_the_bank_holds_it(branch: Branch):
    psid = new_psid()
    replies = branch.exchange(psid, "which cards have I got, and are they working?")
    assert "make sure it's really you" in joined(replies), replies  # behind the code
    verify_as(branch, psid, "100002", "+33698765432")  # Camille
    listed = branch.texts_to(psid)[-1]
    held = card_statuses(branch, "+33698765432", "100002")
    token = branch.customer_token("+33698765432", "100002")
    orders = requests.get(f"{branch.core_bank_url}/v1/card-orders", headers={"Authorization": f"Bearer {token}"},
                          timeout=5).json()["orders"]
    coming = [o for o in orders if o["estimated_delivery"] >= bank_day.today().isoformat()]
    assert listed.startswith("Your cards:") and len(listed.splitlines()) == 1 + len(held) + len(coming), listed
    assert all(f"(order {o['reference']})" in listed for o in coming), listed
    for last4, status in held.items():  # whatever other tests did to them: as the bank holds them now
        [line] = [line for line in listed.splitlines() if f"•••• {last4}" in line]
        assert f": {EN_STATES[status]}" in line and ("valid until" in line) == (status != "blocked"), line
    assert not CARD_NUMBER.search(listed)


def card_pays(branch: Branch, card_id: str) -> requests.Response:
    """The card network stand-in asks the core bank whether the card may pay 12.50 € now."""
    return requests.post(f"{branch.core_bank_url}/dev/cards/{card_id}/authorisations",
                         json={"amount": "12.50", "currency": "EUR", "merchant": "Fnac"}, timeout=5)


def test_a_card_that_cannot_be_found_is_frozen_for_now_then_unfrozen(branch: Branch):
    psid = new_psid()
    credit = DEMO_CARD_LAST4["credit"]
    branch.exchange(psid, "I can't find my card")
    branch.exchange(psid, DEMO_CUSTOMER_NUMBER)
    replies = branch.exchange(psid, branch.latest_code(DEMO_PHONE))
    assert "you're verified" in joined(replies), replies
    assert "I can freeze it for now" in joined(replies), replies  # offered before any block

    replies = branch.tap(psid, "Freeze for now")
    assert "Which card should I freeze?" in joined(replies), replies
    replies = branch.tap(psid, f"Credit •••• {credit}")
    assert f"your credit card •••• {credit} is frozen" in joined(replies), replies
    assert card_statuses(branch, DEMO_PHONE, DEMO_CUSTOMER_NUMBER)[credit] == "frozen"
    declined = card_pays(branch, DEMO_CARD_IDS["credit"])
    assert (declined.status_code, declined.json()["error"]["code"]) == (422, "card_frozen")

    # One card frozen: it is the one meant; an unfreeze can be undone, so it is not asked for (one button).
    replies = branch.exchange(psid, "found it! it was in my other jacket, switch my card back on")
    assert "Which card" not in joined(replies), replies
    assert f"your credit card •••• {credit} is active again" in joined(replies), replies
    assert card_statuses(branch, DEMO_PHONE, DEMO_CUSTOMER_NUMBER)[credit] == "active"
    assert card_pays(branch, DEMO_CARD_IDS["credit"]).status_code == 200

    # The card named, the only one of its kind: frozen at once, not asked for; then active again.
    replies = branch.exchange(psid, "please freeze my credit card")
    assert "Which card" not in joined(replies) and f"your credit card •••• {credit} is frozen" in joined(replies)
    assert card_statuses(branch, DEMO_PHONE, DEMO_CUSTOMER_NUMBER)[credit] == "frozen"
    replies = branch.exchange(psid, "ok unfreeze it")
    assert f"your credit card •••• {credit} is active again" in joined(replies), replies
    assert not CARD_NUMBER.search(joined(branch.texts_to(psid)))


def test_a_second_debit_card_is_refused_in_the_customers_words(branch: Branch):
    psid = new_psid()
    branch.exchange(psid, "I'd like a new debit card")
    verify_as(branch, psid, "100004", "+393471234567")  # Sofia's debit card is active
    replies = branch.tap(psid, "Yes, order it")
    assert "This account already has a debit card" in joined(replies), replies
    assert "replaces_card_id" not in joined(branch.texts_to(psid))


def current_balance(branch: Branch, token: str) -> Decimal:
    accounts = requests.get(
        f"{branch.core_bank_url}/v1/accounts", headers={"Authorization": f"Bearer {token}"}, timeout=5
    ).json()["accounts"]
    return next(Decimal(a["balance"]) for a in accounts if a["type"] == "current")


def test_send_money_to_another_customer_with_a_code_bound_to_the_transfer(branch: Branch):
    camille, tom = ("100002", "+33698765432"), ("100003", "+33611223344")
    tom_before = current_balance(branch, branch.customer_token(tom[1], tom[0]))

    psid = new_psid()
    branch.exchange(psid, "please send 20€ to +33 6 11 22 33 44")
    verify_as(branch, psid, *camille)
    confirmation = branch.texts_to(psid)[-1]
    # Camille reads English, money written in the conversation's locale: her Facebook's (the stand-in's en_US),
    # which her locale at the bank (fr_FR) only replaces when the channel gave none.
    shown = Presentation.of("en", branch.slots(psid)["locale"])
    assert f"Send {shown.money('20.00')} to" in confirmation and "?" in confirmation

    replies = branch.tap(psid, "Yes, send it")
    assert "I've sent a code" in joined(replies)
    sms = requests.get(f"{branch.core_bank_url}/dev/sms-outbox", params={"to": camille[1]}, timeout=5)
    assert "€20.00" in sms.json()["messages"][0]["text"]  # the code names what it approves, in English

    replies = branch.exchange(psid, branch.latest_code(camille[1]))
    done = joined(replies)
    assert f"Sent ✅ {shown.money('20.00')}" in done and "Reference TR-" in done

    camille_after = current_balance(branch, branch.customer_token(camille[1], camille[0]))
    assert f"Your new balance is {shown.money(camille_after, 'EUR')}" in done
    assert current_balance(branch, branch.customer_token(tom[1], tom[0])) == tom_before + Decimal("20.00")


def test_a_transfer_above_the_limit_is_told_at_once_before_the_payee_and_the_yes(branch: Branch):
    psid = new_psid()
    branch.exchange(psid, "send 400€ to tom")  # a saved payee in lower case: named, never asked for
    branch.exchange(psid, DEMO_CUSTOMER_NUMBER)
    replies = branch.exchange(psid, branch.latest_code(DEMO_PHONE))
    told = joined(replies)
    assert "you're verified" in told, replies
    # The core bank's limit, said right after the code: before any confirmation, and no code sent for it.
    assert "at most" in told and told.count("How much would you like to send?") == 1, replies  # asked once
    assert "Send €400.00" not in told and "Who should I send it to" not in told, replies

    replies = branch.exchange(psid, "40€")
    assert "Send €40.00 to Tom Bernard" in joined(replies), replies  # the payee of the request, kept
    assert "Who should I send it to" not in joined(branch.texts_to(psid))

    replies = branch.exchange(psid, "cancel")
    assert "cancelled" in joined(replies) or "haven't sent anything" in joined(replies), replies
    assert "I've sent a code" not in joined(branch.texts_to(psid))
    token = branch.customer_token(DEMO_PHONE, DEMO_CUSTOMER_NUMBER)
    assert current_balance(branch, token) == DEMO_BALANCES["current"]


def test_no_when_the_transfers_code_is_asked_sends_nothing(branch: Branch):
    psid = new_psid()
    branch.exchange(psid, "send 20€ to Tom")
    verify_as(branch, psid, DEMO_CUSTOMER_NUMBER, DEMO_PHONE)
    assert "I've sent a code" in joined(branch.tap(psid, "Yes, send it"))
    replies = branch.exchange(psid, "what did I spend at uber?")  # not a code: what is awaited, and the way out
    assert "waiting for the 6-digit code" in joined(replies) and "cancel" in joined(replies), replies
    replies = branch.exchange(psid, "no")
    assert "haven't sent anything" in joined(replies), replies
    token = branch.customer_token(DEMO_PHONE, DEMO_CUSTOMER_NUMBER)
    assert current_balance(branch, token) == DEMO_BALANCES["current"]


def test_the_amount_can_be_changed_before_confirming_and_is_restated(branch: Branch):
    psid = new_psid()
    branch.exchange(psid, "send 20€ to +33 6 11 22 33 44")
    verify_as(branch, psid, "100004", "+393471234567")  # Sofia
    assert "Send €20.00 to" in branch.texts_to(psid)[-1]
    replies = branch.exchange(psid, "actually make it 30€")
    assert "Send €30.00 to" in joined(replies), replies
    assert "code" not in joined(replies)  # nothing approved yet: the code comes after the yes
    replies = branch.exchange(psid, "no wait, to +33 6 98 76 54 32 instead")
    assert "Send €30.00 to +33 6 98 76 54 32" in joined(replies), replies


def test_recent_transactions_newest_first_then_more(branch: Branch):
    psid = new_psid()
    branch.exchange(psid, "show me my last transactions")
    verify_as(branch, psid, "100004", "+393471234567")  # Sofia
    first_page = branch.texts_to(psid)[-1]
    assert first_page.startswith("Latest transactions, Current account")
    assert len([line for line in first_page.splitlines() if line.startswith("• ")]) == 5
    assert "Show more" in [q["title"] for q in branch.sent_to(psid)[-1]["message"].get("quick_replies", [])]

    replies = branch.tap(psid, "Show more")
    assert replies[0].startswith("Latest transactions, Current account"), replies
    older = [line for line in replies[0].splitlines() if line.startswith("• ")]
    assert older and not set(older) & set(first_page.splitlines())  # the next page, not the same one


def test_transactions_of_a_period_named_in_words(branch: Branch):
    sofia = ("100004", "+393471234567")
    psid = new_psid()
    facebook_in(branch, psid, "it_IT")  # her Facebook is in Italian: the conversation's locale, not its language
    branch.exchange(psid, "show me last week's transactions")
    verify_as(branch, psid, *sofia)
    page = branch.texts_to(psid)[-1]

    # What the core bank holds for last week, in Sofia's own locale: whatever the seed put there.
    today = bank_day.today()  # the day the action reads "last week" against
    monday = today - timedelta(days=today.weekday())
    since, until = monday - timedelta(days=7), monday - timedelta(days=1)
    headers = {"Authorization": f"Bearer {branch.customer_token(sofia[1], sofia[0])}"}
    locale = requests.get(f"{branch.core_bank_url}/v1/me", headers=headers, timeout=5).json()["locale"]
    assert locale == "it_IT"
    accounts = requests.get(f"{branch.core_bank_url}/v1/accounts", headers=headers, timeout=5).json()["accounts"]
    current = next(a for a in accounts if a["type"] == "current")
    held = requests.get(
        f"{branch.core_bank_url}/v1/accounts/{current['account_id']}/transactions",
        params={"since": since.isoformat(), "until": until.isoformat(), "limit": 5, "time_zone": bank_day.BANK_TIMEZONE}, headers=headers, timeout=5,
    ).json()["transactions"]

    if not held:
        assert page == "I found no transactions for that account and period.", page
        return
    # English words, Sofia's Italian conventions (actions/text/locale.py).
    assert page.startswith(f"Latest transactions, Current account, {Presentation.of('en', locale).days(since, until)}"), page
    for transaction in held:
        assert transaction["description"] in page, (transaction, page)


def test_a_verified_customer_is_asked_which_card_before_being_told_it_is_unclear(branch: Branch):
    psid = new_psid()
    branch.exchange(psid, "what's my balance")
    verify_as(branch, psid, "100004", "+393471234567")  # Sofia
    replies = branch.exchange(psid, "my card was stolen")
    assert "Which card should I block?" in joined(replies), replies
    assert "couldn't tell" not in joined(replies), replies


def test_a_loan_quote_is_public_and_the_application_needs_verification(branch: Branch):
    psid = new_psid()
    replies = branch.exchange(psid, "how much would a 10k car loan cost me over 4 years?")
    quote = joined(replies)
    assert "car loan of €10,000.00 over 48 months" in quote and "APR" in quote
    loan_quote = requests.post(f"{branch.core_bank_url}/v1/loan-quotes",
                               json={"product": "car", "amount": "10000.00", "term_months": 48}, timeout=5).json()
    assert customer_locale.money(Decimal(loan_quote["monthly_payment"]), "EUR") in quote

    replies = branch.tap(psid, "Apply")
    assert "make sure it's really you" in joined(replies)
    verify_as(branch, psid, "100003", "+33611223344")  # Tom
    assert "Your application is in" in branch.texts_to(psid)[-1]

    replies = branch.exchange(psid, "what's the status of my loan application?")
    assert "car loan of €10,000.00 over 48 months" in joined(replies) and "received" in joined(replies)


def test_other_figures_right_after_a_quote_change_it(branch: Branch):
    psid = new_psid()
    branch.exchange(psid, "how much would a 10k car loan cost me over 4 years?")
    quote = joined(branch.exchange(psid, "and for 15k?"))
    assert "A car loan of €15,000.00 over 48 months costs" in quote, quote
    quote = joined(branch.exchange(psid, "no, make it 5 years"))  # a no with a figure: not the quote declined
    assert "A car loan of €15,000.00 over 60 months costs" in quote, quote
    replies = branch.exchange(psid, "and over 10 years?")  # outside the product: said once, and asked again
    assert joined(replies).count("A car loan runs from 12 to 84 months.") == 1, replies
    assert "Over how long would you like to repay it?" in replies[-1], replies
    replies = branch.exchange(psid, "what about a personal loan instead?")  # another type while the term is asked
    assert "didn't catch" not in joined(replies) and "Over how long" in replies[-1], replies
    quote = joined(branch.exchange(psid, "6 years then"))
    assert "A personal loan of €15,000.00 over 72 months costs" in quote, quote
    replies = branch.exchange(psid, "send 15k to Tom")  # another request: not a change of the quote
    assert "costs" not in joined(replies) and "Over how long" not in joined(replies), replies


def test_a_loan_request_whose_kind_is_in_the_words_is_quoted_at_once(branch: Branch):
    psid = new_psid()
    quote = joined(branch.exchange(psid, "I'd like to borrow 15 000 euros for a car over 5 years"))
    assert "A car loan of €15,000.00 over 60 months costs" in quote, quote  # not the products, asking which


def test_no_thanks_to_the_loan_products_ends_the_loan_question(branch: Branch):
    psid = new_psid()
    replies = branch.exchange(psid, "what are your loan rates?")
    assert "Here are our loans and their rates" in joined(replies), replies
    replies = branch.exchange(psid, "no thanks")
    assert "Is there anything else" in joined(replies) and "APR" not in joined(replies), replies  # not the list again
    assert not [e for e in branch.tracker_events(psid) if e["event"] == "active_loop"][-1]["name"]


def test_a_loan_outside_the_products_range_is_asked_again(branch: Branch):
    psid = new_psid()
    replies = branch.exchange(psid, "how much would a 500 euro car loan cost me over 4 years?")
    assert "A car loan goes from €3,000.00 to €75,000.00." in joined(replies), replies
    assert "How much would you like to borrow?" in replies[-1]
    replies = branch.exchange(psid, "5000")
    assert "car loan of €5,000.00 over 48 months" in joined(replies)


def test_cancel_leaves_a_request_and_the_bot_goes_on(branch: Branch):
    psid = new_psid()
    branch.exchange(psid, "I'd like to order a new card")
    replies = branch.exchange(psid, "cancel")
    assert "cancelled" in joined(replies)
    replies = branch.exchange(psid, "hello")
    assert "Welcome" in joined(replies)


def test_not_understood_twice_offers_a_human_who_then_takes_over(branch: Branch):
    psid = new_psid()
    first = branch.exchange(psid, "blorf quantum zebra")
    second = branch.exchange(psid, "wibble flarp snorkel")
    assert "didn't quite get that" in joined(first) or "not something I can help with" in joined(first)
    assert "talk to an advisor" in joined(second)
    replies = branch.tap(psid, "Talk to an advisor")
    assert "passing you to an advisor" in joined(replies)
    replies = branch.exchange(psid, "hello?")  # the turn is over once the message is in the tracker
    # Nothing from the bot's dialogue while it waits for a person: only the note that the message waits for them.
    assert replies == ["Your message is waiting for the advisor, who will read it when they pick up our "
                       "conversation. If you'd rather go back to the assistant, say \"cancel\"."]


def test_a_goodbye_in_the_middle_of_verification_ends_the_request(branch: Branch):
    psid = new_psid()
    branch.exchange(psid, "what's my balance")
    replies = branch.exchange(psid, "bye")
    assert "Goodbye" in joined(replies), replies
    assert "customer number" not in joined(replies)
    replies = branch.exchange(psid, "100001")  # no longer an answer to anything
    assert "sent a 6-digit code" not in joined(replies), replies


def test_keyboard_mash_while_a_transfer_waits_for_the_yes_is_not_understood_and_the_transfer_goes_on(branch: Branch):
    psid = new_psid()
    branch.exchange(psid, "send 20€ to Tom")
    verify_as(branch, psid, DEMO_CUSTOMER_NUMBER, DEMO_PHONE)
    assert "Send €20.00 to" in branch.texts_to(psid)[-1]
    replies = branch.exchange(psid, "b" * 1500)  # was read as cancel (bot/nlu/mash_guard.py)
    assert "didn't quite get that" in joined(replies), replies
    assert "cancelled" not in joined(replies) and "haven't sent anything" not in joined(replies), replies
    assert "I've sent a code" in joined(branch.tap(psid, "Yes, send it"))
