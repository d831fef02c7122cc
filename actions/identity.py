"""Who are you? The identity form: customer number or phone, then the one-time code.

The core bank owns every OTP rule (expiry, single use, lock after failures);
this form only asks, forwards and explains. On success the access token goes to
the server-side session store, never into a slot.
"""
from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.answers import answers_only
from actions.request_switch import SERVICE_REQUESTS, SWITCH_CONFIDENCE, StepsAsideForOtherRequests
from actions.banking import UNAVAILABLE, BankError, ChannelUser, core_bank
from actions.customer_sessions import CustomerSession, customer_sessions
from actions.text.amounts import parse_money
from actions.text.locale import Presentation, language_of
from bot.clock import utc_now

FORM = "identity_form"
CUSTOMER_NUMBER = re.compile(r"^\d{6}$")
KNOWN_CHANNEL = re.compile(r"[a-z][a-z0-9_-]{0,31}")  # a channel name as the core bank takes it
# Channels whose user ids are stable per person, so a verified user can be linked.
LINKABLE_CHANNELS = {"messenger"}

# Slot values of `identity`.
REQUIRED, VERIFIED, REFUSED = "required", "verified", "refused"

# The knowledge base's topic for a code that did not come (data/knowledge/security/): its answer says "ask for a new
# code", so while the form waits for the code, that question gets one.
CODE_NOT_RECEIVED = "faq/sms_code_not_received"
# At the code step "I didn't get the code, send another" is most likely about that code, whatever else the words
# could mean elsewhere ("code" is also a card's PIN: "renvoyez-moi un code" ranks forgotten PIN first, "another code
# pls" reads as show_more, "send me another code please" as a card order at 0.44): a message with no digit (not a code
# typed) with that topic among the knowledge base's first four at CONTEXT_FLOOR or more is taken as one, unless it
# asks something the form already handles (OWN_WAY: leaving, help, a person, a language, the balance, or another
# service surely enough to switch to it); a plain yes is never one, and a "no" only when that topic comes first at SURE or more
# ("pas de code", "I didn't receive it").
CONTEXT_FLOOR, SURE = 0.05, 0.5
OWN_WAY = frozenset({"cancel", "goodbye", "help", "human_handoff", "switch_language", "affirm", "check_balance"})
_DIGIT = re.compile(r"\d")


def asks_for_a_new_code(tracker: Tracker) -> bool:
    """Waiting for the code, the customer says it did not come or asks for another one."""
    if tracker.active_loop_name != FORM or tracker.get_slot("requested_slot") != "otp_code":
        return False
    message = tracker.latest_message
    if _DIGIT.search(str(message.get("text") or "")):
        return False  # a code typed, right or wrong: the validation judges it
    intent = message.get("intent") or {}
    name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
    if name in OWN_WAY or (name in SERVICE_REQUESTS and confidence >= SWITCH_CONFIDENCE):
        return False
    ranking = ((message.get("response_selector") or {}).get("faq") or {}).get("ranking") or []
    scores = {r.get("intent_response_key"): float(r.get("confidence") or 0.0) for r in ranking[:4]}
    if name == "deny":
        return bool(ranking) and ranking[0].get("intent_response_key") == CODE_NOT_RECEIVED and \
            scores[CODE_NOT_RECEIVED] >= SURE
    return scores.get(CODE_NOT_RECEIVED, 0.0) >= CONTEXT_FLOOR


def channel_user(tracker: Tracker) -> Optional[ChannelUser]:
    channel = tracker.get_latest_input_channel()
    if channel in LINKABLE_CHANNELS:
        return ChannelUser(channel, tracker.sender_id)
    return None


def requester(tracker: Tracker) -> ChannelUser:
    """Who is writing, in any channel: the core bank counts codes asked for and wrong codes per requester, so that a
    stranger's wrong codes lock the stranger, not the customer."""
    channel = tracker.get_latest_input_channel() or ""
    return ChannelUser(channel if KNOWN_CHANNEL.fullmatch(channel) else "unknown", tracker.sender_id)


def parse_identifier(text: str) -> Dict[str, str]:
    """`{"customer_number": ...}` or `{"phone": ...}` from what the customer typed, or {}."""
    candidates = re.findall(r"\+?\d[\d .\-()]*\d", text or "")
    for candidate in candidates:
        digits = re.sub(r"\D", "", candidate)
        if CUSTOMER_NUMBER.match(digits) and not candidate.startswith("+"):
            return {"customer_number": digits}
        if 8 <= len(digits) <= 15:
            return {"phone": ("+" if candidate.startswith("+") else "") + digits}
    return {}


