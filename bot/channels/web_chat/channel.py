"""The web chat on the bank's site: Rasa's socket.io channel, with sessions bound to signed tokens.

Rasa's own `SocketIOInput` with `session_persistence` takes the sender id from the `session_id`
the browser sends, so a copied or guessed id would attach to someone else's conversation. Here:

* `connect` needs `auth.token`, a web chat JWT issued by the branch web service
  (`bot/channels/web_chat/tokens.py`); without one, or with a forged or expired one, the socket is refused.
  The token must come with the browser it was issued to: the handshake's `Origin` is the token's (one of
  WEB_CHAT_ORIGINS) and its cookies hold the token's binding cookie (HttpOnly, set by the web service beside
  the token). A token copied to another client, without that cookie, is refused.
* The sender id is the verified token's `sub`, kept server side for the socket; a `session_request`
  for another session id is refused (`session_refused`, then the socket is closed), and a message
  naming another session id is dropped.
* Browsers may connect from the configured site origins only (WEB_CHAT_ORIGINS); a handshake without an
  `Origin` is refused too.
* Typed text is never a command (bot/channels/typed_text.py): a message's `message` is what the
  customer typed and goes to NLU. A tap sends `{"message": <title>, "payload": <payload>}`; the
  payload reaches Rasa only if the bot offered it to this session (bot/channels/offered_payloads.py),
  else the title is read as typed text, as in Messenger.
* A tap on a score of the satisfaction survey after a handoff (`/csat{...}`, offered to this session:
  bot/handoff/csat.py) is stored and thanked here, never passed to the dialogue.
* The only other thing a browser may tell the bot is its language: `language` (the page's `<html lang>`)
  and `locale` (`navigator.language`), sent with `session_request` and with each message. They reach
  Rasa as message metadata once checked (bot/channels/language_hints.py: en|fr, a locale babel knows;
  anything else is dropped), for action_session_start to choose the conversation's language.

* A response's buttons stay in the thread under its text (`{"text", "buttons"}`, drawn by the widget as a block
  of buttons), as Messenger's button template does; quick replies are the chips of the latest message only, as in
  Messenger. Rasa's socket.io output sends buttons as quick replies, so a message after them took them away: the
  "Block my card" of the warning about a typed card number (bot/rasa_server/answer_preamble.py) went as soon as
  the answer came.
* Every bot message carries the conversation's language, `"language": "en" | "fr"` (the Rasa server adds it:
  bot/rasa_server/message_language.py; the survey's thanks here): the widget writes its own words in it. A
  message a member of staff wrote also carries `"advisor": <name>`: the widget marks it as an advisor's.

* The spending chart (`{"spending_chart": {...}}` from action_show_spending) is drawn here
  (bot/channels/spending_chart.py) and sent as an image whose URL only this session's browser can open, for a
  few minutes (bot/channels/web_chat/chart_images.py: GET /webhooks/socketio/charts/<random id>, checked
  against the session's binding cookie).

Socket path: /socket.io (events `user_uttered`, `bot_uttered`, `session_request`, `session_confirm`).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.channels.dialogue_thread import DialogueThread, shared_dialogue_thread
from bot.channels.language_hints import language_metadata
from bot.channels.limits import MAX_TEXT
from bot.channels.spending_chart import drawn_chart
from bot.channels.web_chat.chart_images import PATH_PREFIX, ROUTE, ChartImages, chart_images
from bot.channels.offered_payloads import (
    OfferedPayloadStore,
    is_always_offered,
    offered_payload_store,
    payloads_in_response,
)
from bot.channels.typed_text import as_typed_text, clean_text
from bot.channels.web_chat.tokens import (
    InvalidWebChatToken,
    WebChatClaims,
    binding_from_cookies,
    normalized_origin,
    verify,
)
from bot.dialogue_signals import SPENDING_CHART_KEY
from bot import messages
from bot.channels.typed_scores import tracker_store_of, typed_score_tap
from bot.handoff.csat import BUTTON, CsatAnswers, parse_score_payload
from bot.privacy.pseudonyms import pseudonym
from bot.rasa_server.message_language import ADVISOR_KEY, LANGUAGE_KEY, LANGUAGES
from bot.settings import Settings, get_settings

logger = logging.getLogger(__name__)

USER_MESSAGE_EVENT = "user_uttered"
BOT_MESSAGE_EVENT = "bot_uttered"
SOCKET_PATH = "/socket.io"
MAX_MESSAGE_CHARS = MAX_TEXT
SESSION_KEY = "sender_id"
HINTS_KEY = "language_hints"


class WebChatOutput(SocketIOOutput):
    """Rasa's socket.io output; buttons stay buttons, carousels go as one message, custom JSON never reaches `emit`
    as arguments.

    The socket.io server lives in the Rasa server's event loop (`home`); a reply written in the
    dialogue thread (bot/channels/dialogue_thread.py) is emitted there. Each socket.io message of a bot
    message carries the conversation's language that came with it (`language`, en | fr), however Rasa's
    methods split it (text paragraphs, quick replies, an image).
    """

    def __init__(self, sio: AsyncServer, bot_message_evt: Text,
                 home: Optional[asyncio.AbstractEventLoop] = None,
                 offered: Optional[OfferedPayloadStore] = None,
                 charts: Optional[ChartImages] = None, charts_base_url: str = "") -> None:
        super().__init__(sio, bot_message_evt)
        self.home = home
        self.offered = offered  # what this session's taps may send (recorded before the message goes)
        self.charts = charts  # chart images for this server's sessions (None: charts are left out)
        self.charts_base_url = charts_base_url.rstrip("/")  # where browsers reach this server (the socket's URL)
        self._language: Optional[str] = None  # the language of the bot message being sent
        self._advisor: Optional[str] = None  # the name of the member of staff who wrote it ("": unnamed)

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """Rasa's, with the message's `language` and `advisor` (bot/rasa_server/message_language.py) on each part
        sent."""
        language = message.get(LANGUAGE_KEY)
        advisor = message.get(ADVISOR_KEY)
        self._language = language if language in LANGUAGES else None
        self._advisor = advisor if isinstance(advisor, str) else None
        try:
            await super().send_response(recipient_id, message)
        finally:
            self._language = None
            self._advisor = None

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        if self._language is not None and isinstance(response, dict):
            response = {**response, LANGUAGE_KEY: self._language}
        if self._advisor is not None and isinstance(response, dict):
            response = {**response, ADVISOR_KEY: self._advisor}
        if self.offered is not None and isinstance(response, dict):
            offered = payloads_in_response(response)
            if offered:
                await self.offered.record(socket_id, offered)
        emit = super()._send_message(socket_id, response)
        if self.home is None or self.home is asyncio.get_running_loop():
            await emit
        else:
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(emit, self.home))

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        """The text's paragraphs, the buttons under the last one: they stay in the thread (a button template)."""
        *before, last = text.strip().split("\n\n")
        for paragraph in before:
            await self._send_message(recipient_id, {"text": paragraph})
        await self._send_message(recipient_id, {"text": last, "buttons": [_button(b) for b in buttons]})

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        """Chips on the last paragraph, replaced by the next message's (Rasa's own socket.io quick replies)."""
        await SocketIOOutput.send_text_with_buttons(self, recipient_id, text, quick_replies)

    async def send_elements(self, recipient_id: Text, elements: Iterable[Dict[Text, Any]], **kwargs: Any) -> None:
        message = {"attachment": {"type": "template",
                                  "payload": {"template_type": "generic", "elements": list(elements)}}}
        await self._send_message(recipient_id, message)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        if SPENDING_CHART_KEY in json_message:
            await self._send_chart(recipient_id, json_message[SPENDING_CHART_KEY])
            return
        # Rasa's version spreads the JSON into emit()'s arguments (its keys could even pick the room).
        await self._send_message(recipient_id, {"custom": json_message})

    async def _send_chart(self, recipient_id: Text, chart: Any) -> None:
        """The spending chart as an image only this session can open; left out (logged) when it cannot be: the text
        before it said everything the chart shows."""
        if self.charts is None:
            logger.error("Web chat: spending chart for %s not sent: no chart store", pseudonym(recipient_id))
            return
        png = await drawn_chart(chart, recipient_id, "Web chat")
        if png is None:
            return
        try:
            image_id = await self.charts.add(recipient_id, png)
        except Exception as exc:  # the store (Redis) unreachable: the text before it said everything
            logger.error("Web chat: spending chart for %s not kept: %s", pseudonym(recipient_id), type(exc).__name__)
            return
        if image_id is None:
            logger.warning("Web chat: spending chart for %s not sent: no socket of that session here",
                           pseudonym(recipient_id))
            return
        alt = chart.get("alt") if isinstance(chart.get("alt"), str) else ""
        await self._send_message(recipient_id, {"attachment": {"type": "image", "payload": {
            "src": f"{self.charts_base_url}{PATH_PREFIX}{image_id}", "alt": alt}}})


