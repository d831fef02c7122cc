"""A second request in the same message is offered once the first is done, not dropped.

"What's my balance and my last transactions?", "block my card and order a new one", "envoie 20 € à Tom et montre-moi
mon solde": the message is understood as its first request (data/README.md: the first actionable one, a protective
one first), and the dialogue serves that one. What else the customer asked was silently lost. Now:

- Understanding (`parse_message`): a message whose clauses are joined by "and", "then", "also", "et", "puis",
  "ensuite"... or by sentence ends has each clause after the split parsed on its own, with the same model. A clause
  read as another request than the message's (a service, or a knowledge question), confidently (`MIN_CONFIDENCE`),
  is kept in the parse data under `FURTHER_KEY`: its payload (`/recent_transactions`, `/faq{"knowledge_topic":...}`),
  the clause as typed, masked (bot/privacy/masking.py), and where it lies in the message; the request the message
  was read as gets its clause's place too (`REQUEST_CLAUSE_KEY`), so that each request's action reads its own words
  and entities ("how much at Uber ... and block my credit card": the search is not for credit card payments). Only
  for a message that is a request itself, and one of whose clauses alone asks what the whole was read as. A clause
  that asks to block a card or dispute a payment comes first whatever the word order (`protective_first`,
  data/README.md): the message is read as that request, the other offered after it.
- Dialogue (`_run_prediction_loop`): the turn that logged such a message keeps them in the slot `further_requests`
  (not featurized: rules and policies never see it). At the end of a turn where the first request is over (no form
  running, no question with buttons waiting, the bot not paused), the first one still due is offered: "You also
  asked: “my last transactions”. Shall I go on with that?" [Yes, go on] [No, thanks]; its button is the request's
  payload, so a tap or a typed yes (bot/rasa_server/offer_answers.py) starts it like any request, identity
  included. A request the bot offered by itself meanwhile (the new card after a block) or the customer asked for
  again is not offered twice; a cancel, a goodbye or a handoff drops what was pending, and so does a conversation
  that moved on (`MAX_MESSAGES_LATER`).

The offer is a bot message in the conversation's language (bot/messages/), sent and stored as any answer.
"""
from __future__ import annotations

import json
import logging
import re
from typing import Any, Dict, List, Optional

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import messages
from bot.dialogue_signals import FURTHER_REQUESTS, REQUEST_CLAUSE_KEY
from bot.privacy.masking import mask_sensitive
from bot.rasa_server.offer_answers import DECLINE_PAYLOAD  # "No, thanks": a typed yes there takes the other button

logger = logging.getLogger(__name__)

FURTHER_KEY = FURTHER_REQUESTS  # in a message's parse data: [{"payload", "said", "start", "end"}]
SLOT = "further_requests"
LANGUAGE_SLOT = "language"
MIN_CONFIDENCE = 0.7
MAX_FURTHER = 2  # requests kept after the first
MAX_SAID = 80  # characters of the clause said back
MAX_MESSAGES_LATER = 6  # the customer's messages since the request: a conversation that moved on drops it
KNOWLEDGE = "faq"
TOPIC_ENTITY = "knowledge_topic"

# What is not a request of its own: small talk, answers, commands about the conversation.
NOT_REQUESTS = frozenset({
    "greet", "goodbye", "affirm", "deny", "help", "cancel", "inform", "out_of_scope", "nlu_fallback", "show_more",
    "switch_language", "get_started", "card_menu", "human_handoff",
})
# After these, what was pending is dropped: the customer stopped, or a person takes over.
DROPPING = frozenset({"cancel", "goodbye", "human_handoff"})

# Between clauses: a sentence's end, a semicolon, or a joining word (with or without a comma before it).
_JOINS = ("and then", "and also", "and", "then", "also", "plus", "after that",
          "et puis", "et aussi", "et ensuite", "et", "puis", "ensuite", "aussi", "après ça", "apres ca")
_SPLIT = re.compile(r"(?:[.!?;]+\s+|\s*,?\s+(?:" + "|".join(re.escape(j) for j in _JOINS) + r")\s+)", re.IGNORECASE)
_WORD = re.compile(r"\w+")
_OPENING_JOIN = re.compile(r"^(?:" + "|".join(re.escape(j) for j in _JOINS) + r")\b[\s,]*", re.IGNORECASE)

_ORIGINAL_PARSE = MessageProcessor.parse_message  # Rasa's own: each clause is parsed by it alone


def clauses(text: str) -> List[str]:
    """`text` cut where one request may end and another begin; a part of fewer than two words stays joined to the
    one before it, as typed ("Bread and butter"); a joining word opening a part is left out ("? Et montre-moi")."""
    text = text or ""
    spans: List[List[int]] = []  # [start, end] of each part in `text`
    start = 0
    for cut in [*_SPLIT.finditer(text), None]:
        end = cut.start() if cut else len(text)
        if spans and len(_WORD.findall(text[start:end])) < 2:
            spans[-1][1] = end
        else:
            spans.append([start, end])
        start = cut.end() if cut else len(text)
    parts = [_OPENING_JOIN.sub("", text[a:b].strip(" ,.!?;")).strip() for a, b in spans]
    return [part for part in parts if part]


