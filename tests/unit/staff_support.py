"""Shared pieces of the staff and console tests: a clock the test moves, a fast argon2id hasher."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from argon2 import PasswordHasher

from bot.staff.passwords import PasswordHashing
from bot.staff.sessions import SessionLimits
from bot.staff.store import StaffStore

PASSWORD = "kettle-Orbit-57-lantern"
LIMITS = SessionLimits(idle=timedelta(minutes=30), max_age=timedelta(hours=8))


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def fast_hashing() -> PasswordHashing:
    """argon2id with tiny costs, so that tests run quickly (production uses argon2-cffi's defaults)."""
    return PasswordHashing(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'branch.db'}"


def new_store(tmp_path: Path, clock: FakeClock, hashing: PasswordHashing | None = None) -> StaffStore:
    return StaffStore(database_url(tmp_path), LIMITS, hashing=hashing or fast_hashing(), clock=clock)
