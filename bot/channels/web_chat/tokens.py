"""Signed web chat sessions: the branch web service issues them, the Rasa server's socket.io channel checks them.

A token is a short-lived JWT (HS256, WEB_CHAT_JWT_SECRET) whose `sub` is a random 128-bit session id.
The session id is the conversation's sender id in Rasa: a browser can only talk in, or read, the
conversation whose token it holds; knowing (or guessing) a session id is not enough.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Optional

import jwt

ALGORITHM = "HS256"
AUDIENCE = "branch-web-chat"
ISSUER = "branch-web"
SESSION_ID_HEX_LENGTH = 32  # 128 bits


class InvalidWebChatToken(ValueError):
    """The token is missing, forged, expired or not a web chat token."""


@dataclass(frozen=True)
class WebChatSession:
    session_id: str
    token: str
    expires_at: int  # seconds since the epoch


def new_session_id() -> str:
    return secrets.token_hex(SESSION_ID_HEX_LENGTH // 2)


def issue(secret: str, ttl_seconds: int, session_id: Optional[str] = None, now: Optional[float] = None) -> WebChatSession:
    """A token for `session_id` (a new random one by default), valid `ttl_seconds`."""
    session_id = session_id or new_session_id()
    issued_at = int(now if now is not None else time.time())
    expires_at = issued_at + ttl_seconds
    claims = {"sub": session_id, "aud": AUDIENCE, "iss": ISSUER, "iat": issued_at, "exp": expires_at}
    return WebChatSession(session_id, jwt.encode(claims, secret, algorithm=ALGORITHM), expires_at)


def verify(token: object, secret: str, leeway_seconds: int = 0) -> str:
    """The session id `token` was issued for; raises InvalidWebChatToken unless it is genuine and current.

    `leeway_seconds` accepts a token expired that long ago (to renew a session, never to connect).
    """
    if not isinstance(token, str) or not token:
        raise InvalidWebChatToken("no token")
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER,
            leeway=leeway_seconds, options={"require": ["sub", "exp", "iat", "aud", "iss"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidWebChatToken(str(exc)) from exc
    session_id = claims.get("sub")
    if not isinstance(session_id, str) or len(session_id) != SESSION_ID_HEX_LENGTH:
        raise InvalidWebChatToken("not a web chat session")
    return session_id
