"""Request bodies of the branch web service: never inflated, never multipart, of a stated length of at most
`client_max_size` bytes; JSON nested too deep for Python's parser is a 400. The middleware is the outermost but one (after the security headers).

Compressed bodies: aiohttp 3.9.5 inflates a gzip, deflate or br request body in its HTTP parser as the bytes
arrive (`DeflateBuffer.feed_data`, no output limit), whether or not a handler reads the body; `client_max_size`
is checked later, in `Request.read()`, against bytes already inflated. A 284 KiB gzip body to any path grew
the process by ~550 MiB. So the server's parser is built with `auto_decompress` off (HANDLER_ARGS, passed
as the application's `handler_args`): compressed bytes stay compressed, and the middleware answers 415 to any
Content-Encoding but identity before reading anything. No client of ours compresses what it posts. (A 415
alone is not enough: the parser would have inflated what arrived before the answer.)

Size: a body must say its length (Content-Length; chunked bodies get 411): over `client_max_size` it gets 413
before it is read. aiohttp 3.9.5 spends CPU per chunk of a chunked body, however small the chunks.

Multipart bodies get 415 (but in a sub-application that sets MULTIPART_ALLOWED: the sandbox's Graph API
stand-in, which takes the Send API's file uploads): no page of ours sends one, and aiohttp 3.9.5's `Request.post()` (which the
console's CSRF check calls on form posts) reads each part whole before checking its size, resets the
count at every part and inflates a part's own Content-Encoding, so `client_max_size` does not bound
what a multipart post costs.

Depth: json.loads of 20,000 `[` raises RecursionError (the parser's guard, before the C stack is at risk),
which aiohttp would turn into a 500 with a stack trace in the log. Whichever handler parses the body, that
error becomes the 400 of a body that is not JSON; the body is not read here, so handlers see the request as
it came (`can_read_body`).
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict

from aiohttp import hdrs, web

logger = logging.getLogger(__name__)

HANDLER_ARGS: Dict[str, Any] = {"auto_decompress": False}
# A sub-application that takes multipart bodies says so with this key: only the sandbox's Graph API stand-in
# (dev only, `python -m bot sandbox`), which reads Send API uploads as Meta does (bot/devtools/graph_standin.py).
MULTIPART_ALLOWED = web.AppKey("multipart_allowed", bool)
IDENTITY = ("", "identity")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def bounded_bodies(request: web.Request, handler: Handler) -> web.StreamResponse:
    encoding = request.headers.get(hdrs.CONTENT_ENCODING, "").strip().lower()
    if encoding not in IDENTITY:
        return _error(415, "unsupported_media_type", "compressed request bodies are not accepted")
    multipart_allowed = any(app.get(MULTIPART_ALLOWED) for app in request.match_info.apps)
    if request.content_type.startswith("multipart/") and not multipart_allowed:
        return _error(415, "unsupported_media_type", "multipart bodies are not accepted")
    if request.body_exists and request.content_length is None:
        return _error(411, "length_required", "send the body with a Content-Length")
    if request.content_length is not None and request.content_length > request.client_max_size:
        return _error(413, "payload_too_large", f"the body is over {request.client_max_size} bytes")
    try:
        return await handler(request)
    except RecursionError:
        logger.info("%s %s refused: its body nests too deep to be parsed", request.method, request.path)
        return _error(400, "invalid_request", "the body is not JSON or nests too deep")


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status,
                             headers={"Cache-Control": "no-store"})
