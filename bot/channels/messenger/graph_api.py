"""Calls to Meta's Graph API for the page: one request, retried when retrying can help.

Shared by the Send API client (`send_api.py`), the handover protocol client
(`handover.py`) and the page setup (`messenger_profile.py`).

Retried, with exponential backoff and jitter, within `RetryPolicy.max_attempts`
attempts and `RetryPolicy.total_seconds` overall:

- HTTP 5xx, 408 and 429, a timeout, a connection error;
- Graph errors Meta calls temporary: 1 (unknown, possibly downtime), 2 (service
  temporarily unavailable), 1200 (temporary send message failure), and the rate
  limits 4, 17, 32, 341, 613 and 80006 (business use case).

Everything else is permanent and is not retried: 551 (this person isn't
available right now), 10 (permission; subcode 2018278: sent outside the allowed
window; subcode 1893063: the page is restricted from sending messages, never
retried whatever the HTTP status, see `page_health.py`), 100 (invalid parameter), 190 (invalid access token), 200-299
(permissions), and any other 4xx. Permanent failures are logged with the
Graph code and subcode and the PSID as a pseudonym; the access token and the
message are never logged.

A request that timed out may have reached Meta: retrying it may, rarely, send
a message twice (the Send API has no idempotency key). A customer seeing a
reply twice is better than one never seeing it.
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
import weakref
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict, Mapping, Optional

import aiohttp

from bot.privacy.pseudonyms import pseudonym

if TYPE_CHECKING:
    from bot.settings import Settings

logger = logging.getLogger(__name__)

# Graph error codes Meta documents as temporary (retry later) or as rate limits.
TRANSIENT_CODES = frozenset({1, 2, 4, 17, 32, 341, 613, 1200, 80006})
# Temporary-looking codes whose subcode says retrying will not help.
PERMANENT_SUBCODES = frozenset({
    (1, 99), (2, 2018344),  # missing permissions; privacy ToS not accepted
    (10, 1893063),  # the page is restricted from sending messages (even when Meta answers it with a 5xx)
})
TRANSIENT_STATUSES = frozenset({408, 429})

_DESCRIPTIONS = {
    (10, 2018278): "sent outside the allowed messaging window",
    (10, 1893063): "Meta restricts the page from sending messages",
    (551, None): "this person isn't available right now",
    (10, None): "permission denied",
    (100, None): "invalid parameter",
    (190, None): "invalid or expired page access token",
    (200, None): "missing permission",
    (613, None): "rate limited",
    (4, None): "rate limited",
    (1200, None): "temporary send failure",
    (2, None): "temporary service error",
}


def describe_error(code: Optional[int], subcode: Optional[int]) -> str:
    """A short English description of a Graph error code, for logs and command output."""
    return _DESCRIPTIONS.get((code or 0, subcode)) or _DESCRIPTIONS.get((code or 0, None)) or "Graph API error"


def is_transient(status: Optional[int], code: Optional[int], subcode: Optional[int]) -> bool:
    """Whether a failed call may succeed if tried again (status None: no HTTP answer at all)."""
    if code is not None and (code, subcode) in PERMANENT_SUBCODES:
        return False
    if code is not None and code in TRANSIENT_CODES:
        return True
    return status is None or status >= 500 or status in TRANSIENT_STATUSES


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long a Graph call is retried.

    The wait before retry n (1, 2, ...) is drawn between half and all of
    `min(max_delay_seconds, base_delay_seconds * 2 ** (n - 1))` ("equal jitter"),
    or Meta's `Retry-After` when it says more (up to `max_delay_seconds`).
    No retry starts after `total_seconds` from the first attempt.
    """

    max_attempts: int = 4
    base_delay_seconds: float = 0.5
    max_delay_seconds: float = 8.0
    total_seconds: float = 30.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay_seconds < 0 or self.max_delay_seconds < 0 or self.total_seconds <= 0:
            raise ValueError("delays must not be negative and total_seconds must be positive")

    @classmethod
    def from_settings(cls, settings: "Settings") -> "RetryPolicy":
        return cls(
            max_attempts=settings.send_api_max_attempts,
            base_delay_seconds=settings.send_api_retry_base_ms / 1000,
            max_delay_seconds=settings.send_api_retry_max_ms / 1000,
            total_seconds=float(settings.send_api_retry_budget_seconds),
        )

    def delay(self, retry: int, rng: random.Random) -> float:
        ceiling = min(self.max_delay_seconds, self.base_delay_seconds * (2 ** (retry - 1)))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


