"""`StaffStore`: the staff tables behind one object, each call its own transaction.

The console and the CLI use it; tests give it their own database URL and clock.
"""
from __future__ import annotations

from datetime import timedelta
from typing import List, Optional, Tuple

from sqlalchemy.orm import sessionmaker

from bot.branch_db import engine_for
from bot.db_migrations import ensure_upgraded
from bot.settings import Settings
from bot.staff import accounts, login_throttle, sessions
from bot.staff.accounts import AccountSummary, Agent, LoginOutcome, LoginResult
from bot.staff.login_throttle import LoginLimits
from bot.staff.passwords import PasswordHashing
from bot.staff.sessions import ActiveSession, SessionLimits
from bot.clock import Clock, utc_now




class StaffStore:
    def __init__(
        self,
        database_url: str,
        limits: SessionLimits,
        hashing: Optional[PasswordHashing] = None,
        clock: Clock = utc_now,
        login_limits: LoginLimits = LoginLimits(),
    ) -> None:
        ensure_upgraded("branch", database_url)  # the schema this code expects (migrations/branch/)
        engine = engine_for(database_url)
        self._engine = engine
        self._db = sessionmaker(bind=engine, future=True, expire_on_commit=False)
        self._hashing = hashing or PasswordHashing()
        self.limits = limits
        self.clock = clock
        self.login_limits = login_limits

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock = utc_now) -> "StaffStore":
        limits = SessionLimits(
            idle=timedelta(seconds=settings.staff_session_idle_seconds),
            max_age=timedelta(seconds=settings.staff_session_max_seconds),
        )
        return cls(settings.branch_database_url, limits, clock=clock)

    def close(self) -> None:
        self._engine.dispose()

    def add_account(self, username: str, display_name: str, password: str) -> Agent:
        with self._db.begin() as db:
            return accounts.create_account(db, self._hashing, username, display_name, password, self.clock())

    def list_accounts(self) -> List[AccountSummary]:
        with self._db() as db:
            return accounts.list_accounts(db)

    def disable_account(self, username: str) -> None:
        with self._db.begin() as db:
            accounts.disable_account(db, username)

    def log_in(
        self, username: str, password: str, previous_session_id: str = "", client: Optional[str] = None
    ) -> Tuple[LoginResult, str]:
        """Checks a login from `client` (its address as the web service sees it).

        On success ends `previous_session_id` and returns a new session id (else "").
        """
        now = self.clock()
        result = accounts.authenticate(
            self._db.begin, self._hashing, username, password, now, client=client, limits=self.login_limits
        )
        if result.outcome is not LoginOutcome.OK or result.agent is None:
            return result, ""
        with self._db.begin() as db:
            sessions.end_session(db, previous_session_id)
            sessions.purge_expired(db, now, self.limits)
            login_throttle.purge_stale(db, now, self.login_limits)
            return result, sessions.start_session(db, result.agent, now)

    def resume(self, session_id: str) -> Optional[ActiveSession]:
        with self._db.begin() as db:
            return sessions.resume_session(db, session_id, self.clock(), self.limits)

    def log_out(self, session_id: str) -> None:
        with self._db.begin() as db:
            sessions.end_session(db, session_id)
