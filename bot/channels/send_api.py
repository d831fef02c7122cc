"""Messenger's Send API, called asynchronously so the event loop never waits on Meta."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, Optional

import aiohttp

from bot.pseudonyms import pseudonym

logger = logging.getLogger(__name__)


class SendApi:
    """Posts messages to `{graph_api_url}/me/messages` with the page access token."""

    def __init__(self, graph_api_url: str, page_access_token: str, timeout_seconds: float = 10) -> None:
        self._url = f"{graph_api_url.rstrip('/')}/me/messages"
        self._token = page_access_token
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: Optional[aiohttp.ClientSession] = None
        self._session_loop: Optional[asyncio.AbstractEventLoop] = None

    async def send_message(self, recipient_id: str, message: Dict[str, Any]) -> bool:
        """Sends one message as a RESPONSE to the customer; True when Meta accepted it."""
        return await self._post(
            {"recipient": {"id": recipient_id}, "messaging_type": "RESPONSE", "message": message}
        )

    async def send_action(self, recipient_id: str, action: str) -> bool:
        """Sends a sender action: `typing_on`, `typing_off` or `mark_seen`."""
        return await self._post({"recipient": {"id": recipient_id}, "sender_action": action})

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def _post(self, body: Dict[str, Any]) -> bool:
        recipient = pseudonym(str(body["recipient"]["id"]))
        try:
            async with self._client().post(self._url, params={"access_token": self._token}, json=body) as resp:
                if resp.status < 300:
                    return True
                error = await _graph_error(resp)
                logger.warning(
                    "Send API refused a message for %s: HTTP %s, code %s, subcode %s: %s",
                    recipient, resp.status, error.get("code"), error.get("error_subcode"), error.get("message"),
                )
                return False
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            logger.warning("Send API unreachable for %s: %s", recipient, type(exc).__name__)
            return False

    def _client(self) -> aiohttp.ClientSession:
        # One session per event loop (Sanic may start its loop after this object is built).
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._session_loop is not loop:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
            self._session_loop = loop
        return self._session


async def _graph_error(resp: aiohttp.ClientResponse) -> Dict[str, Any]:
    try:
        body = await resp.json(content_type=None)
    except (ValueError, aiohttp.ClientError):
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}
