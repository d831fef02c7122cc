"""The Messenger channel: Meta's webhook in, the Send API out.

Registered in credentials.yml as `bot.channels.messenger.MessengerInput`; its
webhook is `/webhooks/messenger/webhook`. Settings come from bot/settings.py.

Unlike Rasa's built-in `facebook` channel it checks `X-Hub-Signature-256`,
handles every event of a batch, answers Meta at once and runs the dialogue in
the background (one sender's messages strictly in order), and processes a
message id once, whatever Meta retries.

What reaches Rasa: typed text (never as a command), and the payload of a quick
reply or button the bot offered to that customer (or of the page's menu). A
payload that was not offered is read as typed text. Attachments get a polite
answer; standby events (another app owns the thread), handover notifications,
reactions, edits and anything new are logged and acknowledged, never answered.
"""
from __future__ import annotations

import hmac
import json
import logging
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Protocol, Text, Tuple

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import messenger_payloads as payloads
from bot.channels.meta_webhook import (
    IGNORED_KINDS,
    SIGNATURE_HEADER,
    EventKind,
    MalformedWebhook,
    MessagingEvent,
    is_page_batch,
    messaging_events,
    signature_is_valid,
)
from bot.channels.offered_payloads import (
    ALWAYS_OFFERED,
    InMemoryOfferedPayloads,
    OfferedPayloadStore,
    is_always_offered,
)
from bot.channels.graph_api import RetryPolicy
from bot.channels.handover import HANDOVER_KEY, Handover
from bot.channels.messaging_window import MessagingWindowStore
from bot.channels.send_api import SendApi
from bot.channels.seen_messages import SeenMessageIds
from bot.channels.sender_queues import SenderQueues
from bot.channels.typed_text import as_typed_text
from bot.pseudonyms import pseudonym
from bot.settings import Settings, get_settings

logger = logging.getLogger(__name__)

__all__ = ["ALWAYS_OFFERED", "MessengerInput", "MessengerOutput", "attachment_reply"]

CHANNEL_NAME = "messenger"

ATTACHMENT_REPLY = (
    "Thanks! I can only read text for now, so please type your question. "
    "For your safety, never send photos of your card or of your documents in this chat."
)
VOICE_REPLY = "Thanks! I can't listen to voice messages yet, so please type your question."
LOCATION_REPLY = "Thanks for sharing your location. I can't use it yet, so please type your question."
STICKER_REPLY = "Nice sticker! I can only read text, though, so please type your question."
LIKE_REPLY = "👍 Glad to help! Type your question whenever you need me."


class MessageSender(Protocol):
    """What the channel needs from the Send API (`bot.channels.send_api.SendApi`)."""

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
    ) -> None:
        self.send_api = send_api
        self.offered = offered
        self.handover = handover
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
        await self.send_messages(recipient_id, [json_message])

    async def _hand_over(self, recipient_id: str, details: Any) -> None:
        if self.handover is None or not self.handover.enabled:
            return  # the bot stays in the thread, paused; staff answer through it (issue 5)
        reason = str(details.get("reason", "")) if isinstance(details, dict) else ""
        result = await self.handover.pass_thread_control(recipient_id, metadata=reason[:1000])
        if not result.ok:
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
            await self.send_api.send_message(recipient_id, message)
            self.messages_sent += 1


OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
# (psid, webhook field such as "pass_thread_control", app id the thread goes to or that asks for it)
ThreadControlHook = Callable[[str, str, Optional[str]], Awaitable[None]]
StandbyHook = Callable[[MessagingEvent], Awaitable[None]]


