"""Rasa's HTTP API, server side, for the staff console: pause, resume, transcript, messages from staff.

The Rasa server runs with `--enable-api --auth-token $RASA_API_TOKEN` (Procfile);
every call here carries the token (`?token=`), which never reaches a browser or a log.

Messages from staff:
- Messenger: sent by the Send API as a member of staff (`from_staff=True`: RESPONSE
  within 24 h of the customer's last message, `HUMAN_AGENT` tag up to 7 days,
  refused after), under the advisor's persona when FB_PERSONA_PICTURE_URL is set (Messenger shows
  their name and the picture above it: bot/handoff/personas.py), then recorded in the tracker as a bot
  event with `metadata.agent` (and `metadata.agent_name`, the name the customer reads). When the
  customer last wrote is read from the tracker, so this process needs no shared
  messaging-window store.
- Web widget (socketio): recorded as a bot event with `execute_side_effects=true`
  and `output_channel=socketio`: Rasa (3.6 `POST /conversations/{id}/tracker/events`)
  then sends every appended bot event through the channel's output, i.e. to the
  widget's socket room (the sender id), marked as an advisor's with the name staff chose to show
  (bot/rasa_server/message_language.py). No custom action, no domain change.
The note the customer gets when the bot is back goes the same way through the
conversation's latest channel (`output_channel=latest`); the default one says the customer talks to the
bank's automated assistant again, and is marked so (bot/dialogue_signals.py: DISCLOSURE_KEY).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Dict, List, Optional
from urllib.parse import quote

import aiohttp
from sqlalchemy.orm import sessionmaker

from bot import messages
from bot.branch_db import session_factory
from bot.channels.messenger.graph_api import RetryPolicy
from bot.channels.messenger.routing import Handover
from bot.channels.messenger.send_api import SendApi
from bot.dialogue_signals import DISCLOSURE_KEY
from bot.handoff.conversation import last_customer_message_at, transcript_lines
from bot.handoff.personas import Personas
from bot.privacy.pseudonyms import pseudonym
from bot.settings import Settings

logger = logging.getLogger(__name__)

MESSENGER, SOCKETIO = "messenger", "socketio"
INVALID_PARAMETER = 100  # Graph API error code: a parameter Meta refuses (here, a persona it no longer knows)
# The note when the bot is back (bot/messages/<language>.yml: handoff.back_note), in English; `resume` and
# `hand_back` send it in the conversation's language unless given another note.
BACK_NOTE = messages.text("handoff.back_note")


class RasaControlError(RuntimeError):
    """Rasa's HTTP API refused or failed a call (`status` is None when it could not be reached)."""

    def __init__(self, message: str, status: Optional[int] = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class AgentMessageResult:
    """What became of a message from staff: `delivered` to the customer, `recorded` in the tracker."""

    delivered: bool
    recorded: bool
    reason: str = ""  # why it was not delivered (messaging window, Meta's refusal, ...)


class RasaControl:
    def __init__(
        self,
        rasa_url: str,
        token: str,
        *,
        send_api: Optional[SendApi] = None,
        handover: Optional[Handover] = None,
        personas: Optional[Personas] = None,
        timeout_seconds: float = 10,
    ) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self._token = token
        self.send_api = send_api
        self.handover = handover
        self.personas = personas  # advisors named in Messenger; None: their replies come from the page, unnamed
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: Optional[aiohttp.ClientSession] = None

    @classmethod
    def from_settings(cls, settings: Settings, branch_sessions: Optional[sessionmaker] = None) -> "RasaControl":
        """`branch_sessions`: the branch database, where advisors' personas are kept (default: a new engine)."""
        send_api = SendApi(settings.fb_graph_api_url, settings.fb_page_access_token,
                           settings.send_api_timeout_seconds, retry=RetryPolicy.from_settings(settings))
        personas = None
        if settings.fb_persona_picture_url:
            personas = Personas(send_api.graph, branch_sessions or session_factory(settings.branch_database_url),
                                settings.fb_persona_picture_url)
        return cls(settings.rasa_url, settings.rasa_api_token, send_api=send_api,
                   handover=Handover.from_settings(settings, graph=send_api.graph), personas=personas)

    # -- the conversation -----------------------------------------------------------------------------

    async def pause(self, conversation_id: str) -> None:
        """The bot stays silent in this conversation (Rasa ignores the customer's messages) until `resume`."""
        await self._append(conversation_id, [{"event": "pause"}])

    async def resume(self, conversation_id: str, note: Optional[str] = BACK_NOTE) -> None:
        """The bot answers again; `note` (if any) tells the customer, through their channel (BACK_NOTE: the
        back note in the conversation's language)."""
        discloses = note == BACK_NOTE
        if note == BACK_NOTE:
            note = messages.text("handoff.back_note", await self.language(conversation_id))
        events: List[Dict[str, Any]] = [{"event": "resume"}]
        if note:
            # The first bot message after a hand-back says the customer talks to the automated assistant (the
            # back note does): marked so, the dialogue does not say it again (bot/rasa_server/answer_preamble.py).
            # A note given by staff does not: the dialogue's next answer is preceded by the disclosure.
            events.append({"event": "bot", "text": note, "metadata": {DISCLOSURE_KEY: True} if discloses else {}})
        # What the customer wrote while paused was never answered: the dialogue picks up listening,
        # so the next message is read as a fresh turn (rules expect `action_listen` before a user turn).
        events.append({"event": "action", "name": "action_listen"})
        await self._append(conversation_id, events, output_channel="latest" if note else None)

    async def language(self, conversation_id: str) -> str:
        """The conversation's language (its `language` slot), English when Rasa cannot say."""
        try:
            return messages.language_from_events(await self.events(conversation_id))
        except Exception:  # noqa: BLE001 - the note goes out in English rather than not at all
            logger.info("Language of %s unknown: the note goes in English", pseudonym(conversation_id))
            return messages.DEFAULT_LANGUAGE

    async def events(self, conversation_id: str) -> List[Dict[str, Any]]:
        tracker = await self._request("GET", conversation_id, "tracker", params={"include_events": "ALL"})
        return list(tracker.get("events") or [])

    async def transcript(self, conversation_id: str) -> List[Dict[str, Any]]:
        """What was said, as `{who, text, at}` (who: customer, bot, agent:<name>), codes and card numbers masked."""
        return [line.as_dict() for line in transcript_lines(await self.events(conversation_id))]

    async def send_as_agent(self, conversation_id: str, channel: str, text: str, agent: str,
                            agent_name: Optional[str] = None) -> AgentMessageResult:
        """Sends `text` to the customer as `agent` (shown as `agent_name` in the web chat), and records it in the
        conversation when it went."""
        if not text.strip():
            raise ValueError("an empty message is not sent")
        if channel == MESSENGER:
            result = await self._deliver_on_messenger(conversation_id, text, agent, agent_name)
            if not result.delivered:
                return result
            await self._append(conversation_id, [_agent_event(text, agent, agent_name)])
            return AgentMessageResult(delivered=True, recorded=True)
        if channel == SOCKETIO:
            await self.deliver_to_widget(conversation_id, text, agent, agent_name)
            return AgentMessageResult(delivered=True, recorded=True)
        raise ValueError(f"no way to reach a customer on channel {channel!r}")

    async def deliver_to_widget(self, conversation_id: str, text: str, agent: str,
                                agent_name: Optional[str] = None) -> None:
        """Records the message and has Rasa's socketio channel emit it to the widget (the sender id's room)."""
        await self._append(conversation_id, [_agent_event(text, agent, agent_name)], output_channel=SOCKETIO)

    async def send_system_event(self, conversation_id: str, channel: str, event: Dict[str, Any]) -> None:
        """Appends a bot event from the system (no agent: never HUMAN_AGENT on Messenger) and has `channel`'s
        output in the Rasa server send it (the CSAT survey, bot/handoff/csat.py)."""
        await self._append(conversation_id, [event], output_channel=channel)

    async def hand_back(self, conversation_id: str, channel: str, note: Optional[str] = BACK_NOTE) -> None:
        """The bot takes the conversation again: Messenger's thread (handover protocol, when on), then Rasa."""
        if channel == MESSENGER and self.handover is not None and self.handover.enabled:
            taken = await self.handover.take_thread_control(conversation_id, metadata="handed back by staff")
            if not taken.ok:
                logger.warning("take_thread_control for %s failed: %s", pseudonym(conversation_id), taken.description)
        await self.resume(conversation_id, note)

    async def _deliver_on_messenger(self, psid: str, text: str, agent: str,
                                    agent_name: Optional[str]) -> AgentMessageResult:
        if self.send_api is None:
            raise RuntimeError("RasaControl needs a SendApi to reach Messenger customers")
        last = last_customer_message_at(await self.events(psid))
        if last is not None:
            await self.send_api.windows.customer_wrote(psid, last)
        persona_id = await self.personas.persona_for(agent, agent_name) if self.personas is not None else None
        result = await self.send_api.deliver(psid, {"text": text}, from_staff=True, persona_id=persona_id)
        if persona_id and not result.ok and result.code == INVALID_PARAMETER:
            # Meta no longer knows the persona (deleted in the page's tools, another page): sent unnamed, and the
            # next reply creates a new one. (Any other invalid parameter is refused again: nothing sent twice.)
            assert self.personas is not None
            logger.warning("Messenger refused persona %s of advisor %s: the reply goes out unnamed", persona_id, agent)
            await self.personas.forget(agent, persona_id)
            result = await self.send_api.deliver(psid, {"text": text}, from_staff=True)
        if result.ok:
            return AgentMessageResult(delivered=True, recorded=False)
        logger.warning("Message from staff to %s not delivered: %s", pseudonym(psid), result.description)
        return AgentMessageResult(delivered=False, recorded=False, reason=result.description)

    # -- HTTP -----------------------------------------------------------------------------------------

    async def _append(
        self, conversation_id: str, events: List[Dict[str, Any]], output_channel: Optional[str] = None
    ) -> None:
        params = {"execute_side_effects": "true", "output_channel": output_channel} if output_channel else {}
        await self._request("POST", conversation_id, "tracker/events", params=params, json=events)

    async def _request(self, method: str, conversation_id: str, path: str, *,
                       params: Optional[Dict[str, str]] = None, json: Any = None) -> Dict[str, Any]:
        url = f"{self.rasa_url}/conversations/{quote(conversation_id, safe='')}/{path}"
        query = {**(params or {}), "token": self._token}
        try:
            async with self._http().request(method, url, params=query, json=json) as resp:
                if resp.status >= 400:
                    detail = (await resp.text())[:200]
                    raise RasaControlError(f"Rasa answered {resp.status} to {method} .../{path}: {detail}", resp.status)
                return await resp.json(content_type=None)
        except aiohttp.ClientError as exc:
            raise RasaControlError(f"Rasa unreachable for {method} .../{path}: {type(exc).__name__}") from exc

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self.send_api is not None:
            await self.send_api.close()


def _agent_event(text: str, agent: str, agent_name: Optional[str] = None) -> Dict[str, Any]:
    metadata = {"agent": agent}
    if agent_name and agent_name.strip():
        metadata["agent_name"] = agent_name.strip()
    return {"event": "bot", "text": text, "metadata": metadata}
