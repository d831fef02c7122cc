"""Money questions end to end through every process, in Messenger conversations, in English and in French: a search
of the transactions with its totals (then "show more"), and the recurring payments (listed, then one by name).

What the answers must say is asked of the core bank itself (its search and recurring-payments operations) over the
same days: the seed's history is dated from when the stack started, so nothing here depends on today's date."""
import re
import uuid
from decimal import Decimal

import requests

from actions import bank_day
from actions.text.locale import Presentation
from actions.text.periods import parse_period
from bot.core_bank.seed import DEMO_CUSTOMER_NUMBER, DEMO_PHONE
from tests.integration.test_messenger_language import facebook_in
from tests.support.branch import Branch

PARIS = bank_day.BANK_TIMEZONE
CAMILLE = ("100002", "+33698765432")
ENGLISH = re.compile(r"\b(the|your|you|please|would|which|card|send|account|spent|payments?)\b", re.IGNORECASE)


def new_psid() -> str:
    return f"psid-{uuid.uuid4().hex[:12]}"


def joined(texts):
    return "\n".join(texts)


def verified(branch: Branch, psid: str, customer_number: str, phone: str) -> list:
    """Verifies the customer; the replies of the code's turn (the answer to the request comes with them)."""
    branch.exchange(psid, customer_number)
    return branch.exchange(psid, branch.latest_code(phone))


def bank_get(branch: Branch, phone: str, customer_number: str, path: str, **params) -> dict:
    headers = {"Authorization": f"Bearer {branch.customer_token(phone, customer_number)}"}
    if path.startswith("/accounts/current"):
        accounts = requests.get(f"{branch.core_bank_url}/v1/accounts", headers=headers, timeout=5).json()["accounts"]
        current = next(a for a in accounts if a["type"] == "current")
        path = path.replace("/accounts/current", f"/accounts/{current['account_id']}")
    response = requests.get(f"{branch.core_bank_url}/v1{path}", params=params, headers=headers, timeout=5)
    response.raise_for_status()
    return response.json()


def last_30_days():
    return parse_period("the last 30 days", bank_day.today())  # the day the actions read it against


def uber_search(branch: Branch, phone: str, customer_number: str) -> dict:
    period = last_30_days()
    return bank_get(branch, phone, customer_number, "/accounts/current/transactions/search", merchant="uber",
                    direction="out", since=period.since.isoformat(), until=period.until.isoformat(),
                    time_zone=PARIS, limit=50)


def test_how_much_was_spent_at_a_merchant_then_more_of_the_payments(branch: Branch):
    psid = new_psid()
    replies = branch.exchange(psid, "how much have I spent on Uber in the last 30 days?")
    assert "make sure it's really you" in joined(replies), replies
    replies = verified(branch, psid, DEMO_CUSTOMER_NUMBER, DEMO_PHONE)
    answer = joined(replies)

    held = uber_search(branch, DEMO_PHONE, DEMO_CUSTOMER_NUMBER)
    shown_as = Presentation.of("en", branch.slots(psid)["locale"])  # the conversation's (Facebook's, else the bank's)
    total, count = Decimal(held["totals"]["money_out"]), held["totals"]["count"]
    assert set(held["merchants"]) == {"Uber", "Uber Eats"} and count > 5  # the seed's rides and meals
    assert f"You spent {shown_as.money(total)} at Uber and Uber Eats from " in answer, answer
    assert f": {count} payments." in answer, answer
    listed = [line for line in replies[-1].splitlines() if line.startswith("• ")]
    assert replies[-1].startswith("The matching transactions:") and len(listed) == 5, replies
    assert all("Uber" in line and "−€" in line for line in listed), listed

    more = branch.tap(psid, "Show more")
    assert more[0].startswith("The matching transactions:"), more
    older = [line for line in more[0].splitlines() if line.startswith("• ")]
    assert older and not set(older) & set(listed) and all("Uber" in line for line in older)


