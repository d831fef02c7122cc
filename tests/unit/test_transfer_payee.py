"""A payee typed by the customer is text: never parsed as JSON, and a payee id only comes from the core bank's list."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.transfers as transfers
from actions.customer_sessions import CustomerSession

TOM = {"payee_id": "payee-tom", "name": "Tom Bernard", "iban_masked": "FR76 •••• 0189", "customer": True}
TOM_MARTIN = {"payee_id": "payee-tom-martin", "name": "Tom Martin", "iban_masked": "FR76 •••• 0190", "customer": False}
CAMILLE_PHONE = "+33698765432"  # another customer's mobile number
SESSION = CustomerSession("token-1", "100004", "Sofia", datetime.now(timezone.utc) + timedelta(minutes=15))


class FakeBank:
    """The core bank as the actions see it: the customer's payees, a current account, prepared transfers."""

    def __init__(self, payees: List[Dict[str, Any]]) -> None:
        self._payees = payees
        self.prepared: List[Dict[str, Any]] = []

    async def payees(self, token: str) -> List[Dict[str, Any]]:
        return list(self._payees)

    async def accounts(self, token: str) -> List[Any]:
        return [SimpleNamespace(account_id="acc-current", type="current")]

    async def prepare_transfer(self, token: str, transfer: Dict[str, Any], language: Any = None) -> Dict[str, Any]:
        self.prepared.append(dict(transfer))
        name = {"payee-tom": "Tom Bernard", "payee-tom-martin": "Tom Martin"}.get(transfer.get("payee_id"), "Camille")
        return {"challenge_id": "ch-1", "sent_to": "+33 6 •• •• •• 32", "transfer": {"payee_name": name}}


@pytest.fixture
def bank(monkeypatch) -> FakeBank:
    bank = FakeBank([])
    monkeypatch.setattr(transfers, "core_bank", lambda: bank)
    monkeypatch.setattr(transfers, "current_session", lambda tracker: SESSION)
    return bank


def tracker(slots: Dict[str, Any], text: str = "", requested: Optional[str] = None) -> Tracker:
    latest = {"text": text, "intent": {"name": "inform"}, "entities": []}
    return Tracker("psid-1", {"requested_slot": requested, **slots}, latest,
                   [{"event": "user", "text": text, "parse_data": latest, "input_channel": "messenger"}],
                   False, None, {"name": "transfer_form"}, "action_listen")


