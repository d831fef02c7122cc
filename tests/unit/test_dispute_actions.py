"""Disputed payments in the chat, at the action level: the customer's words give the reason and narrow the payments
offered (merchant, amount, period; duplicates first when charged twice), cards only masked; the card can be frozen or
blocked first; the case is opened once per request (one idempotency key) and the core bank's answer told: the
reference and the days, an advisor (a handover) when its rule says so, a case already open politely explained."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Dict, List, Optional
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher

import actions.cards as cards
import actions.disputes as disputes
import actions.bank_day as bank_day
import actions.verified as verified
from actions.bank_day import BANK_TIMEZONE
from actions.banking import Account, BankError, Card, Dispute, Transaction
from actions.customer_sessions import CustomerSession
from actions.text.disputes import customer_words, names_merchant, reason_in_text
from bot.dialogue_signals import HANDOVER_KEY

SESSION = CustomerSession("token-1", "100001", "Alex", datetime.now(timezone.utc) + timedelta(minutes=15))
# A fixed instant, noon at the bank (Paris): the actions count days on the bank's calendar (actions/bank_day.py); with
# the real clock, between 23:00 and 24:00 UTC the bank's day was already the next one and "90 days ago" differed.
NOW = datetime(2026, 11, 18, 11, 0, tzinfo=timezone.utc)
YESTERDAY = NOW - timedelta(days=1)

CURRENT = Account(account_id="acc-current", type="current", name="Current account",
                  iban_masked="FR76 •••• •••• 0079", currency="EUR", balance=Decimal("2450.31"))
SAVINGS = Account(account_id="acc-savings", type="savings", name="Savings account",
                  iban_masked="FR76 •••• •••• 0086", currency="EUR", balance=Decimal("12000.00"))
DEBIT = Card(card_id="card-4821", kind="debit", brand="Visa", last4="4821", status="active",
             account_id="acc-current", expiry="2028-09")
CREDIT = Card(card_id="card-7304", kind="credit", brand="Mastercard", last4="7304", status="active",
              account_id="acc-current", expiry="2028-09")


def payment(tid: str, merchant: str, amount: str, when: datetime, kind: str = "card_payment") -> Transaction:
    return Transaction(transaction_id=tid, booked_at=when, description=f"Card payment — {merchant}", kind=kind,
                       counterparty=merchant, category="shopping", merchant=merchant.split(" ")[0],
                       amount=Decimal(amount), currency="EUR")


HISTORY = [
    payment("txn-uber", "Uber", "-14.20", NOW - timedelta(hours=2)),
    payment("txn-fnac-1", "Fnac", "-49.99", YESTERDAY),
    payment("txn-fnac-2", "Fnac", "-49.99", YESTERDAY + timedelta(minutes=1)),
    payment("txn-amazon", "Amazon EU", "-74.90", NOW - timedelta(days=3)),
    payment("txn-salary", "Acme", "2100.00", NOW - timedelta(days=4), kind="salary"),
    payment("txn-rent", "Foncia", "-950.00", NOW - timedelta(days=5), kind="rent"),
    payment("txn-old-fnac", "Fnac", "-12.99", NOW - timedelta(days=60)),
]


class FakeBank:
    """The core bank as the actions see it: accounts, transactions, cards, and the cases opened (by key)."""

    def __init__(self, advisor: Optional[str] = None, refuse: Optional[BankError] = None) -> None:
        self.advisor = advisor
        self.refuse = refuse
        self.cards_held = [DEBIT, CREDIT]
        self.cases: Dict[str, Dispute] = {}
        self.opened: List[Dict[str, Any]] = []
        self.frozen: List[str] = []
        self.blocked: List[str] = []
        self.since: List[str] = []

    async def accounts(self, token: str) -> List[Account]:
        return [CURRENT, SAVINGS]

    async def transactions(self, token: str, account_id: str, *, limit: int = 5, before: str = "", since: str = "",
                           until: str = "", time_zone: str = ""):
        assert account_id == "acc-current"  # savings pay no merchant
        assert time_zone == BANK_TIMEZONE  # the days asked are the bank's, as the actions count them
        self.since.append(since)
        zone = ZoneInfo(time_zone)
        found = [t for t in HISTORY if (not since or t.booked_at.astimezone(zone).date() >= date.fromisoformat(since))
                 and (not until or t.booked_at.astimezone(zone).date() <= date.fromisoformat(until))]
        return found[:limit], None

    async def cards(self, token: str) -> List[Card]:
        return list(self.cards_held)

    async def disputes(self, token: str) -> List[Dispute]:
        return list(reversed(self.cases.values()))  # newest first

    async def freeze_card(self, token: str, card_id: str) -> Card:
        self.frozen.append(card_id)
        return DEBIT.copy(update={"status": "frozen"})

    async def block_card(self, token: str, card_id: str, reason: str) -> Card:
        self.blocked.append(card_id)
        return DEBIT.copy(update={"status": "blocked"})

    async def open_dispute(self, token: str, *, transaction_id: str, reason: str, details: Optional[str] = None,
                           idempotency_key: str) -> Dispute:
        self.opened.append({"transaction_id": transaction_id, "reason": reason, "details": details,
                            "key": idempotency_key})
        if self.refuse is not None:
            raise self.refuse
        if idempotency_key in self.cases:
            return self.cases[idempotency_key]
        [t] = [t for t in HISTORY if t.transaction_id == transaction_id]
        case = Dispute.parse_obj({
            "reference": f"DP-{len(self.cases) + 1:08d}", "status": "open", "reason": reason, "details": details,
            "transaction": {"transaction_id": t.transaction_id, "account_id": "acc-current",
                            "booked_at": t.booked_at.isoformat(), "description": t.description, "kind": t.kind,
                            "counterparty": t.counterparty, "amount": str(t.amount), "currency": "EUR"},
            "advisor_required": self.advisor is not None, "advisor_reason": self.advisor,
            "opened_at": NOW.isoformat(), "updated_at": NOW.isoformat(),
            "review_by": "2026-12-08", "resolve_by": "2027-01-15",
        })
        self.cases[idempotency_key] = case
        return case


@pytest.fixture(autouse=True)
def bank_clock(monkeypatch):
    monkeypatch.setattr(bank_day, "utc_now", lambda: NOW)


@pytest.fixture
def bank(monkeypatch):
    def install(**kwargs: Any) -> FakeBank:
        fake = FakeBank(**kwargs)
        monkeypatch.setattr(disputes, "core_bank", lambda: fake)
        monkeypatch.setattr(cards, "core_bank", lambda: fake)
        return fake

    monkeypatch.setattr(disputes, "current_session", lambda tracker: SESSION)
    monkeypatch.setattr(verified, "current_session", lambda tracker: SESSION)
    return install


def tracker(slots: Dict[str, Any], text: str = "", latest_action: str = "action_listen", request: str = "",
            language: str = "en") -> Tracker:
    latest = {"text": text, "intent": {"name": "inform"}, "entities": []}
    events = []
    if request:
        events.append({"event": "user", "text": request, "input_channel": "messenger",
                       "parse_data": {"text": request, "intent": {"name": "dispute_payment"}, "entities": []}})
    events.append({"event": "user", "text": text, "parse_data": latest, "input_channel": "messenger"})
    return Tracker("psid-1", {"language": language, **slots}, latest, events, False, None, {}, latest_action)


async def run(action, slots: Dict[str, Any], text: str = "", **kwargs: Any):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker(slots, text, **kwargs), {})
    return events, dispatcher.messages


def slots_of(events) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


# --- what the customer's words say --------------------------------------------------------------------------------


@pytest.mark.parametrize("text, reason", [
    ("I was charged twice at Fnac yesterday", "charged_twice"),
    ("I was charged twice at Fnac yesterday, I want to talk to someone", "charged_twice"),
    ("on m'a débité deux fois", "charged_twice"),
    ("paiement en double à la Fnac", "charged_twice"),
    ("I don't recognise this payment", "not_recognised"),
    ("there's a payment at Amazon I never made", "not_recognised"),
    ("je ne reconnais pas ce prélèvement", "not_recognised"),
    ("c'est pas moi ce paiement", "not_recognised"),
    ("I want to dispute a payment", None),
    ("contester une opération", None),
])
def test_the_reason_is_read_from_the_words(text, reason):
    assert reason_in_text(text) == reason


def test_a_merchant_is_named_as_whole_words_and_long_numbers_are_masked_in_the_customer_words():
    assert names_merchant("a payment at amazon I never made", ["Amazon", "Amazon EU"])
    assert names_merchant("débité deux fois à la FNAC", ["Fnac"])
    assert not names_merchant("I was at the pharmacy", ["Uber"]) and not names_merchant("uberX", ["Uber"])
    assert customer_words("my card 4111 1111 1111 1111 was used") == "my card •••• was used"
    assert len(customer_words("x" * 900)) == 500


# --- the start: reason, key, verification ------------------------------------------------------------------------


async def test_a_fresh_request_reads_the_reason_and_takes_a_new_key_then_asks_for_verification(bank, monkeypatch):
    bank()
    monkeypatch.setattr(verified, "current_session", lambda tracker: None)
    events, [message] = await run(disputes.ActionStartDispute(), {}, "I was charged twice at Fnac yesterday")
    slots = slots_of(events)
    assert slots["dispute_reason"] == "charged_twice" and len(slots["dispute_key"]) == 32
    assert (slots["identity"], slots["pending_request"]) == ("required", "dispute_payment")
    assert message["response"] == "utter_verify_first"


async def test_back_from_verification_the_draft_is_kept(bank):
    bank()
    events, messages = await run(disputes.ActionStartDispute(), {"dispute_key": "k1"}, "482913",
                                 latest_action="identity_form")
    assert slots_of(events) == {"identity": "verified", "pending_request": None} and messages == []


# --- the payments offered -----------------------------------------------------------------------------------------


async def test_charged_twice_at_a_merchant_offers_its_duplicates_first_with_the_card_masked(bank):
    bank()
    events, [message] = await run(
        disputes.ActionAskDisputeTransaction(), {"dispute_reason": "charged_twice"}, "482913",
        request="I was charged twice at Fnac yesterday",
    )
    assert message["response"] == "utter_ask_dispute_transaction"
    payloads = [r["payload"] for r in message["quick_replies"]]
    assert payloads == ['/inform{"transaction_id":"txn-fnac-2"}', '/inform{"transaction_id":"txn-fnac-1"}',
                        "/human_handoff"]
    assert all(len(r["title"]) <= 20 for r in message["quick_replies"])
    assert message["quick_replies"][0]["title"] == "1 · Fnac · €49.99"
    assert "Card payment — Fnac" in message["payments"] and "card •••• 4821" in message["payments"]
    assert "4821" not in json.dumps(message["quick_replies"])
    offered = json.loads(slots_of(events)["dispute_candidates"])
    assert [o["id"] for o in offered] == ["txn-fnac-2", "txn-fnac-1"]


@pytest.mark.parametrize("language, says", [("en", "already disputed (DP-00000001)"),
                                             ("fr", "contestation déjà ouverte (DP-00000001)")])
async def test_a_payment_disputed_already_is_listed_with_its_case(bank, language, says):
    fake = bank()
    await fake.open_dispute("token", transaction_id="txn-fnac-1", reason="charged_twice", idempotency_key="k-1")
    _, [message] = await run(disputes.ActionAskDisputeTransaction(), {"dispute_reason": "charged_twice"}, "x",
                             request="I was charged twice at Fnac yesterday", language=language)
    first, second = message["payments"].splitlines()[:2]
    assert says not in first and second.endswith(says), message["payments"]  # txn-fnac-2 first, then txn-fnac-1


async def test_charged_twice_without_a_merchant_puts_the_duplicates_before_newer_payments(bank):
    bank()
    events, [message] = await run(disputes.ActionAskDisputeTransaction(), {"dispute_reason": "charged_twice"}, "x",
                                  request="on m'a débité deux fois", language="fr")
    assert message["response"] == "utter_ask_dispute_transaction"
    ids = [o["id"] for o in json.loads(slots_of(events)["dispute_candidates"])]
    assert ids[:2] == ["txn-fnac-2", "txn-fnac-1"] and "txn-uber" in ids and "txn-salary" not in ids
    assert message["quick_replies"][-1]["title"] == "Pas dans la liste"
    assert "Paiement par carte — Fnac" in message["payments"] and "49,99" in message["payments"]


async def test_a_merchant_not_paid_on_the_day_named_is_looked_for_over_the_last_months(bank):
    fake = bank()
    events, [message] = await run(disputes.ActionAskDisputeTransaction(), {"dispute_reason": "not_recognised"}, "x",
                                  request="a payment at Amazon yesterday that I never made")
    assert [o["id"] for o in json.loads(slots_of(events)["dispute_candidates"])] == ["txn-amazon"]
    assert message["response"] == "utter_ask_dispute_transaction"
    assert fake.since == [(NOW.date() - timedelta(days=90)).isoformat()]  # three months, read once


async def test_the_day_named_narrows_the_payments_of_the_merchant(bank):
    bank()
    events, _ = await run(disputes.ActionAskDisputeTransaction(), {"dispute_reason": "charged_twice"}, "x",
                          request="I was charged twice at Fnac yesterday")
    ids = [o["id"] for o in json.loads(slots_of(events)["dispute_candidates"])]
    assert ids == ["txn-fnac-2", "txn-fnac-1"]  # not the Fnac payment of two months ago
    events, _ = await run(disputes.ActionAskDisputeTransaction(), {"dispute_reason": "not_recognised"}, "x",
                          request="a Fnac payment I never made")
    assert [o["id"] for o in json.loads(slots_of(events)["dispute_candidates"])] == [
        "txn-fnac-2", "txn-fnac-1", "txn-old-fnac"]


async def test_an_amount_named_narrows_the_payments(bank):
    bank()
    events, [message] = await run(disputes.ActionAskDisputeTransaction(), {"dispute_reason": "not_recognised"}, "x",
                                  request="there's a 74.90€ payment I never made")
    assert [o["id"] for o in json.loads(slots_of(events)["dispute_candidates"])] == ["txn-amazon"]
    assert message["quick_replies"][0]["title"].startswith("1 · Amazon")


async def test_an_amount_never_paid_offers_the_recent_card_payments(bank):
    bank()
    events, [message] = await run(disputes.ActionAskDisputeTransaction(), {"dispute_reason": "not_recognised"}, "x",
                                  request="there's a 999 € payment I never made")
    assert message["response"] == "utter_ask_dispute_transaction_recent"
    ids = [o["id"] for o in json.loads(slots_of(events)["dispute_candidates"])]
    assert ids == ["txn-uber", "txn-fnac-2", "txn-fnac-1", "txn-amazon"]  # card payments of the last month


async def test_the_bank_down_while_listing_ends_the_form_politely(bank):
    fake = bank()

    async def down(token):
        raise BankError(503, "unavailable", "down")

    fake.accounts = down
    events, [message] = await run(disputes.ActionAskDisputeTransaction(), {}, "x", request="I don't recognise it")
    assert message["response"] == "utter_bank_unavailable"
    assert any(e["event"] == "active_loop" and e["name"] is None for e in events)


# --- the choice of payment and of what to do with the card ---------------------------------------------------------


OFFERED = json.dumps([{"id": "txn-fnac-2", "kind": "card_payment", "account_id": "acc-current"},
                      {"id": "txn-rent", "kind": "rent", "account_id": "acc-current"}])


async def validate(slot: str, value: Any, slots: Dict[str, Any]):
    dispatcher = CollectingDispatcher()
    action = disputes.ValidateDisputeForm()
    found = await getattr(action, f"validate_{slot}")(value, dispatcher, tracker(slots, str(value)), {})
    return found, dispatcher.messages


async def test_a_tapped_or_numbered_payment_is_taken_and_its_card_found(bank):
    bank()
    tapped, _ = await validate("dispute_transaction", '/inform{"transaction_id":"txn-fnac-2"}',
                               {"dispute_candidates": OFFERED})
    assert tapped == {"dispute_transaction": "txn-fnac-2", "dispute_card": "card-4821"}  # debit first
    numbered, _ = await validate("dispute_transaction", "2", {"dispute_candidates": OFFERED})
    assert numbered == {"dispute_transaction": "txn-rent", "dispute_card": None}  # not a card payment
    unclear, [message] = await validate("dispute_transaction", "the blue one", {"dispute_candidates": OFFERED})
    assert unclear == {"dispute_transaction": None}
    assert message["response"] == "utter_dispute_which_payment_unclear"


async def test_the_card_question_is_skipped_for_a_payment_made_without_a_card(bank):
    bank()
    action, domain_slots = disputes.ValidateDisputeForm(), ["dispute_reason", "dispute_transaction", "dispute_card_action"]
    without_card = tracker({"dispute_transaction": "txn-rent", "dispute_card": None})
    with_card = tracker({"dispute_transaction": "txn-fnac-2", "dispute_card": "card-4821"})
    assert await action.required_slots(domain_slots, CollectingDispatcher(), without_card, {}) == domain_slots[:2]
    assert await action.required_slots(domain_slots, CollectingDispatcher(), with_card, {}) == domain_slots


async def test_a_reason_is_taken_from_a_tap_or_from_words(bank):
    bank()
    assert (await validate("dispute_reason", '/inform{"dispute_reason":"other"}', {}))[0] == {"dispute_reason": "other"}
    assert (await validate("dispute_reason", "it was taken twice", {}))[0] == {"dispute_reason": "charged_twice"}
    found, [message] = await validate("dispute_reason", "hmm", {})
    assert found == {"dispute_reason": None} and message["response"] == "utter_dispute_reason_unclear"


async def test_the_card_question_offers_freeze_block_or_leave_with_the_card_masked(bank):
    bank()
    events, [message] = await run(disputes.ActionAskDisputeCardAction(), {"dispute_card": "card-4821"})
    assert message["response"] == "utter_ask_dispute_card_action" and message["card"] == "debit card •••• 4821"
    assert [b["payload"] for b in message["buttons"]] == ["/freeze_card", "/block_card", "/deny"]
    assert all(len(b["title"]) <= 20 for b in message["buttons"]) and events == []


# --- opening the case ---------------------------------------------------------------------------------------------

DRAFT = {"dispute_reason": "charged_twice", "dispute_transaction": "txn-fnac-2", "dispute_card": "card-4821",
         "dispute_card_action": "none", "dispute_key": "key-1"}


async def test_a_duplicate_is_disputed_with_the_reference_and_days_and_an_advisor_offered(bank):
    fake = bank()
    events, messages = await run(disputes.ActionOpenDispute(), DRAFT)
    assert fake.opened == [{"transaction_id": "txn-fnac-2", "reason": "charged_twice", "details": None, "key": "key-1"}]
    assert fake.frozen == fake.blocked == []
    opened, steps = messages
    assert opened["response"] == "utter_dispute_opened" and opened["reference"] == "DP-00000001"
    assert "Card payment — Fnac of €49.99" in opened["payment"]
    assert steps["response"] == "utter_dispute_next_steps"
    assert (steps["review_by"], steps["resolve_by"]) == ("8 Dec 2026", "15 Jan 2027")
    assert not any(isinstance(e, dict) and e.get("event") == "pause" for e in events)
    assert slots_of(events)["dispute_key"] is None and slots_of(events)["dispute_transaction"] is None


async def test_a_retry_with_the_same_key_gives_the_same_case(bank):
    fake = bank()
    _, first = await run(disputes.ActionOpenDispute(), DRAFT)
    _, again = await run(disputes.ActionOpenDispute(), DRAFT)
    assert first[0]["reference"] == again[0]["reference"] and len(fake.cases) == 1


async def test_a_payment_already_disputed_is_explained_with_its_case(bank):
    bank(refuse=BankError(409, "dispute_exists", "already", {"reference": "DP-4K7Q2M9X"}))
    events, [message] = await run(disputes.ActionOpenDispute(), DRAFT)
    assert (message["response"], message["reference"]) == ("utter_dispute_exists", "DP-4K7Q2M9X")


async def test_a_payment_the_bank_will_not_take_is_refused_in_the_customer_language(bank):
    bank(refuse=BankError(422, "dispute_too_late", "too old"))
    _, [message] = await run(disputes.ActionOpenDispute(), DRAFT, language="fr")
    assert message["response"] == "utter_dispute_refused" and "délai" in message["reason"]


async def test_the_bank_down_gets_a_polite_answer(bank):
    bank(refuse=BankError(0, "unavailable", "unreachable"))
    _, [message] = await run(disputes.ActionOpenDispute(), DRAFT)
    assert message["response"] == "utter_bank_unavailable"


async def test_a_payment_not_recognised_freezes_the_card_then_hands_over_to_an_advisor(bank):
    fake = bank(advisor="possible_fraud")
    draft = {**DRAFT, "dispute_reason": "not_recognised", "dispute_card_action": "freeze"}
    events, messages = await run(disputes.ActionOpenDispute(), draft)
    assert fake.frozen == ["card-4821"] and fake.opened[0]["reason"] == "not_recognised"
    assert [m.get("response") for m in messages] == [
        "utter_dispute_card_frozen", "utter_dispute_opened", "utter_dispute_advisor", None]
    assert messages[2]["why"].startswith("As you don't recognise this payment")
    assert messages[3]["custom"] == {HANDOVER_KEY: {"reason": "escalated"}}
    assert ConversationPaused() in events


async def test_blocking_the_card_first_and_the_customer_words_for_another_reason(bank):
    fake = bank(advisor="reason_other")
    draft = {**DRAFT, "dispute_reason": "other", "dispute_card_action": "block"}
    dispatcher = CollectingDispatcher()
    await disputes.ActionOpenDispute().run(
        dispatcher, tracker(draft, "x", request="the shop never sent my order, card 4111111111111111"), {})
    assert fake.blocked == ["card-4821"]
    assert fake.opened[0]["details"] == "the shop never sent my order, card ••••"
    assert dispatcher.messages[0]["response"] == "utter_dispute_card_blocked"


async def test_a_card_that_cannot_change_does_not_stop_the_case(bank):
    fake = bank()

    async def refused(token, card_id):
        raise BankError(422, "card_blocked", "blocked")

    fake.freeze_card = refused
    _, messages = await run(disputes.ActionOpenDispute(), {**DRAFT, "dispute_card_action": "freeze"})
    assert [m["response"] for m in messages] == [
        "utter_dispute_card_unchanged", "utter_dispute_opened", "utter_dispute_next_steps"]


async def test_nothing_is_opened_without_a_payment(bank):
    fake = bank()
    events, messages = await run(disputes.ActionOpenDispute(), {"dispute_key": "k"})
    assert fake.opened == [] and messages == [] and SlotSet("dispute_key", None) in events
