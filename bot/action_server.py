"""`python -m bot actions`: the action server (rasa-sdk's app) behind a shared secret, on loopback by default.

rasa-sdk 3.6 (`rasa run actions`) listens on 0.0.0.0 and runs any action for anyone who can reach
it: with a verified conversation's sender id that is reading balances or moving money. This
launcher serves the same app (`rasa_sdk.endpoint.create_app`, the `actions` package) with:

- a request middleware that refuses every request but `GET /health` unless it carries
  `Authorization: Bearer <ACTION_SERVER_TOKEN>` (compared in constant time): 401, JSON, nothing run.
  The Rasa server sends it from the endpoints files (`headers:`, `${ACTION_SERVER_TOKEN}`), a
  header rather than Rasa's `token:` query parameter, which would end up in access logs;
- ACTION_SERVER_HOST (default 127.0.0.1) as its address: another machine reaches it only when that
  is set (and then over a private network, the token being the only credential);
- bodies of at most MAX_REQUEST_BYTES (Sanic refuses longer ones before reading them, 413); a
  compressed body only as Rasa sends one (`deflate`, COMPRESS_ACTION_SERVER_REQUEST), inflated to at
  most MAX_REQUEST_BYTES (413 beyond, checked before rasa-sdk inflates it without a limit), any other
  Content-Encoding 415;
- the profile check of the settings (`Settings.check_for_profile`) before anything is served.

It imports rasa-sdk and the settings only (tests/unit/test_process_boundaries.py): the action
server knows the core bank's client, nothing of the channels, the handoff, the archive or the web.
"""
from __future__ import annotations

import hmac
import logging
import types
import zlib
from typing import Optional, Union

from rasa_sdk import utils as sdk_utils
from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.settings import Settings, SettingsError

logger = logging.getLogger(__name__)

ACTIONS_PACKAGE = "actions"
HEALTH_PATH = "/health"
AUTHORIZATION = "Authorization"
SCHEME = "Bearer"
# A whole conversation session's tracker comes with each call: generous, but bounded.
MAX_REQUEST_BYTES = 8 * 1024 * 1024
IDENTITY = ("", "identity")
DEFLATE = "deflate"


def build_app(settings: Settings, actions: Union[str, types.ModuleType] = ACTIONS_PACKAGE) -> Sanic:
    """rasa-sdk's app for `actions`, answering only callers that show ACTION_SERVER_TOKEN."""
    token = settings.action_server_token
    if not token:
        raise SettingsError("ACTION_SERVER_TOKEN is empty: the action server would answer anyone")
    # No CORS: browsers have no business here (rasa-sdk allows every origin by default).
    app = create_app(actions, cors_origins=None)
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    expected = token.encode("utf-8")

    async def authenticate(request: Request) -> Optional[HTTPResponse]:
        if request.path == HEALTH_PATH and request.method in ("GET", "HEAD"):
            return None
        if not _shows(request, expected):
            logger.warning("Action server: %s %s refused: missing or wrong %s", request.method, request.path,
                           AUTHORIZATION)
            return response.json({"error": "unauthorized"}, status=401,
                                 headers={"WWW-Authenticate": f'{SCHEME} realm="action server"'})
        return _refuse_compressed(request)

    app.register_middleware(authenticate, "request")
    # rasa-sdk's catch-all handler answers HTTP errors (no such path, body too large, not JSON) with a 500, a stack
    # trace in the log and the request's body: each gets its own status here.
    app.error_handler.add(SanicException, _http_error)
    return app


def _http_error(_: Request, exc: SanicException) -> HTTPResponse:
    return response.json({"error": str(exc)}, status=getattr(exc, "status_code", 500) or 500)


def _shows(request: Request, expected: bytes) -> bool:
    scheme, _, supplied = (request.headers.get(AUTHORIZATION) or "").partition(" ")
    if scheme.lower() != SCHEME.lower() or not supplied:
        return False
    return hmac.compare_digest(supplied.strip().encode("utf-8"), expected)


def _refuse_compressed(request: Request) -> Optional[HTTPResponse]:
    encoding = (request.headers.get("Content-Encoding") or "").strip().lower()
    if encoding in IDENTITY:
        return None
    if encoding != DEFLATE:
        return response.json({"error": f"Content-Encoding {encoding} is not accepted"}, status=415)
    # rasa-sdk inflates a deflate body with no limit (zlib.decompress): check it inflates within bounds first.
    inflater = zlib.decompressobj()
    try:
        inflated = inflater.decompress(request.body or b"", MAX_REQUEST_BYTES)
    except zlib.error:
        return response.json({"error": "the body is not deflate data"}, status=400)
    if inflater.unconsumed_tail or len(inflated) >= MAX_REQUEST_BYTES:
        return response.json({"error": f"the body inflates beyond {MAX_REQUEST_BYTES} bytes"}, status=413)
    return None


def serve(settings: Settings, port: int, host: Optional[str] = None, actions: str = ACTIONS_PACKAGE) -> None:
    """Checks the settings for their profile, then serves the action server until SIGINT/SIGTERM."""
    settings.check_for_profile()
    host = host or settings.action_server_host
    app = build_app(settings, actions)
    logger.info("Action server on http://%s:%s (the Rasa server must show ACTION_SERVER_TOKEN)", host, port)
    app.run(host=host, port=port, workers=sdk_utils.number_of_sanic_workers(), access_log=False, motd=False,
            debug=False, auto_reload=False)
