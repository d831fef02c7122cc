"""`make bench` (`python -m bench.run`): one run, both connectors, same machine, written to bench/results/.

Order: NLU figures (bench/nlu.py, its own process), then the processes on free
loopback ports with the bench's own databases (tests/support/processes.py):
core bank (with the bench customers), action server, and two Rasa servers on
models/branch.tar.gz — ours (bot.channels.messenger.channel.MessengerInput, the
project's RedactingSQLTrackerStore) and the baseline (Rasa's built-in
`facebook` channel, Rasa's own SQL tracker store) — both sending to one Graph
API stand-in in this process. Each server answers a first "hi" right after it
is ready (time from start to first answered message), then a calibration
conversation; then the load levels, alternating ours and the baseline at each
concurrency so that drift in the machine's load hits both alike. Peak RSS of
every process is sampled throughout.

BENCH_PROFILE=1 also records our Rasa server with py-spy during the 50-conversation
level (bench/results/profile-ours-50.txt). BENCH_LEVELS=1,10 plays fewer levels
(a quicker look; `make bench` plays 1, 10 and 50).
"""
from __future__ import annotations

import asyncio
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional

import aiohttp
import yaml

from bench import customers as bench_customers
from bench import load, report
from bot.settings import GRAPH_API_VERSION
from tests.support.processes import PROJECT_ROOT, free_port, python_module, running

MODEL = PROJECT_ROOT / "models" / "branch.tar.gz"
RESULTS = Path(os.environ.get("BENCH_RESULTS") or PROJECT_ROOT / "bench" / "results")
WORKDIR = PROJECT_ROOT / "var" / "bench"
APP_SECRET = "bench-app-secret"
ACTION_SERVER_TOKEN = "bench-action-server-token"
VERIFY_TOKEN = "bench-verify-token"
PAGE_TOKEN = "bench-page-token"
CONNECTORS = ("ours", "builtin")
# Conversations played at each concurrency: at least a few, so that N=1 has more than one sample.
CONVERSATIONS = {1: 5, 10: 10, 50: 50}


def _levels() -> List[int]:
    raw = os.environ.get("BENCH_LEVELS", "1,10,50")
    return [int(part) for part in raw.split(",") if part.strip()]


# --------------------------------------------------------------------------- memory


class RssSampler(threading.Thread):
    """Samples the resident memory of named processes (with their children) every `interval` seconds."""

    def __init__(self, interval: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.pids: Dict[str, int] = {}
        self.peak_mb: Dict[str, float] = {}
        self._halt = threading.Event()

    def watch(self, name: str, pid: int) -> None:
        self.pids[name] = pid

    def run(self) -> None:
        import psutil

        while not self._halt.is_set():
            for name, pid in list(self.pids.items()):
                try:
                    process = psutil.Process(pid)
                    rss = process.memory_info().rss + sum(
                        child.memory_info().rss for child in process.children(recursive=True)
                    )
                except psutil.Error:
                    continue
                self.peak_mb[name] = max(self.peak_mb.get(name, 0.0), rss / 2**20)
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)


# --------------------------------------------------------------------------- processes