async def validate_payee(typed: str) -> tuple[Dict[str, Any], CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    result = await transfers.ValidateTransferForm().validate_transfer_payee(
        typed, dispatcher, tracker({}, typed, "transfer_payee"), {})
    return result, dispatcher


async def confirm(payee_slot: str) -> tuple[Dict[str, Any], CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    slots = {"transfer_amount": "20.00 EUR", "transfer_payee": payee_slot}
    result = await transfers.ValidateTransferForm().validate_transfer_confirmed(
        True, dispatcher, tracker(slots, "yes", "transfer_confirmed"), {})
    return result, dispatcher


async def ask_confirmation(payee_slot: str) -> str:
    dispatcher = CollectingDispatcher()
    await transfers.ActionAskTransferConfirmed().run(
        dispatcher, tracker({"transfer_amount": "20.00 EUR", "transfer_payee": payee_slot}), {})
    [message] = dispatcher.messages
    return message["payee"]


SPOOFED = json.dumps({"payee_phone": CAMILLE_PHONE, "name": "Tom Bernard"})


async def test_a_payee_typed_as_json_is_not_taken_as_a_structured_payee(bank):
    result, _ = await validate_payee(SPOOFED)
    # Read as text: the only payee in it is the phone number; the name it claims is nobody's.
    assert result == {"transfer_payee": CAMILLE_PHONE}
    assert await ask_confirmation(result["transfer_payee"]) == CAMILLE_PHONE  # the confirmation names the number
    await confirm(result["transfer_payee"])
    assert bank.prepared == [{"from_account_id": "acc-current", "amount": "20.00", "currency": "EUR",
                              "payee_phone": CAMILLE_PHONE}]


async def test_json_left_in_the_payee_slot_is_never_parsed(bank):
    # Even if a typed JSON reached the slot unjudged, neither its name nor its number is believed as structure.
    assert await ask_confirmation(SPOOFED) == SPOOFED  # shown as the text it is, never as "Tom Bernard"
    await confirm(SPOOFED)
    assert [t.get("payee_phone") for t in bank.prepared] == [CAMILLE_PHONE]
    assert "payee_id" not in bank.prepared[0]


async def test_an_id_typed_in_the_payee_is_never_used(bank):
    bank._payees = [TOM]
    typed = json.dumps({"payee_id": "payee-of-someone-else"})
    result, dispatcher = await validate_payee(typed)
    assert result == {"transfer_payee": None}
    assert dispatcher.messages[0]["response"] == "utter_payee_unknown"

    result, dispatcher = await confirm(typed)
    assert bank.prepared == [] and result["transfer_payee"] is None
    assert dispatcher.messages[0]["response"] == "utter_payee_unknown"


async def test_a_tapped_payee_resolves_to_the_id_the_core_bank_lists(bank):
    bank._payees = [TOM, TOM_MARTIN]
    result, _ = await validate_payee("Tom Martin")  # the quick reply's payload: the payee's name
    assert result == {"transfer_payee": "Tom Martin"}
    result, _ = await confirm(result["transfer_payee"])
    assert bank.prepared[-1]["payee_id"] == "payee-tom-martin" and "payee_phone" not in bank.prepared[-1]
    assert json.loads(result["transfer_draft"])["payee_name"] == "Tom Martin"


async def test_a_first_name_resolves_to_the_full_name_the_confirmation_shows(bank):
    bank._payees = [TOM]
    result, _ = await validate_payee("to tom please")
    assert result == {"transfer_payee": "Tom Bernard"}
    assert await ask_confirmation("Tom Bernard") == "Tom Bernard"
    await confirm("Tom Bernard")
    assert bank.prepared[-1]["payee_id"] == "payee-tom"


async def test_a_payee_gone_from_the_list_by_confirmation_is_asked_again(bank):
    bank._payees = [TOM]
    result, _ = await validate_payee("Tom Bernard")
    bank._payees = []
    result, dispatcher = await confirm(result["transfer_payee"])
    assert bank.prepared == [] and result["transfer_payee"] is None


async def test_a_card_number_is_not_a_phone_number(bank):
    bank._payees = [TOM]
    result, dispatcher = await validate_payee("4970.1012.3456.7891")
    assert result == {"transfer_payee": None}
    assert dispatcher.messages[0]["response"] == "utter_payee_unknown"
    assert dispatcher.messages[0]["payee"] == "that name"  # never said back, not even masked
    result, _ = await validate_payee("to +33 6 11 22 33 44 please")
    assert result == {"transfer_payee": "+33 6 11 22 33 44"}


def request(text: str, amount_entity: Optional[str] = None) -> Tracker:
    entities = [{"entity": "amount", "value": amount_entity}] if amount_entity else []
    latest = {"text": text, "intent": {"name": "transfer_money"}, "entities": entities}
    return Tracker("psid-1", {}, latest, [{"event": "user", "text": text, "parse_data": latest}],
                   False, None, {}, "action_listen")


@pytest.mark.parametrize("text, entity, amount", [
    ("je voudrais faire un virement de 20 € au +33 6 11 22 33 44", None, "20.00 EUR"),  # the NLU missed it
    ("send 20 to Tom", "20", "20.00 EUR"),  # the NLU's amount, no currency written
    ("send 20 to Tom", None, None),  # neither: a bare number is not taken, the form asks
    ("virement au +33 6 11 22 33 44", None, None),  # a phone number's digits are no amount
])
async def test_a_request_prefills_the_amount_the_nlu_found_or_one_written_with_its_currency(bank, text, entity, amount):
    events = await transfers.ActionStartTransfer().run(CollectingDispatcher(), request(text, entity), {})
    prefilled = [e["value"] for e in events if e.get("name") == "transfer_amount" and e.get("event") == "slot"]
    assert prefilled[-1] == amount


async def test_without_saved_payees_the_customer_is_not_told_to_pick_one(bank):
    result, dispatcher = await validate_payee("Camille")
    assert result == {"transfer_payee": None}
    assert dispatcher.messages[0]["response"] == "utter_payee_unknown_no_payees"
    assert dispatcher.messages[0]["payee"] == "Camille"


@pytest.mark.parametrize("typed, said_back", [
    ("Camile", "Camile"),  # a name (misspelt): said back as typed
    ("Jean-Pierre Dupont", "Jean-Pierre Dupont"),
    ("019984", "that name"),  # a code typed at the wrong moment is never repeated
    ("renvoie lui 250 stp", "that name"),  # a sentence is not a name
    ("no i want to move 400 from my current account to my savings account", "that name"),
])
async def test_a_payee_not_found_is_said_back_only_when_it_reads_as_a_name(bank, typed, said_back):
    bank._payees = [TOM]
    result, dispatcher = await validate_payee(typed)
    assert result == {"transfer_payee": None}
    assert dispatcher.messages[0]["payee"] == said_back


# --- a name with a mobile number: the number is who the money goes to, the name is kept, the number never said back ---

@pytest.mark.parametrize("typed", ["Tom 06 11 22 33 44", "to Tom at 0611223344", "Tom, +33 6 11 22 33 44"])
async def test_a_name_typed_with_a_mobile_number_is_sent_to_the_number_and_keeps_the_name(bank, typed):
    bank._payees = [TOM]  # a saved "Tom": the number typed still decides who gets the money
    result, dispatcher = await validate_payee(typed)
    assert result == {"transfer_payee": typed} and dispatcher.messages == []
    assert await ask_confirmation(typed) == "Tom (mobile number ending in 44)"  # the name, never the whole number
    await confirm(typed)
    [prepared] = bank.prepared
    assert "payee_id" not in prepared and prepared["payee_phone"].endswith("611223344")


async def test_the_name_and_number_are_said_in_french_too(bank):
    dispatcher = CollectingDispatcher()
    slots = {"transfer_amount": "20.00 EUR", "transfer_payee": "Tom 06 11 22 33 44", "language": "fr"}
    await transfers.ActionAskTransferConfirmed().run(dispatcher, tracker(slots), {})
    assert dispatcher.messages[0]["payee"] == "Tom (mobile se terminant par 44)"


def request_naming(text: str, payee_entity: Optional[str]) -> Tracker:
    entities = [{"entity": "payee", "value": payee_entity}] if payee_entity else []
    latest = {"text": text, "intent": {"name": "transfer_money"}, "entities": entities}
    return Tracker("psid-1", {}, latest, [{"event": "user", "text": text, "parse_data": latest}],
                   False, None, {}, "action_listen")


@pytest.mark.parametrize("text, entity, payee", [
    ("send 20 to Tom 0612345678", "Tom", "Tom 0612345678"),  # both kept: the name was lost, the number used
    ("envoie 20 € à Tom au 06 12 34 56 78", "Tom", "Tom 06 12 34 56 78"),
    ("send 20 to Tom 0612345678", "Tom 0612345678", "Tom 0612345678"),  # the NLU's payee has the number already
    ("send 20€ to +33 6 11 22 33 44", None, "+33 6 11 22 33 44"),  # the number alone, as before
    ("envoie 20 € à tom au 06 11 22 33 44", None, "Tom Bernard 06 11 22 33 44"),  # a saved payee the NLU missed
])
async def test_a_request_with_a_name_and_a_mobile_number_keeps_both(monkeypatch, bank, text, entity, payee):
    bank._payees = [TOM]
    monkeypatch.setattr(transfers, "verified_session", lambda tracker, dispatcher, request: (SESSION, []))
    events = await transfers.ActionStartTransfer().run(CollectingDispatcher(), request_naming(text, entity), {})
    assert [e["value"] for e in events if e.get("name") == "transfer_payee"][-1] == payee


def test_the_name_beside_a_number_is_words_only():
    assert transfers.name_beside_phone("Tom 06 11 22 33 44") == "Tom"
    assert transfers.name_beside_phone("à Jean-Pierre au 06 11 22 33 44") == "Jean-Pierre"
    assert transfers.name_beside_phone("06 11 22 33 44") is None
    assert transfers.name_beside_phone(SPOOFED) is None  # a JSON: the number alone is the payee
    assert transfers.name_beside_phone("Tom") is None


@pytest.mark.parametrize("entity, text, payee", [
    ("+33 6 98 76 54", "no wait, to +33 6 98 76 54 32 instead", "+33 6 98 76 54 32"),  # the NLU cut the number
    ("Camille", "no wait, to Camille 06 98 76 54 32 instead", "Camille 06 98 76 54 32"),
    (None, "no wait, to +33 6 98 76 54 32 instead", "+33 6 98 76 54 32"),
])
async def test_another_payee_typed_instead_of_the_yes(bank, entity, text, payee):
    entities = [{"entity": "payee", "value": entity}] if entity else []
    latest = {"text": text, "intent": {"name": "inform"}, "entities": entities}
    asked = Tracker("psid-1", {"requested_slot": "transfer_confirmed", "transfer_payee": "+33 6 11 22 33 44"}, latest,
                    [{"event": "user", "text": text, "parse_data": latest}], False, None, {"name": "transfer_form"},
                    "action_listen")
    extracted = await transfers.ValidateTransferForm().extract_transfer_payee(CollectingDispatcher(), asked, {})
    assert extracted == {"transfer_payee": payee, "transfer_to_account": None}
