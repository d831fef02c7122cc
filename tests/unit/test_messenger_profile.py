"""The page setup (`python -m bot messenger setup|profile`) against a real Graph API stand-in."""
import io
import json
import os
import subprocess
import sys

import pytest

from bot.channels.messenger.profile import (
    FRENCH_LOCALES,
    GET_STARTED_PAYLOAD,
    GREETING_TEXT,
    GREETING_TEXT_FR,
    MENU_ITEMS,
    SUBSCRIBED_FIELDS,
    profile_body,
)
from bot.devtools.graph_subscriptions import subscription_fields
from bot.devtools.graph_rules import profile_problem
from bot.channels.messenger.setup import setup, show_profile
from bot.settings import META_GRAPH_API_URL, Settings
from tests.support.processes import PROJECT_ROOT, free_port
from tests.support.standin_server import PAGE_TOKEN, VERSION, standin_in_thread


def settings_for(url, token=PAGE_TOKEN, **env):
    return Settings.from_env({
        "FB_GRAPH_API_URL": url, "FB_PAGE_ACCESS_TOKEN": token,
        "SEND_API_RETRY_BASE_MS": "10", "SEND_API_RETRY_MAX_MS": "20", **env,
    })


def run_cli(*args, env=None):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot", "messenger", *args], cwd=PROJECT_ROOT, env=full_env,
        capture_output=True, text=True, timeout=60,
    )


def test_the_menu_and_get_started_payloads():
    assert GET_STARTED_PAYLOAD == "/get_started"
    assert [(i.title, i.payload, i.title_fr) for i in MENU_ITEMS] == [
        ("Balance", "/check_balance", "Mon solde"), ("Spending", "/spending_insights", "Mes dépenses"),
        ("Cards", "/card_menu", "Mes cartes"), ("Loans", "/loan_inquiry", "Crédits"),
        ("Book an appointment", "/book_appointment", "Prendre rendez-vous"),
        ("Talk to an advisor", "/human_handoff", "Parler à un conseiller"),
    ]


def test_the_profile_is_what_meta_accepts():
    body = profile_body()
    assert profile_problem(body) is None
    assert len(GREETING_TEXT) <= 160
    assert "branch" in GREETING_TEXT and "card number" in GREETING_TEXT and "password" in GREETING_TEXT
    menu = body["persistent_menu"][0]
    assert menu["locale"] == "default" and menu["composer_input_disabled"] is False
    assert all(a["type"] == "postback" for a in menu["call_to_actions"])


def test_customers_whose_facebook_is_in_french_get_the_greeting_and_menu_in_french():
    body = profile_body()
    greetings = {g["locale"]: g["text"] for g in body["greeting"]}
    menus = {m["locale"]: m for m in body["persistent_menu"]}
    assert set(greetings) == set(menus) == {"default", *FRENCH_LOCALES}
    assert greetings["fr_FR"] == GREETING_TEXT_FR and len(GREETING_TEXT_FR) <= 160
    assert "carte" in GREETING_TEXT_FR and "mots de passe" in GREETING_TEXT_FR
    french = [(a["title"], a["payload"]) for a in menus["fr_FR"]["call_to_actions"]]
    # the same payloads (one dialogue), then the other language
    assert french == [(i.title_fr, i.payload) for i in MENU_ITEMS] + [("English", '/switch_language{"language":"en"}')]
    english = [(a["title"], a["payload"]) for a in menus["default"]["call_to_actions"]]
    assert english[-1] == ("Français", '/switch_language{"language":"fr"}')


def test_setup_subscribes_the_webhook_fields_the_channel_handles():
    out, err = io.StringIO(), io.StringIO()
    with standin_in_thread() as (standin, url):
        assert setup(settings=settings_for(url), out=out, err=err) == 0, err.getvalue()
    assert standin.subscribed_fields == list(SUBSCRIBED_FIELDS)
    assert {"messages", "messaging_postbacks", "messaging_handovers", "messaging_feedback", "feed"} <= set(
        SUBSCRIBED_FIELDS)
    assert "Webhook fields subscribed: messages" in out.getvalue()


def test_the_stand_in_refuses_fields_meta_does_not_know():
    fields, problem = subscription_fields({"subscribed_fields": "messages,page_gossip"})
    assert fields is None and "page_gossip" in problem
    assert subscription_fields({"subscribed_fields": ["messages", "feed"]}) == (["messages", "feed"], None)
    assert subscription_fields({})[0] is None


def test_setup_sets_the_profile_and_says_what_it_set():
    out, err = io.StringIO(), io.StringIO()
    with standin_in_thread() as (standin, url):
        status = setup(settings=settings_for(url), out=out, err=err)
        shown = io.StringIO()
        show_status = show_profile(settings=settings_for(url), out=shown, err=err)
    assert status == 0 and show_status == 0, err.getvalue()
    assert standin.profile == profile_body()
    for item in MENU_ITEMS:
        assert f"{item.title}  ->  {item.payload}" in out.getvalue()
        assert f"{item.title}  ->  {item.payload}" in shown.getvalue()
    assert "/get_started" in out.getvalue()


def test_setup_retries_a_temporary_graph_error():
    with standin_in_thread() as (standin, url):
        standin.inject_faults(None, [{"status": 503}, {"status": 400, "code": 4}])
        status = setup(settings=settings_for(url), out=io.StringIO(), err=io.StringIO())
    assert status == 0 and standin.profile == profile_body()
    assert [c.status for c in standin.calls_for(None, "messenger_profile")] == [503, 400, 200]


def test_the_dry_run_prints_the_body_and_sends_nothing():
    out = io.StringIO()
    with standin_in_thread() as (standin, url):
        assert setup(dry_run=True, settings=settings_for(url), out=out) == 0
    assert json.loads(out.getvalue()) == profile_body()
    assert standin.calls == []


def test_the_command_sets_the_page_through_python_m_bot():
    with standin_in_thread() as (standin, url):
        done = run_cli("setup", env={"FB_GRAPH_API_URL": url, "FB_PAGE_ACCESS_TOKEN": PAGE_TOKEN})
        shown = run_cli("profile", "--json", env={"FB_GRAPH_API_URL": url, "FB_PAGE_ACCESS_TOKEN": PAGE_TOKEN})
    assert done.returncode == 0, done.stderr
    assert "Talk to an advisor  ->  /human_handoff" in done.stdout
    assert json.loads(shown.stdout) == profile_body()


def test_a_graph_error_ends_the_command_with_a_clear_message_and_no_trace():
    with standin_in_thread() as (standin, url):
        done = run_cli("setup", env={"FB_GRAPH_API_URL": url, "FB_PAGE_ACCESS_TOKEN": "a-wrong-token"})
    assert done.returncode == 1
    assert "Could not set the Messenger profile" in done.stderr and "190" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "a-wrong-token" not in done.stderr + done.stdout
    assert standin.profile == {}


def test_an_unreachable_graph_api_is_reported():
    err = io.StringIO()
    status = setup(settings=settings_for(f"http://127.0.0.1:{free_port()}/{VERSION}"), out=io.StringIO(), err=err)
    assert status == 1 and "did not answer" in err.getvalue()


@pytest.mark.parametrize("command", [setup, show_profile])
def test_the_demo_token_is_not_sent_to_meta(command):
    err = io.StringIO()
    settings = Settings.from_env({"FB_GRAPH_API_URL": META_GRAPH_API_URL})  # unset, it would be the local stand-in
    assert command(settings=settings, out=io.StringIO(), err=err) == 1
    assert "FB_PAGE_ACCESS_TOKEN" in err.getvalue()