@dataclass
class Bench:
    workdir: Path
    ports: Dict[str, int]
    customers: List[bench_customers.BenchCustomer]
    sampler: RssSampler
    stack: ExitStack = field(default_factory=ExitStack)
    started_at: Dict[str, float] = field(default_factory=dict)

    @property
    def env(self) -> Dict[str, str]:
        return {
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "PYTHONPATH": str(PROJECT_ROOT),  # `rasa run` finds bench.baseline_facebook
            "FB_APP_SECRET": APP_SECRET,
            "FB_VERIFY_TOKEN": VERIFY_TOKEN,
            "FB_PAGE_ACCESS_TOKEN": PAGE_TOKEN,
            "FB_GRAPH_API_URL": f"http://127.0.0.1:{self.ports['standin']}/{GRAPH_API_VERSION}",
            "CORE_BANKING_URL": f"http://127.0.0.1:{self.ports['bank']}",
            "CORE_BANKING_DATABASE_URL": f"sqlite:///{self.workdir / 'core_bank.db'}",
            "CORE_BANKING_DEV_MODE": "true",
            # One customer per conversation; the window allowance is generous all the same.
            "OTP_CHALLENGES_PER_WINDOW": "1000",
            "BRANCH_DATABASE_URL": f"sqlite:///{self.workdir / 'branch.db'}",
            "ARCHIVE_DATABASE_URL": f"sqlite:///{self.workdir / 'archive.db'}",  # ours' event broker, if endpoints.yml has it
            "RASA_URL": f"http://127.0.0.1:{self.ports['ours']}",
            "ACTION_SERVER_TOKEN": ACTION_SERVER_TOKEN,
        }

    def start_backends(self) -> None:
        logs = self.workdir / "logs"
        self._start("core_bank", python_module("bot", "core-bank", "--port", str(self.ports["bank"])),
                    f"http://127.0.0.1:{self.ports['bank']}/health", logs / "core_bank.log", 60)
        # The project's action server, as the Procfile runs it: on loopback, the Rasa servers authenticated.
        self._start("action_server", python_module("bot", "actions", "--port", str(self.ports["actions"])),
                    f"http://127.0.0.1:{self.ports['actions']}/health", logs / "actions.log", 180)

    def endpoints(self, connector: str) -> Dict[str, Any]:
        """Ours: the project's endpoints.yml (its tracker store, its event broker if any), on the bench's
        ports and files. The baseline: plain Rasa, its own SQL tracker store, no event broker."""
        database = {"dialect": "sqlite", "db": str(self.workdir / f"tracker-{connector}.db")}
        actions = {"url": f"http://127.0.0.1:{self.ports['actions']}/webhook",
                   "headers": {"Authorization": f"Bearer {ACTION_SERVER_TOKEN}"}}
        if connector != "ours":
            return {"action_endpoint": actions, "tracker_store": {"type": "SQL", **database}}
        project = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text()) or {}
        store = {key: value for key, value in (project.get("tracker_store") or {}).items()
                 if key not in ("dialect", "db", "host", "port", "username", "password")}
        project.update(action_endpoint=actions, tracker_store={**store, **database})
        return project

    @staticmethod
    def credentials(connector: str) -> str:
        if connector != "ours":
            return "credentials-builtin.yml"
        experiment = os.environ.get("BENCH_OURS", "")  # e.g. "bounded": bench/credentials-bounded.yml
        return f"credentials-{experiment}.yml" if experiment else "credentials.yml"

    def start_rasa(self, connector: str) -> None:
        endpoints = self.workdir / f"endpoints-{connector}.yml"
        endpoints.write_text(yaml.safe_dump(self.endpoints(connector), sort_keys=False))
        credentials = PROJECT_ROOT / "bench" / self.credentials(connector)
        rasa = str(Path(sys.executable).parent / "rasa")
        port = self.ports[connector]
        path = "messenger" if connector == "ours" else "facebook"
        self._start(
            f"rasa_{connector}",
            [rasa, "run", "--model", str(MODEL), "--credentials", str(credentials), "--endpoints", str(endpoints),
             "--interface", "127.0.0.1", "--port", str(port)],
            f"http://127.0.0.1:{port}/webhooks/{path}/", self.workdir / "logs" / f"rasa_{connector}.log", 300,
        )

    def _start(self, name: str, args: List[str], ready_url: str, log: Path, timeout: float) -> None:
        self.started_at[name] = time.time()
        process = self.stack.enter_context(running(args, ready_url, self.env, log, timeout=timeout))
        self.sampler.watch(name, process.pid)
        print(f"bench: {name} ready in {time.time() - self.started_at[name]:.1f} s", flush=True)

    def target(self, connector: str) -> load.Target:
        path = "messenger" if connector == "ours" else "facebook"
        return load.Target(connector, f"http://127.0.0.1:{self.ports[connector]}/webhooks/{path}/webhook", APP_SECRET)


