"""The webhook's HTTP edge: Meta's subscription handshake, a body read with a bound, errors as JSON.

A body is refused before it is read whole: over the limit 413 (from Content-Length first, else as
soon as the stream passes it), compressed 415. Errors are `{"error": {"code", "message"}}`.
"""
from __future__ import annotations

import hmac
import logging

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)


def verify_subscription(request: Request, expected: str) -> HTTPResponse:
    """Meta's handshake: echo `hub.challenge` when mode and token are right."""
    mode = request.args.get("hub.mode")
    token = request.args.get("hub.verify_token") or ""
    challenge = request.args.get("hub.challenge") or ""
    if mode == "subscribe" and hmac.compare_digest(token.encode(), expected.encode()):
        return response.text(challenge)
    logger.warning("Messenger subscription refused: wrong mode or verify token")
    return error(403, "forbidden", "verification failed")


async def read_bounded_body(request: Request, limit: int) -> "bytes | HTTPResponse":
    """The body of a streamed request, or the answer refusing it: over `limit` bytes 413 (from Content-Length
    before reading anything, else as soon as the read passes it), compressed 415."""
    encoding = (request.headers.get("Content-Encoding") or "").strip().lower()
    if encoding not in ("", "identity"):
        return error(415, "unsupported_media_type", "compressed bodies are not accepted")
    declared = request.headers.get("Content-Length")
    if declared is not None:
        if not declared.strip().isdigit():
            return error(400, "invalid_request", "invalid Content-Length")
        if int(declared) > limit:
            return error(413, "payload_too_large", f"the body is over {limit} bytes")
    body = bytearray()
    while True:
        chunk = await request.stream.read()
        if chunk is None:
            return bytes(body)
        body += chunk
        if len(body) > limit:
            return error(413, "payload_too_large", f"the body is over {limit} bytes")


def error(status: int, code: str, message: str) -> HTTPResponse:
    return response.json({"error": {"code": code, "message": message}}, status=status)
