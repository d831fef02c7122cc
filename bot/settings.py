"""The one place that reads the environment (and `.env`): the `Settings` class.

Every process (Rasa server, action server, core bank, web service, tools) gets its
configuration from `get_settings()`; the Procfiles ask `python -m bot settings get NAME`
(bot/settings_cli.py), the production endpoints file names only classes that read
`get_settings()` themselves (bot/rasa_server/). So each value has one place: its
field below, with its default.

Rules:
- A field's variable is its name in capitals (`otp_ttl_seconds`: OTP_TTL_SECONDS) unless the
  field says `env=`. The process environment wins over `.env` (project root), which wins over
  the default. An empty value counts as unset.
- Defaults are demo values, so that `make run` works with no `.env`; production sets real
  ones (`demo_secrets_in_use` names the secrets still on a demo value).
- One switch selects the profile of every process: BRANCH_PROFILE, `embedded` (the default, `make run`)
  or `production`. In production, RASA_ENDPOINTS defaults to endpoints.production.yml, and every process
  refuses to start (`check_for_profile`) while a secret is unset, a demo value, shorter than 32
  characters or shared with another secret, or while CORE_BANKING_DEV_MODE is on. Each process calls `check_for_profile()` as it starts: `python -m bot` for what it serves
  (bot/__main__.py, the action server's launcher bot/action_server.py), the Rasa server through its
  Messenger channel and its tracker store.
- `Settings(...)` is built from its arguments and the defaults only, never from the
  environment: tests build the settings they need. `Settings.from_env()` reads the
  environment; `Settings.from_env(mapping)` reads only `mapping`.
- A value that cannot be used is a `SettingsError` naming its variable. Numbers of seconds,
  minutes, milliseconds or days are whole and positive (the unit is in the name); money is a
  positive `Decimal` in cents; flags are true/false (also 1/0, yes/no, on/off).
- FB_GRAPH_API_URL unset: Meta's Graph API when FB_PAGE_ACCESS_TOKEN is a real token; with
  the demo token Meta would refuse every call, so the local Graph API stand-in that `make run`
  starts (`python -m bot graph-standin`, GRAPH_STANDIN_URL) gets them. Either way, and
  SANDBOX_GRAPH_API_URL too, at FB_GRAPH_API_VERSION (docs/messenger.md "Graph API version").
- Variables the settings no longer read, while still set, are an error naming what replaced
  them (RETIRED): a deployment is not started on a default it did not choose.
"""
import logging
import os
import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Literal, Mapping, Optional

from dotenv import dotenv_values
from pydantic import BaseSettings, Field, ValidationError, condecimal, conint, root_validator, validator

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Meta's Graph API, pinned to one version so payloads do not change under us (FB_GRAPH_API_VERSION).
# v25.0 is served until 2028-07-29; versions before MIN_GRAPH_API_VERSION are refused (v21.0 ends 2027-01-21).
GRAPH_API_VERSION = "v25.0"
MIN_GRAPH_API_VERSION = "v24.0"
META_GRAPH_API = "https://graph.facebook.com"
# The local stand-in as `make run` starts it (Procfile: python -m bot graph-standin --port 8081), and the
# one inside the web service under `make sandbox` (bot/devtools/sandbox.py).
GRAPH_STANDIN = "http://127.0.0.1:8081"
SANDBOX_GRAPH = "http://127.0.0.1:8080/sandbox/graph"
META_GRAPH_API_URL = f"{META_GRAPH_API}/{GRAPH_API_VERSION}"
GRAPH_STANDIN_URL = f"{GRAPH_STANDIN}/{GRAPH_API_VERSION}"

DEMO_SECRET_PREFIX = "demo-"
EMBEDDED, PRODUCTION = "embedded", "production"  # BRANCH_PROFILE
MIN_SECRET_LENGTH = 32  # characters of any secret in the production profile
EMBEDDED_ENDPOINTS, PRODUCTION_ENDPOINTS = "endpoints.yml", "endpoints.production.yml"
# The placeholders .env.example shows: a copied example is as public as a demo default.
PLACEHOLDER_SECRETS = frozenset({
    "choose-a-long-random-string", "your-app-secret", "your-page-access-token",
    "a-long-random-secret-for-hashing-codes-and-tokens", "a-long-random-token",
    "a-long-random-secret-of-at-least-32-bytes", "another-long-random-secret-not-shared-with-any-other",
    "another-long-random-secret",
})

