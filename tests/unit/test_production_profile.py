"""BRANCH_PROFILE=production: every process refuses to start on a demo, example, missing, short or shared secret, or
with the mock bank's SMS outbox; the embedded profile (make run) starts on its demo values."""
from __future__ import annotations

import re
import secrets
from typing import Dict

import pytest

from bot import __main__ as bot_main
from bot.channels.messenger import channel as messenger_channel
from bot.rasa_server import tracker_store
from bot.settings import (
    DEMO_SECRET_PREFIX, MIN_SECRET_LENGTH, PROJECT_ROOT, Settings, SettingsError,
)

SECRETS = sorted(Settings().secrets)


def real_secrets() -> Dict[str, str]:
    """A value of its own for every secret, as production sets them."""
    return {name: secrets.token_urlsafe(32) for name in SECRETS}


def production(**env: str) -> Settings:
    return Settings.from_env({"BRANCH_PROFILE": "production", **real_secrets(), **env})


def refusal(settings: Settings) -> str:
    with pytest.raises(SettingsError) as error:
        settings.check_for_profile()
    return str(error.value)


def test_every_secret_is_checked():
    assert SECRETS == sorted([
        "FB_APP_SECRET", "FB_VERIFY_TOKEN", "FB_PAGE_ACCESS_TOKEN", "RASA_API_TOKEN", "WEB_CHAT_JWT_SECRET",
        "CORE_BANKING_SECRET", "CORE_BANKING_SERVICE_TOKEN", "ACTION_SERVER_TOKEN",
    ])
    # A setting added with a demo default is a secret: it must be in `secrets` (and so checked).
    demo_defaults = {Settings.env_names()[name] for name, field in Settings.__fields__.items()
                     if isinstance(field.default, str) and field.default.startswith(DEMO_SECRET_PREFIX)}
    assert demo_defaults <= set(SECRETS)


def test_the_embedded_profile_starts_on_its_demo_values():
    settings = Settings.from_env({})
    assert settings.branch_profile == "embedded" and not settings.production
    assert sorted(settings.demo_secrets_in_use) == SECRETS
    settings.check_for_profile()
    assert settings.rasa_endpoints == "endpoints.yml"
    Settings(core_banking_dev_mode=True).check_for_profile()  # make run turns the SMS outbox on


def test_production_with_its_defaults_names_every_secret():
    message = refusal(Settings.from_env({"BRANCH_PROFILE": "production"}))
    assert message.startswith("BRANCH_PROFILE=production: refusing to start: ")
    for name in SECRETS:
        assert f"{name} has a demo value" in message
    assert "demo-" not in message  # the names, never the values


def test_production_with_real_secrets_starts_and_reads_the_production_endpoints():
    settings = production()
    settings.check_for_profile()
    assert settings.rasa_endpoints == "endpoints.production.yml"
    assert settings.core_banking_dev_mode is False  # the SMS outbox is off unless asked for (then refused)
    assert production(RASA_ENDPOINTS="custom.yml").rasa_endpoints == "custom.yml"


@pytest.mark.parametrize("name", SECRETS)
@pytest.mark.parametrize("value, problem", [
    ("demo-but-long-enough-0123456789abcdefghij", "has a demo value"),
    ("x" * (MIN_SECRET_LENGTH - 1), f"is shorter than {MIN_SECRET_LENGTH} characters"),
], ids=["demo", "short"])
def test_each_secret_is_named_when_unusable(name, value, problem):
    message = refusal(production(**{name: value}))
    assert f"{name} {problem}" in message
    assert [other for other in SECRETS if other != name and other in message] == []
    assert value not in message


@pytest.mark.parametrize("name", SECRETS)
def test_a_missing_secret_is_named(name):
    field = {env: field for field, env in Settings.env_names().items()}[name]
    values = {field: value for field, value in production().dict().items()}
    assert f"{name} is not set" in refusal(Settings(**{**values, field: ""}))


def test_a_secret_shared_with_another_is_named():
    shared = secrets.token_urlsafe(32)
    message = refusal(production(ACTION_SERVER_TOKEN=shared, RASA_API_TOKEN=shared))
    assert "RASA_API_TOKEN and ACTION_SERVER_TOKEN have the same value" in message


def test_the_sms_outbox_is_refused():
    assert "CORE_BANKING_DEV_MODE is on" in refusal(production(CORE_BANKING_DEV_MODE="true"))
    production(CORE_BANKING_DEV_MODE="false").check_for_profile()


def test_every_problem_is_listed_at_once():
    message = refusal(production(FB_APP_SECRET="", WEB_CHAT_JWT_SECRET="short", CORE_BANKING_DEV_MODE="true"))
    assert message.count("; ") == 2


def test_a_copied_env_example_is_refused():
    """.env.example's values (uncommented or not) are public: production refuses every secret it shows."""
    example = dict(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=(\S+)", (PROJECT_ROOT / ".env.example").read_text(),
                              re.MULTILINE))
    shown = {name: example[name] for name in SECRETS if name in example}
    assert sorted(shown) == SECRETS
    message = refusal(Settings.from_env({**example, "BRANCH_PROFILE": "production"}))
    for name in SECRETS:
        assert f"{name} has a demo value" in message


# --------------------------------------------------------------------------- each process checks as it starts


@pytest.fixture
def production_settings_with_demo_secrets(monkeypatch) -> Settings:
    settings = Settings(branch_profile="production")
    for module in (bot_main, messenger_channel, tracker_store):
        monkeypatch.setattr(module, "get_settings", lambda: settings)
    return settings


@pytest.mark.parametrize("command, server", [
    ("core-bank", "bot.core_bank.server"), ("web", "bot.web.app"), ("actions", "bot.action_server"),
    ("sandbox", "bot.devtools.sandbox"), ("graph-standin", "bot.devtools.graph_standin"),
])
def test_python_m_bot_does_not_serve(command, server, production_settings_with_demo_secrets, monkeypatch, capsys):
    served = []
    monkeypatch.setattr(f"{server}.serve", lambda *args, **kwargs: served.append(command))
    assert bot_main.main([command]) == 1
    assert served == []
    error = capsys.readouterr().err
    if command in ("sandbox", "graph-standin"):
        assert "development tool" in error
    else:
        assert "FB_APP_SECRET has a demo value" in error and "ACTION_SERVER_TOKEN has a demo value" in error


def test_python_m_bot_serves_in_the_embedded_profile(monkeypatch):
    served = []
    monkeypatch.setattr(bot_main, "get_settings", lambda: Settings())
    monkeypatch.setattr("bot.core_bank.server.serve", lambda *args, **kwargs: served.append("core-bank"))
    assert bot_main.main(["core-bank"]) == 0 and served == ["core-bank"]


def test_the_rasa_server_stops_at_its_messenger_channel(production_settings_with_demo_secrets):
    with pytest.raises(SettingsError, match="FB_APP_SECRET has a demo value"):
        messenger_channel.MessengerInput.from_credentials({})


def test_the_rasa_server_stops_at_its_tracker_store(production_settings_with_demo_secrets, tmp_path):
    with pytest.raises(SettingsError, match="RASA_API_TOKEN has a demo value"):
        tracker_store.RedactingSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "tracker.db"))