# --------------------------------------------------------------------------- the run


async def _first_reply(bench: Bench, http: aiohttp.ClientSession, inboxes: load.Inboxes, connector: str) -> float:
    """Seconds from the Rasa server's start to the stand-in receiving its answer to a first "hi"."""
    psid = f"first-{connector}"
    conversation = load.Conversation(http, bench.target(connector), inboxes, "", bench.customers[0], psid)
    await conversation.send(load.Turn(texts=("hi",)))
    loop = asyncio.get_running_loop()
    await inboxes.wait_for(psid, 1, loop.time() + 120)
    first = inboxes.messages.get(psid)
    if not first:
        raise RuntimeError(f"{connector}: no answer to a first message")
    return first[0].received_at - bench.started_at[f"rasa_{connector}"]


async def _load_phase(bench: Bench, levels: List[int], profile: bool) -> Dict[str, Any]:
    loop = asyncio.get_running_loop()
    inboxes = load.Inboxes()
    runner = await load.start_standin(PAGE_TOKEN, bench.ports["standin"], inboxes)
    timeout = aiohttp.ClientTimeout(total=120)
    connector_limit = aiohttp.TCPConnector(limit=200)
    out: Dict[str, Any] = {"first_reply_s": {}, "calibration": {}, "levels": {c: {} for c in CONNECTORS}}
    try:
        async with aiohttp.ClientSession(timeout=timeout, connector=connector_limit) as http:
            await loop.run_in_executor(None, bench.start_backends)
            for connector in CONNECTORS:
                await loop.run_in_executor(None, bench.start_rasa, connector)
                out["first_reply_s"][connector] = round(await _first_reply(bench, http, inboxes, connector), 1)
                print(f"bench: {connector} answered its first message "
                      f"{out['first_reply_s'][connector]:.1f} s after its start", flush=True)
            bank = bench.env["CORE_BANKING_URL"]
            customers = iter(bench.customers[1:])
            expected: Dict[str, List[int]] = {}
            for connector in CONNECTORS:
                counts, transcript, _ = await load.calibrate(
                    http, bench.target(connector), inboxes, bank, next(customers), f"calibration-{connector}",
                )
                print("\n".join(f"bench:   {line}" for line in transcript), flush=True)
                expected[connector] = counts
                out["calibration"][connector] = {"replies_per_turn": counts, "transcript": transcript}
                print(f"bench: {connector} calibrated: replies per turn {counts}", flush=True)
            for level in levels:
                for connector in CONNECTORS:
                    group = [next(customers) for _ in range(CONVERSATIONS.get(level, level))]
                    spy = _start_profile(bench, connector, level) if profile and connector == "ours" and level == max(levels) else None
                    result = await load.run_level(
                        http, bench.target(connector), inboxes, bank, group, level, expected[connector],
                        f"{connector}-n{level}",
                    )
                    if spy is not None:
                        _stop_profile(spy)
                    figures = result.figures()
                    out["levels"][connector][str(level)] = figures
                    print(f"bench: {connector} N={level}: {_summary(figures)}", flush=True)
    finally:
        await runner.cleanup()
    return out


def _summary(f: Dict[str, Any]) -> str:
    return (f"ack p50 {f['ack_p50_ms']} ms p99 {f['ack_p99_ms']} ms · reply p50 {f['reply_p50_ms']} "
            f"p95 {f['reply_p95_ms']} p99 {f['reply_p99_ms']} ms · {f['replies_per_s']} replies/s · "
            f"sent {f['sent']} lost {f['lost']} dup {f['duplicated']} errors {f['errors']}")


@dataclass
class Spy:
    process: subprocess.Popen
    raw: Path


