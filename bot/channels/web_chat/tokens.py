"""Signed web chat sessions: the branch web service issues them, the Rasa server's socket.io channel checks them.

A token is a short-lived JWT (HS256, WEB_CHAT_JWT_SECRET) whose `sub` is a random 128-bit session id.
The session id is the conversation's sender id in Rasa: a browser can only talk in, or read, the
conversation whose token it holds; knowing (or guessing) a session id is not enough.

A token is also bound to the browser it was issued to, so a token copied elsewhere is useless:

* `origin`: the site origin of the page that asked for it; the socket must come from that origin.
* `cnf.cookie`: the SHA-256 of a random value the web service sets beside the token in an HttpOnly
  cookie (`COOKIE_NAME`, SameSite=Strict, Secure on https). Page scripts cannot read it; the browser
  sends it with the socket's handshake, and the socket is refused without it.

A token is renewed (same session) only while it is still valid, with its cookie, from its origin;
an expired one starts a new conversation.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Optional

import jwt

ALGORITHM = "HS256"
AUDIENCE = "branch-web-chat"
ISSUER = "branch-web"
SESSION_ID_HEX_LENGTH = 32  # 128 bits
COOKIE_NAME = "branch_web_chat"
BINDING_BYTES = 32


class InvalidWebChatToken(ValueError):
    """The token is missing, forged, expired or not a web chat token."""


@dataclass(frozen=True)
class WebChatSession:
    session_id: str
    token: str
    expires_at: int  # seconds since the epoch
    binding: str = ""  # the cookie's value: set as an HttpOnly cookie, never sent in a response body

    def __repr__(self) -> str:  # keeps the token and the cookie out of logs
        return f"WebChatSession(expires_at={self.expires_at})"


@dataclass(frozen=True)
class WebChatClaims:
    """What a genuine, current token says: its session, and the browser it belongs to."""

    session_id: str
    origin: str
    binding_digest: str
    expires_at: int

    def held_by(self, origin: Optional[str], binding: Optional[str]) -> bool:
        """True when the client presenting the token is on the token's origin and has its cookie."""
        if not origin or not binding or normalized_origin(origin) != self.origin:
            return False
        return hmac.compare_digest(binding_digest(binding), self.binding_digest)


def new_session_id() -> str:
    return secrets.token_hex(SESSION_ID_HEX_LENGTH // 2)


def new_binding() -> str:
    return secrets.token_urlsafe(BINDING_BYTES)


def binding_digest(binding: str) -> str:
    digest = hashlib.sha256(binding.encode("utf-8", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def normalized_origin(origin: str) -> str:
    return origin.strip().rstrip("/").lower()


def issue(secret: str, ttl_seconds: int, origin: str, binding: Optional[str] = None,
          session_id: Optional[str] = None, now: Optional[float] = None) -> WebChatSession:
    """A token for `session_id` (a new random one by default), valid `ttl_seconds`, bound to `origin`
    and to the cookie value `binding` (a new random one by default)."""
    session_id = session_id or new_session_id()
    binding = binding or new_binding()
    issued_at = int(now if now is not None else time.time())
    expires_at = issued_at + ttl_seconds
    claims = {"sub": session_id, "aud": AUDIENCE, "iss": ISSUER, "iat": issued_at, "exp": expires_at,
              "origin": normalized_origin(origin), "cnf": {"cookie": binding_digest(binding)}}
    return WebChatSession(session_id, jwt.encode(claims, secret, algorithm=ALGORITHM), expires_at, binding)


def verify(token: object, secret: str) -> WebChatClaims:
    """What `token` says; raises InvalidWebChatToken unless it is genuine, current and bound to a browser."""
    if not isinstance(token, str) or not token:
        raise InvalidWebChatToken("no token")
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER,
            options={"require": ["sub", "exp", "iat", "aud", "iss", "origin", "cnf"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidWebChatToken(str(exc)) from exc
    session_id, origin, confirmation = claims.get("sub"), claims.get("origin"), claims.get("cnf")
    if not isinstance(session_id, str) or len(session_id) != SESSION_ID_HEX_LENGTH:
        raise InvalidWebChatToken("not a web chat session")
    digest = confirmation.get("cookie") if isinstance(confirmation, dict) else None
    if not isinstance(origin, str) or not origin or not isinstance(digest, str) or not digest:
        raise InvalidWebChatToken("not bound to a browser")
    return WebChatClaims(session_id, origin, digest, int(claims["exp"]))


def binding_from_cookies(header: Optional[str]) -> Optional[str]:
    """The binding cookie's value in a `Cookie` header (several headers may have been joined with commas)."""
    if not header:
        return None
    for part in header.replace(",", ";").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE_NAME and value:
            return value.strip().strip('"')
    return None
