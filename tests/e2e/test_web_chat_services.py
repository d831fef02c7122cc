"""The everyday money questions in the web chat, end to end against the real branch (issue 17): what Messenger's
tests ask (tests/integration/test_money_questions.py, test_spending_conversations.py, test_dispute_conversations.py,
test_appointment_conversations.py, test_service_conversations.py) completes in a web chat session too, behind the
one-time code, over the socket as the widget talks to it:

- what the customer reads and taps is what the socket brought (`bot_uttered`, quick replies included); a tap sends
  the title with the payload offered, and the bot must have read the payload (a tap refused is read as typed text);
- the spending chart comes as an image whose URL only the session's own browser (its binding cookie) can open;
- the core bank's state says the thing was done (a card frozen then active, a case opened, an appointment booked
  then cancelled).
Spending, a dispute and an appointment also on the French page, answered in French.

Texts compared whole are built from domain.yml and the catalogue (actions/text/catalogue/) with the core bank's
figures, over the days the seed holds (dated from when the stack started: nothing here expects a date).

Shared demo data stays as the other tests expect it: the card frozen is unfrozen, the appointments booked are
cancelled, and the payments disputed here are disputed by no other test (Alex's two Fnac payments and Camille's
first one are test_dispute_conversations.py's; a case cannot be withdrawn).
"""
from __future__ import annotations

import asyncio
import queue
import re
import time
from datetime import datetime
from decimal import Decimal
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

import requests
import yaml
from babel.dates import format_date
from rasa.core.nlg.interpolator import interpolate

from actions import bank_day
from actions.text import catalogue
from actions.text.locale import Presentation
from actions.text.periods import parse_period
from actions.transactions import transaction_label
from bot.channels.web_chat.tokens import COOKIE_NAME
from bot.dialogue_signals import SPENDING_CHART_KEY
from tests.e2e.test_web_chat_language import responses_of_last_turn
from tests.e2e.test_web_chat_sessions import (  # noqa: F401 - `clients` is a fixture
    WAIT_SECONDS, ChatClient, chat_session, clients, connected, turn,
)
from tests.integration.test_appointment_conversations import appointments_of, cancel_upcoming
from tests.integration.test_handoff_conversation import desk_for
from tests.integration.test_money_questions import PARIS, bank_get, last_30_days, uber_search
from tests.integration.test_service_conversations import card_pays
from tests.support.processes import PROJECT_ROOT
from tests.support.stack import Stack

ALEX = ("100001", "+33612345678")
CAMILLE = ("100002", "+33698765432")
TOM = ("100003", "+33611223344")
SOFIA = ("100004", "+393471234567")
PNG = b"\x89PNG\r\n\x1a\n"
DISPUTE_REFERENCE = re.compile(r"\bDP-[A-Z0-9]{8}\b")
APPOINTMENT_REFERENCE = re.compile(r"\bAP-[A-Z0-9]{8}\b")
CHART_PATH = re.compile(r"/webhooks/socketio/charts/[A-Za-z0-9_-]{32}")  # 192 random bits, nothing else
ENGLISH = re.compile(r"\b(the|your|you|please|would|which|card|send|account|spent|payments?)\b", re.IGNORECASE)
ENGLISH_DAYS = re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b")
FRENCH = {"type": "slot", "name": "language", "value": "fr"}  # the condition of a response's French variation
DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


# --- what the bot says, from domain.yml and the catalogue -----------------------------------------------------------


def response(name: str, language: str) -> Dict[str, Any]:
    """The variation of a domain.yml response a conversation in `language` gets (French: the one on language fr)."""
    variations = DOMAIN["responses"][name]
    french = [v for v in variations if FRENCH in (v.get("condition") or [])]
    plain = [v for v in variations if not v.get("condition")]
    return (french if language == "fr" else plain)[0]


def said(name: str, language: str, **values: Any) -> str:
    return response(name, language)["text"].format(**values)


