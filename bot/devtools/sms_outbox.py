"""The mock core bank's SMS outbox (dev only), read so a sandbox user can see the code they were sent."""
from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import aiohttp

_CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")


class SmsOutboxUnavailable(RuntimeError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Sms:
    to: str
    text: str
    sent_at: str

    @property
    def code(self) -> Optional[str]:
        """The one-time code in the text, if any."""
        match = _CODE.search(self.text)
        return match.group(0) if match else None

    def as_json(self) -> Dict[str, Any]:
        return {"to": self.to, "text": self.text, "sent_at": self.sent_at, "code": self.code}


async def latest_sms(session: aiohttp.ClientSession, core_banking_url: str, limit: int) -> List[Sms]:
    """The newest `limit` text messages of the mock bank's outbox, newest first."""
    url = f"{core_banking_url.rstrip('/')}/dev/sms-outbox"
    try:
        async with session.get(url) as response:
            if response.status == 404:
                raise SmsOutboxUnavailable(404, "the core bank has no SMS outbox (CORE_BANKING_DEV_MODE is off)")
            if response.status != 200:
                raise SmsOutboxUnavailable(502, f"the core bank answered HTTP {response.status}")
            body = await response.json()
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        raise SmsOutboxUnavailable(502, f"the core bank at {core_banking_url} did not answer") from exc
    messages = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(messages, list):
        raise SmsOutboxUnavailable(502, "the core bank's outbox is not in the expected shape")
    return [
        Sms(to=str(m.get("to", "")), text=str(m.get("text", "")), sent_at=str(m.get("sent_at", "")))
        for m in messages[:limit]
        if isinstance(m, dict)
    ]
