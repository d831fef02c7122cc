"""Rasa's replies to one Messenger user, as Send API calls within Messenger's limits.

Every payload a message offers (quick replies, postback buttons) is recorded in
the offered-payload store before the message goes, so that the tap can be
accepted (bot/channels/offered_payloads.py), and so is what the latest message
offered (latest_offer.py). `{"handover": {...}}` from
`action_handoff` is no message: with thread control on (FB_HANDOVER_ENABLED), the
thread goes to the Page Inbox (routing.py); the conversation is paused either way. In the production profile a ledger notes which
replies to an inbound message already went, so that an instance taking over a
message from one that died does not send them twice (durable_inbox.py).
"""
from __future__ import annotations

import logging
from typing import Any, Dict, Iterable, List, Optional, Protocol, Text

from rasa.core.channels.channel import OutputChannel

from bot.channels.messenger import payloads
from bot.channels.messenger.durable_inbox import ReplyLedger
from bot.channels.messenger.latest_offer import LatestOfferStore
from bot.channels.messenger.routing import Handover, refused_by_routing
from bot.channels.offered_payloads import OfferedPayloadStore
from bot.channels.spending_chart import drawn_chart
from bot.dialogue_signals import CSAT_SURVEY_KEY, HANDOVER_KEY, SPENDING_CHART_KEY
from bot.privacy.pseudonyms import pseudonym

logger = logging.getLogger(__name__)

CHANNEL_NAME = "messenger"


class MessageSender(Protocol):
    """What the channel needs from the Send API (`bot.channels.messenger.send_api.SendApi`)."""

    async def send_message(self, recipient_id: str, message: Dict[str, Any]) -> bool: ...

    async def send_action(self, recipient_id: str, action: str) -> bool: ...