# A run of digits, spaces, dots or dashes between them ("482 913", "48-29-13"): how a code is typed.
_DIGIT_GROUP = re.compile(r"\d+(?:[ \u00a0.\-]\d+)*")


def parse_code(text: str) -> Optional[str]:
    """The 6-digit code in what the customer typed ("482 913", "code: 482913"), or None.

    One group of 6 digits and no other digits, no amount with its currency: a sentence with numbers ("25000 over 5
    years", "prêt de 150000 euros") is not a code, so it never costs the customer one of the bank's attempts."""
    groups = _DIGIT_GROUP.findall(text or "")
    if len(groups) != 1 or parse_money(text, currency_required=True) is not None:
        return None
    digits = re.sub(r"\D", "", groups[0])
    return digits if len(digits) == 6 else None


def sms_language(tracker: Tracker) -> str:
    """The language of the SMS with the code: the conversation's (en | fr)."""
    return language_of(tracker.get_slot("language"))


# Until when the core bank refuses codes, by refusal: a lock after wrong codes, or too many codes asked for.
CODE_WAITS = {"otp_locked": "locked_until", "too_many_challenges": "retry_at"}


def lock_wait(error: BankError, shown_as: Presentation, now: Optional[datetime] = None) -> str:
    """How long until codes may be tried (or asked for) again, from the core bank's `locked_until` or `retry_at`
    ("30 minutes", "30 minutes" in French too): whole minutes, rounded up; "a few minutes" when the bank did not say
    or the time has passed."""
    try:
        until = datetime.fromisoformat(str(error.details[CODE_WAITS[error.code]]).replace("Z", "+00:00"))
    except (KeyError, TypeError, ValueError):
        until = None
    if until is None or until.tzinfo is None:
        return shown_as.text("otp.wait.unknown")
    minutes = math.ceil((until - (now or utc_now())).total_seconds() / 60)
    if minutes < 1:
        return shown_as.text("otp.wait.unknown")
    return shown_as.text("otp.wait.minute" if minutes == 1 else "otp.wait.minutes", count=minutes)


def explain_code_refusal(dispatcher: CollectingDispatcher, tracker: Tracker, error: BankError, otherwise: str,
                         **values: Any) -> None:
    """Tells the customer why no code can be sent or checked now (locked or too many, and for how long; bank down)."""
    waiting = {"otp_locked": "utter_otp_locked", "too_many_challenges": "utter_too_many_codes"}
    if error.code in waiting:
        dispatcher.utter_message(response=waiting[error.code],
                                 wait=lock_wait(error, Presentation.from_tracker(tracker)), **values)
        return
    dispatcher.utter_message(response="utter_bank_unavailable" if error.code == UNAVAILABLE else otherwise, **values)


