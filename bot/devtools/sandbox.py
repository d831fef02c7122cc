"""The Messenger sandbox (dev only): a Messenger-like thread in the browser, wired to the real connector.

    GET  /sandbox                            the page (static files under /sandbox/static/)
    POST /sandbox/api/messages               the customer types or taps: posted to the connector as a signed webhook
    GET  /sandbox/api/sms-outbox             the newest texts of the mock bank's SMS outbox (the one-time codes)
         /sandbox/graph/...                  the Graph API stand-in the Rasa server sends its replies to:
                                             FB_GRAPH_API_URL=http://127.0.0.1:8080/sandbox/graph/v25.0
    GET  /sandbox/graph/_standin/messages    what was sent to a user (the page polls it)

The browser never sees the app secret: this service signs what the page asks it to send.
`python -m bot sandbox --port 8080` serves the branch web service (bot/web/app.py) with this mounted;
the production web service (`python -m bot web`) never imports it.
"""
from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import AsyncIterator, Optional

import aiohttp
from aiohttp import web

from bot.devtools.customer_input import InvalidCustomerInput, parse_customer_input
from bot.devtools.graph_standin import GraphStandin
from bot.devtools.messenger_connector import ConnectorUnreachable, MessengerConnector, webhook_url
from bot.devtools.sms_outbox import SmsOutboxUnavailable, latest_sms
from bot.privacy.pseudonyms import pseudonym
from bot.settings import Settings, get_settings

logger = logging.getLogger(__name__)

PREFIX = "/sandbox"
GRAPH_PREFIX = "/graph"
PAGE_ID = "sandbox-page"
SMS_SHOWN = 5
OUTBOUND_TIMEOUT_SECONDS = 10
STATIC_DIR = Path(__file__).resolve().parent / "static" / "sandbox"

SETTINGS = web.AppKey("settings", Settings)
STANDIN = web.AppKey("graph_standin", GraphStandin)
SESSION = web.AppKey("client_session", aiohttp.ClientSession)
CONNECTOR = web.AppKey("messenger_connector", MessengerConnector)

# The page loads its own script and style only; images may come from anywhere on https (carousels).
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' https: data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def serve(host: str, port: int) -> None:
    """The branch web service with the sandbox at /sandbox (`make sandbox`)."""
    from bot.web.app import serve as serve_web

    settings = get_settings()
    if "FB_APP_SECRET" not in settings.demo_secrets_in_use:
        logger.warning("The Messenger sandbox signs webhooks with the real app secret: never run it in production")
    print(f"Messenger sandbox: http://{host}:{port}{PREFIX}", flush=True)
    serve_web(host, port, extra_areas=[mount], settings=settings)


def mount(app: web.Application, settings: Settings) -> None:
    """Serves the sandbox under /sandbox of `app`."""
    app.router.add_get(PREFIX, page)  # /sandbox itself; the sub-app answers /sandbox/...
    app.add_subapp(PREFIX, sandbox_app(settings))


def sandbox_app(settings: Settings) -> web.Application:
    standin = GraphStandin(page_access_token=settings.fb_page_access_token)
    sandbox = web.Application()
    sandbox[SETTINGS] = settings
    sandbox[STANDIN] = standin
    sandbox.cleanup_ctx.append(_outbound_client)
    sandbox.router.add_get("/", page)
    sandbox.router.add_static("/static/", STATIC_DIR, append_version=False)
    sandbox.router.add_post("/api/messages", post_message)
    sandbox.router.add_get("/api/sms-outbox", sms_outbox)
    sandbox.add_subapp(GRAPH_PREFIX, standin.app())
    return sandbox


async def _outbound_client(sandbox: web.Application) -> AsyncIterator[None]:
    settings = sandbox[SETTINGS]
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=OUTBOUND_TIMEOUT_SECONDS))
    sandbox[SESSION] = session
    sandbox[CONNECTOR] = MessengerConnector(session, webhook_url(settings.rasa_url), settings.fb_app_secret)
    yield
    await session.close()


async def page(_: web.Request) -> web.FileResponse:
    return web.FileResponse(
        STATIC_DIR / "index.html",
        headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY, "Cache-Control": "no-store"},
    )


async def post_message(request: web.Request) -> web.Response:
    """The customer typed or tapped: Meta's webhook for it goes to the connector, signed."""
    refused = _refuse_cross_site(request)
    if refused is not None:
        return refused
    if request.content_type != "application/json":
        return _error(415, "unsupported_media_type", "send the message as application/json")
    try:
        data = await request.json()
    except ValueError:
        return _error(400, "invalid_request", "the body is not JSON")
    try:
        customer_input = parse_customer_input(data)
    except InvalidCustomerInput as exc:
        return _error(400, "invalid_request", str(exc))
    mid = f"m_sandbox_{uuid.uuid4().hex}"
    request.app[STANDIN].customer_wrote(customer_input.psid)  # Meta's messaging window opens now, as it would
    connector = request.app[CONNECTOR]
    try:
        answer = await connector.post(customer_input.webhook_body(PAGE_ID, mid))
    except ConnectorUnreachable as exc:
        logger.warning("Sandbox: %s", exc)
        return _error(502, "connector_unreachable", f"the Rasa server's Messenger webhook {exc}; is Rasa running?")
    if not answer.accepted:
        logger.warning("Sandbox: the connector refused a message for %s: HTTP %s %s",
                       pseudonym(customer_input.psid), answer.status, answer.message)
        return _error(502, "connector_refused", f"the Messenger webhook answered HTTP {answer.status}: {answer.message}")
    return web.json_response({"mid": mid}, status=202, headers={"Cache-Control": "no-store"})


async def sms_outbox(request: web.Request) -> web.Response:
    """Dev only: the mock bank's newest text messages, so the developer can read the one-time code."""
    settings = request.app[SETTINGS]
    if not settings.core_banking_dev_mode:
        return _error(404, "not_found", "the SMS outbox exists in development only (CORE_BANKING_DEV_MODE)")
    try:
        messages = await latest_sms(request.app[SESSION], settings.core_banking_url, SMS_SHOWN)
    except SmsOutboxUnavailable as exc:
        return _error(exc.status, "sms_outbox_unavailable", str(exc))
    return web.json_response({"messages": [m.as_json() for m in messages]}, headers={"Cache-Control": "no-store"})


def _refuse_cross_site(request: web.Request) -> Optional[web.Response]:
    """Only the sandbox page itself may post: another site open in the developer's browser may not."""
    origin = request.headers.get("Origin")
    if origin is None:  # not sent by a browser, or a same-origin request of an older one
        return None
    _, _, origin_host = origin.partition("://")
    if origin_host and origin_host == request.host:
        return None
    return _error(403, "forbidden", "only the sandbox page may post messages")


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status,
                             headers={"Cache-Control": "no-store"})
