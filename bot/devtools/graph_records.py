"""What the Graph API stand-in records and answers: requests sent, Graph calls, injected faults, Graph errors."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional

from aiohttp import web

from bot.devtools.graph_rules import optional_int


@dataclass
class SentRequest:
    seq: int
    recipient_id: str
    body: Dict[str, Any]
    received_at: float

    def as_json(self) -> Dict[str, Any]:
        return {"seq": self.seq, "recipient_id": self.recipient_id, "body": self.body, "received_at": self.received_at}


@dataclass(frozen=True)
class GraphCall:
    """One Graph request the stand-in answered (accepted, refused or faulted)."""

    method: str
    edge: str  # "messages", "messenger_profile", "pass_thread_control", ...
    recipient_id: Optional[str]
    status: int


@dataclass(frozen=True)
class Fault:
    status: Optional[int] = 500
    code: Optional[int] = None
    subcode: Optional[int] = None
    message: str = "An unexpected error has occurred. Please retry your request later."
    retry_after: Optional[float] = None
    delay: float = 0.0

    @classmethod
    def from_json(cls, raw: Any) -> "Fault":
        if not isinstance(raw, dict):
            raise ValueError("each response must be an object")
        delay = float(raw.get("delay", 0) or 0)
        status = raw.get("status", None if delay and "code" not in raw else 500)
        if status is not None and not (isinstance(status, int) and not isinstance(status, bool) and 400 <= status <= 599):
            raise ValueError("status must be an HTTP error status (400-599)")
        if delay < 0:
            raise ValueError("delay must not be negative")
        return cls(
            status=status,
            code=optional_int(raw.get("code")),
            subcode=optional_int(raw.get("subcode")),
            message=str(raw.get("message") or cls.message),
            retry_after=float(raw["retry_after"]) if raw.get("retry_after") is not None else None,
            delay=delay,
        )


def bearer(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    return header[len("Bearer "):] if header.startswith("Bearer ") else ""


def graph_error(
    status: int, code: Optional[int], message: str, error_type: str = "OAuthException", subcode: Optional[int] = None
) -> web.Response:
    error: Dict[str, Any] = {"message": message, "type": error_type, "code": code, "fbtrace_id": "standin"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return web.json_response({"error": error}, status=status)


async def json_or_none(request: web.Request) -> Any:
    """The request's JSON body, or None when it is not JSON (the stand-in then answers with a Graph error)."""
    try:
        return await request.json()
    except ValueError:
        return None
