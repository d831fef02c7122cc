"""A satisfaction survey (CSAT, 1 to 5) after each handoff, and the customer's one answer.

When a handoff ends (an advisor hands back in the console, the idle sweep closes it, or the Page Inbox
gives the thread back: bot/handoff/staff_desk.py, thread_control.py), `CsatSender.offer` sends the
customer ONE survey (from the console, only when an advisor's message reached the customer: a request withdrawn,
or handed back or closed with no reply, asks nobody to rate help that never came), as the system: a bot event appended through Rasa's HTTP API with
`execute_side_effects` and the handoff's channel as `output_channel` (the path of the "back" note,
rasa_control.py), so the Rasa server's own output channel sends it and records the payloads it offers.

- Messenger: Meta's customer feedback template (`customer_feedback`: one screen, one `csat` question
  with an optional free-form comment), sent by MessengerOutput as a RESPONSE (never HUMAN_AGENT); when
  Meta refuses it, the same question as five quick replies (`/csat{"score": 4, "survey": 12}`).
- Web chat: the question with five quick replies, the same payloads (chips that go once one is tapped: a
  score is given once; buttons would stay in the thread).

Only within 24 hours of the customer's last message (Messenger's standard window, applied to both
channels): otherwise, or when Rasa cannot be reached, the survey is recorded `not_sent` with the reason.
The `csat_surveys` row is written first (one per handoff, a unique index), so two processes ending the
same handoff send one survey.

Answers come to the Rasa server's channels, never to the dialogue: Messenger's `messaging_feedback`
webhook (the template; question id `csat_<survey id>`), or a tap on a score the bot offered to that
customer (bot/channels/offered_payloads.py: a payload never offered is typed text, as always). The
channel stores it (`CsatAnswers`) and, for a tap, thanks the customer. Why in the channel rather than
an intent, a rule and a custom action: the score is data for the console, not a turn of the
conversation; the channel already knows the tap was offered; and the model needs no new intent. The
first answer to a survey is kept; a repeated delivery (Meta retries, a second tap) stores nothing more.
The comment is masked (bot/privacy/masking.py) before it is stored.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Callable, Dict, List, Optional, Tuple

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot import messages
from bot.branch_db import session_factory
from bot.channels.limits import MAX_TEXT
from bot.clock import Clock, utc_now
from bot.db_migrations import ensure_upgraded
from bot.dialogue_signals import CSAT_SURVEY_KEY as SURVEY_KEY
from bot.handoff.conversation import last_customer_message_at
from bot.handoff.models import SURVEY_NOT_SENT, SURVEY_PENDING, SURVEY_SENT, CsatSurvey
from bot.privacy.masking import mask_sensitive
from bot.privacy.pseudonyms import pseudonym

logger = logging.getLogger(__name__)

MESSENGER, SOCKETIO = "messenger", "socketio"
CSAT_COMMAND = "/csat"
SCORES = (1, 2, 3, 4, 5)
WINDOW = timedelta(hours=24)
# The survey's words are in bot/messages/<language>.yml (csat.*), in the conversation's language; these are the
# English ones. Meta's limits: template title 65 characters, subtitle 80, button 20 (our reading of Meta's page;
# it names no limit we could confirm), question title 65.
QUESTION = messages.text("csat.question")
THANKS = messages.text("csat.thanks")
TEMPLATE_TITLE = messages.text("csat.template_title")
TEMPLATE_SUBTITLE = messages.text("csat.template_subtitle")
TEMPLATE_BUTTON = messages.text("csat.template_button")
QUESTION_TITLE = messages.text("csat.question_title")
COMMENT_PLACEHOLDER = messages.text("csat.comment_placeholder")
EXPIRES_IN_DAYS = 1  # Meta: 1 to 7; the bot may write for 24 h anyway
SCORE_LABELS = {1: "1 😞", 2: "2", 3: "3", 4: "4", 5: "5 😀"}
NOT_SENT_OUTSIDE_WINDOW = "more than 24 hours since the customer's last message"
TEMPLATE, QUICK_REPLY, BUTTON = "template", "quick_reply", "button"

_QUESTION_ID = re.compile(r"^csat_(\d{1,18})$")


# -- the messages ---------------------------------------------------------------------------------

def score_payload(survey_id: int, score: int) -> str:
    return f"{CSAT_COMMAND}{json.dumps({'score': score, 'survey': survey_id})}"


def parse_score_payload(payload: Optional[str]) -> Optional[Tuple[int, int]]:
    """(survey id, score) of a `/csat{"score": 4, "survey": 12}` payload; None for any other text."""
    if not payload or not payload.startswith(CSAT_COMMAND + "{"):
        return None
    try:
        data = json.loads(payload[len(CSAT_COMMAND):])
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    score, survey = data.get("score"), data.get("survey")
    if not _whole(score) or score not in SCORES or not _whole(survey) or survey <= 0:
        return None
    return survey, score


def question_id(survey_id: int) -> str:
    return f"csat_{survey_id}"


def survey_of_question(value: Any) -> Optional[int]:
    match = _QUESTION_ID.match(str(value or ""))
    return int(match.group(1)) if match else None


def messenger_template(
    survey_id: int, privacy_url: str, expires_in_days: int = EXPIRES_IN_DAYS, language: Optional[str] = None
) -> Dict[str, Any]:
    """Meta's customer feedback template: one screen, one CSAT question (five stars) with an optional comment."""
    return {"attachment": {"type": "template", "payload": {
        "template_type": "customer_feedback",
        "title": messages.text("csat.template_title", language),
        "subtitle": messages.text("csat.template_subtitle", language),
        "button_title": messages.text("csat.template_button", language),
        "feedback_screens": [{"questions": [{
            "id": question_id(survey_id),
            "type": "csat",
            "title": messages.text("csat.question_title", language),
            "score_label": "neg_pos",
            "score_option": "five_stars",
            "follow_up": {"type": "free_form", "placeholder": messages.text("csat.comment_placeholder", language)},
        }]}],
        "business_privacy": {"url": privacy_url},
        "expires_in_days": expires_in_days,
    }}}


