"""Gzip bombs against the processes as they run: the web service (aiohttp) refuses them without inflating them, the
core bank (Sanic, which never inflates request bodies) refuses them as bodies that are not JSON; neither grows."""
from __future__ import annotations

import zlib
from contextlib import ExitStack
from pathlib import Path
from typing import Dict, Iterator

import pytest
import requests

from tests.support.environment import branch_environment
from tests.support.processes import core_bank, free_port, web_service


def gzip_of_zeros(mebibytes: int) -> bytes:
    gzipper = zlib.compressobj(9, zlib.DEFLATED, 31)
    return b"".join(gzipper.compress(bytes(1 << 20)) for _ in range(mebibytes)) + gzipper.flush()


def peak_rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024


@pytest.fixture(scope="module")
def running(tmp_path_factory) -> Iterator[Dict[str, object]]:
    workdir = Path(tmp_path_factory.mktemp("bodies"))
    ports = {"bank": free_port(), "web": free_port()}
    env = branch_environment(workdir, ports)
    logs = workdir / "logs"
    logs.mkdir()
    with ExitStack() as stack:
        bank = stack.enter_context(core_bank(ports["bank"], env, logs))
        web = stack.enter_context(web_service(ports["web"], env, logs))
        yield {"bank": (f"http://127.0.0.1:{ports['bank']}", bank.pid), "web": (f"http://127.0.0.1:{ports['web']}", web.pid)}


@pytest.mark.parametrize("path", ["/console/login", "/api/chat-session"])
def test_the_web_service_refuses_a_gzip_bomb_and_does_not_grow(running, path):
    url, pid = running["web"]
    bomb = gzip_of_zeros(256)  # 256 MiB of zeros in about 255 KiB
    before = peak_rss_mib(pid)
    answer = requests.post(url + path, data=bomb, timeout=30,
                           headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})
    grown = peak_rss_mib(pid) - before
    assert grown < 16, f"the web service grew by {grown:.0f} MiB"
    assert answer.status_code == 415


def test_the_core_bank_neither_inflates_a_gzip_bomb_nor_grows(running):
    url, pid = running["bank"]
    bomb = gzip_of_zeros(48)  # about 48 KiB: within the core bank's 64 KiB bodies, so it is read
    before = peak_rss_mib(pid)
    answer = requests.post(f"{url}/v1/otp/challenges", data=bomb, timeout=30,
                           headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})
    grown = peak_rss_mib(pid) - before
    assert grown < 16, f"the core bank grew by {grown:.0f} MiB"
    assert 400 <= answer.status_code < 500, answer.text
