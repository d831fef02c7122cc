"""Replies in the customer's language, money and dates in their locale (actions/text/locale.py), and an
action answering in French end to end: the action's values, then the domain's French variation."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Dict, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.loans as loans
import actions.transfers as transfers
from actions.banking import BankError
from actions.text.locale import Presentation
from actions.verified import refusal_reason
from tests.support.processes import PROJECT_ROOT

NOV_18 = date(2026, 11, 18)
NBSP = "\u00a0", "\u202f"  # babel's spaces in French numbers: no-break, narrow no-break


def plain(text: str) -> str:
    """Babel's no-break spaces as plain spaces, to compare with what a person reads."""
    for space in NBSP:
        text = text.replace(space, " ")
    return text


def tracker(slots: Dict[str, Any], text: str = "") -> Tracker:
    return Tracker("psid-1", slots, {"text": text, "intent": {"name": "inform"}, "entities": []}, [], False, None,
                   {}, "action_listen")


# -- formatting ---------------------------------------------------------------------------------------

def test_a_french_reader_gets_french_money_and_month_names():
    shown = Presentation.of("fr", None)
    assert plain(shown.money(Decimal("2450.31"), "EUR")) == "2 450,31 €"
    assert shown.day(NOV_18) == "18 nov. 2026"
    assert shown.number("6.90") == "6,9"
    assert shown.rate("6.9") == "6,90"


def test_an_english_reader_with_an_italian_locale_gets_english_words_and_italian_numbers():
    shown = Presentation.of("en", "it_IT")
    assert shown.day(NOV_18) == "18 Nov 2026"
    assert plain(shown.money(Decimal("2450.31"), "EUR")) == "2.450,31 €"
    assert "nov " not in shown.day(NOV_18)  # not Italian's "18 nov 2026"


def test_a_french_reader_with_a_locale_babel_has_no_french_for_gets_french_dates_and_that_locale_s_numbers():
    shown = Presentation.of("fr", "it_IT")  # there is no fr_IT
    assert (shown.date_locale, shown.number_locale) == ("fr_FR", "it_IT")
    assert shown.day(NOV_18) == "18 nov. 2026"
    assert plain(shown.money(Decimal("2450.31"), "EUR")) == "2.450,31 €"


@pytest.mark.parametrize("language, locale, expected", [
    (None, None, ("en", "en_IE")),
    ("en", None, ("en", "en_IE")),
    ("fr", None, ("fr", "fr_FR")),
    ("fr", "fr_BE", ("fr", "fr_BE")),
    ("fr", "fr-CA", ("fr", "fr_CA")),
    ("en", "en", ("en", "en_IE")),
    ("de", "not a locale", ("en", "en_IE")),
])
def test_the_language_and_the_defaults(language, locale, expected):
    shown = Presentation.of(language, locale)
    assert (shown.language, shown.date_locale) == expected


def test_the_slot_wins_over_the_bank_s_locale_and_the_bank_s_over_the_language_default():
    assert Presentation.from_tracker(tracker({"language": "en", "locale": "en_GB"}), "fr_FR").number_locale == "en_GB"
    assert Presentation.from_tracker(tracker({"language": "en"}), "fr_FR").number_locale == "en_FR"
    assert Presentation.from_tracker(tracker({}), None).number_locale == "en_IE"


def test_a_core_bank_refusal_reads_in_french_with_its_amounts_and_in_the_bank_s_words_when_unknown():
    shown = Presentation.of("fr", None)
    limit = BankError(422, "daily_limit_exceeded", "Transfers are 2000.00 EUR a day at most; 150.00 EUR left today.",
                      {"limit": "2000.00", "remaining": "150.00"})
    assert plain(refusal_reason(shown, limit)) == \
        "Les virements sont limités à 2 000,00 € par jour ; il vous reste 150,00 € aujourd'hui."
    assert refusal_reason(shown, BankError(422, "something_new", "Something new.")) == "Something new."
    assert refusal_reason(Presentation.of("en"), limit) == "Transfers are €2,000.00 a day at most; €150.00 left today."


# -- an action in French --------------------------------------------------------------------------------

class FakeLoans:
    async def loan_quote(self, product: str, amount: Decimal, term_months: int) -> Dict[str, Any]:
        return {"product": product, "amount": "10000.00", "term_months": term_months, "apr": "4.90",
                "monthly_payment": "229.85", "total_repaid": "11032.80", "total_interest": "1032.80"}


async def test_a_loan_quote_before_verification_is_in_french_money(monkeypatch):
    monkeypatch.setattr(loans, "core_bank", lambda: FakeLoans())
    dispatcher = CollectingDispatcher()
    slots = {"language": "fr", "loan_type": "car", "loan_amount": "10000", "loan_term": "48"}
    await loans.ActionShowLoanQuote().run(dispatcher, tracker(slots), {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_loan_quote"
    assert (plain(message["amount"]), plain(message["monthly"]), message["apr"], message["loan_type"]) == (
        "10 000,00 €", "229,85 €", "4,90", "crédit auto")

    rendered = await render("utter_loan_quote", "fr", message)
    assert plain(rendered["text"]).startswith("Un crédit auto de 10 000,00 € sur 48 mois vous coûterait 229,85 € par mois")
    assert [b["title"] for b in rendered["buttons"]] == ["Faire la demande", "Non, merci"]
    assert [b["payload"] for b in rendered["buttons"]] == ["/affirm", "/deny"]


async def test_the_same_quote_in_english_stays_english(monkeypatch):
    monkeypatch.setattr(loans, "core_bank", lambda: FakeLoans())
    dispatcher = CollectingDispatcher()
    await loans.ActionShowLoanQuote().run(
        dispatcher, tracker({"loan_type": "car", "loan_amount": "10000", "loan_term": "48"}), {})
    rendered = await render("utter_loan_quote", None, dispatcher.messages[0])
    assert rendered["text"].startswith("A car loan of €10,000.00 over 48 months costs €229.85 a month at 4.90% APR")


async def test_a_transfer_limit_is_explained_in_french(monkeypatch):
    refused = BankError(422, "limit_exceeded", "A transfer is 1000.00 EUR at most.", {"limit": "1000.00"})
    dispatcher = CollectingDispatcher()
    slots = transfers.ValidateTransferForm._refused(dispatcher, tracker({"language": "fr"}), refused)
    assert slots["transfer_amount"] is None
    rendered = await render("utter_transfer_limit_exceeded", "fr", dispatcher.messages[0])
    assert plain(rendered["text"]) == \
        "Un virement est limité à 1 000,00 €."  # the form asks for the amount again next


async def render(response: str, language: Optional[str], values: Dict[str, Any]) -> Dict[str, Any]:
    """What Rasa sends for `response` in a conversation whose `language` slot is `language`."""
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    conversation = DialogueStateTracker.from_events("psid-1", [SlotSet("language", language)], slots=domain.slots)
    kwargs = {k: v for k, v in values.items() if k not in ("response", "text", "buttons", "elements", "custom",
                                                           "template", "image", "attachment", "quick_replies")}
    generated = await TemplatedNaturalLanguageGenerator(domain.responses).generate(
        response, conversation, "messenger", **kwargs)
    assert generated is not None
    return generated