class MessengerOutput(OutputChannel):
    """Sends Rasa's responses to one Messenger user through the Send API, within Messenger's limits.

    Every payload a message offers (quick replies, postback buttons) is recorded
    in `offered` before the message goes, so that the tap can be accepted.
    """

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    def __init__(
        self,
        send_api: MessageSender,
        offered: Optional[OfferedPayloadStore] = None,
        handover: Optional[Handover] = None,
        ledger: Optional[ReplyLedger] = None,
        latest: Optional[LatestOfferStore] = None,
    ) -> None:
        self.send_api = send_api
        self.offered = offered
        self.latest = latest  # what the latest message offered (latest_offer.py): a 👍 may answer a yes/no question
        self.handover = handover
        # Production profile: which replies to this inbound message already went (bot/channels/messenger/durable_inbox.py).
        self.ledger = ledger
        self.messages_sent = 0

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send_messages(recipient_id, payloads.text_messages(text))

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.send_messages(recipient_id, payloads.button_messages(text, buttons))

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.send_messages(recipient_id, payloads.quick_reply_messages(text, quick_replies))

    async def send_elements(self, recipient_id: Text, elements: Iterable[Dict[Text, Any]], **kwargs: Any) -> None:
        await self.send_messages(recipient_id, payloads.carousel_messages(elements))

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.send_messages(recipient_id, [payloads.image(image)])

    async def send_attachment(self, recipient_id: Text, attachment: Any, **kwargs: Any) -> None:
        """A Messenger attachment (`{"type": "file", "payload": {"url": ...}}`) as it is; anything else as text."""
        if isinstance(attachment, dict) and "type" in attachment:
            await self.send_messages(recipient_id, [{"attachment": attachment}])
        else:
            await self.send_text_message(recipient_id, f"Attachment: {attachment}")

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        """A Messenger `message` object written by hand: sent as it is, if Messenger would take it.

        `{"handover": {...}}` is no message: the conversation goes to people, and with the
        handover protocol on (FB_HANDOVER_ENABLED) the thread is passed to the Page Inbox.
        """
        if HANDOVER_KEY in json_message:
            await self._hand_over(recipient_id, json_message[HANDOVER_KEY])
            return
        if CSAT_SURVEY_KEY in json_message:
            await self._send_survey(recipient_id, json_message[CSAT_SURVEY_KEY])
            return
        if SPENDING_CHART_KEY in json_message:
            await self._send_chart(recipient_id, json_message[SPENDING_CHART_KEY])
            return
        await self.send_messages(recipient_id, [json_message])

    async def _send_chart(self, recipient_id: str, chart: Any) -> None:
        """The spending chart, drawn here and uploaded with its message (no URL). A chart that cannot be drawn or
        sent is logged and left out: the text before it said everything it shows."""
        send_image = getattr(self.send_api, "send_image", None)
        if send_image is None:
            logger.error("Spending chart for %s not sent: no image upload", pseudonym(recipient_id))
            return
        png = await drawn_chart(chart, recipient_id, "Messenger")
        if png is None:
            return
        if self.latest is not None:
            await self.latest.sent(recipient_id, [])
        if self.ledger is not None:
            index, new = await self.ledger.next_is_new()
            if not new:
                self.messages_sent += 1
                return
            if await send_image(recipient_id, png):
                await self.ledger.sent(index)
        else:
            await send_image(recipient_id, png)
        self.messages_sent += 1

    async def _send_survey(self, recipient_id: str, survey: Any) -> None:
        """The satisfaction survey (bot/handoff/csat.py): Meta's customer feedback template, and its quick-reply
        fallback when our validator or Meta refuses the template. A RESPONSE, like every bot message."""
        if not isinstance(survey, dict):
            logger.error("A survey for %s that is not an object was not sent", pseudonym(recipient_id))
            return
        template, fallback = survey.get("template"), survey.get("fallback")
        problem = payloads.message_problem(template) if template is not None else "no template"
        if problem is None:
            if self.latest is not None:
                await self.latest.sent(recipient_id, [])
            if await self.send_api.send_message(recipient_id, template):
                self.messages_sent += 1
                return
            logger.warning("Meta refused the feedback template for %s; sending the quick replies instead",
                           pseudonym(recipient_id))
        else:
            logger.error("Feedback template for %s not sent (%s); sending the quick replies instead",
                         pseudonym(recipient_id), problem)
        if isinstance(fallback, dict):
            await self.send_messages(recipient_id, [fallback])

    async def _hand_over(self, recipient_id: str, details: Any) -> None:
        if self.handover is None or not self.handover.enabled:
            return  # the bot stays in the thread, paused; staff answer through it
        reason = str(details.get("reason", "")) if isinstance(details, dict) else ""
        result = await self.handover.pass_thread_control(recipient_id, metadata=reason[:1000])
        if refused_by_routing(result):  # the operators' error was logged by the Handover client
            logger.warning("Handover to the Page Inbox refused for %s by the page's Conversation Routing: the "
                           "conversation stays with the bot, paused, for staff in the console", pseudonym(recipient_id))
        elif not result.ok:
            logger.warning("Handover to the Page Inbox failed for %s: %s", pseudonym(recipient_id), result.description)

    async def send_messages(self, recipient_id: str, messages: List[Dict[str, Any]]) -> None:
        """Sends `messages` in order; one Messenger would refuse is logged and left out."""
        for message in messages:
            problem = payloads.message_problem(message)
            if problem:
                logger.error("Messenger message for %s not sent: %s", pseudonym(recipient_id), problem)
                continue
            offered = payloads.offered_payloads(message)
            if offered and self.offered is not None:
                await self.offered.record(recipient_id, offered)
            if self.latest is not None:
                await self.latest.sent(recipient_id, offered)
            if self.ledger is None:
                await self.send_api.send_message(recipient_id, message)
            else:
                index, new = await self.ledger.next_is_new()
                if not new:  # sent before this instance took over the message
                    self.messages_sent += 1
                    continue
                if await self.send_api.send_message(recipient_id, message):
                    await self.ledger.sent(index)
            self.messages_sent += 1
