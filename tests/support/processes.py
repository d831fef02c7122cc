"""Starting the project's real processes on free loopback ports, and stopping them."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import ContextManager, Iterator, Mapping, Optional, Sequence

import requests

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ProcessFailed(RuntimeError):
    pass


@contextmanager
def running(
    args: Sequence[str],
    ready_url: str,
    env: Optional[Mapping[str, str]] = None,
    log_path: Optional[Path] = None,
    timeout: float = 60.0,
) -> Iterator[subprocess.Popen]:
    """Runs `args` until the block ends; waits until `ready_url` answers 200 first.

    The process's output goes to `log_path`, which is shown when it fails to start.
    """
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    log_path = log_path or Path(os.devnull)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            list(args), cwd=PROJECT_ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_ready(proc, ready_url, timeout, log_path)
        yield proc
    finally:
        _stop(proc)


def python_module(*args: str) -> list[str]:
    """A command line running `python -m ...` in this interpreter (the project's venv)."""
    return [sys.executable, "-m", *args]


def rasa_command(*args: str) -> list[str]:
    """A command line running the venv's `rasa` CLI."""
    return [str(Path(sys.executable).parent / "rasa"), *args]


def core_bank(port: int, env: Mapping[str, str], logs: Path) -> ContextManager[subprocess.Popen]:
    """The mock core bank (`python -m bot core-bank`) on `port`, ready."""
    return running(python_module("bot", "core-bank", "--port", str(port)),
                   f"http://127.0.0.1:{port}/health", env, logs / "core_bank.log")


def graph_standin(port: int, env: Mapping[str, str], logs: Path) -> ContextManager[subprocess.Popen]:
    """The local Graph API stand-in (`python -m bot graph-standin`) on `port`, ready."""
    return running(python_module("bot", "graph-standin", "--port", str(port)),
                   f"http://127.0.0.1:{port}/health", env, logs / "graph_standin.log")


def action_server(port: int, env: Mapping[str, str], logs: Path) -> ContextManager[subprocess.Popen]:
    """The action server (`python -m bot actions`: rasa-sdk with `actions/`, behind ACTION_SERVER_TOKEN) on `port`."""
    return running(python_module("bot", "actions", "--port", str(port)),
                   f"http://127.0.0.1:{port}/health", env, logs / "actions.log", timeout=120)


def web_service(port: int, env: Mapping[str, str], logs: Path) -> ContextManager[subprocess.Popen]:
    """The branch web service as deployed (`python -m bot web`: site and console, no sandbox), ready."""
    return running(python_module("bot", "web", "--port", str(port)),
                   f"http://127.0.0.1:{port}/health", env, logs / "web.log")


def sandbox_web_service(port: int, env: Mapping[str, str], logs: Path) -> ContextManager[subprocess.Popen]:
    """The branch web service with the Messenger sandbox (`python -m bot sandbox`: site, console, /sandbox), ready."""
    return running(python_module("bot", "sandbox", "--port", str(port)),
                   f"http://127.0.0.1:{port}/health", env, logs / "web.log")


def rasa_server_command(model: Path, endpoints: Path, port: int, api_token: str) -> list[str]:
    """`rasa run` as the Procfile starts it, with the HTTP API behind `api_token`."""
    return rasa_command("run", "--model", str(model), "--credentials", "credentials.yml",
                        "--endpoints", str(endpoints), "--port", str(port), "--interface", "127.0.0.1",
                        "--enable-api", "--auth-token", api_token)


def rasa_server(model: Path, endpoints: Path, port: int, api_token: str, env: Mapping[str, str],
                logs: Path) -> ContextManager[subprocess.Popen]:
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
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