def title(name: str, language: str, payload: str) -> str:
    """The title of the quick reply or button of response `name` that sends `payload` (as Rasa sends it: filled in,
    a JSON payload's doubled braces single)."""
    choices = response(name, language).get("quick_replies") or response(name, language).get("buttons") or []
    return next(choice["title"] for choice in choices if interpolate(choice["payload"], {}) == payload)


def text(key: str, language: str, **values: Any) -> str:
    return catalogue.text(key, language, **values)


# --- a customer in the web chat -------------------------------------------------------------------------------------


def delivers(message: Dict[str, Any], event: Dict[str, Any]) -> bool:
    """Whether socket message `message` is the last one the channel sends for the tracker's bot event `event`
    (Rasa's socket.io output sends a text's paragraphs apart, the quick replies with the last one)."""
    custom = (event.get("data") or {}).get("custom")
    if isinstance(custom, dict) and SPENDING_CHART_KEY in custom:
        return (message.get("attachment") or {}).get("type") == "image"
    if custom is not None:
        return message.get("custom") == custom
    words = (event.get("text") or "").strip()
    return bool(words) and message.get("text") == words.split("\n\n")[-1]


class WebChat:
    """One customer's widget on a page of the site (as `client_on_page`, keeping the session's binding cookie):
    what they type and tap goes over the socket, what the bot answers is read from the socket."""

    def __init__(self, sandbox: Stack, clients: List[ChatClient], language: str, locale: str) -> None:
        self.sandbox = sandbox
        self.session = chat_session(sandbox)
        self.client = connected(sandbox, clients, self.session)
        self.client.sio.emit("session_request", {"session_id": self.me, "language": language, "locale": locale})
        assert self.client.next_event() == ("session_confirm", self.me)
        self.received: List[Dict[str, Any]] = []  # every bot_uttered message, in order
        self.read = ""  # what Rasa read of the latest message

    @property
    def me(self) -> str:
        return self.session["session_id"]

    @property
    def cookie(self) -> str:
        return self.session["cookie"]

    def say(self, words: str, payload: Optional[str] = None) -> List[Dict[str, Any]]:
        """Sends a message (a tap when `payload` is given); returns the messages the socket brought for that turn."""
        data = {"message": words} if payload is None else {"message": words, "payload": payload}
        self.read, _ = turn(self.sandbox, self.client, self.me, data)
        events = self.sandbox.branch.tracker_events(self.me)
        last_user = max(i for i, e in enumerate(events) if e["event"] == "user")
        bot = [e for e in events[last_user:] if e["event"] == "bot"]
        return self._arrived_until(bot[-1]) if bot else []

    def _arrived_until(self, last: Dict[str, Any]) -> List[Dict[str, Any]]:
        """The socket's messages up to the delivery of the turn's last bot event (the turn is over in the tracker:
        its replies were emitted; a polling client may still be fetching them)."""
        arrived: List[Dict[str, Any]] = []
        deadline = time.monotonic() + WAIT_SECONDS
        while not arrived or not delivers(arrived[-1], last):
            try:
                name, data = self.client.next_event(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                raise AssertionError(f"the socket never brought {last.get('text') or last.get('data')!r}: {arrived}")
            assert name != "disconnect", f"the socket was closed: {arrived}"
            if name == "bot_uttered":
                arrived.append(data)
        self.received += arrived
        return arrived

    def offered(self) -> List[Tuple[str, str]]:
        """(title, payload) of the choices of the latest message that brought some: its quick replies, or its buttons
        (which stay in the thread under it; bot/channels/web_chat/channel.py)."""
        for message in reversed(self.received):
            choices = message.get("quick_replies") or message.get("buttons")
            if choices:
                return [(q["title"], q["payload"]) for q in choices]
        raise AssertionError(f"nothing was offered: {self.received}")

    def tap(self, wanted: str) -> List[Dict[str, Any]]:
        """Taps the quick reply or button titled `wanted` of the latest message that offered some, as the widget does."""
        choices = dict(self.offered())
        assert wanted in choices, f"{wanted!r} is not offered: {list(choices)}"
        arrived = self.say(wanted, payload=choices[wanted])
        # Typed text never starts with "/" (bot/channels/typed_text.py): the payload itself was read, not the title.
        assert self.read.split("{")[0] == choices[wanted].split("{")[0], f"the tap was refused: read {self.read!r}"
        return arrived

    def responses(self) -> List[str]:
        return responses_of_last_turn(self.sandbox, self.me)

    def slots(self) -> Dict[str, Any]:
        return self.sandbox.branch.slots(self.me)


def shown(messages: List[Dict[str, Any]]) -> str:
    """The texts of `messages` as the customer reads them (the paragraphs a reply was sent in joined back)."""
    return "\n\n".join(m["text"] for m in messages if m.get("text"))


def verified(chat: WebChat, customer: Tuple[str, str]) -> List[Dict[str, Any]]:
    """Answers the identity questions the request opened; the messages of the code's turn (the answer with them)."""
    number, phone = customer
    assert chat.slots().get("requested_slot") == "customer_identifier", chat.slots()
    chat.say(number)
    assert chat.slots().get("requested_slot") == "otp_code", chat.received[-1:]
    arrived = chat.say(chat.sandbox.branch.latest_code(phone))
    assert "utter_verified" in chat.responses(), (chat.responses(), shown(arrived))
    return arrived


def in_french(messages: List[Dict[str, Any]]) -> str:
    everything = shown(messages)
    assert not ENGLISH.search(everything), f"English in a French conversation: {everything}"
    return everything


def bank_headers(sandbox: Stack, customer: Tuple[str, str]) -> Dict[str, str]:
    number, phone = customer
    return {"Authorization": f"Bearer {sandbox.branch.customer_token(phone, number)}"}


def cards_of(sandbox: Stack, headers: Dict[str, str]) -> Dict[str, Dict[str, Any]]:
    found = requests.get(f"{sandbox.branch.core_bank_url}/v1/cards", headers=headers, timeout=5)
    found.raise_for_status()
    return {card["last4"]: card for card in found.json()["cards"]}


def disputes_of(sandbox: Stack, headers: Dict[str, str]) -> Dict[str, Dict[str, Any]]:
    found = requests.get(f"{sandbox.branch.core_bank_url}/v1/disputes", headers=headers, timeout=5)
    found.raise_for_status()
    return {case["reference"]: case for case in found.json()["disputes"]}


# --- 1. a search of the transactions, with its total ----------------------------------------------------------------


def test_how_much_was_spent_at_uber_over_the_last_30_days(sandbox: Stack, clients):
    chat = WebChat(sandbox, clients, "en", "en-GB")
    chat.say("how much have I spent on Uber in the last 30 days?")
    arrived = verified(chat, ALEX)

    held = uber_search(sandbox.branch, ALEX[1], ALEX[0])
    total, count, merchants = Decimal(held["totals"]["money_out"]), held["totals"]["count"], held["merchants"]
    assert set(merchants) == {"Uber", "Uber Eats"} and count > 5  # the seed's rides and meals
    as_page = Presentation.of("en", chat.slots()["locale"])  # the page's locale, en-GB
    period = last_30_days()
    summary = text(
        "search.summary.out", "en", total=as_page.money(total), amount="",
        where=text("search.where.merchant.out", "en",
                   merchant=text("search.names", "en", names=", ".join(merchants[:-1]), last=merchants[-1])),
        when=text("search.when.days", "en", since=as_page.day(period.since), until=as_page.day(period.until)),
        count=text("search.count.out.other", "en", count=count),
    )
    assert summary in shown(arrived), shown(arrived)
    assert "€" in summary and as_page.money(total) in summary  # "€310.55": the page's English money

    listed = [line for line in arrived[-1]["text"].splitlines() if line.startswith("• ")]
    assert len(listed) == 5 and all("Uber" in line and "−€" in line for line in listed), arrived[-1]
    more = chat.tap(title("utter_search_list_more", "en", "/show_more"))
    older = [line for line in shown(more).splitlines() if line.startswith("• ")]
    assert older and not set(older) & set(listed) and all("Uber" in line for line in older), shown(more)


# --- 2. the recurring payments --------------------------------------------------------------------------------------


def test_the_subscriptions_then_one_of_them_by_name(sandbox: Stack, clients):
    chat = WebChat(sandbox, clients, "en", "en-GB")
    chat.say("what subscriptions do I have?")
    arrived = verified(chat, CAMILLE)

    held = bank_get(sandbox.branch, CAMILLE[1], CAMILLE[0], "/accounts/current/recurring-payments", time_zone=PARIS)
    payments = held["recurring_payments"]
    assert {"Netflix", "Deezer", "SFR", "EDF"} <= {p["merchant"] for p in payments}  # the seed's, for Camille
    # Camille's bank is in French, the page in English: English words, the page's locale.
    as_page = Presentation.of("en", chat.slots()["locale"])

    def line(p: Dict[str, Any]) -> str:
        return text(f"recurring.line.{'active' if p['active'] else 'stopped'}", "en", merchant=p["merchant"],
                    amount=as_page.money(p["typical_amount"], p["currency"]),
                    frequency=text(f"recurring.frequency.{p['frequency']}", "en"),
                    next_day=as_page.day_from_iso(p["next_date"]), last_day=as_page.day_from_iso(p["last_date"]))

    assert shown(arrived).endswith(said("utter_recurring_list", "en", account=text("account.name.current", "en"),
                                        payments="\n".join(line(p) for p in payments))), shown(arrived)

    netflix = next(p for p in payments if p["merchant"] == "Netflix")
    arrived = chat.say("is Netflix still taking money every month?")
    assert shown(arrived) == said(
        "utter_recurring_active", "en", merchant="Netflix", amount=as_page.money("13.49"),
        frequency=text("recurring.frequency.monthly", "en"), last_day=as_page.day_from_iso(netflix["last_date"]),
        next_day=as_page.day_from_iso(netflix["next_date"]),
    ), shown(arrived)


# --- 3. spending insights, with the chart as an image only the session's browser can open ---------------------------


def spending_of(sandbox: Stack, customer: Tuple[str, str], month: str) -> Dict[str, Any]:
    return bank_get(sandbox.branch, customer[1], customer[0], "/accounts/current/spending", month=month,
                    time_zone=PARIS)


def chart_checked(sandbox: Stack, clients: List[ChatClient], chat: WebChat, arrived: List[Dict[str, Any]],
                  customer: Tuple[str, str], alt: str) -> None:
    """The turn brought one image: its URL says nothing of the customer and opens for this browser only."""
    images = [m["attachment"]["payload"] for m in arrived if (m.get("attachment") or {}).get("type") == "image"]
    assert len(images) == 1, arrived
    [image] = images
    assert image["alt"] == alt
    src = image["src"]
    parts = urlsplit(src)
    assert src.startswith(sandbox.branch.rasa_url) and CHART_PATH.fullmatch(parts.path), src
    assert not parts.query and not parts.fragment, src
    for private in (chat.me, chat.cookie, customer[0], customer[1], customer[1].lstrip("+")):
        assert private not in src, f"the chart's URL holds {private!r}: {src}"

    own = requests.get(src, headers={"Cookie": f"{COOKIE_NAME}={chat.cookie}"}, timeout=5)
    assert own.status_code == 200, own.text
    assert own.headers["Content-Type"].split(";")[0] == "image/png" and own.content.startswith(PNG)
    cache = {part.strip() for part in own.headers["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache, own.headers["Cache-Control"]

    assert requests.get(src, timeout=5).status_code == 404  # the URL alone, copied elsewhere
    other = WebChat(sandbox, clients, "en", "en-GB")  # another browser, with a session of its own
    assert requests.get(src, headers={"Cookie": f"{COOKIE_NAME}={other.cookie}"}, timeout=5).status_code == 404
    assert requests.get(src, headers={"Cookie": f"{COOKIE_NAME}={chat.cookie}"}, timeout=5).status_code == 200


def spending_expected(
    sandbox: Stack, customer: Tuple[str, str], request: str, as_page: Presentation
) -> Tuple[str, str]:
    """The summary's heading and the chart's alternative text for `request`'s month, from the core bank's figures."""
    period = parse_period(request, bank_day.today())  # the day actions/spending.py reads it against
    assert period is not None and period.since.day == 1, request  # "last month": a whole month
    found = spending_of(sandbox, customer, period.since.strftime("%Y-%m"))
    total = Decimal(found["total"])
    assert total > 0, found
    month = format_date(period.since, "LLLL y", locale=as_page.date_locale)
    return (text("spending.heading", as_page.language, period=month, total=as_page.money(total)),
            text("spending.chart.alt", as_page.language, period=month, total=as_page.money(total)))


def test_where_the_money_went_last_month_with_the_chart_as_an_image(sandbox: Stack, clients):
    request = "where did my money go last month?"
    chat = WebChat(sandbox, clients, "en", "en-GB")
    chat.say(request)
    arrived = verified(chat, ALEX)

    heading, alt = spending_expected(sandbox, ALEX, request, Presentation.of("en", chat.slots()["locale"]))
    summary = next(m["text"] for m in arrived if (m.get("text") or "").startswith(heading.split(":")[0]))
    assert summary.splitlines()[0] == heading, summary
    assert re.search(r"^• [^\n]+: €[\d,]+\.\d\d$", summary, re.MULTILINE), summary  # the top categories
    assert arrived[-1]["attachment"]["type"] == "image"  # the chart after the text
    chart_checked(sandbox, clients, chat, arrived, ALEX, alt)


def test_mes_depenses_du_mois_dernier_avec_le_graphique(sandbox: Stack, clients):
    request = "où part mon argent ? mes dépenses par catégorie du mois dernier"
    chat = WebChat(sandbox, clients, "fr", "fr-FR")
    chat.say(request)
    arrived = verified(chat, CAMILLE)
    in_french(arrived)

    heading, alt = spending_expected(sandbox, CAMILLE, request, Presentation.of("fr", "fr_FR"))
    summary = next(m["text"] for m in arrived if (m.get("text") or "").startswith(heading.split(":")[0]))
    assert summary.splitlines()[0] == heading, summary
    assert re.search(r"^• [^\n]+ : [\d\u202f]+,\d\d\u00a0€$", summary, re.MULTILINE), summary  # "• Courses : 34,90 €"
    assert arrived[-1]["attachment"]["type"] == "image"
    chart_checked(sandbox, clients, chat, arrived, CAMILLE, alt)
    assert not ENGLISH.search(alt), alt


# --- 4. a card frozen, then unfrozen --------------------------------------------------------------------------------


def test_a_card_frozen_then_unfrozen(sandbox: Stack, clients):
    tom = bank_headers(sandbox, TOM)
    [card] = cards_of(sandbox, tom).values()  # Tom's one debit card
    assert card["status"] == "active"
    masked = f"•••• {card['last4']}"
    named = text("card.named", "en", kind=text("card.kind.debit", "en"), masked=masked)
    chat = WebChat(sandbox, clients, "en", "en-GB")
    chat.say("please freeze my card")
    arrived = verified(chat, TOM)
    try:
        # Tom's one card is the one meant: a freeze can be undone, so it is not asked for (one button).
        assert shown(arrived).endswith(said("utter_card_frozen", "en", card=named)), shown(arrived)
        assert said("utter_ask_card_to_freeze", "en") not in shown(arrived)
        assert cards_of(sandbox, tom)[card["last4"]]["status"] == "frozen"
        declined = card_pays(sandbox.branch, card["card_id"])
        assert (declined.status_code, declined.json()["error"]["code"]) == (422, "card_frozen")

        arrived = chat.say("I found it, unfreeze my card")
        assert shown(arrived) == said("utter_card_unfrozen", "en", card=named), shown(arrived)
        assert cards_of(sandbox, tom)[card["last4"]]["status"] == "active"
        assert card_pays(sandbox.branch, card["card_id"]).status_code == 200
    finally:  # Tom's card as the other tests expect it
        if cards_of(sandbox, tom)[card["last4"]]["status"] == "frozen":
            requests.post(f"{sandbox.branch.core_bank_url}/v1/cards/{card['card_id']}/unfreeze", headers=tom,
                          timeout=5).raise_for_status()
    assert not re.search(r"\d{13,19}", shown(chat.received))  # never a card number


# --- 5. a disputed payment ------------------------------------------------------------------------------------------


def opened_text(language: str, as_page: Presentation, case: Dict[str, Any]) -> str:
    t = case["transaction"]
    booked_at = datetime.fromisoformat(t["booked_at"].replace("Z", "+00:00"))
    return said("utter_dispute_opened", language, reference=case["reference"], payment=text(
        "dispute.payment", language, day=as_page.day(bank_day.day_of(booked_at)), amount=as_page.money(-Decimal(t["amount"])),
        description=transaction_label(as_page, t["kind"], t["counterparty"], t["description"]),
    ))


def test_a_payment_not_recognised_opens_a_case_and_an_advisor_takes_it(sandbox: Stack, clients):
    # Alex's concert tickets, paid once 41 days before the seed: his Fnac payments are Messenger's test's.
    alex = bank_headers(sandbox, ALEX)
    cards_before = {last4: c["status"] for last4, c in cards_of(sandbox, alex).items()}
    chat = WebChat(sandbox, clients, "en", "en-GB")
    chat.say("there's a payment at Ticketmaster I don't recognise")
    arrived = verified(chat, ALEX)
    as_page = Presentation.of("en", chat.slots()["locale"])

    listed = shown(arrived)
    assert said("utter_ask_dispute_transaction", "en", payments="").strip() in listed, listed
    assert "Ticketmaster" in listed and f"−{as_page.money('89.00')}" in listed, listed
    offered = chat.offered()
    assert [t for t, _ in offered][1:] == [text("dispute.not_listed", "en")], offered  # the one payment named
    assert offered[0][0].startswith("1 · ") and offered[0][0].endswith(as_page.money("89.00")), offered

    arrived = chat.tap(offered[0][0])
    assert "utter_ask_dispute_card_action" in chat.responses()[-1], shown(arrived)  # or ..._frozen: as it stands
    arrived = chat.tap(text("dispute.leave_card", "en"))
    [case] = [c for c in disputes_of(sandbox, alex).values() if c["transaction"]["counterparty"] == "Ticketmaster"]
    answer = shown(arrived)
    assert DISPUTE_REFERENCE.fullmatch(case["reference"]) and opened_text("en", as_page, case) in answer, answer
    assert text("dispute.advisor_reason.possible_fraud", "en") in answer, answer
    assert (case["reason"], case["advisor_reason"], case["status"]) == ("not_recognised", "possible_fraud", "open")
    assert {last4: c["status"] for last4, c in cards_of(sandbox, alex).items()} == cards_before  # left as it was

    desk = desk_for(sandbox.branch)  # the advisors' queue has the web chat conversation
    try:
        [handoff] = [h for h in desk.queue.waiting() if h.conversation_id == chat.me]
        assert handoff.reason == "escalated"
    finally:
        asyncio.run(desk.close())
    assert not re.search(r"\d{13,19}", shown(chat.received))


def test_debite_deux_fois_a_la_fnac_une_contestation_en_francais(sandbox: Stack, clients):
    camille = bank_headers(sandbox, CAMILLE)
    chat = WebChat(sandbox, clients, "fr", "fr-FR")
    in_french(chat.say("on m'a débité deux fois à la Fnac hier"))
    arrived = verified(chat, CAMILLE)
    as_page = Presentation.of("fr", "fr_FR")
    listed = in_french(arrived)
    assert "Quel paiement contestez-vous" in listed and "Paiement par carte — Fnac" in listed, listed
    assert "34,90\u00a0€" in listed, listed  # money the French way

    fnac = [(t, p) for t, p in chat.offered() if "Fnac" in t]
    assert [t for t, _ in fnac[:2]] == [f"{i} · Fnac · {as_page.money('34.90')}" for i in (1, 2)], fnac  # twice
    # The second of the two: the first is test_dispute_conversations.py's (its list is in the same order).
    arrived = chat.tap(fnac[1][0])
    asked = in_french(arrived)
    assert "Ce paiement a été fait par carte" in asked, asked
    arrived = chat.tap(text("dispute.leave_card", "fr"))
    answer = in_french(arrived)

    reference = DISPUTE_REFERENCE.search(answer).group(0)
    case = disputes_of(sandbox, camille)[reference]
    assert fnac[1][1].endswith(f'"transaction_id":"{case["transaction"]["transaction_id"]}"}}'), fnac[1]
    assert opened_text("fr", as_page, case) in answer, answer
    review_by, resolve_by = (as_page.day_from_iso(case[day]) for day in ("review_by", "resolve_by"))
    assert said("utter_dispute_next_steps", "fr", review_by=review_by, resolve_by=resolve_by) in answer, answer
    assert (case["reason"], case["advisor_required"]) == ("charged_twice", False)
    assert [t for t, _ in chat.offered()] == [title("utter_dispute_next_steps", "fr", p)
                                             for p in ("/human_handoff", "/deny")]
    assert cards_of(sandbox, camille)["1590"]["status"] == "active"  # left as it was


# --- 6. an appointment with an advisor, booked then cancelled -------------------------------------------------------


def book_then_cancel(sandbox: Stack, clients: List[ChatClient], customer: Tuple[str, str], language: str,
                     locale: str, request: str, topic: str, topic_asked: bool, channel: str, cancel: str) -> None:
    headers = cancel_upcoming(sandbox.branch, customer)  # a clean start: one appointment ahead, the one booked here
    chat = WebChat(sandbox, clients, language, locale)
    chat.say(request)
    arrived = verified(chat, customer)
    if topic_asked:  # not in the request: asked
        assert shown(arrived).endswith(said("utter_ask_appointment_topic", language)), shown(arrived)
        topic_payload = f'/inform{{"appointment_topic":"{topic}"}}'
        arrived = chat.tap(title("utter_ask_appointment_topic", language, topic_payload))
    assert shown(arrived).endswith(said("utter_ask_appointment_channel", language)), shown(arrived)
    channel_payload = f'/inform{{"appointment_channel":"{channel}"}}'
    arrived = chat.tap(title("utter_ask_appointment_channel", language, channel_payload))
    assert shown(arrived).endswith(said("utter_ask_appointment_slot", language)), shown(arrived)
    slots = chat.offered()
    assert slots and all(p.startswith('/inform{"appointment_slot":') for _, p in slots), slots
    if language == "fr":
        assert not ENGLISH_DAYS.search(" ".join(t for t, _ in slots)), slots  # French day names

    booked: Optional[str] = None
    try:
        arrived = chat.tap(slots[0][0])
        assert "utter_ask_appointment_confirmed" in chat.responses(), shown(arrived)
        arrived = chat.tap(title("utter_ask_appointment_confirmed", language, "/affirm"))
        answer = shown(arrived)
        booked = APPOINTMENT_REFERENCE.search(answer).group(0)
        at_bank = appointments_of(sandbox.branch, headers)[booked]
        assert (at_bank["status"], at_bank["channel"], at_bank["topic"]) == ("confirmed", channel, topic), at_bank
        assert "utter_appointment_booked" in chat.responses() and f" {booked}." in answer, answer

        arrived = chat.say(cancel)
        assert "utter_ask_appointment_cancel_confirmed" in chat.responses() and booked in shown(arrived), arrived
        arrived = chat.tap(title("utter_ask_appointment_cancel_confirmed", language, "/affirm"))
        assert "utter_appointment_cancelled" in chat.responses() and f"({booked})" in shown(arrived), arrived
        assert appointments_of(sandbox.branch, headers)[booked]["status"] == "cancelled"
        if language == "fr":
            in_french(chat.received)
    finally:  # the advisor's diary as the other tests expect it
        if booked and appointments_of(sandbox.branch, headers)[booked]["status"] == "confirmed":
            requests.post(f"{sandbox.branch.core_bank_url}/v1/appointments/{booked}/cancel", headers=headers,
                          timeout=5)


def test_an_appointment_by_phone_booked_then_cancelled(sandbox: Stack, clients):
    book_then_cancel(sandbox, clients, SOFIA, "en", "en-GB", "I'd like to meet an advisor about a mortgage",
                     topic="mortgage", topic_asked=False, channel="phone", cancel="cancel my appointment")


def test_un_rendez_vous_en_visio_reserve_puis_annule(sandbox: Stack, clients):
    book_then_cancel(sandbox, clients, ALEX, "fr", "fr-FR", "je voudrais un rendez-vous avec mon conseiller",
                     topic="savings", topic_asked=True, channel="video", cancel="annuler mon rendez-vous")


# --- 7. money moved between one's own accounts -----------------------------------------------------------------------


def balances_of(sandbox: Stack, headers: Dict[str, str]) -> Dict[str, Decimal]:
    found = requests.get(f"{sandbox.branch.core_bank_url}/v1/accounts", headers=headers, timeout=5)
    found.raise_for_status()
    return {a["type"]: Decimal(a["balance"]) for a in found.json()["accounts"]}


def test_quarante_euros_sur_le_livret_puis_repris(sandbox: Stack, clients):
    tom = bank_headers(sandbox, TOM)
    before = balances_of(sandbox, tom)
    as_page = Presentation.of("fr", "fr_FR")
    current, savings = text("account.your.current", "fr"), text("account.your.savings", "fr")
    chat = WebChat(sandbox, clients, "fr", "fr-FR")
    chat.say("mets 40 € sur mon livret")
    arrived = verified(chat, TOM)
    assert in_french(arrived).endswith(said("utter_ask_transfer_move_confirmed", "fr", amount=as_page.money("40.00"),
                                            source=current, destination=savings)), shown(arrived)
    arrived = chat.tap(title("utter_ask_transfer_move_confirmed", "fr", "/affirm"))
    assert "utter_transfer_move_code_sent" in chat.responses(), shown(arrived)
    arrived = chat.say(sandbox.branch.latest_code(TOM[1]))
    assert in_french(arrived).startswith(f"Viré ✅ {as_page.money('40.00')} vers {savings}."), shown(arrived)
    assert balances_of(sandbox, tom)["savings"] == before["savings"] + Decimal("40.00")

    chat.say("reprends 40 € de mon livret")
    assert shown(chat.received[-1:]).startswith(f"Virer {as_page.money('40.00')} de {savings} vers {current}"), \
        shown(chat.received[-1:])
    chat.tap(title("utter_ask_transfer_move_confirmed", "fr", "/affirm"))
    in_french(chat.say(sandbox.branch.latest_code(TOM[1])))
    assert balances_of(sandbox, tom) == before


# --- a request changed mid-way, in the web chat --------------------------------------------------------------------


def test_une_autre_demande_en_cours_de_route_laisse_la_premiere(sandbox: Stack, clients):
    chat = WebChat(sandbox, clients, "fr", "fr-FR")
    chat.say("je voudrais un prêt auto")
    assert chat.responses()[-1] == "utter_ask_loan_amount", chat.responses()
    answer = in_french(chat.say("en fait, montre-moi mes dernières opérations"))
    assert "je laisse de côté votre demande en cours" in answer, answer  # the loan, left and said so
    assert "m'assurer qu'il s'agit bien de vous" in answer, answer  # the transactions, behind the code
    assert chat.slots().get("pending_request") == "recent_transactions"
