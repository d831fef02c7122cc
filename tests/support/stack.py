"""The whole branch on loopback, started once per test session and shared by the integration and browser tests.

Core bank, action server, the branch web service (bank site with the web chat, staff console,
Messenger sandbox with its Graph API stand-in) and the Rasa server, as `make sandbox` runs them:
Rasa sends Messenger replies to the stand-in, its HTTP API is on behind a token, the archive is
its event broker, and the Rasa server and web service share one branch database (what
`action_handoff` asks for is what the console shows). Each test talks to it as its own customer (a
new PSID or web chat session), so tests do not see each other's conversations.
"""
from __future__ import annotations

from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator

from tests.support.branch import MODEL, Branch
from tests.support.environment import RASA_API_TOKEN, branch_environment, embedded_endpoints
from tests.support.processes import (
    action_server, core_bank, free_port, rasa_server, running_together, sandbox_web_service,
)


@dataclass
class Stack:
    web_url: str  # the branch web service; the sandbox page is at {web_url}/sandbox
    branch: Branch  # the same processes, driven as Meta would (signed webhooks, replies from the stand-in)
    env: Dict[str, str]  # the environment every process got (BRANCH_DATABASE_URL for `python -m bot staff add`)
    action_server_url: str = ""  # the action server (python -m bot actions), behind ACTION_SERVER_TOKEN

    @property
    def sandbox_url(self) -> str:
        return f"{self.web_url}/sandbox"


@contextmanager
def running_stack(workdir: Path) -> Iterator[Stack]:
    ports = {name: free_port() for name in ("bank", "actions", "web", "rasa")}
    env = branch_environment(workdir, ports)
    endpoints = embedded_endpoints(workdir, ports["actions"])
    logs = workdir / "logs"
    logs.mkdir(exist_ok=True)
    web_url = f"http://127.0.0.1:{ports['web']}"
    with ExitStack() as stack:
        stack.enter_context(running_together(  # started at once: the Rasa server's model load is the long part
            core_bank(ports["bank"], env, logs),
            sandbox_web_service(ports["web"], env, logs),
            action_server(ports["actions"], env, logs),
            rasa_server(MODEL, endpoints, ports["rasa"], RASA_API_TOKEN, env, logs),
        ))
        yield Stack(
            web_url=web_url,
            branch=Branch(
                rasa_url=env["RASA_URL"], core_bank_url=env["CORE_BANKING_URL"],
                standin_url=f"{web_url}/sandbox/graph", logs=logs,
                branch_database_url=env["BRANCH_DATABASE_URL"], archive_database_url=env["ARCHIVE_DATABASE_URL"],
            ),
            env=env,
            action_server_url=f"http://127.0.0.1:{ports['actions']}",
        )