# Variables read by earlier versions, and what replaced them.
RETIRED = {
    **{name: "TRACKER_DATABASE_URL" for name in (
        "TRACKER_DATABASE_HOST", "TRACKER_DATABASE_PORT", "TRACKER_DATABASE_NAME", "TRACKER_DATABASE_USER",
        "TRACKER_DATABASE_PASSWORD",
    )},
    **{name: "REDIS_URL" for name in ("LOCK_STORE_REDIS_HOST", "LOCK_STORE_REDIS_PORT", "LOCK_STORE_REDIS_DB")},
    "LOCK_STORE_KEY_PREFIX": "REDIS_KEY_PREFIX",
}

logger = logging.getLogger(__name__)

# Whole, positive quantities; the field's name says the unit.
Seconds = conint(gt=0)
Milliseconds = conint(gt=0)
Minutes = conint(gt=0)
Days = conint(gt=0)
Count = conint(gt=0)
Money = condecimal(gt=0)  # EUR, kept to the cent


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names its variable."""


def _sqlite_url(relative_path: str) -> str:
    return f"sqlite:///{PROJECT_ROOT / relative_path}"


class Settings(BaseSettings):
    """Every setting of the branch, typed, with its default (the module's docstring has the rules)."""

    # The profile of every process: `embedded` (make run: demo secrets allowed) or `production` (check_for_profile).
    branch_profile: Literal["embedded", "production"] = EMBEDDED
    # Training: the file of the sentence-embedding cache (bot/nlu/embedding_cache.py); "off" turns it off; unset:
    # ~/.cache/facebook-branch/embeddings.sqlite3 (or under $XDG_CACHE_HOME).
    branch_embedding_cache: str = ""

    # Messenger (Meta)
    fb_verify_token: str = "demo-verify-token"
    fb_app_secret: str = "demo-app-secret"
    fb_page_access_token: str = "demo-page-access-token"
    fb_graph_api_url: str = ""  # unset: Meta's, or the local stand-in while the page token is a demo one
    fb_graph_api_version: str = GRAPH_API_VERSION  # vNN.N, at least MIN_GRAPH_API_VERSION
    send_api_timeout_seconds: Seconds = 10
    # Graph API calls (Send API, handover, page setup): retries with exponential backoff and jitter.
    send_api_max_attempts: Count = 4
    send_api_retry_base_ms: Milliseconds = 500
    send_api_retry_max_ms: Milliseconds = 8000
    send_api_retry_budget_seconds: Seconds = 30
    # Handover protocol: pass the conversation to the Page Inbox (Meta's app id by default).
    fb_handover_enabled: bool = False
    fb_page_inbox_app_id: str = "263902037430900"
    # Customers' public comments on the page (bot/channels/messenger/page_comments.py): besides the private reply,
    # also answer in public with one vetted acknowledgement.
    fb_comment_public_ack: bool = False
    # A new Messenger customer's profile locale (User Profile API, `GET /{PSID}?fields=locale`), for the
    # conversation's language (bot/channels/messenger/user_locale.py). Meta lets a page read it only with the
    # "Business Asset User Profile Access" feature: unset, on except in the production profile. A lookup holds
    # the customer's first message at most FB_USER_LOCALE_TIMEOUT_MS.
    fb_user_locale: Optional[bool] = None
    fb_user_locale_timeout_ms: Milliseconds = 800
    # Dialogues (Messenger, web chat) run in a thread of their own, so the webhook is answered at once
    # (bot/channels/dialogue_thread.py, bench/README.md).
    dialogue_thread: bool = True
    # `make sandbox` (Procfile.sandbox): the Rasa server's FB_GRAPH_API_URL, the stand-in inside the web service
    # (unset: SANDBOX_GRAPH at FB_GRAPH_API_VERSION).
    sandbox_graph_api_url: str = ""

    # Core bank (the mock core-banking service) and its client
    core_banking_url: str = "http://127.0.0.1:8000"
    core_banking_database_url: str = Field(default_factory=lambda: _sqlite_url("var/core_bank.db"))
    core_banking_secret: str = "demo-core-banking-secret"
    # The action server's secret with the core bank (X-Service-Token): only it may link a channel user to a customer.
    core_banking_service_token: str = "demo-core-banking-service-token"
    core_banking_dev_mode: bool = False  # serves /dev/sms-outbox (every code sent): make run and make sandbox turn it on
    core_banking_timeout_seconds: Seconds = 10
    otp_ttl_seconds: Seconds = 300
    otp_max_failures: Count = 5
    otp_lock_seconds: Seconds = 1800
    otp_challenges_per_window: Count = 5
    otp_challenge_window_seconds: Seconds = 900
    # Per customer, from requesters it has not vouched for (bot/core_bank/otp.py); never below the per-requester ones.
    otp_customer_max_failures: Count = 100
    otp_customer_challenges_per_window: Count = 20
    access_token_ttl_seconds: Seconds = 900
    # Transfer limits in EUR, enforced by the core bank.
    transfer_limit_per_transfer: Money = Decimal("250.00")
    transfer_limit_daily: Money = Decimal("500.00")

    # Rasa server: its address (server side), its endpoints file (Procfile: rasa run --endpoints),
    # its HTTP API token (rasa run --auth-token; the handoff calls the API with it).
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_endpoints: str = ""  # unset: endpoints.yml, or endpoints.production.yml in the production profile
    rasa_api_token: str = "demo-rasa-api-token"
    # Conversations (bot/rasa_server/tracker_store.py): SQLite here, PostgreSQL in production.
    tracker_database_url: str = Field(default_factory=lambda: _sqlite_url("var/tracker.db"))
    # A conversation's lock is free again after this long if its holder died (Rasa's variable and default;
    # the production lock store reads it here: bot/rasa_server/lock_store.py).
    ticket_lock_lifetime_seconds: Seconds = Field(60, env="TICKET_LOCK_LIFETIME")

    # Web chat on the demo bank site: the web service signs short-lived session tokens (JWT, HS256)
    # that the Rasa server's socket.io channel checks; only these site origins may connect
    # (also the Rasa server's --cors, Procfile).
    web_chat_jwt_secret: str = "demo-web-chat-jwt-secret-change-me-in-production"
    web_chat_token_ttl_seconds: Seconds = 1800
    web_chat_origins: tuple[str, ...] = ("http://127.0.0.1:8080", "http://localhost:8080")  # comma-separated
    web_chat_socket_url: str = ""  # the Rasa server as browsers reach it; empty: RASA_URL
    web_chat_sessions_per_minute: Count = 20  # POST /api/chat-session per client IP (sliding minute), then 429

    # The branch's own database (staff accounts and sessions, handoff queue, audit log): bot/branch_db.py
    branch_database_url: str = Field(default_factory=lambda: _sqlite_url("var/branch.db"))
    # Staff console (/console): session lifetime and cookie
    staff_session_idle_seconds: Seconds = 1800
    staff_session_max_seconds: Seconds = 28800
    staff_cookie_secure: bool = False  # true behind HTTPS; false lets the console work on http://127.0.0.1
    # Handoff to staff (bot/handoff/): the answer-time target
    handoff_sla_minutes: Minutes = 30

    # The action server (python -m bot actions, bot/action_server.py): the address it listens on, and the
    # secret the Rasa server shows it (endpoints files: `Authorization: Bearer ${ACTION_SERVER_TOKEN}`).
    action_server_host: str = "127.0.0.1"
    action_server_token: str = "demo-action-server-token"

    # The compliance archive (bot/archive/): its own database, and how long rows are kept (6 years)
    archive_database_url: str = Field(default_factory=lambda: _sqlite_url("var/archive.db"))
    archive_retention_days: Days = 2192
    # A handoff whose customer wrote nothing for this long is closed and the bot resumed; keep it below
    # domain.yml's session_expiration_time (60): a new Rasa session would end the pause on its own.
    handoff_idle_close_minutes: Minutes = 55
    # The bank's privacy notice, linked from Messenger's satisfaction survey after a handoff (bot/handoff/csat.py;
    # Meta's customer feedback template requires one).
    csat_privacy_url: str = "https://bank.example/privacy"
    # The picture Messenger shows beside an advisor's name above their replies (Meta's Personas API downloads it:
    # a public https address, an image of 8 MB at most; bot/handoff/personas.py). Empty: advisors' replies in
    # Messenger come from the page, unnamed (the web chat names them either way).
    fb_persona_picture_url: str = ""

    # Production profile (docs/operations.md): Messenger state shared by every Rasa instance in Redis
    # (message ids seen, offered payloads, messaging windows, the durable inbox) and Rasa's conversation
    # locks. Empty: in memory, one instance.
    redis_url: str = ""
    redis_key_prefix: str = "fbbranch:"
    # An inbox entry a consumer took but did not finish for this long is claimed by another instance.
    inbox_claim_idle_seconds: Seconds = 60

    class Config:
        frozen = True

        @classmethod
        def customise_sources(cls, init_settings: Any, env_settings: Any, file_secret_settings: Any) -> tuple:
            # The constructor's values only: `from_env` is where the environment is read.
            return (init_settings,)

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise SettingsError(_explain(exc, values)) from exc

    @validator("fb_graph_api_url", "sandbox_graph_api_url", "core_banking_url", "rasa_url", "web_chat_socket_url")
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @validator("web_chat_origins", pre=True)
    def _origins(cls, value: Any) -> Any:
        if isinstance(value, str):  # the environment's form: comma-separated
            value = value.split(",")
        if isinstance(value, (list, tuple)):
            value = tuple(origin.strip().rstrip("/") for origin in value if origin.strip())
        return value

    @validator("transfer_limit_per_transfer", "transfer_limit_daily")
    def _to_the_cent(cls, value: Decimal) -> Decimal:
        cents = value.quantize(Decimal("0.01"))
        if cents <= 0:
            raise ValueError("must be at least 0.01")
        return cents

    @validator("fb_persona_picture_url")
    def _picture_url(cls, value: str) -> str:
        value = value.strip()
        if value and not re.fullmatch(r"https?://[^\s/]+/\S*", value):
            raise ValueError("must be an http(s) address of an image Meta can download, or empty")
        return value

    @validator("core_banking_database_url", "branch_database_url", "archive_database_url", "tracker_database_url")
    def _database_url(cls, value: str) -> str:
        if "://" not in value:
            raise ValueError("must be an SQLAlchemy URL such as postgresql://user:password@host:5432/name")
        return value

    @validator("redis_url")
    def _redis_url(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be empty or a Redis URL such as redis://host:6379/0")
        return value

    @validator("fb_graph_api_version")
    def _graph_api_version(cls, value: str) -> str:
        if graph_api_version_number(value) is None:
            raise ValueError("must be a Graph API version such as v25.0")
        return _served_graph_api_version(value)

    @validator("fb_graph_api_url", "sandbox_graph_api_url")
    def _graph_api_url_version(cls, value: str) -> str:
        in_url = graph_api_version_in(value)  # a URL set by hand names its own version
        if in_url is not None:
            _served_graph_api_version(in_url)
        return value

    @root_validator(skip_on_failure=True)
    def _graph_api_url(cls, values: Dict[str, Any]) -> Dict[str, Any]:
        version = values["fb_graph_api_version"]
        if not values["fb_graph_api_url"]:
            demo = values["fb_page_access_token"].startswith(DEMO_SECRET_PREFIX)
            values["fb_graph_api_url"] = f"{GRAPH_STANDIN if demo else META_GRAPH_API}/{version}"
        if not values["sandbox_graph_api_url"]:
            values["sandbox_graph_api_url"] = f"{SANDBOX_GRAPH}/{version}"
        return values

    @root_validator(skip_on_failure=True)
    def _profile_defaults(cls, values: Dict[str, Any]) -> Dict[str, Any]:
        production = values["branch_profile"] == PRODUCTION
        if not values["rasa_endpoints"]:
            values["rasa_endpoints"] = PRODUCTION_ENDPOINTS if production else EMBEDDED_ENDPOINTS
        if values["fb_user_locale"] is None:
            values["fb_user_locale"] = not production
        return values

    @property
    def production(self) -> bool:
        return self.branch_profile == PRODUCTION

    @property
    def secrets(self) -> Dict[str, str]:
        """Every secret, by its variable: the production profile checks each (`profile_problems`)."""
        return {
            "FB_APP_SECRET": self.fb_app_secret,
            "FB_VERIFY_TOKEN": self.fb_verify_token,
            "FB_PAGE_ACCESS_TOKEN": self.fb_page_access_token,
            "CORE_BANKING_SECRET": self.core_banking_secret,
            "CORE_BANKING_SERVICE_TOKEN": self.core_banking_service_token,
            "RASA_API_TOKEN": self.rasa_api_token,
            "WEB_CHAT_JWT_SECRET": self.web_chat_jwt_secret,
            "ACTION_SERVER_TOKEN": self.action_server_token,
        }

    @property
    def demo_secrets_in_use(self) -> List[str]:
        """Names of secrets still on their demo value (fine for `make run`, not for production)."""
        return [name for name, value in self.secrets.items() if value.startswith(DEMO_SECRET_PREFIX)]

    def profile_problems(self) -> List[str]:
        """Why this configuration may not run in its profile, one line per problem (none in the embedded one)."""
        if not self.production:
            return []
        problems = []
        demo = set(self.demo_secrets_in_use)
        for name, value in self.secrets.items():
            if not value:
                problems.append(f"{name} is not set")
            elif name in demo or value in PLACEHOLDER_SECRETS:
                problems.append(f"{name} has a demo value")
            elif len(value) < MIN_SECRET_LENGTH:
                problems.append(f"{name} is shorter than {MIN_SECRET_LENGTH} characters")
        holders: Dict[str, List[str]] = {}
        for name, value in self.secrets.items():
            if value:
                holders.setdefault(value, []).append(name)
        problems += [f"{' and '.join(names)} have the same value" for names in holders.values() if len(names) > 1]
        if self.core_banking_dev_mode:
            problems.append("CORE_BANKING_DEV_MODE is on (its SMS outbox shows every code sent)")
        return problems

    def check_for_profile(self) -> None:
        """Raises a `SettingsError` naming every problem when these settings may not run in their profile.

        Every process calls it as it starts (the module's docstring says where)."""
        problems = self.profile_problems()
        if problems:
            raise SettingsError(f"BRANCH_PROFILE={self.branch_profile}: refusing to start: " + "; ".join(problems))

    @classmethod
    def env_names(cls) -> Dict[str, str]:
        """Field name → the environment variable it is read from."""
        return {name: _env_name(name) for name in cls.__fields__}

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, Optional[str]]] = None) -> "Settings":
        """Settings from `env` (default: `.env` under the process environment); the rest from the defaults."""
        if env is None:
            env = {**dotenv_values(PROJECT_ROOT / ".env"), **os.environ}
        retired = [name for name in RETIRED if env.get(name)]
        if retired:
            raise SettingsError("; ".join(f"{name} is no longer read: set {RETIRED[name]} instead" for name in retired))
        values = {}
        for field, name in cls.env_names().items():
            raw = (env.get(name) or "").strip()
            if raw:
                values[field] = raw
        return cls(**values)


