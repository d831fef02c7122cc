"""The settings: defaults, the environment and .env, errors naming the variable, and the places that read them
(the Rasa stores of the endpoints files, the Procfiles, .env.example)."""
import io
import json
import re
import time
from argparse import Namespace
from decimal import Decimal

import pytest
from rasa.core.constants import DEFAULT_LOCK_LIFETIME
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockStore
from rasa.core.tracker_store import create_tracker_store
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

import bot.settings
from bot import settings_cli
from bot.rasa_server import lock_store, tracker_store
from bot.rasa_server.lock_store import LockStoreConfigurationError, SettingsRedisLockStore
from bot.settings import (
    GRAPH_API_VERSION, GRAPH_STANDIN_URL, META_GRAPH_API_URL, MIN_GRAPH_API_VERSION, PROJECT_ROOT, RETIRED, Settings,
    SettingsError, graph_api_version_number,
)
from tests.support.production_services import database_url, fresh_databases, require_postgres

PRODUCTION_ENDPOINTS = PROJECT_ROOT / "endpoints.production.yml"
EMBEDDED_ENDPOINTS = PROJECT_ROOT / "endpoints.yml"


# --------------------------------------------------------------------------- defaults and the environment


def test_defaults_are_demo_values_that_run_on_this_machine():
    settings = Settings.from_env({})
    assert settings.core_banking_url == "http://127.0.0.1:8000"
    assert settings.otp_ttl_seconds == 300 and settings.otp_max_failures == 5
    assert settings.transfer_limit_per_transfer == Decimal("250.00")
    assert settings.web_chat_origins == ("http://127.0.0.1:8080", "http://localhost:8080")
    assert settings.rasa_endpoints == "endpoints.yml"
    assert settings.tracker_database_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}"
    assert settings.ticket_lock_lifetime_seconds == DEFAULT_LOCK_LIFETIME  # Rasa's own default
    assert settings.redis_url == ""
    assert "FB_APP_SECRET" in settings.demo_secrets_in_use and "RASA_API_TOKEN" in settings.demo_secrets_in_use


def test_the_graph_api_is_the_local_stand_in_until_the_page_token_is_real():
    assert Settings.from_env({}).fb_graph_api_url == GRAPH_STANDIN_URL
    assert Settings.from_env({"FB_PAGE_ACCESS_TOKEN": "EAAB-real"}).fb_graph_api_url == META_GRAPH_API_URL
    explicit = Settings.from_env({"FB_GRAPH_API_URL": META_GRAPH_API_URL})
    assert explicit.fb_graph_api_url == META_GRAPH_API_URL


def test_the_graph_api_version_is_one_setting_every_default_url_follows():
    assert GRAPH_API_VERSION == "v25.0"
    defaults = Settings.from_env({})
    assert defaults.fb_graph_api_version == GRAPH_API_VERSION
    assert defaults.fb_graph_api_url == f"http://127.0.0.1:8081/{GRAPH_API_VERSION}"
    assert defaults.sandbox_graph_api_url == f"http://127.0.0.1:8080/sandbox/graph/{GRAPH_API_VERSION}"
    assert META_GRAPH_API_URL == f"https://graph.facebook.com/{GRAPH_API_VERSION}"
    later = Settings.from_env({"FB_GRAPH_API_VERSION": "v26.0", "FB_PAGE_ACCESS_TOKEN": "EAAB-real"})
    assert later.fb_graph_api_url == "https://graph.facebook.com/v26.0"
    assert later.sandbox_graph_api_url == "http://127.0.0.1:8080/sandbox/graph/v26.0"


def older_version(by: int) -> str:
    """A Graph API version `by` majors before the oldest one allowed (v21.0 today, written so no scan finds it)."""
    return "v{}.0".format(graph_api_version_number(MIN_GRAPH_API_VERSION)[0] - by)