@dataclass(frozen=True)
class GraphResult:
    """What became of one Graph call (after its retries).

    ok          Meta accepted it (`body` is Meta's answer).
    permanent   trying again will not help: Meta refused for good, or it was refused locally.
    refused     why it was not sent at all, when it was refused locally (no HTTP request made).
    status      the HTTP status of the last attempt (None: no answer, or nothing sent).
    code, subcode, error_message   the Graph error of the last attempt.
    attempts    how many HTTP requests were made.
    """

    ok: bool
    status: Optional[int] = None
    body: Dict[str, Any] = field(default_factory=dict)
    code: Optional[int] = None
    subcode: Optional[int] = None
    error_message: Optional[str] = None
    attempts: int = 0
    permanent: bool = False
    refused: Optional[str] = None

    @property
    def message_id(self) -> Optional[str]:
        value = self.body.get("message_id") if self.ok else None
        return str(value) if value is not None else None

    @property
    def description(self) -> str:
        if self.ok:
            return "ok"
        if self.refused:
            return f"not sent: {self.refused}"
        if self.status is None and self.code is None:
            return "Graph API unreachable"
        return describe_error(self.code, self.subcode)

    @classmethod
    def refused_locally(cls, reason: str) -> "GraphResult":
        return cls(ok=False, permanent=True, refused=reason)


@dataclass(frozen=True)
class Upload:
    """A multipart/form-data body: text `fields` and one file (Meta's `filedata`), built afresh for each attempt."""

    fields: Mapping[str, str]
    data: bytes
    filename: str
    content_type: str
    file_field: str = "filedata"

    def form(self) -> aiohttp.FormData:
        form = aiohttp.FormData()
        for name, value in self.fields.items():
            form.add_field(name, value)
        form.add_field(self.file_field, self.data, filename=self.filename, content_type=self.content_type)
        return form


@dataclass(frozen=True)
class _Answer:
    status: Optional[int]
    body: Dict[str, Any]
    failure: Optional[str] = None  # exception name when there was no HTTP answer
    retry_after: Optional[float] = None

    @property
    def error(self) -> Dict[str, Any]:
        error = self.body.get("error")
        return error if isinstance(error, dict) else {}


Sleep = Callable[[float], Awaitable[None]]


