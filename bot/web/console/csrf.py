"""CSRF protection for the console: a token in every form, checked on every POST, and an Origin check.

Logged in, the token belongs to the session (`csrf_token(request)`); on the login form it is a
pre-session token also set as a cookie (Path=/console/login), and the two must match.
Scripts send the token in the X-CSRF-Token header instead of a form field.
"""
from __future__ import annotations

import hmac
import secrets
from typing import Mapping, Optional

from aiohttp import web

from bot.web.console.keys import (
    CSRF_FIELD,
    CSRF_HEADER,
    LOGIN_CSRF_COOKIE,
    LOGIN_PATH,
    REQUEST_LOGIN_CSRF,
    REQUEST_SESSION,
)

TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 128


def csrf_token(request: web.Request) -> str:
    """The token to put in a form's hidden `csrf_token` input (or a script's X-CSRF-Token header)."""
    session = request.get(REQUEST_SESSION)
    if session is not None:
        return session.csrf_token
    token = request.get(REQUEST_LOGIN_CSRF)
    if not token:
        token = _valid_token(request.cookies.get(LOGIN_CSRF_COOKIE)) or secrets.token_urlsafe(TOKEN_BYTES)
        request[REQUEST_LOGIN_CSRF] = token
    return token


def check_csrf(request: web.Request, form: Optional[Mapping[str, object]] = None) -> bool:
    """True when the request carries the right token (form field, else header), compared in constant time."""
    submitted = _valid_token(form.get(CSRF_FIELD) if form is not None else None)
    if submitted is None:
        submitted = _valid_token(request.headers.get(CSRF_HEADER))
    if submitted is None:
        return False
    session = request.get(REQUEST_SESSION)
    if session is not None and hmac.compare_digest(submitted.encode(), session.csrf_token.encode()):
        return True
    if request.path == LOGIN_PATH:
        expected = _valid_token(request.cookies.get(LOGIN_CSRF_COOKIE))
        return expected is not None and hmac.compare_digest(submitted.encode(), expected.encode())
    return False


def origin_is_foreign(request: web.Request) -> bool:
    """True when the Origin header names another site than this one (or is opaque, "null")."""
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    scheme, sep, host = origin.partition("://")
    if not sep or not host:
        return True
    return host.lower() != request.host.lower()


def _valid_token(value: object) -> Optional[str]:
    if not isinstance(value, str) or not value or len(value) > MAX_TOKEN_LENGTH:
        return None
    return value
