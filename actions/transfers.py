"""Transfers to a saved payee or to another customer's phone number, and moves between the customer's own accounts
("put 200 into savings": actions/own_accounts.py; the same form, amount check, yes and code, no transfer limit).

As soon as the amount is known (the customer verified), the core bank checks it against the
limits and funds, so an amount it refuses is said at once, before the payee and the yes.
The bot restates amount and payee and asks for a yes; the core bank then checks
everything again and sends a code bound to exactly that amount and payee
(PSD2 dynamic linking). The transfer carries an idempotency key derived from
that challenge, so a confirmation delivered twice moves money once.

The payee slot holds text, what the customer typed or tapped, and never anything
structured: it is never parsed as JSON. Each time it is judged, and again when the
transfer is prepared, it is matched against the payees the core bank lists for this
customer (a name) or read as a mobile number; a payee id only ever comes from that
list, and the payee the confirmation names is the one the money goes to. The payees
offered as quick replies send their name.
"""
from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import answers_only
from actions.request_switch import StepsAsideForOtherRequests
from actions.banking import BankError, core_bank
from actions.identity import CODE_WAITS, VERIFIED, explain_code_refusal, parse_code
from actions.own_accounts import CURRENT, SAVINGS, accounts_of_move, destination_type, source_type
from actions.text.locale import Presentation
from actions.text.amounts import parse_money
from actions.text.numbers import fold
from actions.text.titles import short_title
from actions.verified import bank_trouble, current_session, refusal_reason, request_message, verified_session
from bot.privacy.redaction import mask_card_numbers

# transfer_to_account: the type of the customer's own account a move goes to (actions/own_accounts.py), else None.
FORM_SLOTS = ("transfer_amount", "transfer_payee", "transfer_confirmed", "transfer_code", "transfer_draft",
              "transfer_to_account")
PHONE = re.compile(r"\+?\d[\d .\-()]{6,}\d")
PHONE_DIGITS = (8, 15)  # E.164 has at most 15 digits
# The core bank's refusals of an amount, whoever the payee: the amount is asked for again.
AMOUNT_REFUSALS = ("limit_exceeded", "daily_limit_exceeded", "insufficient_funds")


def _draft(tracker: Tracker) -> Dict[str, Any]:
    return json.loads(tracker.get_slot("transfer_draft") or "{}")


MAX_NAME_WORDS = 4


def payee_said_back(text: str, shown_as: Presentation) -> str:
    """A payee not found, as the answer names it: what was typed when it reads as a name; otherwise "that name".

    Never digits (a code typed at the wrong moment, a card number: the reply goes to Meta and is kept) and never a
    sentence ("Je n'ai pas trouvé renvoie lui 250 stp parmi vos bénéficiaires")."""
    words = text.split()
    if not words or len(words) > MAX_NAME_WORDS or any(character.isdigit() for character in text):
        return shown_as.text("transfer.payee_unnamed")
    return mask_card_numbers(text.strip())


def _payee_text(tracker: Tracker) -> str:
    """The payee as the conversation names it: a saved payee's name, a mobile number as typed, or a name with the
    mobile number typed beside it ("Tom 06 11 22 33 44": the number is who the money goes to, the name how the
    customer calls them)."""
    return str(tracker.get_slot("transfer_payee") or "")


# Words typed around a name and a mobile number that are neither ("to Tom at 06…", "à Tom au 06…", "son numéro").
_NOT_NAME_WORDS = frozenset({
    "to", "at", "on", "his", "her", "their", "number", "mobile", "phone", "cell", "tel", "is", "it", "its", "the", "and",
    "send", "pay", "please", "instead", "a", "au", "aux", "le", "la", "les", "l", "son", "sa", "ses", "sur", "numero",
    "portable", "telephone", "c", "est", "et", "de", "du", "envoie", "envoyer", "vire", "virer", "stp", "svp",
    "plutot", "lui",
})


def _phone_in(text: str) -> Optional["re.Match[str]"]:
    """The first mobile number in `text` (8 to 15 digits; longer is a card number, most likely), or None."""
    for phone in PHONE.finditer(text or ""):
        if PHONE_DIGITS[0] <= len(re.sub(r"\D", "", phone.group(0))) <= PHONE_DIGITS[1]:
            return phone
    return None