def _start_profile(bench: Bench, connector: str, level: int) -> Optional[Spy]:
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    pid = bench.sampler.pids.get(f"rasa_{connector}")
    if pid is None or not Path(spy).exists():
        print("bench: py-spy not available; no profile", flush=True)
        return None
    raw = bench.workdir / f"profile-{connector}-{level}.raw"
    process = subprocess.Popen(
        [spy, "record", "--pid", str(pid), "--rate", "100", "--format", "raw", "--output", str(raw), "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=open(bench.workdir / "logs" / "py-spy.log", "wb"),
    )
    time.sleep(1.0)  # attached before the load starts
    return Spy(process, raw)


def _stop_profile(spy: Spy) -> None:
    spy.process.send_signal(signal.SIGINT)
    try:
        spy.process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        spy.process.kill()
    if spy.raw.exists():
        summary = report.profile_summary(spy.raw.read_text())
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"{spy.raw.stem}.txt").write_text(summary)
        print(f"bench: profile summary in {RESULTS / (spy.raw.stem + '.txt')}", flush=True)


def _nlu(workdir: Path) -> Dict[str, Any]:
    out = workdir / "nlu"
    print("bench: NLU (trains an NLU-only model like `make eval-nlu`, then times parsing with the shipped model)",
          flush=True)
    started = time.time()
    completed = subprocess.run(python_module("bench.nlu", str(out)), cwd=PROJECT_ROOT,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    if completed.returncode != 0:
        raise SystemExit(f"bench: the NLU step failed (see {out}/eval-nlu.log)")
    figures = json.loads((out / "bench_nlu.json").read_text())
    print(f"bench: NLU done in {time.time() - started:.0f} s: {figures}", flush=True)
    return figures


def machine() -> str:
    import psutil

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {psutil.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.0f} GiB RAM, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}")


def main() -> int:
    # A plain `kill` stops the bench's processes too (the ExitStack closes on SystemExit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    levels = _levels()
    profile = os.environ.get("BENCH_PROFILE", "") not in ("", "0", "false")
    if WORKDIR.exists():
        shutil.rmtree(WORKDIR)
    (WORKDIR / "logs").mkdir(parents=True)
    started = datetime.now(timezone.utc)
    nlu = _nlu(WORKDIR) if os.environ.get("BENCH_SKIP_NLU") != "1" else None

    needed = 1 + len(CONNECTORS) * (1 + sum(CONVERSATIONS.get(level, level) for level in levels))
    customers = bench_customers.prepare_core_bank(f"sqlite:///{WORKDIR / 'core_bank.db'}", needed)
    ports = {name: free_port() for name in ("bank", "actions", "standin", *CONNECTORS)}
    sampler = RssSampler()
    sampler.start()
    bench = Bench(WORKDIR, ports, customers, sampler)
    try:
        with bench.stack:
            loaded = asyncio.run(_load_phase(bench, levels, profile))
    finally:
        sampler.stop()

    results = {
        "machine": machine(),
        "measured_at": started.isoformat(timespec="seconds"),
        "nlu": nlu,
        "messenger": {connector: loaded["levels"][connector] for connector in CONNECTORS},
        "ratios": report.ratios(loaded["levels"]),
        "cost": {
            "rss_mb": {name: round(mb, 1) for name, mb in sorted(sampler.peak_mb.items())},
            "train_s": nlu["train_nlu_s"] if nlu else None,
            "first_reply_s": loaded["first_reply_s"]["ours"],
            "first_reply_s_builtin": loaded["first_reply_s"]["builtin"],
        },
        "calibration": loaded["calibration"],
        "setup": {
            "levels": levels,
            "conversations_per_level": {str(level): CONVERSATIONS.get(level, level) for level in levels},
            "script": [turn.label for turn in load.SCRIPT],
            "endpoints": {connector: bench.endpoints(connector) for connector in CONNECTORS},
            "credentials": {connector: f"bench/{Bench.credentials(connector)}" for connector in CONNECTORS},
            "ours_experiment": os.environ.get("BENCH_OURS") or None,
            "dialogue_limit": os.environ.get("BENCH_DIALOGUE_LIMIT") if os.environ.get("BENCH_OURS") else None,
        },
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    report.write_markdown(results, RESULTS / "latest.md", RESULTS / "latency.png")
    print(f"bench: wrote {RESULTS}/latest.json, latest.md and latency.png", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