_TYPED_SCORE = re.compile(r"^\s*([1-5])\s*(?:/\s*5|sur\s*5|out\s+of\s+5|[ée]toiles?|stars?|⭐+)?\s*[.!]*\s*$",
                          re.IGNORECASE)


def typed_score(text: Optional[str]) -> Optional[int]:
    """The score a customer typed instead of tapping: "5", "4/5", "3 étoiles", "2 stars"; None for anything else."""
    match = _TYPED_SCORE.match(text or "")
    return int(match.group(1)) if match else None


def score_choices(survey_id: int) -> List[Dict[str, str]]:
    return [{"title": SCORE_LABELS[score], "payload": score_payload(survey_id, score)} for score in SCORES]


def messenger_fallback(survey_id: int, language: Optional[str] = None) -> Dict[str, Any]:
    """The question as five quick replies, for when Meta refuses the template."""
    return {"text": messages.text("csat.question", language), "quick_replies": [
        {"content_type": "text", **choice} for choice in score_choices(survey_id)
    ]}


SURVEY_METADATA_KEY = "csat_survey"  # the survey's bot event names its survey (bot/channels/typed_scores.py reads it)


def survey_event(survey_id: int, channel: str, privacy_url: str, language: Optional[str] = None) -> Dict[str, Any]:
    """The Rasa bot event that carries the survey to `channel`'s output (execute_side_effects), in `language`."""
    metadata = {SURVEY_METADATA_KEY: survey_id}
    if channel == MESSENGER:
        # No `text`: Rasa would send it as a message of its own before the custom JSON.
        custom = {SURVEY_KEY: {"template": messenger_template(survey_id, privacy_url, language=language),
                               "fallback": messenger_fallback(survey_id, language)}}
        return {"event": "bot", "text": None, "data": {"custom": custom}, "metadata": metadata}
    if channel == SOCKETIO:
        return {"event": "bot", "text": messages.text("csat.question", language),
                "data": {"quick_replies": score_choices(survey_id)}, "metadata": metadata}
    raise ValueError(f"no survey for channel {channel!r}")


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# -- the table ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SurveyView:
    id: int
    handoff_id: int
    conversation_id: str
    channel: str
    agent: Optional[str]
    status: str
    detail: str
    created_at: datetime
    score: Optional[int]
    comment: Optional[str]
    answered_at: Optional[datetime]
    answered_via: Optional[str]


