"""Posting webhook batches to the Rasa server's Messenger connector, signed as Meta signs them."""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, Dict

import aiohttp

from bot.channels.messenger.webhook import SIGNATURE_HEADER, sign

WEBHOOK_PATH = "/webhooks/messenger/webhook"


class ConnectorUnreachable(RuntimeError):
    """The Rasa server did not answer (not started, still loading the model, or too slow)."""


@dataclass(frozen=True)
class ConnectorAnswer:
    status: int
    message: str  # the connector's error message, when it refused the batch

    @property
    def accepted(self) -> bool:
        return self.status == 200


def webhook_url(rasa_url: str) -> str:
    return rasa_url.rstrip("/") + WEBHOOK_PATH


class MessengerConnector:
    """The connector at `url`, reached with `session`; the app secret never leaves this process."""

    def __init__(self, session: aiohttp.ClientSession, url: str, app_secret: str) -> None:
        self._session = session
        self.url = url
        self._app_secret = app_secret

    async def post(self, body: Dict[str, Any]) -> ConnectorAnswer:
        raw = json.dumps(body).encode("utf-8")
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(raw, self._app_secret)}
        try:
            async with self._session.post(self.url, data=raw, headers=headers) as response:
                return ConnectorAnswer(response.status, "" if response.status == 200 else await _error_message(response))
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise ConnectorUnreachable(f"{self.url} did not answer ({type(exc).__name__})") from exc


async def _error_message(response: aiohttp.ClientResponse) -> str:
    try:
        body = await response.json(content_type=None)
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
    except (ValueError, aiohttp.ClientError):
        pass
    return f"HTTP {response.status}"
