"""The one place that reads the environment (and `.env`).

Every process (Rasa server, action server, core bank, tools) gets its
configuration from `get_settings()`. Defaults are demo values so that
`make run` works with no `.env`; production sets real ones.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Optional

from dotenv import dotenv_values

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Meta's Graph API, pinned to one version so payloads do not change under us.
GRAPH_API_VERSION = "v21.0"
META_GRAPH_API_URL = f"https://graph.facebook.com/{GRAPH_API_VERSION}"

DEMO_SECRET_PREFIX = "demo-"

logger = logging.getLogger(__name__)


class SettingsError(ValueError):
    """A setting has a value that cannot be used."""


def _read(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name)
    return default if value is None or value == "" else value


def _read_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = _read(env, name, str(default))
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from exc
    if value <= 0:
        raise SettingsError(f"{name} must be positive, not {value}")
    return value


def _read_money(env: Mapping[str, str], name: str, default: Decimal) -> Decimal:
    raw = _read(env, name, str(default))
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise SettingsError(f"{name} must be an amount such as 250.00, not {raw!r}") from exc
    if not value.is_finite() or value <= 0:
        raise SettingsError(f"{name} must be a positive amount, not {raw!r}")
    return value.quantize(Decimal("0.01"))


def _read_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = _read(env, name, "true" if default else "false").strip().lower()
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


def _sqlite_url(relative_path: str) -> str:
    return f"sqlite:///{PROJECT_ROOT / relative_path}"


@dataclass(frozen=True)
class Settings:
    # Messenger (Meta)
    fb_verify_token: str = "demo-verify-token"
    fb_app_secret: str = "demo-app-secret"
    fb_page_access_token: str = "demo-page-access-token"
    fb_graph_api_url: str = META_GRAPH_API_URL
    send_api_timeout_seconds: int = 10
    # Graph API calls (Send API, handover, page setup): retries with exponential backoff and jitter.
    send_api_max_attempts: int = 4
    send_api_retry_base_ms: int = 500
    send_api_retry_max_ms: int = 8000
    send_api_retry_budget_seconds: int = 30
    # Handover protocol: pass the conversation to the Page Inbox (Meta's app id by default).
    fb_handover_enabled: bool = False
    fb_page_inbox_app_id: str = "263902037430900"
    # Dialogues (Messenger, web chat) run in a thread of their own, so the webhook is answered at once
    # (bot/channels/dialogue_thread.py, bench/README.md).
    dialogue_thread: bool = True

    # Core bank (the mock core-banking service) and its client
    core_banking_url: str = "http://127.0.0.1:8000"
    core_banking_database_url: str = field(default_factory=lambda: _sqlite_url("var/core_bank.db"))
    core_banking_secret: str = "demo-core-banking-secret"
    core_banking_dev_mode: bool = True
    core_banking_timeout_seconds: int = 10
    otp_ttl_seconds: int = 300
    otp_max_failures: int = 5
    otp_lock_seconds: int = 1800
    otp_challenges_per_window: int = 5
    otp_challenge_window_seconds: int = 900
    access_token_ttl_seconds: int = 900
    # Transfer limits in EUR, enforced by the core bank.
    transfer_limit_per_transfer: Decimal = Decimal("250.00")
    transfer_limit_daily: Decimal = Decimal("500.00")

    # Rasa server
    rasa_url: str = "http://127.0.0.1:5005"

    # Web chat on the demo bank site: the web service signs short-lived session tokens (JWT, HS256)
    # that the Rasa server's socket.io channel checks; only these site origins may connect.
    web_chat_jwt_secret: str = "demo-web-chat-jwt-secret-change-me-in-production"
    web_chat_token_ttl_seconds: int = 1800
    web_chat_origins: tuple[str, ...] = ("http://127.0.0.1:8080", "http://localhost:8080")
    web_chat_socket_url: str = ""  # the Rasa server as browsers reach it; empty: RASA_URL
    web_chat_sessions_per_minute: int = 20  # POST /api/chat-session per client IP (sliding minute), then 429

    # The branch's own database (staff accounts and sessions, handoff queue, audit log): bot/branch_db.py
    branch_database_url: str = field(default_factory=lambda: _sqlite_url("var/branch.db"))
    # Staff console (/console): session lifetime and cookie
    staff_session_idle_seconds: int = 1800
    staff_session_max_seconds: int = 28800
    staff_cookie_secure: bool = False  # true behind HTTPS; false lets the console work on http://127.0.0.1
    # Handoff to staff (bot/handoff/): the Rasa HTTP API token (rasa run --auth-token) and the answer-time target
    rasa_api_token: str = "demo-rasa-api-token"
    handoff_sla_minutes: int = 30

    # The compliance archive (bot/archive/): its own database, and how long rows are kept (6 years)
    archive_database_url: str = field(default_factory=lambda: _sqlite_url("var/archive.db"))
    archive_retention_days: int = 2192
    # A handoff whose customer wrote nothing for this long is closed and the bot resumed; keep it below
    # domain.yml's session_expiration_time (60): a new Rasa session would end the pause on its own.
    handoff_idle_close_minutes: int = 55

    # Production profile (README "Operations"): Messenger state shared by every Rasa instance in Redis
    # (message ids seen, offered payloads, messaging windows, the durable inbox). Empty: in memory, one instance.
    redis_url: str = ""
    redis_key_prefix: str = "fbbranch:"
    # An inbox entry a consumer took but did not finish for this long is claimed by another instance.
    inbox_claim_idle_seconds: int = 60

    @property
    def demo_secrets_in_use(self) -> list[str]:
        """Names of secrets still on their demo value (fine for `make run`, not for production)."""
        secrets = {
            "FB_APP_SECRET": self.fb_app_secret,
            "FB_VERIFY_TOKEN": self.fb_verify_token,
            "FB_PAGE_ACCESS_TOKEN": self.fb_page_access_token,
            "CORE_BANKING_SECRET": self.core_banking_secret,
            "RASA_API_TOKEN": self.rasa_api_token,
        }
        return [name for name, value in secrets.items() if value.startswith(DEMO_SECRET_PREFIX)]

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        """Builds settings from `env` (default: `.env` under the process environment)."""
        if env is None:
            env = {**dotenv_values(PROJECT_ROOT / ".env"), **os.environ}
        d = cls()
        return cls(
            fb_verify_token=_read(env, "FB_VERIFY_TOKEN", d.fb_verify_token),
            fb_app_secret=_read(env, "FB_APP_SECRET", d.fb_app_secret),
            fb_page_access_token=_read(env, "FB_PAGE_ACCESS_TOKEN", d.fb_page_access_token),
            fb_graph_api_url=_read(env, "FB_GRAPH_API_URL", d.fb_graph_api_url).rstrip("/"),
            send_api_timeout_seconds=_read_int(env, "SEND_API_TIMEOUT_SECONDS", d.send_api_timeout_seconds),
            send_api_max_attempts=_read_int(env, "SEND_API_MAX_ATTEMPTS", d.send_api_max_attempts),
            send_api_retry_base_ms=_read_int(env, "SEND_API_RETRY_BASE_MS", d.send_api_retry_base_ms),
            send_api_retry_max_ms=_read_int(env, "SEND_API_RETRY_MAX_MS", d.send_api_retry_max_ms),
            send_api_retry_budget_seconds=_read_int(
                env, "SEND_API_RETRY_BUDGET_SECONDS", d.send_api_retry_budget_seconds
            ),
            fb_handover_enabled=_read_bool(env, "FB_HANDOVER_ENABLED", d.fb_handover_enabled),
            fb_page_inbox_app_id=_read(env, "FB_PAGE_INBOX_APP_ID", d.fb_page_inbox_app_id),
            dialogue_thread=_read_bool(env, "DIALOGUE_THREAD", d.dialogue_thread),
            core_banking_url=_read(env, "CORE_BANKING_URL", d.core_banking_url).rstrip("/"),
            core_banking_database_url=_read(env, "CORE_BANKING_DATABASE_URL", d.core_banking_database_url),
            core_banking_secret=_read(env, "CORE_BANKING_SECRET", d.core_banking_secret),
            core_banking_dev_mode=_read_bool(env, "CORE_BANKING_DEV_MODE", d.core_banking_dev_mode),
            core_banking_timeout_seconds=_read_int(env, "CORE_BANKING_TIMEOUT_SECONDS", d.core_banking_timeout_seconds),
            otp_ttl_seconds=_read_int(env, "OTP_TTL_SECONDS", d.otp_ttl_seconds),
            otp_max_failures=_read_int(env, "OTP_MAX_FAILURES", d.otp_max_failures),
            otp_lock_seconds=_read_int(env, "OTP_LOCK_SECONDS", d.otp_lock_seconds),
            otp_challenges_per_window=_read_int(env, "OTP_CHALLENGES_PER_WINDOW", d.otp_challenges_per_window),
            otp_challenge_window_seconds=_read_int(
                env, "OTP_CHALLENGE_WINDOW_SECONDS", d.otp_challenge_window_seconds
            ),
            access_token_ttl_seconds=_read_int(env, "ACCESS_TOKEN_TTL_SECONDS", d.access_token_ttl_seconds),
            transfer_limit_per_transfer=_read_money(
                env, "TRANSFER_LIMIT_PER_TRANSFER", d.transfer_limit_per_transfer
            ),
            transfer_limit_daily=_read_money(env, "TRANSFER_LIMIT_DAILY", d.transfer_limit_daily),
            rasa_url=_read(env, "RASA_URL", d.rasa_url).rstrip("/"),
            web_chat_jwt_secret=_read(env, "WEB_CHAT_JWT_SECRET", d.web_chat_jwt_secret),
            web_chat_token_ttl_seconds=_read_int(env, "WEB_CHAT_TOKEN_TTL_SECONDS", d.web_chat_token_ttl_seconds),
            web_chat_origins=tuple(
                o.strip().rstrip("/") for o in _read(env, "WEB_CHAT_ORIGINS", ",".join(d.web_chat_origins)).split(",")
                if o.strip()
            ),
            web_chat_socket_url=_read(env, "WEB_CHAT_SOCKET_URL", d.web_chat_socket_url).rstrip("/"),
            web_chat_sessions_per_minute=_read_int(
                env, "WEB_CHAT_SESSIONS_PER_MINUTE", d.web_chat_sessions_per_minute),
            branch_database_url=_read(env, "BRANCH_DATABASE_URL", d.branch_database_url),
            staff_session_idle_seconds=_read_int(env, "STAFF_SESSION_IDLE_SECONDS", d.staff_session_idle_seconds),
            staff_session_max_seconds=_read_int(env, "STAFF_SESSION_MAX_SECONDS", d.staff_session_max_seconds),
            staff_cookie_secure=_read_bool(env, "STAFF_COOKIE_SECURE", d.staff_cookie_secure),
            rasa_api_token=_read(env, "RASA_API_TOKEN", d.rasa_api_token),
            handoff_sla_minutes=_read_int(env, "HANDOFF_SLA_MINUTES", d.handoff_sla_minutes),
            archive_database_url=_read(env, "ARCHIVE_DATABASE_URL", d.archive_database_url),
            archive_retention_days=_read_int(env, "ARCHIVE_RETENTION_DAYS", d.archive_retention_days),
            handoff_idle_close_minutes=_read_int(env, "HANDOFF_IDLE_CLOSE_MINUTES", d.handoff_idle_close_minutes),
            redis_url=_read(env, "REDIS_URL", d.redis_url),
            redis_key_prefix=_read(env, "REDIS_KEY_PREFIX", d.redis_key_prefix),
            inbox_claim_idle_seconds=_read_int(env, "INBOX_CLAIM_IDLE_SECONDS", d.inbox_claim_idle_seconds),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once."""
    settings = Settings.from_env()
    if settings.demo_secrets_in_use:
        logger.warning("Demo secrets in use (set them for production): %s", ", ".join(settings.demo_secrets_in_use))
    return settings
