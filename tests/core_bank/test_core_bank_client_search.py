"""The action server's client (actions/banking.py) for transaction search and recurring payments, against the core
bank served in this process (seeded at the test clock's fixed start: nothing depends on today's date): typed results,
Decimal money, days as dates, paging, and the bank's refusals as BankError."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Iterator

import pytest

from actions.banking import BankError, CoreBank, RecurringPayments, SearchPage
from bot.core_bank.seed import DEMO_ACCOUNT_IDS, DEMO_CUSTOMER_NUMBER
from tests.core_bank.core_bank_fixtures import SERVICE_TOKEN, CoreBankTestClient, running_core_bank

CURRENT = DEMO_ACCOUNT_IDS["current"]
PARIS = "Europe/Paris"


@pytest.fixture
def bank(tmp_path: Path) -> Iterator[CoreBankTestClient]:
    with running_core_bank(tmp_path) as running:
        yield running


async def signed_in(client: CoreBank, bank: CoreBankTestClient) -> str:
    challenge = await client.start_challenge(customer_number=DEMO_CUSTOMER_NUMBER)
    return (await client.verify_challenge(challenge.challenge_id, bank.last_code())).access_token


async def test_a_loose_merchant_search_with_totals_paged_like_the_transactions_list(bank: CoreBankTestClient):
    client = CoreBank(bank.base_url, timeout_seconds=10, service_token=SERVICE_TOKEN)
    token = await signed_in(client, bank)
    today = bank.clock().date()

    first = await client.search_transactions(
        token, CURRENT, merchant="uber", direction="out", since=today - timedelta(days=35), until=today,
        time_zone=PARIS, limit=3,
    )
    assert isinstance(first, SearchPage)
    assert {"Uber", "Uber Eats"} <= set(first.merchants)
    assert len(first.transactions) == 3 and first.next_before == first.transactions[-1].transaction_id
    assert all(isinstance(t.amount, Decimal) and t.amount < 0 for t in first.transactions)
    assert all(t.merchant in first.merchants for t in first.transactions)
    totals = first.totals
    assert isinstance(totals.money_out, Decimal) and totals.currency == "EUR"
    assert totals.money_in == Decimal("0.00") and totals.net == -totals.money_out

    # Every match, page after page: the totals count them all, whatever the page.
    seen, before = list(first.transactions), first.next_before
    while before:
        page = await client.search_transactions(
            token, CURRENT, merchant="uber", direction="out", since=today - timedelta(days=35), until=today,
            time_zone=PARIS, limit=3, before=before,
        )
        assert page.totals == totals
        seen += page.transactions
        before = page.next_before
    assert len(seen) == totals.count and -sum(t.amount for t in seen) == totals.money_out
    # The seed's own Uber rides and Uber Eats meals of the last 35 days are among them.
    assert totals.count >= 8


async def test_amount_bounds_direction_and_an_empty_search(bank: CoreBankTestClient):
    client = CoreBank(bank.base_url, timeout_seconds=10, service_token=SERVICE_TOKEN)
    token = await signed_in(client, bank)

    big = await client.search_transactions(token, CURRENT, direction="out", min_amount=Decimal("100"), limit=50)
    assert big.transactions and all(-t.amount >= Decimal("100") for t in big.transactions)
    assert big.merchants == []
    received = await client.search_transactions(token, CURRENT, direction="in", category="income", limit=5)
    assert received.transactions and all(t.amount > 0 and t.category == "income" for t in received.transactions)
    assert received.totals.money_out == Decimal("0.00") and received.totals.money_in > 0

    cards = await client.search_transactions(token, CURRENT, kind="card_payment", direction="out", limit=50)
    assert cards.transactions and {t.kind for t in cards.transactions} == {"card_payment"}
    withdrawn = await client.search_transactions(token, CURRENT, kind="cash_withdrawal", limit=50)
    assert withdrawn.transactions and {t.kind for t in withdrawn.transactions} == {"cash_withdrawal"}

    nothing = await client.search_transactions(token, CURRENT, merchant="zzzqqq")
    assert (nothing.transactions, nothing.next_before, nothing.merchants) == ([], None, [])
    assert nothing.totals.count == 0 and nothing.totals.money_out == Decimal("0.00")


async def test_bad_filters_are_refused_before_anything_is_sent(bank: CoreBankTestClient):
    client = CoreBank(bank.base_url, timeout_seconds=10, service_token=SERVICE_TOKEN)
    token = await signed_in(client, bank)
    for bad in (
        {"category": "astrology"},
        {"direction": "sideways"},
        {"kind": "cheque"},
        {"min_amount": Decimal("200"), "max_amount": Decimal("100")},
        {"since": date(2026, 6, 2), "until": date(2026, 6, 1)},
        {"time_zone": "Mars/Olympus"},
    ):
        with pytest.raises(BankError) as refused:
            await client.search_transactions(token, CURRENT, **bad)
        assert (refused.value.status, refused.value.code) == (400, "invalid_request"), bad
    with pytest.raises(BankError) as unknown:
        await client.search_transactions(token, "acc-of-someone-else")
    assert (unknown.value.status, unknown.value.code) == (404, "account_not_found")


async def test_recurring_payments_typed_with_their_next_day(bank: CoreBankTestClient):
    client = CoreBank(bank.base_url, timeout_seconds=10, service_token=SERVICE_TOKEN)
    token = await signed_in(client, bank)

    found = await client.recurring_payments(token, CURRENT, time_zone=PARIS)
    assert isinstance(found, RecurringPayments) and found.time_zone == PARIS
    assert found.as_of == bank.clock().date()
    by_name = {r.merchant: r for r in found.recurring_payments}
    netflix = by_name["Netflix"]
    assert (netflix.frequency, netflix.typical_amount, netflix.active) == ("monthly", Decimal("13.49"), True)
    assert isinstance(netflix.next_date, date) and netflix.next_date > netflix.last_date
    assert netflix.next_date.day == 15
    assert {"Spotify", "Basic-Fit"} <= set(by_name)
    assert "Ticketmaster" not in by_name  # paid once
    actives = [r.active for r in found.recurring_payments]
    assert actives == sorted(actives, reverse=True)  # active ones first

    with pytest.raises(BankError) as refused:
        await client.recurring_payments(token, CURRENT, time_zone="Mars/Olympus")
    assert (refused.value.status, refused.value.code) == (400, "invalid_request")
    with pytest.raises(BankError) as unknown:
        await client.recurring_payments(token, "acc-of-someone-else")
    assert (unknown.value.status, unknown.value.code) == (404, "account_not_found")