def test_the_subscriptions_listed_then_one_asked_by_name(branch: Branch):
    psid = new_psid()
    branch.exchange(psid, "what subscriptions do I have?")
    replies = verified(branch, psid, DEMO_CUSTOMER_NUMBER, DEMO_PHONE)

    held = bank_get(branch, DEMO_PHONE, DEMO_CUSTOMER_NUMBER, "/accounts/current/recurring-payments", time_zone=PARIS)
    netflix = next(r for r in held["recurring_payments"] if r["merchant"] == "Netflix")
    shown_as = Presentation.of("en", branch.slots(psid)["locale"])  # the conversation's (Facebook's, else the bank's)
    next_day = shown_as.day_from_iso(netflix["next_date"])
    assert replies[-1].startswith("Your regular payments, Current account:"), replies
    assert f"• Netflix · €13.49 every month · next on {next_day}" in replies[-1], replies
    assert "Ticketmaster" not in replies[-1]  # paid once: not a subscription

    replies = branch.exchange(psid, "is Netflix still taking money every month?")
    assert joined(replies) == (
        f"Yes, you pay Netflix €13.49 every month: the last payment was on "
        f"{shown_as.day_from_iso(netflix['last_date'])}, the next one is expected on {next_day}."
    ), replies


def french_customer(branch: Branch) -> str:
    psid = new_psid()
    facebook_in(branch, psid, "fr_FR")
    return psid


def in_french(replies) -> str:
    everything = joined(replies)
    assert not ENGLISH.search(everything), f"English in a French conversation: {replies}"
    return everything


def test_combien_chez_un_commercant_en_francais(branch: Branch):
    psid = french_customer(branch)
    assert "m'assurer" in in_french(branch.exchange(psid, "combien j'ai dépensé chez Uber ces 30 derniers jours ?"))
    replies = verified(branch, psid, *CAMILLE)
    answer = in_french(replies)

    held = uber_search(branch, CAMILLE[1], CAMILLE[0])
    shown_as = Presentation.of("fr", "fr_FR")
    total, count = Decimal(held["totals"]["money_out"]), held["totals"]["count"]
    assert set(held["merchants"]) == {"Uber", "Uber Eats"} and count >= 2
    assert f"Vous avez dépensé {shown_as.money(total)} chez Uber et Uber Eats du " in answer, answer
    assert f" : {count} paiements." in answer, answer
    assert "\u00a0€" in answer and not re.search(r"€\d", answer)  # French money: "64,10 €"
    assert replies[-1].startswith("Les opérations trouvées :"), replies


def test_seulement_les_paiements_par_carte_en_francais(branch: Branch):
    """A kind of transaction named: only card payments, with their totals; "carte" is not a merchant."""
    psid = french_customer(branch)
    in_french(branch.exchange(psid, "seulement les paiements par carte de ces 30 derniers jours"))
    replies = verified(branch, psid, *CAMILLE)
    answer = in_french(replies)

    period = last_30_days()
    held = bank_get(branch, CAMILLE[1], CAMILLE[0], "/accounts/current/transactions/search", kind="card_payment",
                    direction="out", since=period.since.isoformat(), until=period.until.isoformat(), time_zone=PARIS,
                    limit=50)
    shown_as = Presentation.of("fr", "fr_FR")
    total, count = Decimal(held["totals"]["money_out"]), held["totals"]["count"]
    assert count >= 2 and {t["kind"] for t in held["transactions"]} == {"card_payment"}
    assert f"Vous avez dépensé {shown_as.money(total)} du " in answer, answer
    assert f" : {count} paiements par carte." in answer and "chez Carte" not in answer, answer
    listed = [line for line in replies[-1].splitlines() if line.startswith("• ")]
    assert replies[-1].startswith("Les opérations trouvées :") and listed, replies
    assert all("Paiement par carte — " in line for line in listed), listed


def test_les_prelevements_en_francais(branch: Branch):
    psid = french_customer(branch)
    in_french(branch.exchange(psid, "quels sont mes prélèvements ?"))
    replies = verified(branch, psid, *CAMILLE)
    in_french(replies)

    held = bank_get(branch, CAMILLE[1], CAMILLE[0], "/accounts/current/recurring-payments", time_zone=PARIS)
    netflix = next(r for r in held["recurring_payments"] if r["merchant"] == "Netflix")
    shown_as = Presentation.of("fr", "fr_FR")
    next_day = shown_as.day_from_iso(netflix["next_date"])
    assert replies[-1].startswith("Vos paiements réguliers, Compte courant :"), replies
    assert f"• Netflix · 13,49\u00a0€ chaque mois · prochain le {next_day}" in replies[-1], replies

    replies = branch.exchange(psid, "est-ce que Netflix me prélève encore tous les mois ?")
    assert in_french(replies) == (
        f"Oui, vous payez 13,49\u00a0€ chaque mois à Netflix : le dernier paiement date du "
        f"{shown_as.day_from_iso(netflix['last_date'])}, le prochain est attendu le {next_day}."
    ), replies
