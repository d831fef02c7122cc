"""Who may ask for codes and try them, and how often: the counts and locks behind the rules of otp.py.

Two counts go with every code:
- the requester's: who asks for a code or types one. A channel user when the chat channel vouches
  for one (its service token), else the client's IP address; for a transaction code, the
  signed-in customer. `otp_max_failures` consecutive wrong codes lock that requester (and only
  it) for `otp_lock_seconds`; it may ask for `otp_challenges_per_window` codes per window.
- the subject's: whose codes. A customer, or a customer number or phone nobody has (a decoy).
  Its ceilings are far higher (`otp_customer_max_failures`, `otp_customer_challenges_per_window`)
  and stop only requesters the customer has not vouched for: a channel user linked to that
  customer (it once typed a code sent to the customer's phone), or the customer signed in, is
  never stopped by what strangers did.

Each count is a row of `otp_limits`, keyed by an HMAC of what it counts. Any work on codes first
locks both rows, the subject's then the requester's (always in this order, so two requests never
wait for each other in a circle), and reads the counts only then: on PostgreSQL a row lock, on
SQLite the database's write lock, both held until the work commits. So the requests of one
requester, or about one subject, are handled one at a time: codes sent at once are judged in
turn, and none once the lock is on.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Optional

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.core_bank.errors import OtpLocked, TooManyChallenges
from bot.core_bank.models import OtpChallenge, OtpLimit
from bot.settings import Settings


@dataclass(frozen=True)
class OtpPolicy:
    ttl_seconds: int = 300
    max_failures: int = 5  # per requester
    lock_seconds: int = 1800
    challenges_per_window: int = 5  # per requester
    challenge_window_seconds: int = 900
    access_token_ttl_seconds: int = 900
    customer_max_failures: int = 100  # per customer, from every requester it has not vouched for (NIST SP 800-63B)
    customer_challenges_per_window: int = 20  # per customer, likewise

    def __post_init__(self) -> None:
        # A customer's ceiling is never below one requester's limit: else a single stranger would reach it.
        object.__setattr__(self, "customer_max_failures", max(self.customer_max_failures, self.max_failures))
        object.__setattr__(
            self, "customer_challenges_per_window", max(self.customer_challenges_per_window, self.challenges_per_window)
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> "OtpPolicy":
        return cls(
            ttl_seconds=settings.otp_ttl_seconds,
            max_failures=settings.otp_max_failures,
            lock_seconds=settings.otp_lock_seconds,
            challenges_per_window=settings.otp_challenges_per_window,
            challenge_window_seconds=settings.otp_challenge_window_seconds,
            access_token_ttl_seconds=settings.access_token_ttl_seconds,
            customer_max_failures=settings.otp_customer_max_failures,
            customer_challenges_per_window=settings.otp_customer_challenges_per_window,
        )


@dataclass(frozen=True)
class ChannelUser:
    """A user of a chat channel, e.g. ChannelUser("messenger", "<PSID>")."""

    channel: str
    channel_user_id: str


@dataclass(frozen=True)
class Requester:
    """Who asks for a code or types one (never shown: its `repr` names only the kind)."""

    kind: str  # channel | address | customer | local
    value: str
    channel_user: Optional[ChannelUser] = None

    @classmethod
    def of_channel_user(cls, user: ChannelUser) -> "Requester":
        """A channel user, as the channel vouches for it (over HTTP: with its service token)."""
        return cls("channel", f"{user.channel}:{user.channel_user_id}", user)

    @classmethod
    def at_address(cls, address: str) -> "Requester":
        """A client known only by its IP address."""
        return cls("address", address or "unknown")

    @classmethod
    def signed_in(cls, customer_id: int) -> "Requester":
        """The customer, signed in (transaction codes)."""
        return cls("customer", str(customer_id))

    def __repr__(self) -> str:
        return f"Requester({self.kind})"


# Whoever calls the domain in this process (tools, tests): one requester.
IN_PROCESS = Requester("local", "in-process")


@dataclass(frozen=True)
class Subject:
    """Whose codes: a customer (and the phone its codes go to), or an identifier nobody has."""

    name: str  # customer:<id> | nobody:number:<digits> | nobody:phone:<E.164>
    customer_id: Optional[int] = None
    phone: Optional[str] = None

    @classmethod
    def customer(cls, customer_id: int, phone: str) -> "Subject":
        return cls(f"customer:{customer_id}", customer_id, phone)

    @classmethod
    def nobody(cls, kind: str, value: str) -> "Subject":
        return cls(f"nobody:{kind}:{value}")

    def __repr__(self) -> str:
        return f"Subject(customer #{self.customer_id})" if self.customer_id is not None else "Subject(nobody)"


def limit_key(secret: str, what: str) -> str:
    """The key of a requester's or a subject's counts, e.g. limit_key(secret, "subject:customer:1")."""
    return hmac.new(secret.encode(), f"otp-limit:{what}".encode(), hashlib.sha256).hexdigest()


@dataclass
class Guard:
    """The two counts of one request, locked for its database transaction."""

    requester: OtpLimit
    subject: OtpLimit
    vouched: bool  # the customer vouched for the requester: the subject's ceilings do not stop it


@dataclass(frozen=True)
class Failure:
    attempts_left: int
    locked_until: Optional[datetime]  # when this wrong code locks codes for the requester
    tripped: bool  # this wrong code set a lock (the requester's or the subject's)
    alert: bool  # tell the customer (at most once per lock period)


class OtpLimits:
    def __init__(self, secret: str, policy: OtpPolicy) -> None:
        self._secret = secret
        self._policy = policy
        self._lock_period = timedelta(seconds=policy.lock_seconds)
        self._window = timedelta(seconds=policy.challenge_window_seconds)

    def requester_key(self, requester: Requester) -> str:
        return limit_key(self._secret, f"requester:{requester.kind}:{requester.value}")

    def subject_key(self, subject: Subject) -> str:
        return limit_key(self._secret, f"subject:{subject.name}")

    def guard(self, session: Session, requester_key: str, subject_key: str, vouched: bool) -> Guard:
        """Locks both counts until `session` commits or rolls back, then reads them (see the module's docstring)."""
        for key in (subject_key, requester_key):
            session.execute(_insert_missing(session, key))
            session.execute(update(OtpLimit).where(OtpLimit.key == key).values(failure_count=OtpLimit.failure_count))
        rows = {
            row.key: row
            for row in session.execute(
                select(OtpLimit)
                .where(OtpLimit.key.in_((subject_key, requester_key)))
                .execution_options(populate_existing=True)
            ).scalars()
        }
        return Guard(requester=rows[requester_key], subject=rows[subject_key], vouched=vouched)

    def refuse_if_locked(self, guard: Guard, now: datetime) -> None:
        """OtpLocked while the requester's lock runs (or the subject's, for a requester it did not vouch for).
        A lock that has run out is cleared with its failures (written when the caller commits)."""
        for row in (guard.requester, guard.subject):
            if row.locked_until is not None and now >= row.locked_until:
                row.failure_count, row.locked_until = 0, None
        if guard.requester.locked_until is not None:
            raise OtpLocked(guard.requester.locked_until)
        if guard.subject.locked_until is not None and not guard.vouched:
            raise OtpLocked(guard.subject.locked_until)

    def refuse_if_too_many_challenges(self, session: Session, guard: Guard, now: datetime) -> None:
        """TooManyChallenges when the requester has asked for its codes of the window (or the subject has been sent
        its ceiling, for a requester it did not vouch for)."""
        limits = [(OtpChallenge.requester_key, guard.requester.key, self._policy.challenges_per_window)]
        if not guard.vouched:
            limits.append((OtpChallenge.subject_key, guard.subject.key, self._policy.customer_challenges_per_window))
        window_start = now - self._window
        for column, key, allowed in limits:
            count, oldest = session.execute(
                select(func.count(OtpChallenge.id), func.min(OtpChallenge.created_at)).where(
                    column == key, OtpChallenge.created_at > window_start
                )
            ).one()
            if count >= allowed:
                raise TooManyChallenges((oldest or now) + self._window)

    def record_failure(self, guard: Guard, now: datetime) -> Failure:
        """Counts one wrong code against both; locks whichever reaches its limit."""
        requester, subject = guard.requester, guard.subject
        requester.failure_count += 1
        subject.failure_count += 1
        tripped = False
        if requester.failure_count >= self._policy.max_failures and requester.locked_until is None:
            requester.locked_until, tripped = now + self._lock_period, True
        if subject.failure_count >= self._policy.customer_max_failures and subject.locked_until is None:
            subject.locked_until, tripped = now + self._lock_period, True
        alert = tripped and (subject.alerted_at is None or now >= subject.alerted_at + self._lock_period)
        if alert:
            subject.alerted_at = now
        attempts_left = self._policy.max_failures - requester.failure_count
        locked_until = requester.locked_until
        if not guard.vouched:
            attempts_left = min(attempts_left, self._policy.customer_max_failures - subject.failure_count)
            locked_until = locked_until or subject.locked_until
        return Failure(max(attempts_left, 0), locked_until, tripped, alert)

    def record_success(self, guard: Guard) -> None:
        """A right code: both failure counts start again (a subject's lock, if any, runs its course)."""
        guard.requester.failure_count = 0
        guard.subject.failure_count = 0


def _insert_missing(session: Session, key: str) -> Any:
    """INSERT … ON CONFLICT DO NOTHING of an empty count (PostgreSQL and SQLite, the bank's two databases)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(OtpLimit).values(key=key, failure_count=0).on_conflict_do_nothing(index_elements=["key"])
