"""A satisfaction score typed instead of tapped ("5", "4/5", "3 étoiles"), read as the tap on that score.

After a handoff the customer is offered five score chips (bot/handoff/csat.py). Many type the digit instead: it went
to the dialogue ("not sure what that's for") and the score was lost. A typed score counts as the tap only when the
survey is the last thing in the conversation (its bot event, `metadata.csat_survey`, with no customer message after
it: a "5" typed later answers whatever was asked since, an amount say) and its chip for that score was offered to
this customer (the check a tap passes). Anything else is text for the dialogue, as before. Used by the web chat and
Messenger channels (Messenger's survey template is answered on Meta's own screen; its fallback is the chips).
"""
from __future__ import annotations

import logging
from typing import Any, Optional

from bot.channels.offered_payloads import OfferedPayloadStore
from bot.handoff.csat import SURVEY_METADATA_KEY, score_payload, typed_score
from bot.privacy.pseudonyms import pseudonym

logger = logging.getLogger(__name__)


async def survey_just_sent(tracker_store: Any, sender_id: str) -> Optional[int]:
    """The survey whose bot event is the conversation's latest message, or None (the customer wrote since, no
    survey, or no store to ask)."""
    if tracker_store is None:
        return None
    try:
        tracker = await tracker_store.retrieve(sender_id)
    except Exception:  # noqa: BLE001 - then the typed text goes to the dialogue, as any text
        logger.warning("Survey of %s not looked up: the tracker store failed", pseudonym(sender_id))
        return None
    for event in reversed(list(tracker.events) if tracker is not None else []):
        if event.type_name == "user":
            return None
        if event.type_name == "bot":
            survey = (event.metadata or {}).get(SURVEY_METADATA_KEY)
            return survey if isinstance(survey, int) and not isinstance(survey, bool) else None
    return None


async def typed_score_tap(sender_id: str, text: str, tracker_store: Any,
                          offered: OfferedPayloadStore) -> Optional[str]:
    """The survey chip's payload `text` stands for, or None when it is no score for the survey just sent."""
    score = typed_score(text)
    if score is None:
        return None
    survey_id = await survey_just_sent(tracker_store, sender_id)
    if survey_id is None:
        return None
    payload = score_payload(survey_id, score)
    return payload if await offered.was_offered(sender_id, payload) else None


def tracker_store_of(app: Any) -> Any:
    """The Rasa server's tracker store, from its Sanic `app` (None before the server started)."""
    return getattr(getattr(getattr(app, "ctx", None), "agent", None), "tracker_store", None)
