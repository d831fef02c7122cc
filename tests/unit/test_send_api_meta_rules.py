"""Our code never calls a Graph API version Meta retires, nor sends a message tag Meta retired.

Two ways: the sources say no such thing (every Graph URL or version written anywhere in the project, every
tag in bot/ and actions/), and every way the branch sends a message goes through the Graph API stand-in,
which refuses both like Meta (bot/devtools/graph_rules.py), with the URL the settings give.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

from bot.channels.messenger.channel import MessengerInput
from bot.channels.messenger.graph_api import GraphApi, RetryPolicy
from bot.channels.messenger.messaging_window import HUMAN_AGENT_TAG, MESSAGE_TAG, RESPONSE
from bot.channels.messenger.routing import Handover
from bot.channels.messenger.send_api import OUTSIDE_WINDOW, SendApi
from bot.devtools.graph_rules import OLDEST_SERVED_VERSION, RETIRED_TAGS
from bot.handoff.rasa_control import RasaControl
from bot.settings import GRAPH_API_VERSION, MIN_GRAPH_API_VERSION, PROJECT_ROOT, Settings, graph_api_version_number
from tests.support.standin_server import PAGE_TOKEN, VERSION, standin_in_loop

PSID = "3141592653589793"
FAST = RetryPolicy(max_attempts=2, base_delay_seconds=0.01, max_delay_seconds=0.02, total_seconds=5)

# Where a Graph API version can be written: a URL path (".../v25.0") or the version constant.
GRAPH_VERSION = re.compile(r"/v(\d{1,3})\.(\d{1,2})\b|GRAPH_API_VERSION\s*=\s*[\"']v(\d{1,3})\.(\d{1,2})")
SKIPPED_DIRS = {".git", ".venv", "node_modules", "__pycache__", "var", "models", "results", ".pytest_cache", ".rasa"}
TEXT_SUFFIXES = {".py", ".md", ".yml", ".yaml", ".toml", ".txt", ".js", ".html", ".cfg", ".ini", ".example", ""}
# The Graph API stand-in names the retired tags to refuse them: the one place allowed to.
TAGS_NAMED_BY = {PROJECT_ROOT / "bot" / "devtools" / name for name in ("graph_rules.py", "graph_standin.py")}


def project_files(*roots: str) -> Iterator[Path]:
    for root in roots:
        base = PROJECT_ROOT / root
        candidates = [base] if base.is_file() else base.rglob("*")
        for path in candidates:
            if path.is_file() and not SKIPPED_DIRS & set(path.relative_to(PROJECT_ROOT).parts) \
                    and (path.suffix in TEXT_SUFFIXES or path.name.startswith("Procfile")):
                yield path


def graph_versions_written() -> List[Tuple[str, int, Tuple[int, int]]]:
    found = []
    roots = ("bot", "actions", "tests", "docs", "bench", "scripts", "Procfile", "Procfile.sandbox", ".env.example",
             "Makefile", "README.md", "credentials.yml", "endpoints.yml", "endpoints.production.yml")
    for path in project_files(*roots):
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            for match in GRAPH_VERSION.finditer(line):
                major, minor = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
                found.append((str(path.relative_to(PROJECT_ROOT)), number, (int(major), int(minor))))
    return found


def test_no_graph_api_version_meta_retires_is_written_anywhere():
    written = graph_versions_written()
    assert any(path == "bot/settings.py" for path, _, _ in written), "the scan no longer finds the setting"
    oldest = graph_api_version_number(MIN_GRAPH_API_VERSION)
    retired = [(path, line, "v%d.%d" % version) for path, line, version in written if version < oldest]
    assert retired == [], f"Graph API versions before {MIN_GRAPH_API_VERSION}: {retired}"


def test_the_settings_and_the_stand_in_agree_on_the_oldest_version():
    assert graph_api_version_number(MIN_GRAPH_API_VERSION) == OLDEST_SERVED_VERSION
    assert graph_api_version_number(GRAPH_API_VERSION) >= OLDEST_SERVED_VERSION
    assert VERSION == GRAPH_API_VERSION == Settings().fb_graph_api_version


def test_no_retired_message_tag_is_named_in_our_code():
    named = [
        (str(path.relative_to(PROJECT_ROOT)), tag)
        for path in project_files("bot", "actions") if path.suffix == ".py" and path not in TAGS_NAMED_BY
        for tag in RETIRED_TAGS if tag in path.read_text(encoding="utf-8")
    ]
    assert named == []


def test_every_graph_client_the_settings_build_calls_the_set_version():
    for settings in (Settings(), Settings(fb_page_access_token="EAAB-real")):
        clients = [
            GraphApi.from_settings(settings),
            Handover.from_settings(settings).graph,
            MessengerInput(settings).send_api.graph,
            RasaControl.from_settings(settings).send_api.graph,
        ]
        assert {client.base_url.rsplit("/", 1)[-1] for client in clients} == {GRAPH_API_VERSION}


def ago(**delta: float) -> datetime:
    return datetime.now(timezone.utc) - timedelta(**delta)


@pytest.mark.parametrize("wrote, from_staff, fields", [
    (ago(minutes=5), False, {"messaging_type": RESPONSE}),
    (ago(hours=23), False, {"messaging_type": RESPONSE}),
    (ago(minutes=5), True, {"messaging_type": RESPONSE}),
    (ago(hours=25), True, {"messaging_type": MESSAGE_TAG, "tag": HUMAN_AGENT_TAG}),
    (ago(days=6, hours=23), True, {"messaging_type": MESSAGE_TAG, "tag": HUMAN_AGENT_TAG}),
    (ago(hours=25), False, None),  # the bot after 24 h: nothing is sent, and no tag is tried
    (ago(days=7, minutes=5), True, None),
])
async def test_each_send_path_uses_response_within_24_hours_and_human_agent_only_for_staff(wrote, from_staff, fields):
    async with standin_in_loop() as (standin, url):
        settings = Settings(fb_page_access_token=PAGE_TOKEN, fb_graph_api_url=url)
        api = SendApi(settings.fb_graph_api_url, settings.fb_page_access_token, 2, retry=FAST)
        await api.windows.customer_wrote(PSID, wrote)
        standin.customer_wrote(PSID, wrote)
        try:
            result = await api.deliver(PSID, {"text": "Hello"}, from_staff=from_staff)
            action = await api.deliver_action(PSID, "mark_seen")
        finally:
            await api.close()
    if fields is None:
        assert not result.ok and result.refused == OUTSIDE_WINDOW and standin.messages_for(PSID) == []
        return
    assert result.ok, result
    [sent] = [s.body for s in standin.messages_for(PSID) if "message" in s.body]
    assert {k: v for k, v in sent.items() if k in ("messaging_type", "tag")} == fields
    assert action.ok == (fields["messaging_type"] == RESPONSE)  # sender actions only within 24 hours
    for call in standin.calls:
        assert call.status == 200, call  # the stand-in refused nothing: not the version, not a tag


async def test_whatever_the_channel_sends_goes_as_a_response_to_the_set_version():
    """The channel's own Send API client, built from the settings, answering a customer who just wrote."""
    async with standin_in_loop() as (standin, url):
        channel = MessengerInput(Settings(fb_page_access_token=PAGE_TOKEN, fb_graph_api_url=url, dialogue_thread=False))
        output = channel.get_output_channel()
        try:
            await output.send_text_message(PSID, "Your balance is 1,234.56 EUR")
            await output.send_text_with_buttons(PSID, "Shall I?", [{"title": "Yes", "payload": "/affirm"},
                                                                    {"title": "No", "payload": "/deny"}])
            await output.send_quick_replies(PSID, "Which card?", [{"title": "Debit", "payload": "/inform"}])
        finally:
            await channel.send_api.close()
    bodies = [s.body for s in standin.messages_for(PSID)]
    assert len(bodies) == 3 and all(b["messaging_type"] == RESPONSE and "tag" not in b for b in bodies)
    assert all(call.status == 200 for call in standin.calls)