@pytest.mark.parametrize("name, value", [
    ("FB_GRAPH_API_VERSION", older_version(1)), ("FB_GRAPH_API_VERSION", older_version(3)),
    ("FB_GRAPH_API_VERSION", "25.0"), ("FB_GRAPH_API_VERSION", "latest"),
    ("FB_GRAPH_API_URL", "https://graph.facebook.com/" + older_version(3)),
    ("FB_GRAPH_API_URL", f"http://127.0.0.1:8081/{older_version(1)}/"),
    ("SANDBOX_GRAPH_API_URL", "http://127.0.0.1:8080/sandbox/graph/" + older_version(2)),
])
def test_a_graph_api_version_meta_retires_is_refused_wherever_it_is_set(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})
    assert graph_api_version_number(MIN_GRAPH_API_VERSION) <= graph_api_version_number(GRAPH_API_VERSION)


def test_the_environment_overrides_defaults():
    settings = Settings.from_env({
        "FB_APP_SECRET": "real", "FB_GRAPH_API_URL": "http://127.0.0.1:9/v25.0/", "OTP_TTL_SECONDS": "60",
        "CORE_BANKING_DEV_MODE": "false", "TRANSFER_LIMIT_DAILY": "1000", "TICKET_LOCK_LIFETIME": "15",
        "WEB_CHAT_ORIGINS": " https://www.example-bank.com/ ,https://m.example-bank.com,",
        "TRACKER_DATABASE_URL": "postgresql://branch:secret@db.internal:5432/branch_tracker",
    })
    assert settings.fb_app_secret == "real"
    assert settings.fb_graph_api_url == "http://127.0.0.1:9/v25.0"
    assert settings.otp_ttl_seconds == 60
    assert settings.core_banking_dev_mode is False
    assert settings.transfer_limit_daily == Decimal("1000.00") and isinstance(settings.transfer_limit_daily, Decimal)
    assert settings.ticket_lock_lifetime_seconds == 15
    assert settings.web_chat_origins == ("https://www.example-bank.com", "https://m.example-bank.com")
    assert settings.tracker_database_url == "postgresql://branch:secret@db.internal:5432/branch_tracker"
    assert "FB_APP_SECRET" not in settings.demo_secrets_in_use


def test_an_empty_value_is_unset():
    assert Settings.from_env({"RASA_URL": "", "OTP_TTL_SECONDS": " ", "WEB_CHAT_ORIGINS": ""}) == Settings()


def test_the_constructor_reads_no_environment(monkeypatch):
    monkeypatch.setenv("OTP_TTL_SECONDS", "1")
    assert Settings().otp_ttl_seconds == 300
    assert Settings(otp_ttl_seconds=60).otp_ttl_seconds == 60


