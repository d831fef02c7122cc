"""A satisfaction score typed instead of tapped ("5", "4/5", "3 étoiles"), read as the tap on that score.

After a handoff the customer is offered five score chips (bot/handoff/csat.py). Many type the digit instead: it went
to the dialogue ("not sure what that's for") and the score was lost. A typed score counts as the tap when this
customer's latest survey that went is unanswered and its chip for that score was offered to them (the offered-payload
store: the same check a tap passes); anything else is text for the dialogue, as before. Used by the web chat and
Messenger channels (Messenger's survey template is answered by Meta's own screen; its fallback is the chips).
"""
from __future__ import annotations

from typing import Optional

from bot.channels.offered_payloads import OfferedPayloadStore
from bot.handoff.csat import CsatAnswers, score_payload, typed_score


async def typed_score_tap(recipient_id: str, text: str, csat: Optional[CsatAnswers],
                          offered: OfferedPayloadStore) -> Optional[str]:
    """The survey chip's payload `text` stands for, or None when it is no score for an open, offered survey."""
    score = typed_score(text)
    if score is None or csat is None:
        return None
    survey_id = await csat.open_survey(recipient_id)
    if survey_id is None:
        return None
    payload = score_payload(survey_id, score)
    return payload if await offered.was_offered(recipient_id, payload) else None
