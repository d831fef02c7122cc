"""A typed "yes" to a yes-or-no offer is the offer's button, as if tapped.

The bot makes offers with two buttons, the offer and "No, thanks" (`/deny`): "Done: your card is blocked. Shall I
order a replacement?" [Order a replacement] [No, thanks]; "Would you like to talk to an advisor about it?"; "You
have no appointment coming up. Would you like to book one?". A customer who types "yes", "oui", "ok go ahead"
instead of tapping got "How can I help you?" (the rule for a yes out of context): the offer's payload
(`/order_card{"card_type":"debit"}`) is what starts the service, and the typed yes carried none of it.

Where: Rasa parses each message with `MessageProcessor.parse_message(message, tracker)`, before anything is stored.
`install()` wraps it: when NLU reads the message as `affirm` and the bot's latest message (its last with buttons,
after the customer's previous message) offered exactly one thing beside "No, thanks", the message is parsed as that
button's payload instead (its intent and entities), keeping the text the customer typed: the tracker, the archive
and the console show "yes", understood as the offer. The payload comes from the bot's own message to this customer,
so nothing a customer sends can choose it. Offers whose yes button is `/affirm` (a form's confirmation: the loan
quote, a transfer, an order) need nothing: affirm already answers them.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

AFFIRM = "affirm"
DECLINE_PAYLOAD = "/deny"
COMMAND_PREFIX = "/"
# Questions about an offer before answering it ("how much is the new one?", read as a knowledge question, out of scope,
# not understood, or even a balance question), answered without a question of their own, leave the offer open (two at
# most).
ASIDES = {"faq", "out_of_scope", "nlu_fallback", "check_balance"}
MAX_ASIDES = 2
KEPT_ENTITIES = {"language"}  # read from the typed words (bot/nlu/language_detector.py), not from a payload

_ORIGINAL_PARSE = MessageProcessor.parse_message  # Rasa's own


def _buttons(event: BotUttered) -> List[Dict[str, Any]]:
    data = event.data or {}
    return list(data.get("buttons") or data.get("quick_replies") or [])


def offered_payload(tracker: DialogueStateTracker) -> Optional[str]:
    """The payload of the one thing the bot's latest offer proposes beside "No, thanks", or None.

    Only the bot's messages since the customer's previous message count (a "yes" answers what was just asked), in the
    same session (a yes the next day does not accept yesterday's offer); or before a question or two asked about the
    offer and answered without a question of their own ("Shall I order a replacement?", "how much is the new one?",
    the answer, "ok yes please"), no request running since."""
    asides = 0
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted):
            return None
        if isinstance(event, UserUttered):
            if (event.intent or {}).get("name") not in ASIDES or asides == MAX_ASIDES or tracker.active_loop_name:
                return None
            asides += 1
            continue
        if not isinstance(event, BotUttered) or not _buttons(event):
            continue
        payloads = [str(button.get("payload") or "") for button in _buttons(event)]
        others = [p for p in payloads if p != DECLINE_PAYLOAD]
        if len(payloads) == 2 and len(others) == 1:
            offer = others[0]
            return offer if offer.startswith(COMMAND_PREFIX) and offer != COMMAND_PREFIX + AFFIRM else None
        if (event.data or {}).get("buttons"):
            return None  # a question with other choices since ("which of these did you mean?"): a yes is not about the offer
        # quick replies are suggestions (the services menu, a knowledge answer's next steps): an aside's answer may
        # carry them and leave the offer open
    return None


def as_offer(typed: Dict[str, Any], tapped: Dict[str, Any]) -> Dict[str, Any]:
    """The tap's intent and entities with the typed message's text (and the language its words gave)."""
    kept = [entity for entity in typed.get("entities") or [] if entity.get("entity") in KEPT_ENTITIES]
    return {**tapped, "text": typed.get("text"), "entities": list(tapped.get("entities") or []) + kept}


async def parse_message_with_offers(processor: MessageProcessor, message: UserMessage,
                                    tracker: Optional[DialogueStateTracker] = None,
                                    only_output_properties: bool = True) -> Dict[str, Any]:
    """`MessageProcessor.parse_message`, a typed yes to a two-button offer read as its offer."""
    parsed = await _ORIGINAL_PARSE(processor, message, tracker, only_output_properties)
    if tracker is None or (parsed.get("intent") or {}).get("name") != AFFIRM:
        return parsed
    if str(message.text or "").startswith(COMMAND_PREFIX):
        return parsed  # a tap is what it says
    offer = offered_payload(tracker)
    if offer is None:
        return parsed
    tap = UserMessage(offer, sender_id=message.sender_id, input_channel=message.input_channel,
                      metadata=message.metadata, message_id=message.message_id)
    return as_offer(parsed, await _ORIGINAL_PARSE(processor, tap, tracker, only_output_properties))


def install() -> None:
    """Every message the Rasa server of this process parses gets the rule above (idempotent)."""
    MessageProcessor.parse_message = parse_message_with_offers  # type: ignore[method-assign]