def payload_of(parsed: Dict[str, Any]) -> Optional[str]:
    """The payload that asks what `parsed` asks: `/intent`, or the knowledge topic's; None when it asks nothing."""
    intent = (parsed.get("intent") or {}).get("name")
    if not intent or intent in NOT_REQUESTS or (parsed.get("intent") or {}).get("confidence", 0.0) < MIN_CONFIDENCE:
        return None
    if intent == KNOWLEDGE:
        key = (parsed.get("intent") or {}).get("full_retrieval_intent_name") or ""
        topic = key.split("/", 1)[1] if key.startswith(KNOWLEDGE + "/") else ""
        return f'/{KNOWLEDGE}{json.dumps({TOPIC_ENTITY: topic}, separators=(",", ":"))}' if topic else None
    return f"/{intent}"


def intent_of(payload: str) -> str:
    return payload[1:].split("{", 1)[0]


def said_back(clause: str) -> str:
    clause = mask_sensitive(clause.strip())
    return clause if len(clause) <= MAX_SAID else clause[: MAX_SAID - 1].rstrip() + "…"


def further_requests(whole: Dict[str, Any], parts: List[Dict[str, Any]]) -> List[Dict[str, str]]:
    """What the clauses ask beyond what the whole message was understood to ask (`whole`)."""
    main = payload_of(whole)
    own = [payload_of(parsed) for parsed in parts]
    if main is None or main not in own:
        # No clause alone asks what the whole message was read as ("whats my iban? its for my employer": the whole a
        # knowledge question, "whats my iban" alone a balance): which clause is the first request is unknown, and
        # the "other" one could be that same request read another way. Nothing is offered.
        return []
    found: List[Dict[str, str]] = []
    seen = {main, f"/{intent_of(main)}"}
    for parsed, payload in zip(parts, own):
        if payload is None or payload in seen or intent_of(payload) == intent_of(main) != KNOWLEDGE:
            continue
        seen.add(payload)
        found.append({"payload": payload, "said": said_back(str(parsed.get("text") or ""))})
    return found[:MAX_FURTHER]


# Requests served before any other in the same message (data/README.md, "Intent boundaries": a protective one first,
# whatever the word order): a lost or stolen card to block, a payment not recognised.
PROTECTIVE = frozenset({"block_card", "dispute_payment"})


def protective_first(whole: Dict[str, Any], parts: List[Dict[str, Any]]) -> Optional[int]:
    """The clause to serve first when the message was read as an unprotective request and one of its clauses, alone,
    confidently asks a protective one ("how much did I spend at Uber and block my credit card"): its index, else
    None."""
    main = payload_of(whole)
    if main is None or intent_of(main) in PROTECTIVE:
        return None
    return next((i for i, part in enumerate(parts)
                 if (payload_of(part) or "/").startswith(tuple(f"/{name}" for name in PROTECTIVE))), None)


async def parse_message_with_further_requests(processor: MessageProcessor, message: UserMessage,
                                              tracker: Optional[DialogueStateTracker] = None,
                                              only_output_properties: bool = True) -> Dict[str, Any]:
    """The parse before this one (`_PREVIOUS_PARSE`), with the further requests of a message of several clauses."""
    parsed = await _PREVIOUS_PARSE(processor, message, tracker, only_output_properties)
    text = str(message.text or "")
    if text.startswith("/") or payload_of(parsed) is None:
        return parsed
    parts = clauses(text)
    if len(parts) < 2:
        return parsed
    parsed_parts = []
    for part in parts:
        clause = UserMessage(part, sender_id=message.sender_id, input_channel=message.input_channel)
        parsed_parts.append(await _ORIGINAL_PARSE(processor, clause, tracker, only_output_properties))
    first = protective_first(parsed, parsed_parts)
    if first is not None:  # the card is protected before anything else, whatever the word order
        parsed = {**parsed, "intent": dict(parsed_parts[first]["intent"]),
                  "intent_ranking": list(parsed_parts[first].get("intent_ranking") or [])}
    found = further_requests(parsed, parsed_parts)
    if found:
        # Where each request's clause lies (offsets only: the words stay in the message's text, which is redacted
        # where the conversation is kept), for the actions to read its own words (actions/verified.py).
        spans: Dict[Optional[str], Optional[Dict[str, int]]] = {}
        for clause, span in zip(parsed_parts, _spans(text, parts)):
            spans.setdefault(payload_of(clause), span)  # the first clause asking it
        parsed[FURTHER_KEY] = [{**request, **(spans.get(request["payload"]) or {})} for request in found]
        own = spans.get(payload_of(parsed))
        if own:
            parsed[REQUEST_CLAUSE_KEY] = own
    return parsed