def test_env_file_under_the_process_environment(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("RASA_API_TOKEN=from-the-file\nOTP_TTL_SECONDS=120\nHANDOFF_SLA_MINUTES=\n")
    monkeypatch.setattr(bot.settings, "PROJECT_ROOT", tmp_path)
    for name in ("RASA_API_TOKEN", "OTP_TTL_SECONDS", "HANDOFF_SLA_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OTP_TTL_SECONDS", "90")
    settings = Settings.from_env()
    assert settings.rasa_api_token == "from-the-file"
    assert settings.otp_ttl_seconds == 90  # the process environment wins
    assert settings.handoff_sla_minutes == 30
    assert settings.branch_database_url == f"sqlite:///{tmp_path / 'var' / 'branch.db'}"


def test_get_settings_is_read_once():
    bot.settings.get_settings.cache_clear()
    try:
        assert bot.settings.get_settings() is bot.settings.get_settings()
    finally:
        bot.settings.get_settings.cache_clear()


def test_settings_are_frozen():
    with pytest.raises(TypeError):
        Settings().otp_ttl_seconds = 1


@pytest.mark.parametrize("name, value", [
    ("OTP_TTL_SECONDS", "five"), ("OTP_TTL_SECONDS", "-1"), ("SEND_API_RETRY_BASE_MS", "0.5"),
    ("CORE_BANKING_DEV_MODE", "maybe"), ("TRANSFER_LIMIT_DAILY", "NaN"), ("TRANSFER_LIMIT_DAILY", "0.001"),
    ("TICKET_LOCK_LIFETIME", "0"), ("REDIS_URL", "redis.internal:6379"),
])
def test_unusable_values_are_named_in_the_error(name, value):
    with pytest.raises(SettingsError, match=name) as error:
        Settings.from_env({name: value})
    assert "\n" not in str(error.value)


def test_a_url_that_is_not_one_is_refused_without_showing_it():
    with pytest.raises(SettingsError, match="TRACKER_DATABASE_URL") as error:
        Settings.from_env({"TRACKER_DATABASE_URL": "branch:s3cret@db.internal/branch_tracker"})
    assert "s3cret" not in str(error.value)


def test_a_misspelt_keyword_is_an_error():
    with pytest.raises(SettingsError, match="otp_ttl_second"):
        Settings(otp_ttl_second=60)


@pytest.mark.parametrize("retired", sorted(RETIRED))
def test_a_variable_no_longer_read_names_its_replacement(retired):
    with pytest.raises(SettingsError, match=f"{retired} is no longer read: set {RETIRED[retired]}"):
        Settings.from_env({retired: "x"})


# --------------------------------------------------------------------------- the Rasa stores of the endpoints files


@pytest.fixture
def settings_for_stores(tmp_path, monkeypatch):
    """The settings the stores read (get_settings), with the tracker in tmp_path and a Redis URL nobody dials."""
    settings = Settings(
        tracker_database_url=f"sqlite:///{tmp_path / 'tracker.db'}", redis_url="redis://redis.internal:6380/3",
        redis_key_prefix="branch-7:", ticket_lock_lifetime_seconds=15,
    )
    monkeypatch.setattr(tracker_store, "get_settings", lambda: settings)
    monkeypatch.setattr(lock_store, "get_settings", lambda: settings)
    monkeypatch.setenv("ACTION_SERVER_URL", "http://127.0.0.1:5055/webhook")  # substituted by Rasa in the file
    monkeypatch.setenv("ACTION_SERVER_TOKEN", "unit-action-server-token")  # in both files
    return settings


@pytest.mark.parametrize("endpoints", [EMBEDDED_ENDPOINTS, PRODUCTION_ENDPOINTS], ids=lambda p: p.name)
def test_the_tracker_store_of_each_endpoints_file_is_at_tracker_database_url(endpoints, settings_for_stores):
    config = read_endpoint_config(str(endpoints), "tracker_store")
    assert config.url is None and config.kwargs == {}  # the file names no database
    store = create_tracker_store(config)
    assert isinstance(store, tracker_store.RedactingSQLTrackerStore)
    assert str(store.engine.url) == settings_for_stores.tracker_database_url


def test_a_database_named_by_the_caller_is_used_as_rasa_would(tmp_path, settings_for_stores):
    store = tracker_store.RedactingSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "own.db"))
    assert str(store.engine.url) == f"sqlite:///{tmp_path / 'own.db'}"


def test_the_production_lock_store_is_on_redis_url(settings_for_stores):
    store = LockStore.create(read_endpoint_config(str(PRODUCTION_ENDPOINTS), "lock_store"))
    assert isinstance(store, SettingsRedisLockStore)
    connection = store.red.connection_pool.connection_kwargs
    assert (connection["host"], connection["port"], connection["db"]) == ("redis.internal", 6380, 3)
    assert store.key_prefix == "branch-7:lock:"


class FakeRedis(dict):
    def set(self, key, value):
        self[key] = value

    def delete(self, key):
        return self.pop(key, None) is not None


async def test_a_lock_taken_as_rasa_takes_it_lives_ticket_lock_lifetime(settings_for_stores):
    store = SettingsRedisLockStore()
    store.red = FakeRedis()
    async with store.lock("customer-1"):  # as the processor asks for it: no lifetime given
        held = TicketLock.from_dict(json.loads(store.red["branch-7:lock:customer-1"]))
        assert held.tickets[-1].expires == pytest.approx(time.time() + 15, abs=2)


