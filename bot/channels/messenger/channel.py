"""The Messenger channel: Meta's webhook in, the Send API out.

Registered in credentials.yml as `bot.channels.messenger.channel.MessengerInput`; its
webhook is `/webhooks/messenger/webhook`. Settings come from bot/settings.py.

Unlike Rasa's built-in `facebook` channel it checks `X-Hub-Signature-256`,
handles every event of a batch, answers Meta at once and runs the dialogue in
the background (one sender's messages strictly in order), and processes a
message id once, whatever Meta retries. The webhook's event loop does nothing
else: the dialogues run in a thread and event loop of their own
(`dialogue_thread.py`), so that Rasa's synchronous NLU and policies never keep
Meta waiting for its 200.

What reaches Rasa: typed text (never as a command), and the payload of a quick
reply or button the bot offered to that customer (or of the page's menu). A
payload that was not offered is read as typed text. Attachments and stickers get
a polite answer, except Messenger's 👍 right after the bot asked yes or no: that is
the Yes (`/affirm`, if it was offered to that customer; latest_offer.py).
Thread-control notifications go to `on_thread_control`: in the Rasa server, the
Page Inbox giving a thread back ends the handoff (bot/handoff/thread_control.py).
Survey answers after a handoff are stored, never passed to the dialogue (survey_answers.py).
With FB_USER_LOCALE, a message carries the customer's profile locale as metadata `locale`
(user_locale.py: looked up once per customer, within a short timeout): the conversation's language.
Standby events (another app owns the thread), reactions, edits and anything new
are logged and acknowledged, never answered.
Customers' comments on the page's posts (`entry[].changes[]`, field `feed`) go to `page_comments.py`:
a private reply, a staff queue entry, archive rows.

A webhook body over MAX_WEBHOOK_BYTES or compressed is refused before it is read (webhook_http.py).
The channel also installs the Rasa server's HTTP guard (bot/rasa_server/http_guard.py).

Production profile (REDIS_URL set, docs/operations.md): the ids seen, the
payloads offered and the messaging windows are in Redis, shared by every
instance (`state.py`), and a message is written to the durable inbox
(`durable_inbox.py`) before Meta gets its 200; every instance runs the inbox's
messages, and those an instance that died had taken.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import uuid
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.dialogue_thread import DialogueThread, shared_dialogue_thread
from bot.channels.messenger import survey_answers
from bot.channels.messenger.durable_inbox import DurableInbox, ReplyLedger
from bot.channels.messenger.graph_api import RetryPolicy
from bot.channels.messenger.inbox_consumer import InboxConsumer
from bot.channels.messenger.latest_offer import YES, LatestOfferStore, asks_yes_or_no
from bot.channels.messenger.messaging_window import MessagingWindowStore
from bot.channels.messenger.output import CHANNEL_NAME, MessageSender, MessengerOutput
from bot.channels.messenger.page_comments import CommentResponder, OwnComments, PageComment, page_comments
from bot.channels.messenger.page_health import PageHealth
from bot.channels.messenger.router import Route, attachment_reply, route
from bot.channels.messenger.routing import Handover
from bot.channels.messenger.seen_messages import SeenMessageIds
from bot.channels.messenger.send_api import SendApi
from bot.channels.messenger.state import RedisSeenMessageIds, messenger_state, redis_client
from bot.channels.messenger.user_locale import UserLocales
from bot.channels.messenger.webhook import (
    SIGNATURE_HEADER,
    EventKind,
    MalformedWebhook,
    MessagingEvent,
    is_page_batch,
    messaging_events,
    signature_is_valid,
)
from bot.channels.messenger.webhook_http import error, read_bounded_body, verify_subscription
from bot.channels.offered_payloads import OfferedPayloadStore, is_always_offered
from bot.channels.sender_queues import SenderQueues
from bot.channels.typed_text import as_typed_text
from bot import messages
from bot.channels.typed_scores import tracker_store_of, typed_score_tap
from bot.handoff.csat import CsatAnswers
from bot.privacy.pseudonyms import pseudonym
from bot.rasa_server import http_guard
from bot.settings import Settings, get_settings

logger = logging.getLogger(__name__)

__all__ = ["MessengerInput", "MessengerOutput"]

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
# (psid, webhook field such as "pass_thread_control", app id the thread goes to or that asks for it)
ThreadControlHook = Callable[[str, str, Optional[str]], Awaitable[None]]
StandbyHook = Callable[[MessagingEvent], Awaitable[None]]

MAX_WEBHOOK_BYTES = 1024 * 1024


class MessengerInput(InputChannel):
    """Receives Meta's webhook for a Facebook page.

    Hooks for the handoff, called in the customer's queue, once per event:
    `on_thread_control(psid, kind, app_id)` for pass / take / request thread control,
    `on_standby(event)` for what happens while another app owns the thread.
    """

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "MessengerInput":
        # Secrets are settings (environment / .env), never values in credentials.yml. The Rasa server builds
        # its channels first: under BRANCH_PROFILE=production it stops here on a demo or missing secret.
        settings = get_settings()
        settings.check_for_profile()
        channel = cls(settings)
        channel.wire_handoff()
        channel.wire_comments()
        return channel

    def wire_handoff(self) -> None:
        """The Rasa server's channel: the Page Inbox giving a thread back ends the handoff (bot/handoff/thread_control.py)."""
        from bot.handoff.thread_control import ThreadControlHook  # the branch database, opened when first needed

        self.on_thread_control = ThreadControlHook.from_settings(self.settings, self.handover)
        from bot.handoff.csat import default_answers

        self.csat = default_answers()

    def wire_comments(self) -> None:
        """The Rasa server's channel: customers' page comments get a private reply, a staff queue entry and
        archive rows (page_comments.py)."""
        graph = getattr(self.send_api, "graph", None)
        if graph is None:
            logger.warning("Page comments will not be answered: the Send API client has no Graph client")
            return
        self.comments = CommentResponder.for_server(
            self.settings, graph, self._comment_seen, self._own_comments,
            sending_paused=lambda: self.health.sending_paused_until() is not None,
        )

    def __init__(
        self,
        settings: Settings,
        send_api: Optional[MessageSender] = None,
        offered: Optional[OfferedPayloadStore] = None,
    ) -> None:
        self.settings = settings
        # Embedded profile: this process's memory; production (REDIS_URL): Redis, shared by every instance.
        state = messenger_state(settings)
        self.send_api: MessageSender = send_api or SendApi(
            settings.fb_graph_api_url, settings.fb_page_access_token, settings.send_api_timeout_seconds,
            retry=RetryPolicy.from_settings(settings), windows=state.windows,
        )
        # When each customer last wrote, for the Send API's messaging windows (the real SendApi has one).
        self.windows: Optional[MessagingWindowStore] = getattr(self.send_api, "windows", None)
        self.offered: OfferedPayloadStore = offered if offered is not None else state.offered
        self.latest: LatestOfferStore = state.latest  # what the bot's latest message offered, for a 👍
        # What Meta said about the page that operators must act on (page_health.py): the health route shows it.
        self.health: PageHealth = getattr(self.send_api, "health", None) or PageHealth()
        self.handover = Handover.from_settings(settings, graph=getattr(self.send_api, "graph", None), health=self.health)
        # Standby and handover events are de-duplicated here; in production Redis is asked first.
        self.seen = SeenMessageIds()
        # The dialogues run in a loop of their own (dialogue_thread.py), once the server has started;
        # before that (and when DIALOGUE_THREAD=false) in the loop that receives the webhook.
        self.dialogue: Optional[DialogueThread] = shared_dialogue_thread() if settings.dialogue_thread else None
        self._own_queues = SenderQueues()  # used until (or unless) the dialogue thread is started
        self._dialogue_started = False
        self.shared_seen: Optional[RedisSeenMessageIds] = None
        self.inbox: Optional[DurableInbox] = None
        self._ingress_inbox: Optional[DurableInbox] = None
        self.consumer: Optional[InboxConsumer] = None
        if state.redis is not None:
            consumer = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            self.inbox = DurableInbox(
                state.redis, settings.redis_key_prefix, consumer, settings.inbox_claim_idle_seconds,
            )
            # The webhook's loop gets a Redis client of its own: a connection serves one event loop only.
            ingress = redis_client(settings.redis_url) if self.dialogue is not None else state.redis
            self.shared_seen = RedisSeenMessageIds(ingress, settings.redis_key_prefix)
            self._ingress_inbox = DurableInbox(
                ingress, settings.redis_key_prefix, consumer, settings.inbox_claim_idle_seconds,
            )
            self.consumer = InboxConsumer(self.inbox, self._handler, self._submit)
        self._inbox_task: "Optional[asyncio.Future[Any]]" = None
        self.standby_events = 0
        self.on_standby: Optional[StandbyHook] = None
        self.on_thread_control: Optional[ThreadControlHook] = None
        # Page comments (`feed` changes): answered once `wire_comments` (or a test) sets a responder. The seen
        # store and the page's own comment ids are the dialogues' (in Redis in production).
        self.comments: Optional[CommentResponder] = None
        self._comment_seen = state.seen
        self._own_comments = OwnComments(state.redis, settings.redis_key_prefix)
        self.csat: Optional[CsatAnswers] = None  # stores survey answers (bot/handoff/csat.py); None: logged only
        graph = getattr(self.send_api, "graph", None)
        # The customers' profile locales (user_locale.py), when the page may read them.
        self.locales: Optional[UserLocales] = (
            UserLocales(graph, settings.fb_user_locale_timeout_ms / 1000)
            if settings.fb_user_locale and graph is not None else None
        )

    @property
    def queues(self) -> SenderQueues:
        """The sender queues where this channel's dialogues run: the dialogue thread's once started."""
        if self._dialogue_started and self.dialogue is not None:
            return self.dialogue.queues
        return self._own_queues

    def health_answer(self) -> Dict[str, Any]:
        """`GET /webhooks/messenger/`: up, and what Meta said about the page (page_health.py; the console reads it)."""
        return {"status": "ok", **self.health.as_json()}

    def get_output_channel(self) -> OutputChannel:
        return MessengerOutput(self.send_api, self.offered, self.handover, latest=self.latest)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint("messenger_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json(self.health_answer())

        @webhook.route("/webhook", methods=["GET"])
        async def verify_subscription(request: Request) -> HTTPResponse:
            return self._verify_subscription(request)

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            body = await read_bounded_body(request, MAX_WEBHOOK_BYTES)
            if isinstance(body, HTTPResponse):
                return body
            signature = request.headers.get(SIGNATURE_HEADER)
            if self.inbox is not None:
                return await self.receive_durably(body, signature, on_new_message)
            return self.receive_webhook(body, signature, on_new_message)

        @webhook.listener("before_server_start")
        async def guard_the_server(app: Any, _loop: Any) -> None:
            http_guard.install(app)

        @webhook.listener("after_server_start")
        async def start_dialogues(app: Any, _loop: Any) -> None:
            self._app = app  # its agent's tracker store knows each conversation's language
            await self.start(app, on_new_message)

        @webhook.listener("before_server_stop")
        async def stop_dialogues(_app: Any, _loop: Any) -> None:
            await self.stop()

        return webhook

    async def start(self, app: Any, on_new_message: OnNewMessage) -> None:
        """Starts the dialogue thread and, in the production profile, the durable inbox's consumer in it."""
        if self.dialogue is not None and not self._dialogue_started:
            self.dialogue.start()
            self._dialogue_started = True
        if self.inbox is None:
            return
        if self._dialogue_started:
            self._inbox_task = self.dialogue.run(self.consume_inbox(app, on_new_message))  # type: ignore[union-attr]
        else:
            self._inbox_task = asyncio.ensure_future(self.consume_inbox(app, on_new_message))

    async def consume_inbox(self, app: Any, on_new_message: OnNewMessage) -> None:
        """Production profile: runs the durable inbox's messages (inbox_consumer.py) until cancelled."""
        assert self.consumer is not None
        await self.consumer.run(app, on_new_message)

    async def stop(self, timeout: float = 10.0) -> None:
        """Stops reading the inbox (what is left there goes to another instance), lets running dialogues end."""
        if self._inbox_task is not None:
            self._inbox_task.cancel()
            self._inbox_task = None
        if self.dialogue is not None and self._dialogue_started:
            self._dialogue_started = False
            await self.dialogue.drain(timeout)
            # The Send API sends what is on its way; each client closes its session in the loop that used it.
            for client in (self.send_api, self.on_thread_control):
                close = getattr(client, "close", None)
                if close is None:
                    continue
                try:
                    await asyncio.wait_for(self.dialogue.call(close), timeout)
                except Exception:  # noqa: BLE001 - stopping goes on
                    logger.exception("Closing %s in the dialogue thread failed", type(client).__name__)
            await self.dialogue.stop(timeout)

    def _submit(self, sender_id: str, job: Callable[[], Awaitable[None]]) -> None:
        """Queues one of a sender's jobs where the dialogues run."""
        if self._dialogue_started and self.dialogue is not None:
            self.dialogue.submit(sender_id, job)
        else:
            self.queues.submit(sender_id, job)

    def _verify_subscription(self, request: Request) -> HTTPResponse:
        return verify_subscription(request, self.settings.fb_verify_token)

    def receive_webhook(self, body: bytes, signature: Optional[str], on_new_message: OnNewMessage) -> HTTPResponse:
        """Checks and queues one webhook POST; the answer goes back to Meta at once.

        The dialogue for each event is queued in the dialogue thread (or, before the
        server started it, as a task of the running loop).
        """
        events = self._checked_events(body, signature)
        if isinstance(events, HTTPResponse):
            return events
        for event in events:
            self._dispatch(event, on_new_message)
        # Meta wants its 200 fast; the dialogue runs in the background.
        return response.text("EVENT_RECEIVED")

    async def receive_durably(
        self, body: bytes, signature: Optional[str], on_new_message: OnNewMessage,
    ) -> HTTPResponse:
        """The production profile's `receive_webhook`: messages are in the durable inbox before Meta gets its 200.

        If Redis cannot take them, Meta gets a 503 and retries later (events
        already stored are then recognised by their id).
        """
        events = self._checked_events(body, signature)
        if isinstance(events, HTTPResponse):
            return events
        assert self._ingress_inbox is not None and self.shared_seen is not None
        try:
            for event in events:
                where = route(event)
                if where is Route.DIALOGUE:
                    if not await self._ingress_inbox.accept(event):
                        logger.info("Messenger event %s for %s seen before; skipped",
                                    event.kind.value, pseudonym(event.sender_id))
                elif where in (Route.STANDBY, Route.THREAD_CONTROL, Route.FEEDBACK):
                    if await self.shared_seen.first_time(event.dedup_key):
                        self._dispatch(event, on_new_message)
                else:
                    self._dispatch(event, on_new_message)  # logged and acknowledged only
        except Exception:  # Redis down or unreachable: let Meta retry rather than lose the message
            logger.exception("Messenger webhook not stored in the durable inbox; Meta will retry")
            return error(503, "unavailable", "try again later")
        return response.text("EVENT_RECEIVED")

    def _checked_events(self, body: bytes, signature: Optional[str]) -> "List[MessagingEvent] | HTTPResponse":
        if not signature_is_valid(body, signature, self.settings.fb_app_secret):
            logger.warning("Messenger webhook refused: missing or wrong %s", SIGNATURE_HEADER)
            return error(403, "forbidden", f"missing or invalid {SIGNATURE_HEADER}")
        try:
            batch = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
            return error(400, "invalid_request", "the body is not JSON")
        if not is_page_batch(batch):
            return error(404, "not_found", "only page subscriptions are handled")
        try:
            events = list(messaging_events(batch))
        except MalformedWebhook as exc:
            return error(400, "invalid_request", str(exc))
        self._comments_received(page_comments(batch))
        return events

    def _comments_received(self, comments: List[PageComment]) -> None:
        """Queues each page comment for the responder, where the dialogues run (page_comments.py de-duplicates)."""
        for comment in comments:
            responder = self.comments
            if responder is None:
                logger.info("Page comment %s acknowledged, not answered (no responder)", comment.comment_id)
                continue

            async def respond(comment: PageComment = comment, responder: CommentResponder = responder) -> None:
                await responder.handle(comment)

            self._submit(comment.conversation_id, respond)

    def _dispatch(self, event: MessagingEvent, on_new_message: OnNewMessage) -> None:
        customer = pseudonym(event.customer_id) if event.customer_id else "nobody"
        where = route(event)
        if where is Route.STANDBY:
            self._record_standby(event, customer)
            return
        if where is Route.IGNORE:
            return
        if where is Route.THREAD_CONTROL:
            self._thread_control(event, customer)
            return
        if where is Route.FEEDBACK:
            self._feedback(event, customer)
            return
        if where is Route.ACKNOWLEDGE:
            logger.info(
                "Messenger %s event (%s) from %s acknowledged, not answered",
                event.kind.value, event.field_name or "no field", customer,
            )
            return
        if not self.seen.first_time(event.dedup_key):
            logger.info("Messenger event %s for %s seen before; skipped", event.kind.value, customer)
            return
        self._submit(event.sender_id, self._handler(event, on_new_message))

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

        self._submit(event.customer_id, record)

    def _thread_control(self, event: MessagingEvent, customer: str) -> None:
        kind = event.field_name or "thread_control"
        logger.info("Messenger %s for %s (app %s)", kind, customer, event.app_id or "unknown")
        hook = self.on_thread_control
        if hook is not None and event.sender_id and self.seen.first_time(event.dedup_key):
            psid, app_id = event.sender_id, event.app_id

            async def notify() -> None:
                await hook(psid, kind, app_id)

            self._submit(psid, notify)

    def _feedback(self, event: MessagingEvent, customer: str) -> None:
        """An answer to the survey's template: stored in the customer's queue, never passed to the dialogue."""
        if not event.sender_id or not self.seen.first_time(event.dedup_key):
            return
        job = survey_answers.feedback_job(event, self.csat, customer)
        if job is not None:
            self._submit(event.sender_id, job)

    async def _survey_tap(self, event: MessagingEvent, payload: str, ledger: Optional[ReplyLedger]) -> bool:
        """A tap on a score the survey offered this customer: stored and thanked, not passed to the dialogue."""
        if not await survey_answers.store_tap(event.sender_id, payload, self.csat):
            return False
        output = MessengerOutput(self.send_api, self.offered, self.handover, ledger, latest=self.latest)
        await output.send_text_message(
            event.sender_id, messages.text("csat.thanks", await self._language(event.sender_id))
        )
        return True

    async def _language(self, sender_id: str) -> str:
        """The conversation's language (its tracker's `language` slot), for what the channel writes itself."""
        return await messages.conversation_language(getattr(self, "_app", None), sender_id)

    def _handler(
        self, event: MessagingEvent, on_new_message: OnNewMessage, ledger: Optional[ReplyLedger] = None,
    ) -> Callable[[], Awaitable[None]]:
        async def handle() -> None:
            psid = event.sender_id
            await self._customer_wrote(event)
            text, offered = await self._text_for_rasa(event)
            if event.kind == EventKind.ATTACHMENT and not text:
                await self.send_api.send_action(psid, "mark_seen")
                answer = MessengerOutput(self.send_api, self.offered, self.handover, ledger, latest=self.latest)
                await answer.send_text_message(psid, attachment_reply(event, await self._language(psid)))
                return
            if not text:
                return
            if offered and await self._survey_tap(event, text, ledger):
                return
            score_tap = None if offered else await typed_score_tap(
                psid, text, tracker_store_of(getattr(self, "_app", None)), self.offered)
            if score_tap and await self._survey_tap(event, score_tap, ledger):
                return  # a score typed to the survey's chips ("5"), as the tap
            await self.send_api.send_action(psid, "mark_seen")
            await self.send_api.send_action(psid, "typing_on")  # Messenger turns it off with the next message
            output = MessengerOutput(self.send_api, self.offered, self.handover, ledger, latest=self.latest)
            metadata: Dict[str, Any] = {"page_id": event.recipient_id, "event_kind": event.kind.value}
            if event.kind == EventKind.ATTACHMENT:
                metadata["sticker"] = "like"  # a 👍 read as the Yes of the question just asked
            if offered is not None:
                metadata["payload_offered"] = offered
            locale = await self.locales.locale(psid) if self.locales is not None else None
            if locale is not None:
                metadata["locale"] = locale
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
        if event.kind == EventKind.ATTACHMENT and event.is_like and await self._like_says_yes(event.sender_id):
            logger.info("Messenger 👍 from %s answers the bot's yes/no question: %s", pseudonym(event.sender_id), YES)
            return YES, True
        return None, None

    async def _like_says_yes(self, psid: str) -> bool:
        """The bot's latest message asked yes or no, and its Yes (`/affirm`) was offered to this customer."""
        return asks_yes_or_no(await self.latest.latest(psid)) and await self.offered.was_offered(psid, YES)
