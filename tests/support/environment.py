"""The one environment every process of a test branch gets: test secrets, loopback URLs, files under `workdir`.

Every setting a process reads is pinned here, so a developer's `.env` cannot change the tests.
Tests that need something else (the production profile, a wrong secret) pass overrides.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Mapping

from bot.settings import GRAPH_API_VERSION  # noqa: F401 - the version every test process calls

APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
PAGE_TOKEN = "test-page-token"
PAGE_ID = "test-page"
RASA_API_TOKEN = "test-rasa-api-token"
CORE_BANKING_SERVICE_TOKEN = "test-core-banking-service-token"
WEB_CHAT_SECRET = "test-web-chat-jwt-secret-0123456789abcdef"
ACTION_SERVER_TOKEN = "test-action-server-token"


def branch_environment(workdir: Path, ports: Mapping[str, int], **overrides: str) -> Dict[str, str]:
    """Settings for core bank, action server, web service and Rasa server on `ports` (bank, actions, web, rasa).

    The Graph API is the web service's stand-in (`/sandbox/graph`), as under `make sandbox`.
    """
    web = f"http://127.0.0.1:{ports['web']}" if "web" in ports else ""
    env = {
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "FB_APP_SECRET": APP_SECRET,
        "FB_VERIFY_TOKEN": VERIFY_TOKEN,
        "FB_PAGE_ACCESS_TOKEN": PAGE_TOKEN,
        "FB_GRAPH_API_URL": f"{web}/sandbox/graph/{GRAPH_API_VERSION}",
        # Advisors answer Messenger customers under a persona (their name above the message).
        "FB_PERSONA_PICTURE_URL": "https://bank.example/messenger/advisor.png",
        "CORE_BANKING_URL": f"http://127.0.0.1:{ports['bank']}",
        "CORE_BANKING_DATABASE_URL": f"sqlite:///{workdir / 'core_bank.db'}",
        "CORE_BANKING_DEV_MODE": "true",
        "CORE_BANKING_SERVICE_TOKEN": CORE_BANKING_SERVICE_TOKEN,
        # Many tests verify the same seeded customers: each must find a fresh allowance of codes.
        "OTP_CHALLENGES_PER_WINDOW": "1000",
        "RASA_URL": f"http://127.0.0.1:{ports['rasa']}" if "rasa" in ports else "",
        "RASA_API_TOKEN": RASA_API_TOKEN,
        # The action server's secret: the endpoints files have Rasa send it (${ACTION_SERVER_TOKEN}).
        "ACTION_SERVER_TOKEN": ACTION_SERVER_TOKEN,
        # One branch database for the action server (handoff requests) and the web service (the console).
        "BRANCH_DATABASE_URL": f"sqlite:///{workdir / 'branch.db'}",
        "ARCHIVE_DATABASE_URL": f"sqlite:///{workdir / 'archive.db'}",
        "WEB_CHAT_JWT_SECRET": WEB_CHAT_SECRET,
        "WEB_CHAT_ORIGINS": web,
        # Every browser test opens its chat sessions from 127.0.0.1: the per-IP limit is tested on its own.
        "WEB_CHAT_SESSIONS_PER_MINUTE": "1000",
    }
    return {**env, **overrides}


def embedded_endpoints(workdir: Path, actions_port: int) -> Path:
    """An endpoints file for the embedded profile: the action server with its token (as endpoints.yml sends it),
    SQLite tracker store (redacting), the archive as event broker."""
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n'
        "  headers:\n    Authorization: Bearer ${ACTION_SERVER_TOKEN}\n"
        f"tracker_store:\n  type: bot.rasa_server.tracker_store.RedactingSQLTrackerStore\n  dialect: sqlite\n"
        f"  db: {workdir / 'tracker.db'}\n"
        "event_broker:\n  type: bot.archive.broker.ArchiveEventBroker\n"
    )
    return endpoints