def graph_api_version_number(version: str) -> "Optional[tuple[int, int]]":
    """(25, 0) for "v25.0"; None when `version` is not a Graph API version."""
    match = re.fullmatch(r"v(\d{1,3})\.(\d{1,2})", version.strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def graph_api_version_in(url: str) -> Optional[str]:
    """The Graph API version a URL ends with ("https://graph.facebook.com/v25.0": "v25.0"), or None."""
    last = url.rstrip("/").rsplit("/", 1)[-1]
    return last if graph_api_version_number(last) is not None else None


def _served_graph_api_version(version: str) -> str:
    number, minimum = graph_api_version_number(version), graph_api_version_number(MIN_GRAPH_API_VERSION)
    if number is not None and minimum is not None and number < minimum:
        raise ValueError(f"Graph API {version} is retired or about to be: use {MIN_GRAPH_API_VERSION} or later "
                         f"(the default is {GRAPH_API_VERSION})")
    return version


def _env_name(field: str) -> str:
    return Settings.__fields__[field].field_info.extra.get("env") or field.upper()


def _explain(exc: ValidationError, values: Mapping[str, Any]) -> str:
    """One line per unusable value, named by its variable; values are shown only for numbers and flags."""
    lines = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        if field not in Settings.__fields__:
            lines.append(f"{field}: {error['msg']}")
            continue
        text = Settings.__fields__[field].type_ is str  # secrets and URLs (which may carry a password) are not shown
        got = "" if text or field not in values else f" (got {values[field]!r})"
        lines.append(f"{_env_name(field)}: {error['msg']}{got}")
    return "; ".join(lines)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once."""
    settings = Settings.from_env()
    if settings.demo_secrets_in_use:
        logger.warning("Demo secrets in use (set them for production): %s", ", ".join(settings.demo_secrets_in_use))
    return settings