class ValidateIdentityForm(StepsAsideForOtherRequests, FormValidationAction):
    def name(self) -> Text:
        return "validate_identity_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if tracker.active_loop_name != FORM:
            return await self._begin(dispatcher, tracker)
        if asks_for_a_new_code(tracker):  # the form asks for the code again after it
            return [SlotSet(name, value) for name, value in
                    (await self._send_new_code(dispatcher, tracker, response="utter_code_resent")).items()]
        return await super().run(dispatcher, tracker, domain)

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        if tracker.get_slot("identity") in (VERIFIED, REFUSED):
            return []
        if tracker.get_slot("otp_challenge") and not tracker.get_slot("customer_identifier"):
            return ["otp_code"]  # a linked Messenger user: the code is all we need
        return domain_slots

    async def _begin(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        """Starts afresh; a Messenger user linked earlier only needs a new code."""
        events: List[EventType] = [
            SlotSet("customer_identifier", None), SlotSet("otp_code", None), SlotSet("otp_challenge", None),
        ]
        user = channel_user(tracker)
        if user is not None:
            try:
                challenge = await core_bank().start_challenge(
                    channel_user=user, requester=requester(tracker), language=sms_language(tracker)
                )
            except BankError as error:
                if error.code != "not_linked":
                    return events + self._give_up(dispatcher, tracker, error)
            else:
                dispatcher.utter_message(response="utter_code_sent", sent_to=challenge.sent_to)
                return events + [SlotSet("otp_challenge", challenge.challenge_id), SlotSet("requested_slot", "otp_code")]
        return events + [SlotSet("requested_slot", "customer_identifier")]

    @answers_only
    async def validate_customer_identifier(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        identifier = parse_identifier(str(value or ""))
        if not identifier:
            dispatcher.utter_message(response="utter_identifier_invalid")
            return {"customer_identifier": None}
        try:
            challenge = await core_bank().start_challenge(
                **identifier, requester=requester(tracker), language=sms_language(tracker)
            )
        except BankError as error:
            if error.code == "invalid_request":  # e.g. a phone number that cannot exist
                dispatcher.utter_message(response="utter_identifier_invalid")
                return {"customer_identifier": None}
            return self._slots(self._give_up(dispatcher, tracker, error))
        # The bank answers alike whether or not the number is a customer's (no enumeration), so the bot cannot
        # know either: it says so, and the customer goes on with the code (or says cancel and starts again).
        dispatcher.utter_message(response="utter_code_sent_if_registered", sent_to=challenge.sent_to)
        return {"customer_identifier": next(iter(identifier.values())), "otp_challenge": challenge.challenge_id}

    @answers_only
    async def validate_otp_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        code = parse_code(str(value or ""))
        if code is None:
            dispatcher.utter_message(response="utter_code_format")
            return {"otp_code": None}
        try:
            verification = await core_bank().verify_challenge(
                tracker.get_slot("otp_challenge"), code, link=channel_user(tracker), requester=requester(tracker)
            )
        except BankError as error:
            if error.code == "otp_invalid":
                dispatcher.utter_message(response="utter_code_wrong", attempts_left=error.details.get("attempts_left"))
                return {"otp_code": None}
            if error.code in ("otp_expired", "otp_used", "challenge_not_found"):
                return await self._send_new_code(dispatcher, tracker)
            return self._slots(self._give_up(dispatcher, tracker, error))
        customer_sessions.start(
            tracker,
            CustomerSession(
                verification.access_token, verification.customer_number, verification.first_name,
                verification.expires_at,
            ),
        )
        dispatcher.utter_message(response="utter_verified", first_name=verification.first_name)
        # The code itself is not kept in the slot.
        return {"otp_code": None, "identity": VERIFIED, **await self._bank_locale(tracker, verification.access_token)}

    @staticmethod
    async def _bank_locale(tracker: Tracker, token: str) -> Dict[Text, Any]:
        """The customer's locale at the bank becomes the conversation's when it has none yet (one the customer's
        browser or Messenger profile gave is kept). Nothing when the bank cannot say."""
        if tracker.get_slot("locale"):
            return {}
        try:
            customer = await core_bank().me(token)
        except BankError:
            return {}
        return {"locale": customer.locale} if customer.locale else {}

    async def _send_new_code(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                             response: str = "utter_code_expired") -> Dict[Text, Any]:
        """A new code, by the way the first one was asked for; `response` says it was sent. The core bank decides
        whether one may be sent (too many codes in a short time: the form ends, saying why)."""
        identifier = parse_identifier(tracker.get_slot("customer_identifier") or "")
        try:
            if identifier:
                challenge = await core_bank().start_challenge(
                    **identifier, requester=requester(tracker), language=sms_language(tracker)
                )
            else:
                challenge = await core_bank().start_challenge(
                    channel_user=channel_user(tracker), requester=requester(tracker), language=sms_language(tracker)
                )
        except BankError as error:
            return self._slots(self._give_up(dispatcher, tracker, error))
        dispatcher.utter_message(response=response, sent_to=challenge.sent_to)
        return {"otp_code": None, "otp_challenge": challenge.challenge_id}

    @staticmethod
    def _give_up(dispatcher: CollectingDispatcher, tracker: Tracker, error: BankError) -> List[EventType]:
        """Ends the form unverified, telling the customer why."""
        explain_code_refusal(dispatcher, tracker, error, otherwise="utter_verification_failed")
        return [SlotSet("identity", REFUSED), SlotSet("otp_code", None), SlotSet("requested_slot", None)]

    @staticmethod
    def _slots(events: List[EventType]) -> Dict[Text, Any]:
        return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}
