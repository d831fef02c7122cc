"""The whole branch on loopback with the Messenger sandbox in front: the web service stands in for Meta.

Core bank, action server, branch web service (`python -m bot web`, with the sandbox and its Graph
API stand-in, the bank site with the web chat and the staff console) and the Rasa server sending its
replies to that stand-in, as `make sandbox` runs them. Rasa's HTTP API is on, behind its token, and the
action server and the web service share one branch database: what `action_handoff` queues is what the
console shows, as in `make run`.
"""
from __future__ import annotations

from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator

from tests.support.branch import APP_SECRET, MODEL, PAGE_TOKEN, RASA_API_TOKEN, VERIFY_TOKEN, Branch
from tests.support.processes import action_server, core_bank, free_port, python_module, rasa_command, running

WEB_CHAT_SECRET = "test-web-chat-jwt-secret-0123456789abcdef"


@dataclass
class SandboxBranch:
    web_url: str  # the branch web service; the sandbox page is at {web_url}/sandbox
    branch: Branch  # the same processes, driven as Meta would (signed webhooks, replies from the stand-in)
    env: Dict[str, str]  # the environment every process got (BRANCH_DATABASE_URL for `python -m bot staff add`)

    @property
    def sandbox_url(self) -> str:
        return f"{self.web_url}/sandbox"


def _environment(workdir: Path, ports: Dict[str, int]) -> Dict[str, str]:
    return {
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "FB_APP_SECRET": APP_SECRET,
        "FB_VERIFY_TOKEN": VERIFY_TOKEN,
        "FB_PAGE_ACCESS_TOKEN": PAGE_TOKEN,
        "FB_GRAPH_API_URL": f"http://127.0.0.1:{ports['web']}/sandbox/graph/v21.0",
        "CORE_BANKING_URL": f"http://127.0.0.1:{ports['bank']}",
        "CORE_BANKING_DATABASE_URL": f"sqlite:///{workdir / 'core_bank.db'}",
        "CORE_BANKING_DEV_MODE": "true",
        "OTP_CHALLENGES_PER_WINDOW": "1000",
        "RASA_URL": f"http://127.0.0.1:{ports['rasa']}",
        "RASA_API_TOKEN": RASA_API_TOKEN,
        # Staff accounts, console sessions and the handoff queue: one database for the action server
        # (action_handoff queues) and the web service (the console).
        "BRANCH_DATABASE_URL": f"sqlite:///{workdir / 'branch.db'}",
        # The web service archives staff actions (bot/archive/): into this run's files, not var/.
        "ARCHIVE_DATABASE_URL": f"sqlite:///{workdir / 'archive.db'}",
        "MESSENGER_SANDBOX_ENABLED": "true",
        # The bank site's web chat: the site (this web service) is the one origin allowed to connect.
        "WEB_CHAT_JWT_SECRET": WEB_CHAT_SECRET,
        "WEB_CHAT_ORIGINS": f"http://127.0.0.1:{ports['web']}",
        # Every browser test opens its chat sessions from 127.0.0.1: the per-IP limit is tested on its own.
        "WEB_CHAT_SESSIONS_PER_MINUTE": "1000",
    }


@contextmanager
def running_sandbox_branch(workdir: Path) -> Iterator[SandboxBranch]:
    ports = {name: free_port() for name in ("bank", "actions", "web", "rasa")}
    env = _environment(workdir, ports)
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{ports["actions"]}/webhook"\n'
        f"tracker_store:\n  type: bot.tracker_stores.RedactingSQLTrackerStore\n  dialect: sqlite\n  db: {workdir / 'tracker.db'}\n"
    )
    logs = workdir / "logs"
    logs.mkdir(exist_ok=True)
    web_url = f"http://127.0.0.1:{ports['web']}"
    with ExitStack() as stack:
        stack.enter_context(core_bank(ports["bank"], env, logs))
        stack.enter_context(running(
            python_module("bot", "web", "--port", str(ports["web"])),
            f"{web_url}/health", env, logs / "web.log",
        ))
        stack.enter_context(action_server(ports["actions"], env, logs))
        stack.enter_context(running(
            rasa_command("run", "--model", str(MODEL), "--credentials", "credentials.yml",
                  "--endpoints", str(endpoints), "--port", str(ports["rasa"]),
                  "--enable-api", "--auth-token", RASA_API_TOKEN),
            f"{env['RASA_URL']}/webhooks/messenger/", env, logs / "rasa.log", timeout=240,
        ))
        yield SandboxBranch(
            web_url=web_url,
            branch=Branch(
                rasa_url=env["RASA_URL"], core_bank_url=env["CORE_BANKING_URL"],
                standin_url=f"{web_url}/sandbox/graph", logs=logs,
                branch_database_url=env["BRANCH_DATABASE_URL"], archive_database_url=env["ARCHIVE_DATABASE_URL"],
            ),
            env=env,
        )
