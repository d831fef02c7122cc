"""What the console keeps on its application and on each request."""
from __future__ import annotations

from aiohttp import web

from bot.settings import Settings
from bot.staff.store import StaffStore

PREFIX = "/console"
API_PREFIX = f"{PREFIX}/api/"
STATIC_PREFIX = f"{PREFIX}/static/"
LOGIN_PATH = f"{PREFIX}/login"
HOME_PATH = f"{PREFIX}/"

SESSION_COOKIE = "console_session"
LOGIN_CSRF_COOKIE = "console_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"

SETTINGS = web.AppKey("console_settings", Settings)
STORE = web.AppKey("staff_store", StaffStore)

# Request keys (plain strings: aiohttp 3.9 has no typed request keys)
REQUEST_SESSION = "console.session"  # Optional[ActiveSession]
REQUEST_SESSION_ID = "console.session_id"  # the cookie's value, "" when none
REQUEST_LOGIN_CSRF = "console.login_csrf"  # the pre-session token the login form carries
