"""`action_answer_question`: the knowledge base's answer to a general question (data/knowledge/).

The topic is the one KnowledgeSelector chose (`response_selector.faq` of the message), or the one a
button names (`/faq{"knowledge_topic": "<id>"}`, offered below). When the two best topics are
within `CLOSE_MARGIN` of each other, both are offered as buttons, one tap answering either: buttons stay in the
thread (a Messenger button template; the web chat's buttons), where quick replies would be replaced by the next
message's, such as a form asking its question again after the answer.
The answer is the topic's, in the conversation's language, its {facts} (from the core bank's
GET /v1/bank/facts, kept `FACTS_TTL_SECONDS`) written the customer's way (bot/knowledge/render.py,
with the conversation's Presentation); the topic's follow-ups come after it as quick replies.
"""
from __future__ import annotations

import asyncio
import time
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.banking import UNAVAILABLE, BankError, core_bank
from actions.identity import asks_for_a_new_code
from actions.text.locale import Presentation
from actions.text.titles import fitting_title
from bot.knowledge.render import fill
from bot.knowledge.topics import RETRIEVAL_INTENT, Topic, fact_names_in, load_topics, split_id

CLOSE_MARGIN = 0.15  # the second topic's confidence within this of the first's: both are offered
FACTS_TTL_SECONDS = 60.0
TOPIC_ENTITY = "knowledge_topic"


@lru_cache(maxsize=1)
def topics() -> Dict[str, Topic]:
    """The topics of data/knowledge/ (read once per process: a content change is trained and deployed)."""
    return {topic.id: topic for topic in load_topics()}


class FactsCache:
    """The bank's facts, asked for again after `ttl` seconds (facts change rarely; every answer needs them)."""

    def __init__(self, ttl: float = FACTS_TTL_SECONDS, clock=time.monotonic) -> None:
        self._ttl, self._clock = ttl, clock
        self._facts: Optional[Dict[str, Any]] = None
        self._fetched = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> Dict[str, Any]:
        async with self._lock:
            if self._facts is None or self._clock() - self._fetched > self._ttl:
                self._facts = await core_bank().bank_facts()
                self._fetched = self._clock()
            return self._facts


FACTS = FactsCache()


def chosen_topics(message: Dict[str, Any], known: Dict[str, Topic]) -> List[str]:
    """The topic ids to answer with: one, or two when they are close; none when nothing known was selected."""
    tapped = [e.get("value") for e in message.get("entities") or [] if e.get("entity") == TOPIC_ENTITY]
    if tapped:
        return [tapped[0]] if tapped[0] in known else []
    selection = (message.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}
    ranking = [r for r in selection.get("ranking") or [] if split_id(r.get("intent_response_key", ""))[1] in known]
    ids = [split_id(r["intent_response_key"])[1] for r in ranking]
    if len(ranking) >= 2 and ranking[0]["confidence"] - ranking[1]["confidence"] < CLOSE_MARGIN:
        return ids[:2]
    return ids[:1]


def answer_text(topic: Topic, facts: Dict[str, Any], shown_as: Presentation) -> str:
    return fill(topic.wording(shown_as.language).answer, facts, shown_as.language, shown_as.number_locale)


def follow_up_replies(topic: Topic, shown_as: Presentation) -> List[Dict[str, str]]:
    return [{"title": shown_as.text(f"knowledge.follow_up.{name}"), "payload": f"/{name}"} for name in topic.follow_ups]


def choice_buttons(choices: List[Topic], shown_as: Presentation) -> List[Dict[str, str]]:
    return [{"title": fitting_title(topic.wording(shown_as.language).questions),
             "payload": f'/{RETRIEVAL_INTENT}{{"{TOPIC_ENTITY}":"{topic.id}"}}'} for topic in choices]


class ActionAnswerQuestion(Action):
    def name(self) -> Text:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        known = topics()
        chosen = [known[i] for i in chosen_topics(tracker.latest_message, known)]
        shown_as = Presentation.from_tracker(tracker)
        if not chosen:
            dispatcher.utter_message(response="utter_out_of_scope")
            return []
        if len(chosen) == 2:
            first, second = (topic.wording(shown_as.language).questions[0] for topic in chosen)
            dispatcher.utter_message(text=shown_as.text("knowledge.which_one", first=first, second=second),
                                     buttons=choice_buttons(chosen, shown_as))
            return []
        if asks_for_a_new_code(tracker):  # the identity form sends one and says so, rather than "ask for a new code"
            return []
        topic = chosen[0]
        facts: Dict[str, Any] = {}
        if fact_names_in(topic.wording(shown_as.language).answer):
            try:
                facts = await FACTS.get()
            except BankError as error:
                dispatcher.utter_message(
                    response="utter_bank_unavailable" if error.code == UNAVAILABLE else "utter_something_went_wrong")
                return []
        replies = follow_up_replies(topic, shown_as)
        dispatcher.utter_message(text=answer_text(topic, facts, shown_as), **({"quick_replies": replies} if replies else {}))
        return []