class MessengerInput(InputChannel):
    """Receives Meta's webhook for a Facebook page.

    Hooks for the handoff (issue 5), called in the customer's queue, once per event:
    `on_thread_control(psid, kind, app_id)` for pass / take / request thread control,
    `on_standby(event)` for what happens while another app owns the thread.
    """

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "MessengerInput":
        # Secrets are settings (environment / .env), never values in credentials.yml.
        return cls(get_settings())

    def __init__(
        self,
        settings: Settings,
        send_api: Optional[MessageSender] = None,
        offered: Optional[OfferedPayloadStore] = None,
    ) -> None:
        self.settings = settings
        self.send_api: MessageSender = send_api or SendApi(
            settings.fb_graph_api_url, settings.fb_page_access_token, settings.send_api_timeout_seconds,
            retry=RetryPolicy.from_settings(settings),
        )
        # When each customer last wrote, for the Send API's messaging windows (the real SendApi has one).
        self.windows: Optional[MessagingWindowStore] = getattr(self.send_api, "windows", None)
        self.offered: OfferedPayloadStore = offered if offered is not None else InMemoryOfferedPayloads()
        self.handover = Handover.from_settings(settings, graph=getattr(self.send_api, "graph", None))
        self.seen = SeenMessageIds()
        self.queues = SenderQueues()
        self.standby_events = 0
        self.on_standby: Optional[StandbyHook] = None
        self.on_thread_control: Optional[ThreadControlHook] = None

    def get_output_channel(self) -> OutputChannel:
        return MessengerOutput(self.send_api, self.offered, self.handover)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint("messenger_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def verify_subscription(request: Request) -> HTTPResponse:
            return self._verify_subscription(request)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return self.receive_webhook(request.body or b"", request.headers.get(SIGNATURE_HEADER), on_new_message)

        return webhook

    def _verify_subscription(self, request: Request) -> HTTPResponse:
        """Meta's handshake: echo `hub.challenge` when mode and token are right."""
        mode = request.args.get("hub.mode")
        token = request.args.get("hub.verify_token") or ""
        challenge = request.args.get("hub.challenge") or ""
        expected = self.settings.fb_verify_token
        if mode == "subscribe" and hmac.compare_digest(token.encode(), expected.encode()):
            return response.text(challenge)
        logger.warning("Messenger subscription refused: wrong mode or verify token")
        return _error(403, "forbidden", "verification failed")

    def receive_webhook(self, body: bytes, signature: Optional[str], on_new_message: OnNewMessage) -> HTTPResponse:
        """Checks and queues one webhook POST; the answer goes back to Meta at once.

        Must run in the event loop: the dialogue for each event is queued as a task.
        """
        if not signature_is_valid(body, signature, self.settings.fb_app_secret):
            logger.warning("Messenger webhook refused: missing or wrong %s", SIGNATURE_HEADER)
            return _error(403, "forbidden", f"missing or invalid {SIGNATURE_HEADER}")
        try:
            batch = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return _error(400, "invalid_request", "the body is not JSON")
        if not is_page_batch(batch):
            return _error(404, "not_found", "only page subscriptions are handled")
        try:
            events = list(messaging_events(batch))
        except MalformedWebhook as exc:
            return _error(400, "invalid_request", str(exc))

        for event in events:
            self._dispatch(event, on_new_message)
        # Meta wants its 200 fast; the dialogue runs in the background.
        return response.text("EVENT_RECEIVED")

    def _dispatch(self, event: MessagingEvent, on_new_message: OnNewMessage) -> None:
        customer = pseudonym(event.customer_id) if event.customer_id else "nobody"
        if event.standby:
            self._record_standby(event, customer)
            return
        if event.kind in IGNORED_KINDS:
            return
        if event.kind == EventKind.HANDOVER:
            self._thread_control(event, customer)
            return
        if event.kind in (EventKind.REACTION, EventKind.MESSAGE_EDIT, EventKind.OTHER):
            logger.info(
                "Messenger %s event (%s) from %s acknowledged, not answered",
                event.kind.value, event.field_name or "no field", customer,
            )
            return
        if not self.seen.first_time(event.dedup_key):
            logger.info("Messenger event %s for %s seen before; skipped", event.kind.value, customer)
            return
        self.queues.submit(event.sender_id, self._handler(event, on_new_message))

    def _record_standby(self, event: MessagingEvent, customer: str) -> None:
        """Another app owns the thread (an advisor's inbox): watch, never answer, never pass to Rasa."""
        if event.kind in (EventKind.DELIVERY, EventKind.READ) or not self.seen.first_time(event.dedup_key):
            return
        self.standby_events += 1
        logger.info("Messenger standby %s event for %s; another app owns the thread", event.kind.value, customer)
        if not event.customer_id:
            return
        hook = self.on_standby

        async def record() -> None:
            if event.kind != EventKind.ECHO:
                await self._customer_wrote(event)
            if hook is not None:
                await hook(event)

        self.queues.submit(event.customer_id, record)

    def _thread_control(self, event: MessagingEvent, customer: str) -> None:
        kind = event.field_name or "thread_control"
        logger.info("Messenger %s for %s (app %s)", kind, customer, event.app_id or "unknown")
        hook = self.on_thread_control
        if hook is not None and event.sender_id and self.seen.first_time(event.dedup_key):
            psid, app_id = event.sender_id, event.app_id

            async def notify() -> None:
                await hook(psid, kind, app_id)

            self.queues.submit(psid, notify)

    def _handler(self, event: MessagingEvent, on_new_message: OnNewMessage) -> Callable[[], Awaitable[None]]:
        async def handle() -> None:
            psid = event.sender_id
            await self._customer_wrote(event)
            if event.kind == EventKind.ATTACHMENT:
                await self.send_api.send_action(psid, "mark_seen")
                await self.get_output_channel().send_text_message(psid, attachment_reply(event))
                return
            text, offered = await self._text_for_rasa(event)
            if not text:
                return
            await self.send_api.send_action(psid, "mark_seen")
            await self.send_api.send_action(psid, "typing_on")  # Messenger turns it off with the next message
            output = MessengerOutput(self.send_api, self.offered, self.handover)
            metadata: Dict[str, Any] = {"page_id": event.recipient_id, "event_kind": event.kind.value}
            if offered is not None:
                metadata["payload_offered"] = offered
            await on_new_message(
                UserMessage(
                    text, output, psid, input_channel=CHANNEL_NAME, message_id=event.message_id, metadata=metadata,
                )
            )
            if output.messages_sent == 0:  # the bot chose silence (e.g. an advisor has the conversation)
                await self.send_api.send_action(psid, "typing_off")

        return handle

    async def _customer_wrote(self, event: MessagingEvent) -> None:
        """Opens the customer's messaging window (24 h for the bot, 7 days for staff) at the event's time."""
        if self.windows is None:
            return
        now = datetime.now(timezone.utc)
        try:
            at = datetime.fromtimestamp(event.timestamp / 1000, timezone.utc) if event.timestamp > 0 else now
        except (OverflowError, OSError, ValueError):
            at = now
        await self.windows.customer_wrote(event.sender_id, min(at, now))

    async def _text_for_rasa(self, event: MessagingEvent) -> Tuple[Optional[str], Optional[bool]]:
        """The text Rasa gets, and for a tap whether its payload was one the bot offered."""
        if event.kind in (EventKind.QUICK_REPLY, EventKind.POSTBACK):
            payload = event.payload or ""
            if payload and (is_always_offered(payload) or await self.offered.was_offered(event.sender_id, payload)):
                return payload, True  # a button the bot offered: its payload may be an `/intent`
            logger.warning(
                "Messenger %s from %s carries a payload the bot never offered; read as typed text",
                event.kind.value, pseudonym(event.sender_id),
            )
            return as_typed_text(event.text or payload), False
        if event.kind == EventKind.TEXT and event.text:
            return as_typed_text(event.text), None  # typed text is never read as a command
        return None, None


def attachment_reply(event: MessagingEvent) -> str:
    """The polite answer to a message that is an attachment rather than text."""
    if event.is_like:
        return LIKE_REPLY
    if event.sticker_id:
        return STICKER_REPLY
    if "location" in event.attachment_types:
        return LOCATION_REPLY
    if "audio" in event.attachment_types:
        return VOICE_REPLY
    return ATTACHMENT_REPLY


def _error(status: int, code: str, message: str) -> HTTPResponse:
    return response.json({"error": {"code": code, "message": message}}, status=status)
