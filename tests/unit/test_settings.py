import pytest

from bot.settings import META_GRAPH_API_URL, Settings, SettingsError


def test_defaults_are_demo_values_and_metas_graph_api():
    settings = Settings.from_env({})
    assert settings.fb_graph_api_url == META_GRAPH_API_URL
    assert settings.core_banking_url == "http://127.0.0.1:8000"
    assert settings.otp_ttl_seconds == 300 and settings.otp_max_failures == 5
    assert "FB_APP_SECRET" in settings.demo_secrets_in_use


def test_the_environment_overrides_defaults():
    settings = Settings.from_env({
        "FB_APP_SECRET": "real", "FB_GRAPH_API_URL": "http://127.0.0.1:9/v21.0/", "OTP_TTL_SECONDS": "60",
        "CORE_BANKING_DEV_MODE": "false",
    })
    assert settings.fb_app_secret == "real"
    assert settings.fb_graph_api_url == "http://127.0.0.1:9/v21.0"
    assert settings.otp_ttl_seconds == 60
    assert settings.core_banking_dev_mode is False
    assert "FB_APP_SECRET" not in settings.demo_secrets_in_use


@pytest.mark.parametrize("name, value", [("OTP_TTL_SECONDS", "five"), ("OTP_TTL_SECONDS", "-1"),
                                         ("CORE_BANKING_DEV_MODE", "maybe")])
def test_unusable_values_are_named_in_the_error(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})