async def test_the_production_stores_on_postgresql_and_redis(redis_url, prefix, monkeypatch):
    """endpoints.production.yml as the Rasa server reads it, on the test PostgreSQL and Redis."""
    require_postgres()
    with fresh_databases("tracker") as (tracker_db,):
        settings = Settings(tracker_database_url=database_url(tracker_db), redis_url=redis_url,
                            redis_key_prefix=prefix)
        monkeypatch.setattr(tracker_store, "get_settings", lambda: settings)
        monkeypatch.setattr(lock_store, "get_settings", lambda: settings)
        monkeypatch.setenv("ACTION_SERVER_URL", "http://127.0.0.1:5055/webhook")
        monkeypatch.setenv("ACTION_SERVER_TOKEN", "unit-action-server-token")
        store = create_tracker_store(read_endpoint_config(str(PRODUCTION_ENDPOINTS), "tracker_store"), Domain.empty())
        locks = LockStore.create(read_endpoint_config(str(PRODUCTION_ENDPOINTS), "lock_store"))
        async with locks.lock("customer-1"):
            assert locks.red.exists(f"{prefix}lock:customer-1")
            await store.save(DialogueStateTracker.from_events("customer-1", [UserUttered("hi")]))
        assert not locks.red.exists(f"{prefix}lock:customer-1")
        stored = await store.retrieve("customer-1")
        assert [event.text for event in stored.events if isinstance(event, UserUttered)] == ["hi"]
        store.engine.dispose()


def test_the_lock_store_takes_no_connection_from_the_endpoints_file(tmp_path, settings_for_stores):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("lock_store:\n  type: bot.rasa_server.lock_store.SettingsRedisLockStore\n"
                         "  url: redis.internal\n  port: 6379\n")
    with pytest.raises(LockStoreConfigurationError, match="url, port"):
        LockStore.create(read_endpoint_config(str(endpoints), "lock_store"))


def test_the_lock_store_needs_redis_url():
    with pytest.raises(LockStoreConfigurationError, match="REDIS_URL"):
        SettingsRedisLockStore(settings=Settings())


# --------------------------------------------------------------------------- what the Procfiles and .env.example say


def get(name: str):
    out, err = io.StringIO(), io.StringIO()
    status = settings_cli.run(Namespace(name=name), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def test_settings_get_prints_the_value_as_shell_words(monkeypatch):
    monkeypatch.setenv("WEB_CHAT_ORIGINS", "https://a.example,https://b.example")
    monkeypatch.setenv("RASA_API_TOKEN", "a-real-token")
    assert get("WEB_CHAT_ORIGINS") == (0, "https://a.example https://b.example\n", "")
    assert get("RASA_API_TOKEN") == (0, "a-real-token\n", "")
    assert get("TICKET_LOCK_LIFETIME")[1] != ""


def test_settings_get_prints_nothing_for_an_unknown_name_or_an_unusable_setting(monkeypatch):
    status, out, err = get("RASA_API_TOKN")
    assert (status, out) == (settings_cli.EXIT_UNKNOWN, "") and "RASA_API_TOKN" in err
    monkeypatch.setenv("OTP_TTL_SECONDS", "five")
    status, out, err = get("RASA_API_TOKEN")
    assert (status, out) == (settings_cli.EXIT_UNUSABLE, "") and "OTP_TTL_SECONDS" in err


@pytest.mark.parametrize("procfile", ["Procfile", "Procfile.sandbox"])
def test_the_procfiles_take_values_from_the_settings_and_state_no_defaults(procfile):
    text = (PROJECT_ROOT / procfile).read_text()
    assert not re.search(r"\$\{\w+:?[-=]", text), "a ${VAR:-default} in a Procfile is a second default"
    asked = re.findall(r"python -m bot settings get (\w+)", text)
    assert asked and set(asked) <= set(Settings.env_names().values())


def variables_named_in(text: str):
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, re.MULTILINE))


def test_env_example_names_every_setting_and_nothing_else():
    named = variables_named_in((PROJECT_ROOT / ".env.example").read_text())
    settings = set(Settings.env_names().values())
    substituted = set(re.findall(r"\$\{(\w+)\}", PRODUCTION_ENDPOINTS.read_text() + EMBEDDED_ENDPOINTS.read_text()))
    assert sorted(settings - named) == [], "settings missing from .env.example"
    assert sorted(named - settings - substituted) == [], ".env.example names variables nothing reads"
