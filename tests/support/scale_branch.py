"""The branch in its production profile on loopback: N Rasa instances on PostgreSQL + Redis.

One core bank (PostgreSQL), one action server, one Graph API stand-in, and
`instances` Rasa servers started with endpoints.production.yml and REDIS_URL,
all on fresh databases and a Redis key prefix of their own (removed after).
"""
from __future__ import annotations

import os
import signal
import subprocess
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List

from tests.support.branch import MODEL
from tests.support.environment import GRAPH_API_VERSION, RASA_API_TOKEN, branch_environment
from tests.support.processes import (
    PROJECT_ROOT,
    _stop,
    _wait_ready,
    action_server,
    core_bank,
    free_port,
    graph_standin,
    rasa_server_command,
    running_together,
)
from tests.support.production_services import (
    database_url, delete_keys, fresh_databases, new_key_prefix, require_redis,
)

PRODUCTION_ENDPOINTS = PROJECT_ROOT / "endpoints.production.yml"


@dataclass
class RasaInstance:
    url: str
    process: subprocess.Popen
    log: Path

    def kill(self) -> None:
        """kill -9: no shutdown, no goodbye, as when a machine dies."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None


@dataclass
class ScaleBranch:
    instances: List[RasaInstance]
    standin_url: str
    tracker_database_url: str
    redis_url: str
    redis_prefix: str
    logs: Path
    rasa_api_token: str = RASA_API_TOKEN
    env: Dict[str, str] = field(default_factory=dict)


# 10 s (production: 60): a killed instance's entries are taken over within seconds, while a live instance that the
# machine starves (make test runs the suites side by side on two cores) still renews its own well within the time
# (every third of it); at 3 s a starved renewal let the other instance run a message a second time.
CLAIM_IDLE_SECONDS = 10


@contextmanager
def running_scale_branch(workdir: Path, instances: int = 2,
                         claim_idle_seconds: int = CLAIM_IDLE_SECONDS) -> Iterator[ScaleBranch]:
    redis_url = require_redis()
    prefix = new_key_prefix()
    ports = {name: free_port() for name in ("bank", "actions", "standin")}
    rasa_ports = [free_port() for _ in range(instances)]
    logs = workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        tracker_db, bank_db, branch_db, archive_db = stack.enter_context(
            fresh_databases("tracker", "bank", "branch", "archive")
        )
        stack.callback(delete_keys, redis_url, prefix)
        env = branch_environment(
            workdir, ports,
            FB_GRAPH_API_URL=f"http://127.0.0.1:{ports['standin']}/{GRAPH_API_VERSION}",
            CORE_BANKING_DATABASE_URL=database_url(bank_db),
            BRANCH_DATABASE_URL=database_url(branch_db),
            ARCHIVE_DATABASE_URL=database_url(archive_db),
            # The production profile (endpoints.production.yml): tracker store on TRACKER_DATABASE_URL,
            # lock store and Messenger state on REDIS_URL, under REDIS_KEY_PREFIX
            ACTION_SERVER_URL=f"http://127.0.0.1:{ports['actions']}/webhook",
            TRACKER_DATABASE_URL=database_url(tracker_db),
            REDIS_URL=redis_url,
            REDIS_KEY_PREFIX=prefix,
            INBOX_CLAIM_IDLE_SECONDS=str(claim_idle_seconds),
            # A dead instance's conversation lock is free again after this long (Rasa's default: 60 s).
            TICKET_LOCK_LIFETIME="15",
        )
        stack.enter_context(running_together(
            core_bank(ports["bank"], env, logs),
            graph_standin(ports["standin"], env, logs),
            action_server(ports["actions"], env, logs),
        ))
        started = [_start_rasa(port, env, logs / f"rasa_{n}.log") for n, port in enumerate(rasa_ports)]
        for instance in started:
            stack.callback(_stop, instance.process)
        for instance in started:  # started together: two model loads overlap on two cores
            _wait_ready(instance.process, f"{instance.url}/webhooks/messenger/", 300, instance.log)
        yield ScaleBranch(
            instances=started, standin_url=f"http://127.0.0.1:{ports['standin']}",
            tracker_database_url=database_url(tracker_db), redis_url=redis_url, redis_prefix=prefix,
            logs=logs, env=env,
        )


def _start_rasa(port: int, env: Dict[str, str], log_path: Path) -> RasaInstance:
    args = rasa_server_command(MODEL, PRODUCTION_ENDPOINTS, port, RASA_API_TOKEN)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            args, cwd=PROJECT_ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    return RasaInstance(url=f"http://127.0.0.1:{port}", process=process, log=log_path)

