"""Staff accounts: create, list, disable, and the login check (throttled, no user enumeration)."""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, ContextManager, List, Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.staff import login_throttle
from bot.staff.login_throttle import LoginLimits
from bot.staff.models import USERNAME_MAX_LENGTH, StaffAccount, StaffSession
from bot.staff.passwords import PasswordHashing, check_password_policy

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,%d}$" % (USERNAME_MAX_LENGTH - 1))
DISPLAY_NAME_MAX_LENGTH = 120


class AccountError(ValueError):
    """An account cannot be created or changed; the message says why."""


@dataclass(frozen=True)
class Agent:
    """A staff member as the console sees them (never the password hash)."""

    id: int
    username: str
    display_name: str

    @classmethod
    def of(cls, account: StaffAccount) -> "Agent":
        return cls(id=account.id, username=account.username, display_name=account.display_name)

    def as_json(self) -> dict:
        return {"id": self.id, "username": self.username, "display_name": self.display_name}


@dataclass(frozen=True)
class AccountSummary:
    username: str
    display_name: str
    created_at: datetime
    disabled: bool


class LoginOutcome(enum.Enum):
    OK = "ok"
    INVALID = "invalid"  # unknown username, wrong password or disabled account: one answer for all
    LOCKED = "locked"  # too many attempts for this username (known or not)
    THROTTLED = "throttled"  # too many attempts from this client, whatever the usernames


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    agent: Optional[Agent] = None
    retry_after: Optional[timedelta] = None  # THROTTLED: how long until the client may try again


def normalize_username(raw: str) -> Optional[str]:
    """The canonical (lower-case) username, or None when `raw` cannot be one."""
    username = raw.strip().lower()
    return username if USERNAME_PATTERN.match(username) else None


def create_account(
    db: Session, hashing: PasswordHashing, username: str, display_name: str, password: str, now: datetime
) -> Agent:
    """Adds an account; raises AccountError (bad or taken username, bad name) or WeakPassword."""
    canonical = normalize_username(username)
    if canonical is None:
        raise AccountError(
            "a username is 2 to 64 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    name = display_name.strip()
    if not name or len(name) > DISPLAY_NAME_MAX_LENGTH or any(ch in name for ch in "\r\n\t\x00"):
        raise AccountError(f"the display name must be 1 to {DISPLAY_NAME_MAX_LENGTH} characters on one line")
    check_password_policy(password, canonical)
    if db.execute(select(StaffAccount.id).where(StaffAccount.username == canonical)).first() is not None:
        raise AccountError(f"the username {canonical!r} is taken")
    account = StaffAccount(
        username=canonical, display_name=name, password_hash=hashing.hash(password), created_at=now, disabled=False
    )
    db.add(account)
    try:
        db.flush()
    except IntegrityError as exc:
        raise AccountError(f"the username {canonical!r} is taken") from exc
    return Agent.of(account)


def list_accounts(db: Session) -> List[AccountSummary]:
    accounts = db.execute(select(StaffAccount).order_by(StaffAccount.username)).scalars()
    return [AccountSummary(a.username, a.display_name, a.created_at, bool(a.disabled)) for a in accounts]


def disable_account(db: Session, username: str) -> None:
    """Disables the account and ends its console sessions; raises AccountError when there is none."""
    canonical = normalize_username(username)
    account = None
    if canonical is not None:
        account = db.execute(select(StaffAccount).where(StaffAccount.username == canonical)).scalar_one_or_none()
    if account is None:
        raise AccountError(f"no staff account {username.strip()!r}")
    account.disabled = True
    db.query(StaffSession).filter(StaffSession.account_id == account.id).delete(synchronize_session=False)


def authenticate(
    transaction: Callable[[], ContextManager[Session]],
    hashing: PasswordHashing,
    username: str,
    password: str,
    now: datetime,
    client: Optional[str] = None,
    limits: LoginLimits = LoginLimits(),
) -> LoginResult:
    """Checks a login from `client` (its address) in three steps, so that argon2 never runs in a transaction.

    1. One transaction counts the attempt for the client, then for the username, or refuses it
       (THROTTLED, LOCKED: no password is judged), and reads the account.
    2. argon2 judges the password; an unknown username is judged against a dummy hash, at the same cost.
    3. On success one transaction forgets the username's attempts and re-hashes a hash of old parameters.
    """
    canonical = normalize_username(username)
    with transaction() as db:
        by_client = login_throttle.admit(db, login_throttle.client_key(client), limits.per_client, now)
        if not by_client.admitted:
            return LoginResult(LoginOutcome.THROTTLED, retry_after=by_client.retry_after)
        if canonical is not None and not login_throttle.admit(db, canonical, limits.per_username, now).admitted:
            return LoginResult(LoginOutcome.LOCKED)
        account = None
        if canonical is not None:
            account = db.execute(select(StaffAccount).where(StaffAccount.username == canonical)).scalar_one_or_none()
        stored = None if account is None else (account.id, account.password_hash, bool(account.disabled))
    if stored is None:
        hashing.waste_time(password)
        return LoginResult(LoginOutcome.INVALID)
    account_id, password_hash, disabled = stored
    if not hashing.verify(password_hash, password) or disabled:
        return LoginResult(LoginOutcome.INVALID)
    new_hash = hashing.hash(password) if hashing.needs_rehash(password_hash) else None
    with transaction() as db:
        account = db.get(StaffAccount, account_id)
        if account is None or account.disabled:  # disabled while the password was being judged
            return LoginResult(LoginOutcome.INVALID)
        login_throttle.clear(db, account.username)
        if new_hash is not None and account.password_hash == password_hash:
            account.password_hash = new_hash
        return LoginResult(LoginOutcome.OK, Agent.of(account))