def _spans(text: str, parts: List[str]) -> List[Optional[Dict[str, int]]]:
    """Each part's {start, end} in `text`, in order (None for one not found as typed)."""
    spans: List[Optional[Dict[str, int]]] = []
    at = 0
    for part in parts:
        start = text.find(part, at)
        spans.append({"start": start, "end": start + len(part)} if start >= 0 else None)
        at = start + len(part) if start >= 0 else at
    return spans


# --- the dialogue side ------------------------------------------------------------------------------------------


def _choices(event: BotUttered) -> List[Dict[str, Any]]:
    data = event.data or {}
    return list(data.get("buttons") or []) + list(data.get("quick_replies") or [])


def _since_request(tracker: DialogueStateTracker) -> List[Event]:
    """The events since the message that asked the pending requests."""
    events = list(tracker.events)
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if isinstance(event, UserUttered) and event.parse_data.get(FURTHER_KEY):
            return events[index + 1:]
    return []


def still_due(tracker: DialogueStateTracker, pending: List[Dict[str, str]]) -> List[Dict[str, str]]:
    """`pending` without what the bot offered by itself or the customer asked for since the message."""
    since = _since_request(tracker)
    if sum(isinstance(e, UserUttered) for e in since) > MAX_MESSAGES_LATER:
        return []
    offered = {intent_of(str(c.get("payload") or "/")) for e in since if isinstance(e, BotUttered) for c in _choices(e)}
    asked = {(e.intent or {}).get("name") for e in since if isinstance(e, UserUttered)}
    return [p for p in pending if intent_of(p["payload"]) not in offered | asked]


def turn_waits_for_an_answer(tracker: DialogueStateTracker) -> bool:
    """A form runs, or the bot's latest message of this turn offers choices (a question with buttons)."""
    if tracker.active_loop_name:
        return True
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered):
            return bool(_choices(event))
    return False


def offer(pending: Dict[str, str], language: Optional[str]) -> BotUttered:
    text = messages.text("further_request.offer", language, said=pending["said"])
    buttons = [{"title": messages.text("further_request.yes", language), "payload": pending["payload"]},
               {"title": messages.text("further_request.no", language), "payload": DECLINE_PAYLOAD}]
    return BotUttered(text, data={"buttons": buttons}, metadata={"utter_action": "further_request_offer"})


def turn_events(tracker: DialogueStateTracker) -> List[Event]:
    """What to add to the tracker at the end of a turn: keep the message's further requests, or offer the next."""
    latest = tracker.latest_message
    if tracker.is_paused():
        return []
    pending = list(tracker.get_slot(SLOT) or [])
    new = (latest.parse_data.get(FURTHER_KEY) if latest else None) or []
    if latest and (latest.intent or {}).get("name") in DROPPING:
        return [SlotSet(SLOT, None)] if pending else []
    if new and new != pending:
        return [SlotSet(SLOT, new)]
    return []


async def prediction_loop_with_further_requests(processor: MessageProcessor, output_channel: OutputChannel,
                                                tracker: DialogueStateTracker) -> None:
    """The prediction loop before this one (`_PREVIOUS_LOOP`), then the offer of a request still due."""
    kept = turn_events(tracker)
    if kept:
        tracker.update_with_events(kept, processor.domain)
    await _PREVIOUS_LOOP(processor, output_channel, tracker)
    pending = list(tracker.get_slot(SLOT) or [])
    if not pending or tracker.is_paused() or turn_waits_for_an_answer(tracker):
        return
    due = still_due(tracker, pending)
    events: List[Event] = []
    if due:
        events.append(offer(due[0], tracker.get_slot(LANGUAGE_SLOT)))
        due = due[1:]
    events.append(SlotSet(SLOT, due or None))
    tracker.update_with_events(events, processor.domain)
    await processor.execute_side_effects(events, tracker, output_channel)


_PREVIOUS_PARSE = MessageProcessor.parse_message
_PREVIOUS_LOOP = MessageProcessor._run_prediction_loop


def install() -> None:
    """Every message the Rasa server of this process parses and answers gets the rules above, around the hooks
    installed before (idempotent)."""
    global _PREVIOUS_PARSE, _PREVIOUS_LOOP
    if MessageProcessor.parse_message is not parse_message_with_further_requests:
        _PREVIOUS_PARSE = MessageProcessor.parse_message
        MessageProcessor.parse_message = parse_message_with_further_requests  # type: ignore[method-assign]
    if MessageProcessor._run_prediction_loop is not prediction_loop_with_further_requests:
        _PREVIOUS_LOOP = MessageProcessor._run_prediction_loop
        MessageProcessor._run_prediction_loop = prediction_loop_with_further_requests  # type: ignore[method-assign]
