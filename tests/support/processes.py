"""Starting the project's real processes on free loopback ports, and stopping them."""
from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import ContextManager, Iterator, List, Mapping, Optional, Sequence

import requests

PROJECT_ROOT = Path(__file__).resolve().parents[2]


# Below Linux's ephemeral range (32768-60999): no bind to port 0 nor outgoing connection is given one of these.
_PORTS = range(20000, 32000)
# make test runs two test sessions side by side: a port is claimed by creating its file exclusively, so that two
# sessions never pick the same one (bind-to-0 then close let both get it: a web service found an action server there).
_CLAIMS = Path(tempfile.gettempdir()) / "facebook-branch-test-ports"
_CLAIM_LIFETIME_SECONDS = 3600  # a claim older than any test session is stale


def free_port() -> int:
    """A loopback port free now and claimed by no other test session on this machine."""
    _CLAIMS.mkdir(exist_ok=True)
    for _ in range(500):
        port = random.choice(_PORTS)
        claim = _CLAIMS / str(port)
        try:
            if time.time() - claim.stat().st_mtime > _CLAIM_LIFETIME_SECONDS:
                claim.unlink(missing_ok=True)
        except FileNotFoundError:
            pass
        try:
            os.close(os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue  # in use by something else: the claim stays, the port is not tried again for an hour
        return port
    raise RuntimeError(f"no free loopback port in {_PORTS.start}-{_PORTS.stop - 1}")


class ProcessFailed(RuntimeError):
    pass


@dataclass
class Service:
    """One process to start: its command line, the URL that answers 200 once it is ready, its log.

    `with service as proc:` starts it and waits until it is ready; `running_together` starts several at once.
    """

    args: Sequence[str]
    ready_url: str
    env: Optional[Mapping[str, str]] = None
    log_path: Optional[Path] = None
    timeout: float = 60.0
    _running: Optional[ContextManager[List[subprocess.Popen]]] = field(default=None, repr=False)

    def launch(self) -> subprocess.Popen:
        full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(self.env or {})}
        with open(self.log_path or os.devnull, "ab") as log:
            return subprocess.Popen(
                list(self.args), cwd=PROJECT_ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def __enter__(self) -> subprocess.Popen:
        self._running = running_together(self)
        return self._running.__enter__()[0]

    def __exit__(self, *exc_info: object) -> None:
        assert self._running is not None
        self._running.__exit__(*exc_info)


@contextmanager
def running_together(*services: Service) -> Iterator[List[subprocess.Popen]]:
    """Starts every service at once, then waits until each is ready; stops them all when the block ends.

    A process that exits or is not ready in its time fails the start, with the end of its log.
    """
    procs: List[subprocess.Popen] = []
    try:
        for service in services:
            procs.append(service.launch())
        for service, proc in zip(services, procs):
            _wait_ready(proc, service.ready_url, service.timeout, service.log_path or Path(os.devnull))
        yield procs
    finally:
        _stop_all(procs)


def running(
    args: Sequence[str],
    ready_url: str,
    env: Optional[Mapping[str, str]] = None,
    log_path: Optional[Path] = None,
    timeout: float = 60.0,
) -> Service:
    """Runs `args` until the block ends; waits until `ready_url` answers 200 first.

    The process's output goes to `log_path`, which is shown when it fails to start.
    """
    return Service(args, ready_url, env, log_path, timeout)


def python_module(*args: str) -> list[str]:
    """A command line running `python -m ...` in this interpreter (the project's venv)."""
    return [sys.executable, "-m", *args]


def rasa_command(*args: str) -> list[str]:
    """A command line running the venv's `rasa` CLI."""
    return [str(Path(sys.executable).parent / "rasa"), *args]


def core_bank(port: int, env: Mapping[str, str], logs: Path) -> Service:
    """The mock core bank (`python -m bot core-bank`) on `port`, ready."""
    return running(python_module("bot", "core-bank", "--port", str(port)),
                   f"http://127.0.0.1:{port}/health", env, logs / "core_bank.log")


def graph_standin(port: int, env: Mapping[str, str], logs: Path) -> Service:
    """The local Graph API stand-in (`python -m bot graph-standin`) on `port`, ready."""
    return running(python_module("bot", "graph-standin", "--port", str(port)),
                   f"http://127.0.0.1:{port}/health", env, logs / "graph_standin.log")


def action_server(port: int, env: Mapping[str, str], logs: Path) -> Service:
    """The action server (`python -m bot actions`: rasa-sdk with `actions/`, behind ACTION_SERVER_TOKEN) on `port`."""
    return running(python_module("bot", "actions", "--port", str(port)),
                   f"http://127.0.0.1:{port}/health", env, logs / "actions.log", timeout=120)


def web_service(port: int, env: Mapping[str, str], logs: Path) -> Service:
    """The branch web service as deployed (`python -m bot web`: site and console, no sandbox), ready."""
    return running(python_module("bot", "web", "--port", str(port)),
                   f"http://127.0.0.1:{port}/health", env, logs / "web.log")


def sandbox_web_service(port: int, env: Mapping[str, str], logs: Path) -> Service:
    """The branch web service with the Messenger sandbox (`python -m bot sandbox`: site, console, /sandbox), ready."""
    return running(python_module("bot", "sandbox", "--port", str(port)),
                   f"http://127.0.0.1:{port}/health", env, logs / "web.log")


def rasa_server_command(model: Path, endpoints: Path, port: int, api_token: str) -> list[str]:
    """`rasa run` as the Procfile starts it, with the HTTP API behind `api_token`."""
    return rasa_command("run", "--model", str(model), "--credentials", "credentials.yml",
                        "--endpoints", str(endpoints), "--port", str(port), "--interface", "127.0.0.1",
                        "--enable-api", "--auth-token", api_token)


def rasa_server(model: Path, endpoints: Path, port: int, api_token: str, env: Mapping[str, str],
                logs: Path) -> Service:
    """A Rasa server on `port`, ready once its Messenger channel answers (the model is loaded by then)."""
    return running(rasa_server_command(model, endpoints, port, api_token),
                   f"http://127.0.0.1:{port}/webhooks/messenger/", env, logs / "rasa.log", timeout=240)


def _wait_ready(proc: subprocess.Popen, url: str, timeout: float, log_path: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ProcessFailed(f"{proc.args} exited with {proc.returncode}:\n{_tail(log_path)}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    _stop(proc)
    raise ProcessFailed(f"{proc.args} not ready at {url} after {timeout}s:\n{_tail(log_path)}")


def _stop(proc: subprocess.Popen) -> None:
    _stop_all([proc])


def _stop_all(procs: Sequence[subprocess.Popen], timeout: float = 10) -> None:
    """SIGTERM to every process group at once, then each waited for (SIGKILL after `timeout` s): they shut down side
    by side, not one after the other."""
    running = [proc for proc in procs if proc.poll() is None]
    for proc in running:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    for proc in running:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()


def _tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
