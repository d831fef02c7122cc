"""A loan quote's follow-up ("and for 15k?", "over 5 years instead?", "et sur 5 ans plutôt ?") asks for the quote again.

After "A car loan of €10,000.00 over 48 months costs €230.00 a month… Would you like to apply?", customers try other
figures in a few words. Alone, those words say little: "and for 15k?" reads as nlu_fallback, "no, make it 5 years"
as deny (which declined the quote: "Anything else?"), "hmm and over 10 years?" as show_more. Right after the quote
they change it.

Where: `install()` wraps `MessageProcessor.parse_message` (the parse before this one, like offer_answers). When the
bot's messages since the customer's previous message include the quote (`utter_loan_quote`) and the message gives a
figure (an amount, a term or a loan type the NLU tagged, or digits), the message is read as `loan_inquiry`: unless
the NLU is sure it asks something else ("send 15k to Tom" stays a transfer, "can I repay it early after 2 years?" a
question). `action_start_loan` (actions/loans.py) then keeps what the message does not change; the form checks the
new figures against the product's range, and the quote is shown again. A tap is what it says.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_server.parse_steps import Parse, install_step

QUOTE_RESPONSE = "utter_loan_quote"
LOAN_QUESTION = "loan_inquiry"
FIGURES = {"amount", "term", "loan_type"}
# What a figure typed after the quote may be read as: an answer, or nothing the NLU is sure of.
ANSWERS = {"inform", LOAN_QUESTION, "nlu_fallback", "deny", "affirm", "show_more", "out_of_scope"}
SURE = 0.7  # at or above, another intent is another request
BARE_DIGITS = {"inform", LOAN_QUESTION}  # where digits alone are a figure
_DIGIT = re.compile(r"\d")


def quote_just_given(tracker: DialogueStateTracker) -> bool:
    """The bot's messages since the customer's previous message include the loan quote (same session)."""
    for event in reversed(tracker.events):
        if isinstance(event, (UserUttered, SessionStarted)):
            return False
        if isinstance(event, BotUttered) and (event.metadata or {}).get("utter_action") == QUOTE_RESPONSE:
            return True
    return False


def changes_the_quote(parsed: Dict[str, Any]) -> bool:
    """The message gives a figure and asks nothing else the NLU is sure of. Digits the NLU tagged as no figure count
    only in what it reads as an answer or a loan question ("and 30k?"), not in a remark ("je reviens dans 2 jours",
    "on a 3 enfants")."""
    entities = {entity.get("entity") for entity in parsed.get("entities") or []}
    intent = parsed.get("intent") or {}
    if not entities & FIGURES:
        return intent.get("name") in BARE_DIGITS and bool(_DIGIT.search(str(parsed.get("text") or "")))
    return intent.get("name") in ANSWERS or float(intent.get("confidence") or 0.0) < SURE


def as_loan_question(parsed: Dict[str, Any]) -> Dict[str, Any]:
    """The parse with the loan question as its intent (confidence kept: the words were not surer of it)."""
    intent = {"name": LOAN_QUESTION, "confidence": float((parsed.get("intent") or {}).get("confidence") or 0.0)}
    ranking = [intent] + [r for r in parsed.get("intent_ranking") or [] if r.get("name") != LOAN_QUESTION]
    return {**parsed, "intent": intent, "intent_ranking": ranking}


async def parse_message_with_quote_changes(previous: Parse, processor: MessageProcessor, message: UserMessage,
                                           tracker: Optional[DialogueStateTracker] = None,
                                           only_output_properties: bool = True) -> Dict[str, Any]:
    """The parse before this one (`previous`), a figure typed right after the loan quote read as a change."""
    parsed = await previous(processor, message, tracker, only_output_properties)
    if tracker is None or str(message.text or "").startswith("/"):
        return parsed
    if (parsed.get("intent") or {}).get("name") == LOAN_QUESTION or not quote_just_given(tracker):
        return parsed
    return as_loan_question(parsed) if changes_the_quote(parsed) else parsed


def install() -> None:
    """Every message the Rasa server of this process parses gets the rule above, around the steps installed before."""
    install_step(parse_message_with_quote_changes)
