"""The Messenger channel: Meta's webhook in, the Send API out.

Registered in credentials.yml as `bot.channels.messenger.MessengerInput`; its
webhook is `/webhooks/messenger/webhook`. Settings come from bot/settings.py.

Unlike Rasa's built-in `facebook` channel it checks `X-Hub-Signature-256`,
handles every event of a batch, answers Meta at once and runs the dialogue in
the background (one sender's messages strictly in order), and processes a
message id once, whatever Meta retries.
"""
from __future__ import annotations

import hmac
import json
import logging
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text

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
from bot.channels.send_api import SendApi
from bot.channels.seen_messages import SeenMessageIds
from bot.channels.sender_queues import SenderQueues
from bot.channels.typed_text import as_typed_text
from bot.pseudonyms import pseudonym
from bot.settings import Settings, get_settings

logger = logging.getLogger(__name__)

CHANNEL_NAME = "messenger"
ATTACHMENT_REPLY = "Thanks! I can only read text for now. Please type your question."


class MessengerOutput(OutputChannel):
    """Sends Rasa's responses to one Messenger user through the Send API."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    def __init__(self, send_api: SendApi) -> None:
        self.send_api = send_api

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send_api.send_message(recipient_id, payloads.text(text))

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        for message in payloads.buttons(text, buttons):
            await self.send_api.send_message(recipient_id, message)

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.send_api.send_message(recipient_id, payloads.quick_replies(text, quick_replies))

    async def send_elements(self, recipient_id: Text, elements: Iterable[Dict[Text, Any]], **kwargs: Any) -> None:
        await self.send_api.send_message(recipient_id, payloads.generic_template(list(elements)))

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.send_api.send_message(recipient_id, payloads.image(image))

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await self.send_api.send_message(recipient_id, json_message)


OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class MessengerInput(InputChannel):
    """Receives Meta's webhook for a Facebook page."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "MessengerInput":
        # Secrets are settings (environment / .env), never values in credentials.yml.
        return cls(get_settings())

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.send_api = SendApi(
            settings.fb_graph_api_url, settings.fb_page_access_token, settings.send_api_timeout_seconds
        )
        self.seen = SeenMessageIds()
        self.queues = SenderQueues()

    def get_output_channel(self) -> OutputChannel:
        return MessengerOutput(self.send_api)

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
            return self._receive(request, on_new_message)

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

    def _receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        body = request.body or b""
        if not signature_is_valid(body, request.headers.get(SIGNATURE_HEADER), self.settings.fb_app_secret):
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
            if event.kind in IGNORED_KINDS:
                continue
            if not self.seen.first_time(event.dedup_key):
                logger.info("Messenger event %s for %s seen before; skipped", event.kind.value, pseudonym(event.sender_id))
                continue
            self.queues.submit(event.sender_id, self._handler(event, on_new_message))
        # Meta wants its 200 fast; the dialogue runs in the background.
        return response.text("EVENT_RECEIVED")

    def _handler(self, event: MessagingEvent, on_new_message: OnNewMessage) -> Callable[[], Awaitable[None]]:
        async def handle() -> None:
            if event.kind == EventKind.ATTACHMENT:
                await self.send_api.send_message(event.sender_id, payloads.text(ATTACHMENT_REPLY))
                return
            text = self._text_for_rasa(event)
            if not text:
                return
            await on_new_message(
                UserMessage(
                    text,
                    self.get_output_channel(),
                    event.sender_id,
                    input_channel=CHANNEL_NAME,
                    message_id=event.message_id,
                    metadata={"page_id": event.recipient_id, "event_kind": event.kind.value},
                )
            )

        return handle

    @staticmethod
    def _text_for_rasa(event: MessagingEvent) -> Optional[str]:
        if event.kind in (EventKind.QUICK_REPLY, EventKind.POSTBACK):
            return event.payload  # a button the bot offered: its payload may be an `/intent`
        if event.kind == EventKind.TEXT and event.text:
            return as_typed_text(event.text)  # typed text is never read as a command
        return None


def _error(status: int, code: str, message: str) -> HTTPResponse:
    return response.json({"error": {"code": code, "message": message}}, status=status)