def _button(button: Dict[Text, Any]) -> Dict[Text, Any]:
    """A button as the widget draws it: a postback (title, payload) or a link (`type: web_url`, title, url)."""
    return {key: button[key] for key in ("type", "title", "payload", "url") if key in button}


class WebChatInput(InputChannel):
    """socket.io channel for the site's widget; one conversation per signed session token."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WebChatInput":
        # Secrets and origins are settings (environment / .env), never values in credentials.yml.
        from bot.handoff.csat import default_answers

        channel = cls(get_settings())
        channel.csat = default_answers()  # the branch database, opened when the first answer comes
        return channel

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sio: Optional[AsyncServer] = None
        self.offered: OfferedPayloadStore = offered_payload_store(settings, namespace="webchat:")
        # The model's work runs in the process's dialogue thread, with Messenger's (dialogue_thread.py).
        self.dialogue: Optional[DialogueThread] = shared_dialogue_thread() if settings.dialogue_thread else None
        self._dialogue_started = False
        self.csat: Optional[CsatAnswers] = None  # stores survey answers; None: logged only
        self.charts = chart_images(settings)  # the spending charts drawn for this server's sessions (chart_images.py)
        self.charts_base_url = settings.web_chat_socket_url or settings.rasa_url  # as the site tells browsers

    def _output(self, sio: AsyncServer, home: Optional[asyncio.AbstractEventLoop] = None) -> WebChatOutput:
        return WebChatOutput(sio, BOT_MESSAGE_EVENT, home=home, offered=self.offered, charts=self.charts,
                             charts_base_url=self.charts_base_url)

    def get_output_channel(self) -> Optional[OutputChannel]:
        return self._output(self.sio) if self.sio is not None else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # The origin check is engine.io's: a browser on another site cannot open a socket, on any transport.
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=list(self.settings.web_chat_origins))
        self.sio = sio
        web_chat = SocketBlueprint(sio, SOCKET_PATH, "web_chat_webhook", __name__)
        secret = self.settings.web_chat_jwt_secret

        @web_chat.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @web_chat.route(ROUTE, methods=["GET"])
        async def chart_image(request: Request, image_id: str) -> HTTPResponse:
            try:
                png = await self.charts.get(image_id, binding_from_cookies(request.headers.get("cookie")))
            except Exception as exc:  # the store (Redis) unreachable: the browser may try again
                logger.error("Web chat: chart image store unavailable: %s", type(exc).__name__)
                return response.json({"error": "the image is unavailable for now, try again"}, status=503,
                                     headers={"Cache-Control": "no-store", "Retry-After": "5"})
            if png is None:  # unknown, expired, or not this browser's session: the same answer
                return response.json({"error": "not found"}, status=404, headers={"Cache-Control": "no-store"})
            # Cross-Origin-Resource-Policy: the site's page and this server are two origins (other ports or hosts);
            # Chromium refused the image with `same-site` between two ports of 127.0.0.1 (the widget showed a broken
            # image: tests/e2e/test_web_widget.py). What guards it is the binding cookie (SameSite=Strict: never sent
            # by another site's page) and the random id, checked above, not this header.
            return response.raw(png, content_type="image/png", headers={
                "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer", "Cross-Origin-Resource-Policy": "cross-origin"})

        @web_chat.listener("after_server_start")
        async def start_dialogues(app: Any, _loop: Any) -> None:
            self._app = app  # its agent's tracker store knows each conversation's language
            if self.dialogue is not None and not self._dialogue_started:
                self.dialogue.start()
                self._dialogue_started = True

        @web_chat.listener("before_server_stop")
        async def stop_dialogues(_app: Any, _loop: Any) -> None:
            if self.dialogue is not None and self._dialogue_started:
                self._dialogue_started = False
                await self.dialogue.stop()

        @sio.on("connect")
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict]) -> bool:
            claims = admitted_claims(environ, auth, secret, self.settings.web_chat_origins)
            if claims is None:
                return False
            sender_id = claims.session_id
            self.charts.session_seen(sender_id, claims.binding_digest)
            await sio.save_session(sid, {SESSION_KEY: sender_id})
            return True

        @sio.on("session_request")
        async def session_request(sid: Text, data: Any) -> None:
            sender_id = await _sender_of(sio, sid)
            if sender_id is None:
                await sio.disconnect(sid)
                return
            asked = data.get("session_id") if isinstance(data, dict) else None
            if asked not in (None, "", sender_id):
                logger.warning("Web chat: session %s asked for another session; refused", pseudonym(sender_id))
                await sio.emit("session_refused", {"reason": "the session id does not match the token"}, room=sid)
                await sio.disconnect(sid)
                return
            await sio.enter_room(sid, sender_id)
            if isinstance(data, dict):
                await sio.save_session(sid, {SESSION_KEY: sender_id, HINTS_KEY: hints_of(data)})
            await sio.emit("session_confirm", sender_id, room=sid)

        @sio.on(USER_MESSAGE_EVENT)
        async def handle_message(sid: Text, data: Any) -> None:
            sender_id = await _sender_of(sio, sid)
            if sender_id is None or not isinstance(data, dict):
                return
            if data.get("session_id") not in (None, "", sender_id):
                logger.warning("Web chat: a message for another session from %s was dropped", pseudonym(sender_id))
                return
            text, payload = data.get("message"), data.get("payload")
            if not isinstance(text, str) or not text.strip() or len(text) > MAX_MESSAGE_CHARS:
                return
            if payload is not None and (not isinstance(payload, str) or len(payload) > MAX_MESSAGE_CHARS):
                return
            hints = hints_of(data) or await _hints_of_session(sio, sid)
            home = asyncio.get_running_loop()

            async def handle() -> None:
                # In the dialogue's loop, with the output that records what it offers: one store, one loop.
                output = self._output(sio, home)
                said = await self._text_for_rasa(sender_id, text, payload)
                if not said:
                    return
                if await self._survey_tap(sender_id, await self._typed_score_as_tap(sender_id, said), output):
                    return
                # A browser may not tell the bot anything but its words and, checked, its language.
                message = UserMessage(said, output, sender_id, input_channel=self.name(),
                                      metadata={"channel": "web_chat", **hints})
                await on_new_message(message)

            if self.dialogue is not None and self._dialogue_started:
                await self.dialogue.call(handle)
            else:
                await handle()

        return web_chat

    async def _typed_score_as_tap(self, sender_id: str, said: str) -> str:
        """A score typed while this session's survey chips are offered, as the tap (bot/channels/typed_scores.py)."""
        return await typed_score_tap(sender_id, said, tracker_store_of(getattr(self, "_app", None)), self.offered) or said

    async def _survey_tap(self, sender_id: str, said: str, output: OutputChannel) -> bool:
        """`said` is an offered survey score (typed text never starts with a command): stored and thanked."""
        parsed = parse_score_payload(said)
        if parsed is None:
            return False
        survey_id, score = parsed
        if self.csat is not None:
            await self.csat.store(sender_id, survey_id, score, None, BUTTON)
        else:
            logger.info("Web chat: survey answer from %s not stored: no survey store here", pseudonym(sender_id))
        language = await messages.conversation_language(getattr(self, "_app", None), sender_id)
        # As any bot message: with the language it is written in, for the widget (message_language.py).
        await output.send_response(sender_id, {"text": messages.text("csat.thanks", language), LANGUAGE_KEY: language})
        return True

    async def _text_for_rasa(self, sender_id: str, text: str, payload: Optional[str]) -> str:
        """A tap's payload when the bot offered it to this session; otherwise what was typed, as text.

        Both are cleaned first (bot/channels/typed_text.py): a payload that was not valid text was never offered.
        """
        payload = clean_text(payload) if payload else None
        if payload and (is_always_offered(payload) or await self.offered.was_offered(sender_id, payload)):
            return payload
        if payload:
            logger.warning("Web chat: %s tapped a payload the bot never offered; read as typed text",
                           pseudonym(sender_id))
        return as_typed_text(text)


