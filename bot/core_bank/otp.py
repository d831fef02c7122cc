"""One-time codes by SMS, the access tokens they unlock, and channel links.

The rules live here, not in the dialogue:
- a code is 6 digits from `secrets`, sent by SMS, valid `otp_ttl_seconds`, usable once;
- only HMAC-SHA256(secret, challenge id + code) is stored, compared in constant time;
- `otp_max_failures` wrong codes lock OTP for the customer for `otp_lock_seconds`; the
  failure count belongs to the customer (a new code does not reset it; a success or the
  lock running out does);
- at most `otp_challenges_per_window` new codes per customer per window;
- codes are judged one at a time per customer (a row lock on the customer, taken before the lock
  and the failures are read): of codes sent at once, at most `otp_max_failures` are ever judged
  before the lock, and none after it; new codes asked for at once are counted the same way;
- a verified code gives a bearer token (only its SHA-256 is stored) valid
  `access_token_ttl_seconds`, and may link a channel user (e.g. a Messenger PSID,
  stored as an HMAC) to the customer, so that later codes can be asked for by that user.
  Only the channel itself may link a user or ask a code for a linked one: over HTTP that
  takes its service token (`CORE_BANKING_SERVICE_TOKEN`, checked in routes/http.py);
- a code can instead approve one transaction (PSD2 dynamic linking): the challenge keeps
  an HMAC of the canonical transaction and the SMS names what it approves; the code works
  only for exactly that transaction (any change burns it and counts as a failure), and
  never to sign in. Same ttl, single use, failure count, lock and window as sign-in codes.

Codes and tokens are never logged.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Optional, Union

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.core_bank.accounts import find_customer_by_number, find_customer_by_phone, mask_phone, normalize_phone
from bot.core_bank.errors import (
    ChallengeNotFound,
    CustomerNotFound,
    InvalidRequest,
    NotLinked,
    OtpBindingMismatch,
    OtpExpired,
    OtpInvalid,
    OtpLocked,
    OtpUsed,
    TooManyChallenges,
    Unauthorized,
)
from bot.core_bank.models import AccessToken, ChannelLink, Customer, OtpChallenge, lock_customer
from bot.clock import Clock, utc_now
from bot.core_bank.sms import SmsGateway
from bot.settings import Settings

logger = logging.getLogger(__name__)

CODE_PATTERN = re.compile(r"[0-9]{6}")


def new_code() -> str:
    """A fresh 6-digit one-time code."""
    return f"{secrets.randbelow(10**6):06d}"


def code_hash(secret: str, challenge_id: str, code: str) -> str:
    return _keyed_hash(secret, f"otp:{challenge_id}:{code}")


def transaction_hash(secret: str, canonical_transaction: str) -> str:
    return _keyed_hash(secret, f"transaction:{canonical_transaction}")


def channel_link_hash(secret: str, channel: str, channel_user_id: str) -> str:
    return _keyed_hash(secret, f"link:{channel}:{channel_user_id}")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _keyed_hash(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def otp_sms_text(code: str, ttl_seconds: int) -> str:
    return (
        f"Your Facebook branch code is {code}. It expires in {_duration(ttl_seconds)}. "
        "Never share it — the bank will never ask for it."
    )


def approval_sms_text(code: str, approves: str, ttl_seconds: int) -> str:
    """E.g. "Code 123456 to send €20.00 to Tom Bernard. It expires in 5 minutes. …" (the code comes first)."""
    return (
        f"Code {code} to {approves}. It expires in {_duration(ttl_seconds)}. "
        "Never share it — the bank will never ask for it."
    )


def _duration(seconds: int) -> str:
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"
    return f"{seconds} second" if seconds == 1 else f"{seconds} seconds"


@dataclass(frozen=True)
class OtpPolicy:
    ttl_seconds: int = 300
    max_failures: int = 5
    lock_seconds: int = 1800
    challenges_per_window: int = 5
    challenge_window_seconds: int = 900
    access_token_ttl_seconds: int = 900

    @classmethod
    def from_settings(cls, settings: Settings) -> "OtpPolicy":
        return cls(
            ttl_seconds=settings.otp_ttl_seconds,
            max_failures=settings.otp_max_failures,
            lock_seconds=settings.otp_lock_seconds,
            challenges_per_window=settings.otp_challenges_per_window,
            challenge_window_seconds=settings.otp_challenge_window_seconds,
            access_token_ttl_seconds=settings.access_token_ttl_seconds,
        )


# --- who a code is for ------------------------------------------------------


@dataclass(frozen=True)
class ByCustomerNumber:
    customer_number: str


@dataclass(frozen=True)
class ByPhone:
    phone: str  # as typed; normalized to E.164 (default region FR)


@dataclass(frozen=True)
class ChannelUser:
    """A user of a chat channel, e.g. ChannelUser("messenger", "<PSID>")."""

    channel: str
    channel_user_id: str


CustomerIdentifier = Union[ByCustomerNumber, ByPhone, ChannelUser]


@dataclass(frozen=True)
class TransactionApproval:
    """What a transaction code approves."""

    canonical: str  # every field the code is bound to, e.g. "transfer|from=acc_…|to=payee:…|amount=20.00|currency=EUR"
    description: str  # what the SMS says the code does, e.g. "send €20.00 to Tom Bernard"


# --- results ----------------------------------------------------------------


@dataclass(frozen=True)
class IssuedChallenge:
    challenge_id: str
    expires_at: datetime
    sent_to: str  # masked phone number


@dataclass(frozen=True)
class VerifiedCustomer:
    access_token: str  # in clear only here, once
    expires_at: datetime
    customer_id: int
    customer_number: str
    first_name: str


class AccessTokens:
    """Bearer tokens: issued for a verified code, checked on every customer-data request."""

    def __init__(self, sessions: sessionmaker, ttl_seconds: int, clock: Clock = utc_now) -> None:
        self._sessions = sessions
        self._ttl = timedelta(seconds=ttl_seconds)
        self._clock = clock

    def issue(self, session: Session, customer_id: int, now: datetime) -> tuple[str, datetime]:
        """Adds a new token for the customer to `session` (the caller commits)."""
        token = secrets.token_urlsafe(32)
        expires_at = now + self._ttl
        session.add(AccessToken(token_hash=token_hash(token), customer_id=customer_id, issued_at=now, expires_at=expires_at))
        return token, expires_at

    def authenticate(self, token: Optional[str]) -> int:
        """The customer id a valid, unexpired, unrevoked token belongs to; Unauthorized otherwise."""
        if not token:
            raise Unauthorized("Sign in first: this needs a bearer token.")
        now = self._clock()
        with self._sessions() as session:
            row = session.get(AccessToken, token_hash(token))
            if row is None or row.revoked_at is not None:
                raise Unauthorized("This token is not valid.", invalid_token=True)
            if now >= row.expires_at:
                raise Unauthorized("This token has expired: sign in again.", invalid_token=True)
            return row.customer_id

    def revoke(self, token: Optional[str]) -> None:
        """Ends the session of a valid token (Unauthorized if it is not valid)."""
        self.authenticate(token)
        assert token is not None
        with self._sessions() as session:
            session.execute(
                update(AccessToken)
                .where(AccessToken.token_hash == token_hash(token), AccessToken.revoked_at.is_(None))
                .values(revoked_at=self._clock())
            )
            session.commit()


class OtpService:
    """Starts OTP challenges (sending the code by SMS) and verifies codes."""

    def __init__(
        self,
        sessions: sessionmaker,
        secret: str,
        policy: OtpPolicy,
        sms: SmsGateway,
        tokens: AccessTokens,
        clock: Clock = utc_now,
        code_generator: Callable[[], str] = new_code,
    ) -> None:
        self._sessions = sessions
        self._secret = secret
        self._policy = policy
        self._sms = sms
        self._tokens = tokens
        self._clock = clock
        self._new_code = code_generator

    # -- challenges --

    def start_challenge(self, who: CustomerIdentifier) -> IssuedChallenge:
        """Sends a new sign-in code to the customer's phone; raises the domain errors of the rules above."""
        now = self._clock()
        with self._sessions() as session:
            customer = self._find_customer(session, who)
            challenge_id, code, expires_at = self._new_challenge(session, customer.id, now, bound_transaction=None)
            phone = customer.phone
            customer_id = customer.id

        self._sms.send(phone, otp_sms_text(code, self._policy.ttl_seconds))
        logger.info("OTP challenge %s… sent for customer #%d", challenge_id[:6], customer_id)
        return IssuedChallenge(challenge_id=challenge_id, expires_at=expires_at, sent_to=mask_phone(phone))

    def start_approval(self, customer_id: int, approval: TransactionApproval) -> IssuedChallenge:
        """Sends a code that approves exactly `approval` (and nothing else) to the customer's phone."""
        now = self._clock()
        with self._sessions() as session:
            customer = session.get(Customer, customer_id)
            if customer is None:
                raise CustomerNotFound("No such customer.")
            challenge_id, code, expires_at = self._new_challenge(
                session, customer_id, now, bound_transaction=transaction_hash(self._secret, approval.canonical)
            )
            phone = customer.phone

        self._sms.send(phone, approval_sms_text(code, approval.description, self._policy.ttl_seconds))
        logger.info("OTP approval challenge %s… sent for customer #%d", challenge_id[:6], customer_id)
        return IssuedChallenge(challenge_id=challenge_id, expires_at=expires_at, sent_to=mask_phone(phone))

    def _new_challenge(
        self, session: Session, customer_id: int, now: datetime, bound_transaction: Optional[str]
    ) -> tuple[str, str, datetime]:
        """Stores a new challenge (bound to the transaction with this hash, if any) after the lock and window
        checks; commits. Gives (challenge id, code, expiry). Requests for one customer are handled in turn
        (the customer's row is locked first), so requests sent at once cannot pass the window together."""
        lock_customer(session, customer_id)
        self._refuse_if_locked(session, customer_id, now)
        self._refuse_if_too_many_challenges(session, customer_id, now)

        # A new code replaces the customer's earlier ones: only the latest SMS is valid.
        session.execute(
            update(OtpChallenge)
            .where(
                OtpChallenge.customer_id == customer_id,
                OtpChallenge.used_at.is_(None),
                OtpChallenge.expires_at > now,
            )
            .values(expires_at=now)
        )
        challenge_id = secrets.token_urlsafe(18)
        code = self._new_code()
        expires_at = now + timedelta(seconds=self._policy.ttl_seconds)
        session.add(
            OtpChallenge(
                id=challenge_id,
                customer_id=customer_id,
                code_hash=code_hash(self._secret, challenge_id, code),
                created_at=now,
                expires_at=expires_at,
                transaction_hash=bound_transaction,
            )
        )
        session.commit()
        return challenge_id, code, expires_at

    def _find_customer(self, session: Session, who: CustomerIdentifier) -> Customer:
        if isinstance(who, ByCustomerNumber):
            return find_customer_by_number(session, who.customer_number)
        if isinstance(who, ByPhone):
            return find_customer_by_phone(session, normalize_phone(who.phone))
        if isinstance(who, ChannelUser):
            link = session.get(ChannelLink, channel_link_hash(self._secret, who.channel, who.channel_user_id))
            if link is None:
                raise NotLinked("This channel user is not linked to a customer yet: ask for a customer number or phone.")
            customer = session.get(Customer, link.customer_id)
            assert customer is not None
            return customer
        raise InvalidRequest("unknown kind of customer identifier")

    def _refuse_if_too_many_challenges(self, session: Session, customer_id: int, now: datetime) -> None:
        window_start = now - timedelta(seconds=self._policy.challenge_window_seconds)
        count, oldest = session.execute(
            select(func.count(OtpChallenge.id), func.min(OtpChallenge.created_at)).where(
                OtpChallenge.customer_id == customer_id, OtpChallenge.created_at > window_start
            )
        ).one()
        if count >= self._policy.challenges_per_window:
            retry_at = (oldest or now) + timedelta(seconds=self._policy.challenge_window_seconds)
            logger.info("OTP challenge refused for customer #%d: too many in the window", customer_id)
            raise TooManyChallenges(retry_at)

    # -- lock --

    def _refuse_if_locked(self, session: Session, customer_id: int, now: datetime) -> None:
        """Raises OtpLocked while the lock runs; once it has run out, clears it and the failures (the caller commits)."""
        locked_until = session.execute(
            select(Customer.otp_locked_until).where(Customer.id == customer_id)
        ).scalar_one()
        if locked_until is None:
            return
        if now < locked_until:
            raise OtpLocked(locked_until)
        session.execute(
            update(Customer)
            .where(Customer.id == customer_id, Customer.otp_locked_until == locked_until)
            .values(otp_failure_count=0, otp_locked_until=None)
        )

    def _record_failure(self, session: Session, customer_id: int, now: datetime) -> tuple[int, Optional[datetime]]:
        """Counts one wrong code (atomically); locks when the limit is reached. Commits."""
        session.execute(
            update(Customer)
            .where(Customer.id == customer_id)
            .values(otp_failure_count=Customer.otp_failure_count + 1)
        )
        failures, locked_until = session.execute(
            select(Customer.otp_failure_count, Customer.otp_locked_until).where(Customer.id == customer_id)
        ).one()
        if failures >= self._policy.max_failures and locked_until is None:
            locked_until = now + timedelta(seconds=self._policy.lock_seconds)
            session.execute(update(Customer).where(Customer.id == customer_id).values(otp_locked_until=locked_until))
        session.commit()
        return failures, locked_until

    # -- verification --

    def verify(self, challenge_id: str, code: str, link: Optional[ChannelUser] = None) -> VerifiedCustomer:
        """Checks a sign-in code; on success gives an access token (and links `link` to the customer)."""
        _refuse_malformed(code)
        now = self._clock()
        with self._sessions() as session:
            challenge = session.get(OtpChallenge, challenge_id)
            if challenge is None:
                raise ChallengeNotFound("No such challenge: ask for a new code.")
            if challenge.transaction_hash is not None:
                raise ChallengeNotFound("This code approves a transaction: it cannot be used to sign in.")
            customer_id = challenge.customer_id
            self._check_code(session, challenge, code, now)
            try:
                self._use(session, challenge_id, customer_id, now)
            except OtpUsed:
                session.rollback()
                raise
            token, expires_at = self._tokens.issue(session, customer_id, now)
            if link is not None:
                self._link(session, link, customer_id, now)
            customer = session.get(Customer, customer_id)
            assert customer is not None
            verified = VerifiedCustomer(
                access_token=token,
                expires_at=expires_at,
                customer_id=customer_id,
                customer_number=customer.customer_number,
                first_name=customer.first_name,
            )
            session.commit()
        logger.info("OTP verified for customer #%d%s", customer_id, " (channel linked)" if link else "")
        return verified

    def consume_approval(
        self, session: Session, challenge_id: str, code: str, customer_id: int, canonical_transaction: str
    ) -> None:
        """Uses a transaction code within the caller's database transaction, which books the transaction.

        The challenge must be the customer's, its code right, and it must have been sent for
        exactly `canonical_transaction`. A code right for another transaction is burnt and
        counts as a failure (committed at once, then OtpBindingMismatch or OtpLocked). On success
        the challenge is marked used in `session` without committing: if the caller's work is
        rolled back (e.g. funds no longer sufficient), the code stays usable until it expires.
        """
        _refuse_malformed(code)
        now = self._clock()
        challenge = session.get(OtpChallenge, challenge_id)
        if challenge is None or challenge.customer_id != customer_id:
            # Another customer's challenge is reported as unknown, and counts against nobody.
            raise ChallengeNotFound("No such challenge for this customer: prepare the transaction again.")
        self._check_code(session, challenge, code, now)

        expected = transaction_hash(self._secret, canonical_transaction)
        if challenge.transaction_hash is None or not hmac.compare_digest(challenge.transaction_hash, expected):
            session.execute(
                update(OtpChallenge)
                .where(OtpChallenge.id == challenge_id, OtpChallenge.used_at.is_(None))
                .values(used_at=now)
            )
            failures, locked_until = self._record_failure(session, customer_id, now)
            logger.info("OTP code for another transaction, customer #%d (%d failure(s))", customer_id, failures)
            if locked_until is not None:
                raise OtpLocked(locked_until)
            raise OtpBindingMismatch(attempts_left=max(self._policy.max_failures - failures, 0))

        self._use(session, challenge_id, customer_id, now)
        logger.info("OTP approval verified for customer #%d", customer_id)

    def _check_code(self, session: Session, challenge: OtpChallenge, code: str, now: datetime) -> None:
        """Raises for a locked customer, a used or expired challenge, or a wrong code (counted, committed).

        Codes are judged one at a time per customer: the customer's row is locked first (until the
        caller's commit), and the lock, the challenge and the failure count are read after that. So
        codes sent at once are judged in turn, and none after the one that locks.
        """
        customer_id = challenge.customer_id
        lock_customer(session, customer_id)
        session.refresh(challenge)
        self._refuse_if_locked(session, customer_id, now)
        if challenge.used_at is not None:
            raise OtpUsed("This code has already been used: ask for a new one.")
        if now >= challenge.expires_at:
            raise OtpExpired("This code has expired: ask for a new one.")
        if not hmac.compare_digest(code_hash(self._secret, challenge.id, code), challenge.code_hash):
            failures, locked_until = self._record_failure(session, customer_id, now)
            logger.info("Wrong OTP code for customer #%d (%d failure(s))", customer_id, failures)
            if locked_until is not None:
                raise OtpLocked(locked_until)
            raise OtpInvalid(attempts_left=max(self._policy.max_failures - failures, 0))

    def _use(self, session: Session, challenge_id: str, customer_id: int, now: datetime) -> None:
        """Marks the challenge used (once only: OtpUsed if a simultaneous request did first) and clears the failures."""
        used = session.execute(
            update(OtpChallenge)
            .where(OtpChallenge.id == challenge_id, OtpChallenge.used_at.is_(None))
            .values(used_at=now)
        )
        if used.rowcount != 1:
            raise OtpUsed("This code has already been used: ask for a new one.")
        session.execute(
            update(Customer).where(Customer.id == customer_id).values(otp_failure_count=0, otp_locked_until=None)
        )

    def _link(self, session: Session, user: ChannelUser, customer_id: int, now: datetime) -> None:
        """Records that this channel user is this customer (replacing any earlier link)."""
        link_hash = channel_link_hash(self._secret, user.channel, user.channel_user_id)
        session.execute(delete(ChannelLink).where(ChannelLink.link_hash == link_hash))
        session.add(ChannelLink(link_hash=link_hash, channel=user.channel, customer_id=customer_id, linked_at=now))


def _refuse_malformed(code: object) -> None:
    """A code that is not exactly 6 digits is refused without counting as a failure."""
    if not isinstance(code, str) or not CODE_PATTERN.fullmatch(code):
        raise InvalidRequest("code must be exactly 6 digits")