@dataclass(frozen=True)
class AdvisorCsat:
    """One advisor's answered surveys: how many, their average score; `sent` counts the surveys that went."""

    agent: Optional[str]
    average: float
    answers: int
    sent: int


def _open_survey(conversation_id: str) -> Any:
    """The conversation's latest survey that went and has no answer yet: a query for its id."""
    return (select(CsatSurvey.id).where(CsatSurvey.conversation_id == conversation_id,
                                        CsatSurvey.status == SURVEY_SENT, CsatSurvey.score.is_(None))
            .order_by(CsatSurvey.id.desc()).limit(1))


class CsatSurveys:
    """The `csat_surveys` table of the branch database."""

    def __init__(self, sessions: sessionmaker, *, clock: Clock = utc_now, create_tables: bool = True) -> None:
        self._sessions = sessions
        self._clock = clock
        if create_tables:
            ensure_upgraded("branch", sessions.kw["bind"].url)

    @classmethod
    def from_url(cls, url: str) -> "CsatSurveys":
        return cls(session_factory(url))

    def begin(self, handoff_id: int, conversation_id: str, channel: str, agent: Optional[str]) -> Optional[int]:
        """A new survey for the handoff, `pending`; None when it has one already (one survey per handoff)."""
        row = CsatSurvey(handoff_id=handoff_id, conversation_id=conversation_id, channel=channel, agent=agent,
                         status=SURVEY_PENDING, detail="", created_at=self._clock())
        try:
            with self._sessions.begin() as session:
                session.add(row)
                session.flush()
                return int(row.id)
        except IntegrityError:
            return None

    def settle(self, survey_id: int, status: str, detail: str = "") -> None:
        """The survey went (`sent`) or did not (`not_sent`, with why)."""
        if status not in (SURVEY_SENT, SURVEY_NOT_SENT):
            raise ValueError(f"status must be sent or not_sent, not {status!r}")
        with self._sessions.begin() as session:
            session.execute(update(CsatSurvey).where(CsatSurvey.id == survey_id)
                            .values(status=status, detail=mask_sensitive(detail)[:MAX_TEXT])
                            .execution_options(synchronize_session=False))

    def answer(self, conversation_id: str, survey_id: Optional[int], score: int, comment: Optional[str],
               via: str) -> Optional[int]:
        """Stores the customer's answer; the survey's id, or None when nothing was stored.

        Nothing is stored for a score outside 1 to 5, a survey of another conversation, or a survey
        answered already (the first answer is kept). Without `survey_id`: the conversation's latest
        survey that went and has no answer.
        """
        if not _whole(score) or score not in SCORES:
            return None
        text = mask_sensitive(comment.strip())[:MAX_TEXT] if comment and comment.strip() else None
        with self._sessions.begin() as session:
            if survey_id is None:
                survey_id = session.scalar(_open_survey(conversation_id))
                if survey_id is None:
                    return None
            stored = session.execute(
                update(CsatSurvey).where(CsatSurvey.id == survey_id, CsatSurvey.conversation_id == conversation_id,
                                         CsatSurvey.status != SURVEY_NOT_SENT, CsatSurvey.score.is_(None))
                .values(score=score, comment=text, answered_at=self._clock(), answered_via=via)
                .execution_options(synchronize_session=False)
            ).rowcount
        return survey_id if stored == 1 else None

    def get(self, survey_id: int) -> Optional[SurveyView]:
        with self._sessions() as session:
            row = session.get(CsatSurvey, survey_id)
            return _view(row) if row is not None else None

    def for_handoff(self, handoff_id: int) -> Optional[SurveyView]:
        with self._sessions() as session:
            row = session.scalar(select(CsatSurvey).where(CsatSurvey.handoff_id == handoff_id))
            return _view(row) if row is not None else None

    def not_sent(self) -> int:
        with self._sessions() as session:
            return int(session.scalar(select(func.count(CsatSurvey.id))
                                      .where(CsatSurvey.status == SURVEY_NOT_SENT)) or 0)

    def by_advisor(self) -> List[AdvisorCsat]:
        """Per advisor (None: nobody took the conversation), the answers' average and count; best first."""
        with self._sessions() as session:
            rows = session.execute(
                select(CsatSurvey.agent, func.avg(CsatSurvey.score), func.count(CsatSurvey.score),
                       func.count(CsatSurvey.id))
                .where(CsatSurvey.status == SURVEY_SENT).group_by(CsatSurvey.agent)
            ).all()
        found = [AdvisorCsat(agent, round(float(avg), 2) if avg is not None else 0.0, int(answers), int(sent))
                 for agent, avg, answers, sent in rows]
        return sorted(found, key=lambda a: (a.answers == 0, a.agent is None, a.agent or ""))


