"""Answers to the satisfaction survey after a handoff (bot/handoff/csat.py), as Messenger delivers them.

The template's answer (`messaging_feedback`, question id `csat_<survey>`) and a tap on a score the
survey offered (`/csat{...}`) are stored against their survey; neither reaches the dialogue. Meta
shows the customer its own confirmation for the template; the channel thanks a tap.
"""
from __future__ import annotations

import logging
from typing import Awaitable, Callable, Optional

from bot.channels.messenger.webhook import MessagingEvent
from bot.handoff.csat import QUICK_REPLY, TEMPLATE, CsatAnswers, parse_score_payload, survey_of_question
from bot.privacy.pseudonyms import pseudonym

logger = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]


def feedback_job(event: MessagingEvent, csat: Optional[CsatAnswers], customer: str) -> Optional[Job]:
    """The job that stores a template answer's CSAT scores, or None when it carries none."""
    answers = [a for a in event.feedback if a.kind == "csat" and a.score is not None]
    if not answers:
        logger.info("Messenger feedback from %s without a CSAT score; ignored", customer)
        return None
    psid = event.sender_id

    async def store() -> None:
        if csat is None:
            logger.info("Messenger feedback from %s not stored: no survey store here", customer)
            return
        for answer in answers:
            await csat.store(psid, survey_of_question(answer.question_id), answer.score,  # type: ignore[arg-type]
                             answer.comment, TEMPLATE)

    return store


async def store_tap(psid: str, payload: str, csat: Optional[CsatAnswers]) -> bool:
    """Stores a tapped score; False when `payload` is no survey answer (the dialogue gets it then)."""
    parsed = parse_score_payload(payload)
    if parsed is None:
        return False
    survey_id, score = parsed
    if csat is not None:
        await csat.store(psid, survey_id, score, None, QUICK_REPLY)
    else:
        logger.info("Survey answer from %s not stored: no survey store here", pseudonym(psid))
    return True