def admitted_session(environ: Dict[str, Any], auth: Any, secret: str, origins: Iterable[str]) -> Optional[str]:
    """The session id a socket's handshake may use, or None: a genuine, current token, presented from the
    site origin it was issued to, with its binding cookie."""
    claims = admitted_claims(environ, auth, secret, origins)
    return claims.session_id if claims is not None else None


def admitted_claims(
    environ: Dict[str, Any], auth: Any, secret: str, origins: Iterable[str]
) -> Optional[WebChatClaims]:
    """What the token of an admitted socket says (see `admitted_session`), or None."""
    token = auth.get("token") if isinstance(auth, dict) else None
    try:
        claims = verify(token, secret)
    except InvalidWebChatToken as exc:
        logger.info("Web chat: socket refused (%s)", exc)
        return None
    origin = environ.get("HTTP_ORIGIN")
    if not origin or normalized_origin(origin) not in {normalized_origin(o) for o in origins}:
        logger.warning("Web chat: socket of %s refused: not from the site", pseudonym(claims.session_id))
        return None
    if not claims.held_by(origin, binding_from_cookies(environ.get("HTTP_COOKIE"))):
        logger.warning("Web chat: socket of %s refused: the token came without its cookie or from another origin",
                       pseudonym(claims.session_id))
        return None
    return claims


def hints_of(data: Dict[str, Any]) -> Dict[str, str]:
    """The checked language hints of a `session_request` or a message (bot/channels/language_hints.py)."""
    return language_metadata(data.get("language"), data.get("locale"))


async def _hints_of_session(sio: AsyncServer, sid: Text) -> Dict[str, str]:
    try:
        hints = (await sio.get_session(sid)).get(HINTS_KEY)
    except KeyError:
        return {}
    return hints if isinstance(hints, dict) else {}


async def _sender_of(sio: AsyncServer, sid: Text) -> Optional[str]:
    try:
        session = await sio.get_session(sid)
    except KeyError:
        return None
    sender_id = session.get(SESSION_KEY)
    return sender_id if isinstance(sender_id, str) else None