def _view(row: CsatSurvey) -> SurveyView:
    return SurveyView(row.id, row.handoff_id, row.conversation_id, row.channel, row.agent, row.status, row.detail,
                      row.created_at, row.score, row.comment, row.answered_at, row.answered_via)


# -- sending (web service, and the Rasa server for the Page Inbox) ------------------------------------

class CsatSender:
    """Sends the survey of a handoff that ended; see the module's docstring."""

    def __init__(self, surveys: Callable[[], CsatSurveys], rasa: Any, privacy_url: str,
                 clock: Clock = utc_now) -> None:
        self._surveys = surveys  # called when first needed: the branch database is opened lazily
        self.rasa = rasa  # bot.handoff.rasa_control.RasaControl
        self.privacy_url = privacy_url
        self._clock = clock

    async def offer(self, handoff_id: int, conversation_id: str, channel: str, agent: Optional[str]) -> Optional[str]:
        """`sent`, `not_sent`, or None when the handoff had its survey already. Never raises for Rasa or Meta."""
        from bot.handoff.rasa_control import RasaControlError

        if channel not in (MESSENGER, SOCKETIO):
            return None
        surveys = self._surveys()
        survey_id = await asyncio.to_thread(surveys.begin, handoff_id, conversation_id, channel, agent)
        if survey_id is None:
            return None
        who = pseudonym(conversation_id)
        try:
            events = await self.rasa.events(conversation_id)
            last = last_customer_message_at(events)
            if last is None or self._clock() - last > WINDOW:
                logger.info("CSAT survey %s for %s not sent: %s", survey_id, who, NOT_SENT_OUTSIDE_WINDOW)
                await asyncio.to_thread(surveys.settle, survey_id, SURVEY_NOT_SENT, NOT_SENT_OUTSIDE_WINDOW)
                return SURVEY_NOT_SENT
            await self.rasa.send_system_event(conversation_id, channel,
                                              survey_event(survey_id, channel, self.privacy_url,
                                                           messages.language_from_events(events)))
        except RasaControlError as exc:
            logger.warning("CSAT survey %s for %s not sent: %s", survey_id, who, exc)
            await asyncio.to_thread(surveys.settle, survey_id, SURVEY_NOT_SENT, f"Rasa: {exc}")
            return SURVEY_NOT_SENT
        await asyncio.to_thread(surveys.settle, survey_id, SURVEY_SENT)
        logger.info("CSAT survey %s sent to %s (%s)", survey_id, who, channel)
        return SURVEY_SENT


# -- answers (the Rasa server's channels) -------------------------------------------------------------

class CsatAnswers:
    """What the channels call with an answer; stores it in a worker thread, off the event loop."""

    def __init__(self, surveys: Callable[[], CsatSurveys]) -> None:
        self._surveys = surveys

    async def store(self, conversation_id: str, survey_id: Optional[int], score: int, comment: Optional[str],
                    via: str) -> bool:
        try:
            stored = await asyncio.to_thread(self._surveys().answer, conversation_id, survey_id, score, comment, via)
        except Exception as exc:  # noqa: BLE001 - a lost score must not break the conversation
            logger.error("CSAT answer of %s not stored: %s", pseudonym(conversation_id), type(exc).__name__)
            return False
        if stored is None:
            logger.info("CSAT answer of %s not stored (answered already, unknown or not theirs)",
                        pseudonym(conversation_id))
            return False
        logger.info("CSAT answer to survey %s stored (%s)", stored, via)
        return True


@lru_cache(maxsize=1)
def default_surveys() -> CsatSurveys:
    """The process's survey table, on BRANCH_DATABASE_URL."""
    from bot.settings import get_settings

    return CsatSurveys.from_url(get_settings().branch_database_url)


def default_answers() -> CsatAnswers:
    return CsatAnswers(default_surveys)