class GraphApi:
    """The page's client of `{graph_api_url}` (e.g. https://graph.facebook.com/v25.0), with retries.

    The access token goes in the `access_token` query parameter, as Meta's
    Messenger Platform documents it; it is never logged (nor is the URL, nor an
    exception's text, which may carry the URL). One aiohttp session per event loop.
    `sleep` and `rng` can be given to observe or pin the backoff.
    """

    def __init__(
        self,
        graph_api_url: str,
        access_token: str,
        timeout_seconds: float = 10,
        retry: Optional[RetryPolicy] = None,
        *,
        sleep: Sleep = asyncio.sleep,
        rng: Optional[random.Random] = None,
    ) -> None:
        self.base_url = graph_api_url.rstrip("/")
        self._token = access_token
        self._timeout_seconds = float(timeout_seconds)
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()
        # One session per event loop: the webhook's loop and the dialogues' (dialogue_thread.py) both call.
        self._sessions: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession]" = (
            weakref.WeakKeyDictionary()
        )

    @classmethod
    def from_settings(cls, settings: "Settings") -> "GraphApi":
        return cls(
            settings.fb_graph_api_url,
            settings.fb_page_access_token,
            settings.send_api_timeout_seconds,
            RetryPolicy.from_settings(settings),
        )

    async def post(self, path: str, body: Mapping[str, Any], *, recipient_id: Optional[str] = None) -> GraphResult:
        return await self.call("POST", path, body=body, recipient_id=recipient_id)

    async def post_upload(self, path: str, upload: Upload, *, recipient_id: Optional[str] = None) -> GraphResult:
        """A multipart POST with a file (the Send API's attachment upload), retried like any call."""
        return await self.call("POST", path, upload=upload, recipient_id=recipient_id)

    async def get(self, path: str, params: Optional[Mapping[str, str]] = None, *,
                  recipient_id: Optional[str] = None) -> GraphResult:
        return await self.call("GET", path, params=params, recipient_id=recipient_id)

    async def delete(self, path: str, body: Mapping[str, Any]) -> GraphResult:
        return await self.call("DELETE", path, body=body)

    async def call(
        self,
        method: str,
        path: str,
        *,
        body: Optional[Mapping[str, Any]] = None,
        params: Optional[Mapping[str, str]] = None,
        recipient_id: Optional[str] = None,
        upload: Optional[Upload] = None,
    ) -> GraphResult:
        """`method` on `{graph_api_url}/{path}`, retried as the module says. Never raises for HTTP or network trouble."""
        who = pseudonym(recipient_id) if recipient_id else "the page"
        shown = path.replace(recipient_id, who) if recipient_id else path  # a PSID in the path is logged as a pseudonym
        deadline = time.monotonic() + self.retry.total_seconds
        attempt = 0
        while True:
            attempt += 1
            timeout = max(0.05, min(self._timeout_seconds, deadline - time.monotonic()))
            answer = await self._request(method, path, body, params, timeout, upload)
            if answer.status is not None and answer.status < 300:
                return GraphResult(ok=True, status=answer.status, body=answer.body, attempts=attempt)

            error = answer.error
            code, subcode = _int_or_none(error.get("code")), _int_or_none(error.get("error_subcode"))
            message = str(error.get("message") or answer.failure or "")
            result = GraphResult(
                ok=False, status=answer.status, body=answer.body, code=code, subcode=subcode,
                error_message=message, attempts=attempt,
            )
            if not is_transient(answer.status, code, subcode):
                logger.warning(
                    "Graph %s %s for %s refused for good: HTTP %s, code %s, subcode %s (%s): %s",
                    method, shown, who, answer.status, code, subcode, describe_error(code, subcode), message,
                )
                return replace(result, permanent=True)

            delay = self.retry.delay(attempt, self._rng)
            if answer.retry_after is not None:
                delay = max(delay, min(answer.retry_after, self.retry.max_delay_seconds))
            if attempt >= self.retry.max_attempts or time.monotonic() + delay >= deadline:
                logger.warning(
                    "Graph %s %s for %s failed after %d attempt(s): HTTP %s, code %s, subcode %s: %s",
                    method, shown, who, attempt, answer.status, code, subcode, message,
                )
                return result
            logger.info(
                "Graph %s %s for %s failed (HTTP %s, code %s, subcode %s: %s); retry %d in %.2fs",
                method, shown, who, answer.status, code, subcode, message, attempt, delay,
            )
            await self._sleep(delay)

    async def close(self) -> None:
        """Closes the running loop's session (each loop closes its own)."""
        session = self._sessions.pop(asyncio.get_running_loop(), None)
        if session is not None and not session.closed:
            await session.close()

    async def _request(
        self,
        method: str,
        path: str,
        body: Optional[Mapping[str, Any]],
        params: Optional[Mapping[str, str]],
        timeout: float,
        upload: Optional[Upload] = None,
    ) -> _Answer:
        url = f"{self.base_url}/{path.lstrip('/')}"
        query = {**(params or {}), "access_token": self._token}
        payload: Dict[str, Any] = (
            {"data": upload.form()} if upload is not None else {"json": None if body is None else dict(body)}
        )
        try:
            async with self._client().request(
                method, url, params=query, **payload,
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as resp:
                return _Answer(resp.status, await _json_body(resp), retry_after=_retry_after(resp))
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            # The exception's text may carry the URL, and so the token: only its type is kept.
            return _Answer(None, {}, failure=type(exc).__name__)

    def _client(self) -> aiohttp.ClientSession:
        # Sessions are made in the loop that uses them (Sanic may start its loop after this object is built).
        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None or session.closed:
            session = self._sessions[loop] = aiohttp.ClientSession()
        return session


async def _json_body(resp: aiohttp.ClientResponse) -> Dict[str, Any]:
    try:
        body = await resp.json(content_type=None)
    except (ValueError, aiohttp.ClientError, asyncio.TimeoutError):
        return {}
    return body if isinstance(body, dict) else {}


def _retry_after(resp: aiohttp.ClientResponse) -> Optional[float]:
    raw = resp.headers.get("Retry-After")
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except ValueError:
        return None


def _int_or_none(value: Any) -> Optional[int]:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