def name_beside_phone(text: str) -> Optional[str]:
    """The name typed beside the mobile number in `text` ("Tom" in "Tom 06 11 22 33 44", "to Tom at +33 6…"), or
    None: no number, no name, or more words than a name has."""
    phone = _phone_in(text)
    if phone is None:
        return None
    rest = f"{text[:phone.start()]} {text[phone.end():]}"
    if re.search(r"[^\w\s'’.,!?€-]", rest):
        return None  # not words only (a JSON, a command): the number alone is the payee
    words = [w for w in re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", rest) if fold(w) not in _NOT_NAME_WORDS]
    return " ".join(words) if words and len(words) <= MAX_NAME_WORDS else None


def payee_shown(text: str, shown_as: Presentation) -> str:
    """The payee as a reply names it: a name typed with a mobile number is said with the number's last two digits
    only ("Tom (mobile number ending in 44)"), never the number in full; anything else as the conversation names it."""
    name = name_beside_phone(text)
    if name is None:
        return text
    digits = re.sub(r"\D", "", _phone_in(text).group(0))
    return shown_as.text("transfer.payee_at_phone", name=mask_card_numbers(name), end=digits[-2:])


def payee_with_phone(name: Optional[str], text: str) -> Optional[str]:
    """The payee slot for a request or answer that gives `name` (the NLU's payee, or None) and may give a mobile
    number in `text`: both, so that neither is lost ("Tom 06 11 22 33 44"); the number alone; the name alone."""
    phone = _phone_in(text)
    if phone is None:
        return name
    number = phone.group(0).strip()
    if name and any(character.isdigit() for character in name):
        # The NLU's payee has digits: a name with its number ("Tom 0612345678") stays; (a part of) the number alone
        # is the number as typed.
        return name if name_beside_phone(name) else number
    return f"{name} {number}" if name else number


def _money_text(tracker: Tracker, amount: str) -> str:
    """An amount in euros as the conversation writes money (before verification too: its language and locale)."""
    return Presentation.from_tracker(tracker).money(Decimal(amount), "EUR")


def match_payee(text: str, payees: List[Dict[str, Any]]) -> Optional[Dict[str, str]]:
    """One of `payees` (the core bank's list for this customer) named in `text`, or a phone number.

    A mobile number in the text first: it is who the money goes to, whatever name is typed beside it (kept in
    "name", the slot's text, for the confirmation: payee_shown). Else by its full name (what a quick reply sends),
    then a name within the text, then a word of a name (a first name). `text` is read as words
    and digits only: whatever structure it seems to have (JSON, a command) means nothing here. A number
    of more than 15 digits is no phone number (a card number, most likely): not a payee.
    """
    lowered = (text or "").strip().lower()
    words = set(re.findall(r"[a-zà-ÿ]+", lowered))
    phone = _phone_in(text)
    if phone is not None:  # a number typed is who the money goes to, whatever name is typed beside it
        number = re.sub(r"[^\d+]", "", phone.group(0))
        return {"payee_phone": number, "name": (text or "").strip() if name_beside_phone(text) else phone.group(0).strip()}

    def named(payee: Dict[str, Any]) -> Dict[str, str]:
        return {"payee_id": str(payee["payee_id"]), "name": str(payee["name"])}

    for matches in (
        lambda name: name == lowered,
        lambda name: name in lowered,
        lambda name: bool(words & set(re.findall(r"[a-zà-ÿ]{3,}", name)) - {"the", "my"}),
    ):
        for payee in payees:
            if matches(str(payee["name"]).lower()):
                return named(payee)
    return None


def _own_account_shown(tracker: Tracker, account_type: str) -> str:
    """One of the customer's own accounts as the chat names it: "your savings account", "votre compte courant"."""
    return Presentation.from_tracker(tracker).text(f"account.your.{account_type}")


def _move_to(tracker: Tracker, account: Any) -> Dict[Text, Any]:
    """The form's slots for a move to the customer's own `account`: its type, and its name as the chat says it."""
    return {"transfer_to_account": account.type, "transfer_payee": _own_account_shown(tracker, account.type)}


def _changed_detail(tracker: Tracker) -> Optional[str]:
    """What the customer typed while asked to confirm, when it may change amount or payee (not a yes or no)."""
    if tracker.get_slot("requested_slot") != "transfer_confirmed":
        return None
    text = tracker.latest_message.get("text") or ""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if text.startswith("/") or intent in ("affirm", "deny", "cancel"):
        return None
    return text


class ActionStartTransfer(Action):
    """A new transfer: what the customer already said ("send 20€ to Tom") prefills the form."""

    def name(self) -> Text:
        return "action_start_transfer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        if tracker.latest_action_name == "action_listen":  # a fresh request, not a return from verification
            text, entities = tracker.latest_message.get("text") or "", tracker.latest_message.get("entities") or []
        else:  # back from verification: the latest request, which may have been restated while verifying
            text, entities = request_message(tracker, "transfer_money")
        events = self._prefilled(text, entities)
        session, gate = verified_session(tracker, dispatcher, request="transfer_money")
        if session is None:
            return events + gate
        named = await self._destination_in_request(dispatcher, tracker, text, session.access_token, events)
        return events + named + [SlotSet("identity", VERIFIED), SlotSet("pending_request", None)]

    @staticmethod
    def _prefilled(text: str, entities: List[Dict[str, Any]]) -> List[EventType]:
        """The form's slots from one request message: amount and payee always from the same message."""
        # The amount the NLU found, or one written with its currency ("20 €"): never a bare number the NLU
        # did not tag (a phone number's, a day's).
        found = next((e.get("value") for e in entities if e.get("entity") == "amount"), None)
        money = parse_money(text) if found else parse_money(text, currency_required=True)
        payee = payee_with_phone(next((e.get("value") for e in entities if e.get("entity") == "payee"), None), text)
        return [SlotSet(name, None) for name in FORM_SLOTS] + [
            SlotSet("transfer_amount", f"{money.amount} {money.currency}" if money else None),
            SlotSet("transfer_payee", payee),  # checked against the payees by the form
        ]

    @staticmethod
    async def _destination_in_request(dispatcher: CollectingDispatcher, tracker: Tracker, text: str, token: str,
                                      events: List[EventType]) -> List[EventType]:
        """Where the request sends the money when the NLU tagged no payee, read once the customer is verified: a
        saved payee it names ("send 400€ to tom", in lower case), by its name in the core bank's list; else the
        customer's own savings or current account ("put 200 into savings": a move, actions/own_accounts.py). The
        confirmation still names it before anything is sent. A move the customer has no accounts for is said so,
        and the transfer ends there (it is no payment to anyone)."""
        prefilled = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == "transfer_payee"]
        phone = _phone_in(prefilled[-1]) if prefilled and prefilled[-1] else None
        if phone is not None and phone.group(0) == prefilled[-1] and name_beside_phone(text) is not None:
            return await _name_beside_the_number(text, phone.group(0), token)
        if prefilled and prefilled[-1]:
            return []
        try:
            payee = match_payee(text, await core_bank().payees(token))
            if payee is not None:  # a saved payee; a phone number in the request was taken already
                return [SlotSet("transfer_payee", payee["name"])] if "payee_id" in payee else []
            destination = destination_type(text)
            move = accounts_of_move(destination, await core_bank().accounts(token))
        except BankError:  # the form asks who to, and lists the payees, or says what is wrong
            return []
        if move is None and destination is not None:
            dispatcher.utter_message(response="utter_transfer_no_savings_account")
            return [SlotSet("transfer_amount", None), SlotSet("transfer_draft", json.dumps({"outcome": "refused"}))]
        if move is None:
            return []
        return [SlotSet(name, value) for name, value in _move_to(tracker, move[1]).items()]


