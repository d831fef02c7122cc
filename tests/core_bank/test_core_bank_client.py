"""The action server's client (actions/banking.py) against the core bank served in this process:
each method the actions call, what it gives back (Decimal money, aware times, the attribute names
the actions read), and the bank's refusals as BankError with their codes and details."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Iterator

import pytest

from actions.banking import UNAVAILABLE, BankError, ChannelUser, CoreBank
from bot.core_bank.contract.customers import TRANSACTION_KINDS
from bot.core_bank.seed import DEMO_ACCOUNT_IDS, DEMO_BALANCES, DEMO_CARD_IDS, DEMO_CUSTOMER_NUMBER
from tests.core_bank.core_bank_fixtures import SERVICE_TOKEN, CoreBankTestClient, running_core_bank

CURRENT = DEMO_ACCOUNT_IDS["current"]


@pytest.fixture
def bank(tmp_path: Path) -> Iterator[CoreBankTestClient]:
    with running_core_bank(tmp_path) as running:
        yield running


async def signed_in(client: CoreBank, bank: CoreBankTestClient, link: ChannelUser | None = None) -> str:
    challenge = await client.start_challenge(customer_number=DEMO_CUSTOMER_NUMBER)
    return (await client.verify_challenge(challenge.challenge_id, bank.last_code(), link=link)).access_token


async def test_sign_in_and_read(bank: CoreBankTestClient):
    client = CoreBank(bank.base_url, timeout_seconds=10, service_token=SERVICE_TOKEN)
    psid = ChannelUser("messenger", "psid-2718")
    with pytest.raises(BankError) as unlinked:
        await client.start_challenge(channel_user=psid)
    assert (unlinked.value.status, unlinked.value.code) == (404, "not_linked")

    challenge = await client.start_challenge(phone="06 12 34 56 78")
    assert challenge.sent_to == "+33 •••••••78" and challenge.expires_at == bank.clock() + timedelta(minutes=5)
    with pytest.raises(BankError) as wrong:
        await client.verify_challenge(challenge.challenge_id, f"{(int(bank.last_code()) + 1) % 10**6:06d}")
    assert (wrong.value.code, wrong.value.details) == ("otp_invalid", {"attempts_left": 4})
    verification = await client.verify_challenge(challenge.challenge_id, bank.last_code(), link=psid)
    assert (verification.customer_number, verification.first_name) == (DEMO_CUSTOMER_NUMBER, "Alex")
    assert verification.access_token not in repr(verification)
    assert (await client.start_challenge(channel_user=psid)).sent_to == "+33 •••••••78"
    token = verification.access_token

    customer = await client.me(token)
    accounts = await client.accounts(token)
    profile = await client.profile(token)
    first, next_before = await client.transactions(token, CURRENT, limit=3)
    older, _ = await client.transactions(token, CURRENT, limit=3, before=next_before)
    cards = await client.cards(token)

    assert (customer.customer_number, customer.locale) == (DEMO_CUSTOMER_NUMBER, "en_IE")
    assert {a.type: a.balance for a in accounts} == DEMO_BALANCES
    assert all(isinstance(a.balance, Decimal) for a in accounts)
    assert profile["address_masked"] == "•• rue •••••••, 75011 Paris"
    assert len(first) == 3 and next_before == first[-1].transaction_id
    assert first[0].booked_at.utcoffset() == timedelta(0) and isinstance(first[0].amount, Decimal)
    assert older[0].booked_at <= first[-1].booked_at
    assert all(t.kind != "other" and t.kind in TRANSACTION_KINDS for t in first + older)
    assert all(t.counterparty is None or t.counterparty in t.description for t in first + older)
    assert {c.kind: c.masked for c in cards} == {"debit": "•••• 4821", "credit": "•••• 7304"}
    with pytest.raises(BankError) as refused:
        await client.transactions(token, CURRENT, since="2026-06-02", until="2026-06-01")
    assert (refused.value.status, refused.value.code) == (400, "invalid_request")


async def test_cards_loans_and_a_transfer(bank: CoreBankTestClient):
    client = CoreBank(bank.base_url, timeout_seconds=10, service_token=SERVICE_TOKEN)
    token = await signed_in(client, bank)

    blocked = await client.block_card(token, DEMO_CARD_IDS["debit"], "stolen")
    order = await client.order_card(
        token, kind="debit", account_id=CURRENT, replaces_card_id=DEMO_CARD_IDS["debit"], idempotency_key="order-1"
    )
    assert (blocked.status, blocked.masked) == ("blocked", "•••• 4821")
    assert order["reference"].startswith("CO-") and order["estimated_delivery"] == "2026-06-22"  # 7 working days

    products = await client.loan_products()
    quote = await client.loan_quote("personal", Decimal("10000"), 36)
    application = await client.apply_for_loan(token, "personal", Decimal("10000"), 36, "loan-1")
    applications = await client.loan_applications(token)
    assert [p["apr"] for p in products] == ["6.90", "4.90", "3.60"]
    assert (quote["amount"], quote["monthly_payment"]) == ("10000.00", "307.36")
    assert applications[0] == application and application["status"] == "received"
    with pytest.raises(BankError) as out_of_range:
        await client.loan_quote("car", Decimal("5000"), 120)
    assert out_of_range.value.details == {"field": "term_months", "min": 12, "max": 84}

    assert await client.check_transfer(token, CURRENT, Decimal("250"), "EUR") == {
        "from_account_id": CURRENT, "amount": "250.00", "currency": "EUR", "remaining_today": "500.00"}
    with pytest.raises(BankError) as over_before_any_payee:
        await client.check_transfer(token, CURRENT, Decimal("250.01"), "EUR")
    assert (over_before_any_payee.value.code, over_before_any_payee.value.details) == ("limit_exceeded", {"limit": "250.00"})

    payees = await client.payees(token)
    transfer = {"from_account_id": CURRENT, "amount": "20", "currency": "EUR", "payee_id": payees[0]["payee_id"]}
    with pytest.raises(BankError) as over:
        await client.prepare_transfer(token, {**transfer, "amount": "250.01"})
    assert (over.value.code, over.value.details) == ("limit_exceeded", {"limit": "250.00"})
    prepared = await client.prepare_transfer(token, transfer)
    receipt = await client.execute_transfer(token, transfer, prepared["challenge_id"], bank.last_code(), "transfer-1")
    again = await client.execute_transfer(token, transfer, prepared["challenge_id"], bank.last_code(), "transfer-1")

    assert prepared["transfer"] == {"from_account_id": CURRENT, "payee_name": "Tom Bernard", "amount": "20.00", "currency": "EUR"}
    assert (receipt["amount"], receipt["balance_after"]) == ("20.00", "2430.31") and again == receipt


async def test_an_unreachable_bank_is_unavailable(bank: CoreBankTestClient):
    client = CoreBank(bank.base_url + "/nowhere", timeout_seconds=10)

    with pytest.raises(BankError) as refused:
        await client.loan_products()

    assert (refused.value.status, refused.value.code) == (404, "not_found")
    with pytest.raises(BankError) as unreachable:
        await CoreBank("http://127.0.0.1:9", timeout_seconds=1).loan_products()
    assert unreachable.value.code == UNAVAILABLE


async def test_without_the_service_token_the_client_cannot_link(bank: CoreBankTestClient):
    stranger = CoreBank(bank.base_url, timeout_seconds=10)
    psid = ChannelUser("messenger", "psid-1414")
    challenge = await stranger.start_challenge(customer_number=DEMO_CUSTOMER_NUMBER)

    with pytest.raises(BankError) as refused:
        await stranger.verify_challenge(challenge.challenge_id, bank.last_code(), link=psid)

    assert (refused.value.status, refused.value.code) == (403, "service_token_required")
    with pytest.raises(BankError) as unlinked:
        await CoreBank(bank.base_url, timeout_seconds=10, service_token=SERVICE_TOKEN).start_challenge(channel_user=psid)
    assert unlinked.value.code == "not_linked"


async def test_the_client_names_who_is_writing_so_a_strangers_wrong_codes_lock_only_the_stranger(bank: CoreBankTestClient):
    client = CoreBank(bank.base_url, timeout_seconds=10, service_token=SERVICE_TOKEN)
    stranger, alex = ChannelUser("messenger", "psid-stranger"), ChannelUser("messenger", "psid-alex")
    challenge = await client.start_challenge(customer_number=DEMO_CUSTOMER_NUMBER, requester=stranger)
    codes = []
    for _ in range(5):
        with pytest.raises(BankError) as refused:
            await client.verify_challenge(challenge.challenge_id, "000000", requester=stranger)
        codes.append(refused.value.code)
    assert codes == ["otp_invalid"] * 4 + ["otp_locked"]
    with pytest.raises(BankError) as locked:
        await client.start_challenge(customer_number=DEMO_CUSTOMER_NUMBER, requester=stranger)
    assert locked.value.code == "otp_locked"

    own = await client.start_challenge(customer_number=DEMO_CUSTOMER_NUMBER, requester=alex)
    verification = await client.verify_challenge(own.challenge_id, bank.last_code(), link=alex, requester=alex)
    assert verification.first_name == "Alex"


async def test_the_code_sms_is_in_the_language_the_client_asks_for(bank: CoreBankTestClient):
    client = CoreBank(bank.base_url, timeout_seconds=10, service_token=SERVICE_TOKEN)
    await client.start_challenge(customer_number=DEMO_CUSTOMER_NUMBER, language="fr")
    assert bank.last_sms().startswith("Votre code pour le chat de votre banque est ")
    await client.start_challenge(customer_number=DEMO_CUSTOMER_NUMBER)
    assert bank.last_sms().startswith("Your bank chat code is ")
    with pytest.raises(BankError) as refused:
        await client.start_challenge(customer_number=DEMO_CUSTOMER_NUMBER, language="de")
    assert (refused.value.status, refused.value.code) == (400, "invalid_request")


async def test_freeze_and_unfreeze_a_card(bank: CoreBankTestClient):
    client = CoreBank(bank.base_url, timeout_seconds=10, service_token=SERVICE_TOKEN)
    token = await signed_in(client, bank)

    frozen = await client.freeze_card(token, DEMO_CARD_IDS["credit"])
    listed = {c.card_id: c.status for c in await client.cards(token)}
    unfrozen = await client.unfreeze_card(token, DEMO_CARD_IDS["credit"])
    assert (frozen.status, frozen.masked, frozen.kind) == ("frozen", "•••• 7304", "credit")
    assert listed[DEMO_CARD_IDS["credit"]] == "frozen"
    assert unfrozen.status == "active"

    await client.block_card(token, DEMO_CARD_IDS["debit"], "lost")
    for switch in (client.freeze_card, client.unfreeze_card):
        with pytest.raises(BankError) as refused:
            await switch(token, DEMO_CARD_IDS["debit"])
        assert (refused.value.status, refused.value.code) == (422, "card_blocked")
    with pytest.raises(BankError) as unknown:
        await client.freeze_card(token, "card-of-someone-else")
    assert (unknown.value.status, unknown.value.code) == (404, "card_not_found")


# --- spending insights (issue 17, chat side) ---
async def test_spending_by_category_this_month_a_month_and_days(bank: CoreBankTestClient):
    client = CoreBank(bank.base_url, timeout_seconds=10, service_token=SERVICE_TOKEN)
    token = await signed_in(client, bank)
    today = bank.clock().date()  # the test clock's, never the machine's

    now = await client.spending(token, CURRENT)
    assert (now.period.since, now.period.until) == (today.replace(day=1), today)
    assert isinstance(now.total, Decimal) and now.currency == "EUR"
    assert now.total == sum((c.total for c in now.categories), Decimal(0))
    assert now.change == now.total - now.previous_total
    assert all(c.category != "savings" for c in now.categories)

    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    month = await client.spending(token, CURRENT, month=last_month.strftime("%Y-%m"))
    assert month.period.since == last_month and month.previous_period.until == last_month - timedelta(days=1)
    assert month.total > 0 and month.categories[0].total == max(c.total for c in month.categories)

    week = await client.spending(token, CURRENT, since=(today - timedelta(days=6)).isoformat())
    assert (week.previous_period.since, week.previous_period.until) == (today - timedelta(days=13), today - timedelta(days=7))


async def test_spending_refusals(bank: CoreBankTestClient):
    client = CoreBank(bank.base_url, timeout_seconds=10, service_token=SERVICE_TOKEN)
    token = await signed_in(client, bank)
    with pytest.raises(BankError) as both:  # refused by the contract before any request
        await client.spending(token, CURRENT, month="2026-05", since="2026-05-01")
    assert (both.value.status, both.value.code) == (400, "invalid_request")
    with pytest.raises(BankError) as future:
        await client.spending(token, CURRENT, month=(bank.clock().date() + timedelta(days=40)).strftime("%Y-%m"))
    assert (future.value.status, future.value.code) == (400, "invalid_request")
    with pytest.raises(BankError) as elsewhere:
        await client.spending(token, "acc-of-someone-else")
    assert (elsewhere.value.status, elsewhere.value.code) == (404, "account_not_found")


# --- appointments with an advisor ---


async def test_book_reschedule_and_cancel_an_appointment_and_the_staff_diary(bank: CoreBankTestClient):
    client = CoreBank(bank.base_url, timeout_seconds=10, service_token=SERVICE_TOKEN)
    token = await signed_in(client, bank)

    slots = await client.appointment_slots(token, channel="video", days=5, limit=5)
    assert 0 < len(slots) <= 5 and all("video" in s.advisor.channels for s in slots)
    assert all(s.starts_at.utcoffset() is not None for s in slots)
    assert [s.starts_at for s in slots] == sorted(s.starts_at for s in slots)
    advisor_id = slots[0].advisor.advisor_id
    assert {s.advisor.advisor_id for s in await client.appointment_slots(token, advisor_id=advisor_id, limit=3)} == {
        advisor_id}

    booked = await client.book_appointment(
        token, slot_id=slots[0].slot_id, channel="video", topic="mortgage", idempotency_key="book-1"
    )
    again = await client.book_appointment(
        token, slot_id=slots[0].slot_id, channel="video", topic="mortgage", idempotency_key="book-1"
    )
    assert booked.reference.startswith("AP-") and again.reference == booked.reference
    assert (booked.status, booked.timezone, booked.starts_at) == ("confirmed", "Europe/Paris", slots[0].starts_at)
    assert slots[0].slot_id not in {s.slot_id for s in await client.appointment_slots(token, channel="video")}
    with pytest.raises(BankError) as taken:
        await client.book_appointment(
            token, slot_id=slots[0].slot_id, channel="video", topic="loan", idempotency_key="book-2"
        )
    assert (taken.value.status, taken.value.code) == (409, "appointment_overlap")  # the customer's own: not "taken"
    assert taken.value.details == {"reference": booked.reference}

    diary = await client.staff_appointments(days=5)
    assert [(a.reference, a.customer.customer_number) for a in diary] == [(booked.reference, DEMO_CUSTOMER_NUMBER)]

    moved = await client.reschedule_appointment(
        token, booked.reference, slot_id=slots[1].slot_id, idempotency_key="move-1"
    )
    assert (moved.reference, moved.starts_at, moved.channel) == (booked.reference, slots[1].starts_at, "video")
    cancelled = await client.cancel_appointment(token, booked.reference)
    assert cancelled.status == "cancelled" and cancelled.cancelled_at is not None
    assert [(a.reference, a.status) for a in await client.appointments(token)] == [(booked.reference, "cancelled")]
    assert await client.staff_appointments() == []

    with pytest.raises(BankError) as unknown:
        await client.cancel_appointment(token, "AP-NOTMINE1")
    assert (unknown.value.status, unknown.value.code) == (404, "appointment_not_found")
    with pytest.raises(BankError) as refused:
        await client.book_appointment(token, slot_id="not-a-slot", channel="fax", topic="x", idempotency_key="k")
    assert (refused.value.status, refused.value.code) == (400, "invalid_request")


async def test_the_staff_diary_needs_the_service_token(bank: CoreBankTestClient):
    with pytest.raises(BankError) as refused:
        await CoreBank(bank.base_url, timeout_seconds=10).staff_appointments()
    assert refused.value.status in (401, 403)


# --- disputed payments (issue 17, chat side) ---


async def test_open_a_dispute_once_and_read_it_as_the_customer_and_the_staff(bank: CoreBankTestClient):
    client = CoreBank(bank.base_url, timeout_seconds=10, service_token=SERVICE_TOKEN)
    token = await signed_in(client, bank)
    recent, _ = await client.transactions(token, CURRENT, limit=20)
    fnac = [t for t in recent if t.counterparty == "Fnac"][:2]  # the newest two: yesterday
    assert len(fnac) == 2 and fnac[0].amount == fnac[1].amount == Decimal("-49.99")  # the seed's duplicate

    case = await client.open_dispute(
        token, transaction_id=fnac[1].transaction_id, reason="charged_twice", idempotency_key="dispute-key-1"
    )
    again = await client.open_dispute(
        token, transaction_id=fnac[1].transaction_id, reason="charged_twice", idempotency_key="dispute-key-1"
    )
    assert again.reference == case.reference and case.reference.startswith("DP-")
    assert (case.status, case.advisor_required, case.transaction.amount) == ("open", False, Decimal("-49.99"))
    assert case.review_by <= case.resolve_by and case.opened_at.tzinfo is not None

    with pytest.raises(BankError) as exists:  # a new request (another key) on the same payment
        await client.open_dispute(
            token, transaction_id=fnac[1].transaction_id, reason="not_recognised", idempotency_key="dispute-key-2"
        )
    assert (exists.value.status, exists.value.code, exists.value.details) == (
        409, "dispute_exists", {"reference": case.reference})

    fraud = await client.open_dispute(
        token, transaction_id=fnac[0].transaction_id, reason="not_recognised", idempotency_key="dispute-key-3"
    )
    assert (fraud.advisor_required, fraud.advisor_reason) == (True, "possible_fraud")
    assert [d.reference for d in await client.disputes(token)] == [fraud.reference, case.reference]

    queue = await client.staff_disputes()
    assert [d.reference for d in queue] == [case.reference, fraud.reference]
    assert queue[0].customer.customer_number == DEMO_CUSTOMER_NUMBER
    assert await client.staff_disputes("resolved") == []
    with pytest.raises(BankError) as no_token:
        await CoreBank(bank.base_url, timeout_seconds=10).staff_disputes()
    assert (no_token.value.status, no_token.value.code) == (403, "service_token_required")
    with pytest.raises(BankError) as bad_reason:
        await client.open_dispute(token, transaction_id=fnac[0].transaction_id, reason="other", idempotency_key="k4")
    assert (bad_reason.value.status, bad_reason.value.code) == (400, "invalid_request")  # other needs details
