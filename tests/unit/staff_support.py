"""Shared pieces of the staff and console tests: a clock the test moves, a fast argon2id hasher."""
from __future__ import annotations

import threading
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


class GatedHashing(PasswordHashing):
    """The fast hasher, counting every argon2 verify (dummy ones too); `close()` holds each verify at a gate.

    With the gate closed a test can send a burst of logins and wait until each one is either judging its
    password or done (`wait_settled`): the requests then all overlap, as a burst does on a real server.
    """

    def __init__(self) -> None:
        super().__init__(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        self._state = threading.Condition()
        self._open = True
        self.verified = 0
        self.returned = 0

    def verify(self, password_hash: str, password: str) -> bool:
        with self._state:
            self.verified += 1
            self._state.notify_all()
            if not self._state.wait_for(lambda: self._open, timeout=GATE_TIMEOUT):
                raise TimeoutError("the gate was never opened")
        return super().verify(password_hash, password)

    def close(self) -> None:
        with self._state:
            self._open = False

    def open(self) -> None:
        with self._state:
            self._open = True
            self._state.notify_all()

    def count_return(self) -> None:
        """Called by the test when a login came back (it did not stop at the gate, or went through)."""
        with self._state:
            self.returned += 1
            self._state.notify_all()

    def wait_settled(self, attempts: int) -> None:
        """Waits until `attempts` logins are each at the gate or back."""
        with self._state:
            if not self._state.wait_for(lambda: self.verified + self.returned >= attempts, timeout=GATE_TIMEOUT):
                raise TimeoutError(f"{self.verified} at the gate and {self.returned} back, not {attempts}")


GATE_TIMEOUT = 30.0