async def _name_beside_the_number(text: str, number: str, token: str) -> List[EventType]:
    """A request that gives a mobile number and the name of a saved payee the NLU did not tag ("envoie 20 € à tom au
    06 11 22 33 44"): the payee slot keeps the name beside the number, so the confirmation says who the customer
    meant; the number stays who the money goes to (the core bank names its holder before the code)."""
    try:
        payee = match_payee(text.replace(number, " "), await core_bank().payees(token))
    except BankError:
        return []
    if payee is None or "payee_id" not in payee:
        return []
    return [SlotSet("transfer_payee", f"{payee['name']} {number}")]


class ValidateTransferForm(StepsAsideForOtherRequests, FormValidationAction):
    def name(self) -> Text:
        return "validate_transfer_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        if _draft(tracker).get("outcome"):  # done, cancelled or refused: the form ends
            return []
        return domain_slots

    async def extract_transfer_amount(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """A new amount typed instead of a yes ("actually make it 30€"): the transfer is restated with it,
        before anything is approved (the code comes after the yes, bound to what was confirmed)."""
        changed = _changed_detail(tracker)
        if changed is None or PHONE.search(changed):  # parse_money reads words too ("make it fifty")
            return {}
        money = parse_money(changed)
        if money is None or f"{money.amount} {money.currency}" == tracker.get_slot("transfer_amount"):
            return {}
        return {"transfer_amount": changed}

    async def extract_transfer_payee(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Another payee named instead of a yes ("to +33 6 11 22 33 44 instead"): restated the same way."""
        changed = _changed_detail(tracker)
        if changed is None:
            return {}
        named = next(tracker.get_latest_entity_values("payee"), None)
        phone = PHONE.search(changed)  # a card number too: judged, never said back (validate_transfer_payee)
        wanted = payee_with_phone(named, changed) if _phone_in(changed) else (phone.group(0) if phone else named)
        if not wanted or wanted.lower() in _payee_text(tracker).lower():
            return {}
        return {"transfer_payee": wanted, "transfer_to_account": None}

    @answers_only
    async def validate_transfer_amount(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        money = parse_money(str(value or ""))
        if money is None:
            dispatcher.utter_message(response="utter_transfer_amount_unclear")
            return {"transfer_amount": None}
        if money.currency != "EUR":
            dispatcher.utter_message(response="utter_transfer_euros_only")
            return {"transfer_amount": None}
        # The answer may also say where the money goes ("put 400 in my savings" after a limit told for Tom): the
        # amount is then checked for that destination (a move has no transfer limit), and the form goes on with it.
        destination = await self._destination_in_answer(value, dispatcher, tracker, domain)
        moving_to = destination.get("transfer_to_account", tracker.get_slot("transfer_to_account"))
        refused = await self._amount_refused(dispatcher, tracker, money.amount, money.currency, moving_to)
        if refused is not None:
            return {**destination, **refused}
        return {**destination, "transfer_amount": f"{money.amount} {money.currency}"}

    async def _destination_in_answer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """The payee or own account an answer to "How much?" names besides the amount, judged as the answer to
        "Who to?" is (validate_transfer_payee): the form's slots for it, or {} when the answer names nowhere (a bare
        "200", "make it 200"). Only a message typed while the amount is asked: the amount a request prefilled was
        read with its payee already (ActionStartTransfer)."""
        text = str(value)
        if tracker.get_slot("requested_slot") != "transfer_amount" or text != tracker.latest_message.get("text"):
            return {}
        # A phone number is written with its "+" or its leading 0: "1 500 000" is an amount.
        phone = _phone_in(text)
        entity = next(tracker.get_latest_entity_values("payee"), None)
        named = payee_with_phone(entity, text) if phone and phone.group(0).startswith(("+", "0")) else entity
        if named is None and destination_type(text) is not None:
            named = text  # "put 400 in my savings": the move's words, read as the payee question reads them
        session = current_session(tracker)
        if named is None and session is not None:
            try:  # a saved payee in lower case the NLU did not tag ("200 to tom then")
                payee = match_payee(text, await core_bank().payees(session.access_token))
            except BankError:
                payee = None
            named = payee["name"] if payee is not None and "payee_id" in payee else None
        if named is None:
            return {}
        judged = await self.validate_transfer_payee(named, dispatcher, tracker, domain)
        return {"transfer_to_account": None, **judged}

    async def _amount_refused(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, amount: Decimal, currency: str,
        moving_to: Optional[str],
    ) -> Optional[Dict[Text, Any]]:
        """The core bank's limits and the funds, asked as soon as the amount is known (a verified customer): an
        amount it refuses is said at once, before the payee and the yes, and asked for again. The rules stay the
        bank's: nothing is compared here. Anything else (the bank unreachable, no current account) does not stop
        the amount: prepare checks everything again after the yes. `moving_to`: the own account a move goes to."""
        session = current_session(tracker)
        if session is None:
            return None
        try:
            accounts = await core_bank().accounts(session.access_token)
            move = accounts_of_move(moving_to, accounts)
            account = move[0] if move else next((a for a in accounts if a.type == "current"), None)
            if account is None:
                return None
            await core_bank().check_transfer(session.access_token, account.account_id, amount, currency,
                                             **({"to_account_id": move[1].account_id} if move else {}))
        except BankError as error:
            if error.code in AMOUNT_REFUSALS:
                return self._refused(dispatcher, tracker, error)
            return None
        return None

    @answers_only
    async def validate_transfer_payee(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = str(value or "")
        moving_to = tracker.get_slot("transfer_to_account")
        if moving_to in (SAVINGS, CURRENT) and text == _own_account_shown(tracker, moving_to):
            return {"transfer_payee": text}  # the move the request named (ActionStartTransfer), as the chat names it
        session = current_session(tracker)
        payees = await core_bank().payees(session.access_token) if session else []
        payee = match_payee(text, payees)
        if payee is None and session is not None:  # "to my savings": a move between the customer's own accounts
            try:
                move = accounts_of_move(destination_type(text), await core_bank().accounts(session.access_token))
            except BankError:
                move = None
            if move is not None:
                return _move_to(tracker, move[1])
        if payee is None:
            dispatcher.utter_message(response="utter_payee_unknown" if payees or session is None
                                     else "utter_payee_unknown_no_payees",
                                     payee=payee_said_back(text, Presentation.from_tracker(tracker)))
            return {"transfer_payee": None}
        return {"transfer_payee": payee["name"]}

    @answers_only
    async def validate_transfer_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is not True:
            dispatcher.utter_message(response="utter_transfer_cancelled")
            return {"transfer_confirmed": False, "transfer_draft": json.dumps({"outcome": "cancelled"})}
        session = current_session(tracker)
        if session is None:
            dispatcher.utter_message(response="utter_session_ended")
            return {"transfer_draft": json.dumps({"outcome": "refused"})}
        amount, currency = tracker.get_slot("transfer_amount").split()
        try:
            accounts = await core_bank().accounts(session.access_token)
            # A move: both accounts from the core bank's list of the customer's, by the type the confirmation named.
            move = accounts_of_move(tracker.get_slot("transfer_to_account"), accounts)
            if move is not None:
                transfer = {"from_account_id": move[0].account_id, "amount": amount, "currency": currency,
                            "to_account_id": move[1].account_id}
            else:
                # The payee again from the core bank's list: the one the confirmation named, never an id from a message.
                payee = match_payee(_payee_text(tracker), await core_bank().payees(session.access_token))
                if payee is None:
                    dispatcher.utter_message(response="utter_payee_unknown",
                                             payee=mask_card_numbers(_payee_text(tracker)))
                    return {"transfer_payee": None, "transfer_confirmed": None, "transfer_draft": None}
                account = next(a for a in accounts if a.type == "current")
                transfer = {"from_account_id": account.account_id, "amount": amount, "currency": currency}
                transfer.update({k: v for k, v in payee.items() if k in ("payee_id", "payee_phone")})
            prepared = await core_bank().prepare_transfer(
                session.access_token, transfer, language=Presentation.from_tracker(tracker).language
            )
        except BankError as error:
            return self._refused(dispatcher, tracker, error)
        except StopIteration:
            dispatcher.utter_message(response="utter_no_accounts")
            return {"transfer_draft": json.dumps({"outcome": "refused"})}
        # A move names the account as the chat does ("your savings account"), not as the bank's records do.
        payee_name = _payee_text(tracker) if move is not None else prepared["transfer"]["payee_name"]
        dispatcher.utter_message(
            response="utter_transfer_move_code_sent" if move is not None else "utter_transfer_code_sent",
            amount=_money_text(tracker, amount), payee=payee_name, sent_to=prepared["sent_to"],
        )
        draft = {"transfer": transfer, "challenge_id": prepared["challenge_id"], "payee_name": payee_name}
        return {"transfer_confirmed": True, "transfer_draft": json.dumps(draft)}

    @answers_only
    async def validate_transfer_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        code = parse_code(str(value or ""))
        if code is None and (tracker.latest_message.get("intent") or {}).get("name") == "deny":
            # "no" when the code is asked: the customer does not approve; nothing is sent, the code lapses unused.
            dispatcher.utter_message(response="utter_transfer_cancelled")
            return {"transfer_code": None, "transfer_draft": json.dumps({"outcome": "cancelled"})}
        if code is None:
            # Digits: a code mistyped. No digit at all (another question, a remark): what is awaited, and the way out.
            has_digits = any(ch.isdigit() for ch in str(value or ""))
            dispatcher.utter_message(response="utter_code_format" if has_digits else "utter_transfer_code_expected")
            return {"transfer_code": None}
        draft, session = _draft(tracker), current_session(tracker)
        if session is None or "challenge_id" not in draft:
            dispatcher.utter_message(response="utter_session_ended")
            return {"transfer_code": None, "transfer_draft": json.dumps({"outcome": "refused"})}
        try:
            result = await core_bank().execute_transfer(
                session.access_token, draft["transfer"], draft["challenge_id"], code,
                idempotency_key=f"transfer-{draft['challenge_id']}",
            )
        except BankError as error:
            if error.code == "otp_invalid":
                dispatcher.utter_message(response="utter_code_wrong", attempts_left=error.details.get("attempts_left"))
                return {"transfer_code": None}
            if error.code in ("otp_expired", "otp_used"):
                dispatcher.utter_message(response="utter_transfer_code_expired")
                return {"transfer_code": None, "transfer_confirmed": None, "transfer_draft": None}
            return {"transfer_code": None, **self._refused(dispatcher, tracker, error)}
        destination = tracker.get_slot("transfer_to_account")
        if "to_account_id" in draft["transfer"] and destination in (SAVINGS, CURRENT):
            dispatcher.utter_message(
                response="utter_transfer_moved", amount=_money_text(tracker, result["amount"]),
                destination=_own_account_shown(tracker, destination), reference=result["reference"],
                source=_own_account_shown(tracker, source_type(destination)),
                balance=_money_text(tracker, result["balance_after"]),
            )
            return {"transfer_code": None, "transfer_draft": json.dumps({"outcome": "done"})}
        dispatcher.utter_message(
            response="utter_transfer_done", amount=_money_text(tracker, result["amount"]),
            payee=draft.get("payee_name") or result["payee_name"],
            reference=result["reference"], balance=_money_text(tracker, result["balance_after"]),
        )
        return {"transfer_code": None, "transfer_draft": json.dumps({"outcome": "done"})}

    @staticmethod
    def _refused(dispatcher: CollectingDispatcher, tracker: Tracker, error: BankError) -> Dict[Text, Any]:
        """The core bank said no: explain (in the customer's language), and ask again for what can be changed."""
        reason = refusal_reason(Presentation.from_tracker(tracker), error)
        if error.code in AMOUNT_REFUSALS:
            dispatcher.utter_message(response=f"utter_transfer_{error.code}", reason=reason)
            return {"transfer_amount": None, "transfer_confirmed": None, "transfer_draft": None}
        if error.code in ("payee_not_found", "same_account"):
            dispatcher.utter_message(response=f"utter_transfer_{error.code}")
            return {"transfer_payee": None, "transfer_to_account": None, "transfer_confirmed": None,
                    "transfer_draft": None}
        explain_code_refusal(dispatcher, tracker, error, otherwise="utter_transfer_refused", reason=reason)
        if error.code in CODE_WAITS:  # no code now: the transfer cannot be approved, and the customer is told so
            dispatcher.utter_message(response="utter_transfer_not_sent")
        return {"transfer_draft": json.dumps({"outcome": "refused"})}


class ActionAskTransferPayee(Action):
    """Who to? The saved payees as quick replies; any other customer by phone number."""

    def name(self) -> Text:
        return "action_ask_transfer_payee"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        session = current_session(tracker)
        try:
            payees = await core_bank().payees(session.access_token) if session else []
        except BankError as error:
            return bank_trouble(tracker, dispatcher, error, "transfer_money")
        if not payees and session is not None:  # the customer has none: only the mobile number is asked for
            dispatcher.utter_message(response="utter_ask_transfer_payee_no_payees")
            return []
        dispatcher.utter_message(
            response="utter_ask_transfer_payee",
            quick_replies=[{"title": short_title(p["name"]), "payload": p["name"]} for p in payees[:12]],
        )
        return []


class ActionAskTransferConfirmed(Action):
    def name(self) -> Text:
        return "action_ask_transfer_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        amount, _ = tracker.get_slot("transfer_amount").split()
        destination = tracker.get_slot("transfer_to_account")
        if destination in (SAVINGS, CURRENT):  # a move between the customer's own accounts
            dispatcher.utter_message(
                response="utter_ask_transfer_move_confirmed", amount=_money_text(tracker, amount),
                source=_own_account_shown(tracker, source_type(destination)),
                destination=_own_account_shown(tracker, destination),
            )
            return []
        dispatcher.utter_message(
            response="utter_ask_transfer_confirmed", amount=_money_text(tracker, amount),
            payee=payee_shown(_payee_text(tracker), Presentation.from_tracker(tracker)),
        )
        return []


class ActionFinishTransfer(Action):
    """Clears the transfer's slots once the form has ended, whatever the outcome."""

    def name(self) -> Text:
        return "action_finish_transfer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        return [SlotSet(name, None) for name in FORM_SLOTS]
