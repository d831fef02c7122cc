"""One-time codes by SMS, the access tokens they unlock (tokens.py), and channel links.

The rules live here (and their counts in otp_limits.py), not in the dialogue:
- a code is 6 digits from `secrets`, sent by SMS, valid `otp_ttl_seconds`, usable once;
- only HMAC-SHA256(secret, challenge id + code) is stored, compared in constant time;
- failures and requests are counted per requester and per customer (otp_limits.py), so that a
  stranger who knows a customer number locks only itself, never the customer:
  - a requester is who asks for or types a code: the channel user the chat channel vouches for
    (with its service token), else the client's IP address; for a transaction code, the customer
    signed in. `otp_max_failures` (5) consecutive wrong codes lock that requester for
    `otp_lock_seconds` (30 minutes), for every customer; it may ask for `otp_challenges_per_window`
    (5) codes per `otp_challenge_window_seconds` (15 minutes);
  - a customer has far higher ceilings: `otp_customer_max_failures` (100, as NIST SP 800-63B
    §5.2.2 allows at most) consecutive wrong codes from anyone lock codes for the customer for
    `otp_lock_seconds`, and at most `otp_customer_challenges_per_window` (20) codes are sent to
    its phone per window; neither stops a requester the customer vouched for (a channel user
    linked to the customer, or the customer signed in), so the customer's own Messenger user can
    always sign in;
  - a right code resets both failure counts; a new code does not; a lock running out does;
  - when a wrong code sets a lock, the customer is told by SMS that someone tried a code (no code
    in it), at most once per lock period;
- codes are judged one at a time per requester and per customer (row locks taken before the
  counts are read): of codes sent at once, at most `otp_max_failures` are judged before the
  lock, and none after it; codes asked for at once are counted the same way;
- a new code replaces the earlier codes that the same requester asked for the same customer: a
  stranger's request never cancels the customer's own code;
- asking for a code never tells whether a customer number or phone is a customer's: for one
  nobody has, the answer is a decoy challenge, after the same work (no SMS; every code is wrong
  for it, with the same error; counted and limited like any other);
- a verified code gives a bearer token (only its SHA-256 is stored) valid
  `access_token_ttl_seconds`, and may link a channel user (e.g. a Messenger PSID,
  stored as an HMAC) to the customer, so that later codes can be asked for by that user.
  Only the channel itself may link a user or ask a code for a linked one, or vouch for the
  channel user it passes on as the requester: over HTTP that takes its service token
  (`CORE_BANKING_SERVICE_TOKEN`, checked in routes/http.py);
- a code can instead approve one transaction (PSD2 dynamic linking): the challenge keeps
  an HMAC of the canonical transaction and the SMS names what it approves; the code works
  only for exactly that transaction (any change burns it and counts as a failure), and
  never to sign in. Same ttl and single use as sign-in codes; its requester is the customer
  signed in.

Codes, tokens, channel user ids and addresses are never logged.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, NoReturn, Optional, Union

from sqlalchemy import delete, update
from sqlalchemy.orm import Session, sessionmaker

from bot.core_bank.accounts import find_customer_by_number, find_customer_by_phone, mask_phone, normalize_phone
from bot.core_bank.errors import (
    ChallengeNotFound,
    CoreBankError,
    CustomerNotFound,
    InvalidRequest,
    NotLinked,
    OtpBindingMismatch,
    OtpExpired,
    OtpInvalid,
    OtpLocked,
    OtpUsed,
)
from bot.core_bank.models import ChannelLink, Customer, OtpChallenge
from bot.core_bank.otp_limits import IN_PROCESS, ChannelUser, Guard, OtpLimits, OtpPolicy, Requester, Subject
from bot.clock import Clock, utc_now
from bot.core_bank import sms_texts
from bot.core_bank.sms import SmsGateway
from bot.core_bank.tokens import AccessTokens, token_hash  # noqa: F401 - token_hash: part of this module's API

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


def _keyed_hash(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def otp_sms_text(code: str, ttl_seconds: int, language: Optional[str] = None) -> str:
    """The sign-in SMS, in `language` (en | fr; English by default): bot/core_bank/sms_texts.py."""
    return sms_texts.sign_in_text(code, ttl_seconds, language)


def approval_sms_text(code: str, approves: str, ttl_seconds: int, language: Optional[str] = None) -> str:
    """E.g. "Code 123456 to send €20.00 to Tom Bernard. It expires in 5 minutes. …" (the code comes first)."""
    return sms_texts.approval_text(code, approves, ttl_seconds, language)


def failed_attempts_sms_text(lock_seconds: int, language: Optional[str] = None) -> str:
    """What the customer is told when wrong codes set a lock: never a code."""
    return sms_texts.failed_attempts_text(lock_seconds, language)


def decoy_phone(secret: str, customer_number: str) -> str:
    """A French mobile number made up from a customer number nobody has, the same every time (only its mask is shown)."""
    digest = int(_keyed_hash(secret, f"decoy-phone:{customer_number}"), 16)
    return f"+33{6 + digest % 2}{digest // 2 % 10**8:08d}"


# --- who a code is for ------------------------------------------------------


@dataclass(frozen=True)
class ByCustomerNumber:
    customer_number: str


@dataclass(frozen=True)
class ByPhone:
    phone: str  # as typed; normalized to E.164 (default region FR)


CustomerIdentifier = Union[ByCustomerNumber, ByPhone, ChannelUser]


@dataclass(frozen=True)
class TransactionApproval:
    """What a transaction code approves."""

    canonical: str  # every field the code is bound to, e.g. "transfer|from=acc_…|to=payee:…|amount=20.00|currency=EUR"
    description: str  # what the SMS says the code does, e.g. "send €20.00 to Tom Bernard"
    language: str = sms_texts.DEFAULT_LANGUAGE  # of the SMS (en | fr); `description` is in it


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


class OtpService:
    """Starts OTP challenges (sending the code by SMS) and verifies codes.

    Each call names its requester (see the module's docstring); callers in this process that do
    not are one requester together, `IN_PROCESS`.
    """

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
        self._limits = OtpLimits(secret, policy)
        self._sms = sms
        self._tokens = tokens
        self._clock = clock
        self._new_code = code_generator

    # -- challenges --

    def start_challenge(
        self, who: CustomerIdentifier, requester: Requester = IN_PROCESS, language: Optional[str] = None
    ) -> IssuedChallenge:
        """Sends a new sign-in code to the customer's phone; raises the domain errors of the rules above.

        A customer number or phone nobody has is answered alike, after the same work: a decoy challenge,
        counted and limited like a real one, said to be sent to a made-up masked phone (the same each
        time); nothing is sent, and every code is wrong for it. Only a channel user that is not linked
        is refused (NotLinked): the channel asking knows its own users anyway. The SMS is in `language`
        (en | fr, English when None).
        """
        now = self._clock()
        with self._sessions() as session:
            subject, sent_to = self._subject(session, who)
            vouched = self._vouched(session, requester, subject.customer_id)
            challenge_id, code, expires_at = self._new_challenge(session, subject, requester, vouched, now, None)

        if subject.phone is not None:
            self._sms.send(subject.phone, otp_sms_text(code, self._policy.ttl_seconds, language))
            logger.info("OTP challenge %s… sent for customer #%d", challenge_id[:6], subject.customer_id)
        else:
            logger.info("OTP challenge %s… for no customer: nothing sent", challenge_id[:6])
        return IssuedChallenge(challenge_id=challenge_id, expires_at=expires_at, sent_to=sent_to)

    def start_approval(self, customer_id: int, approval: TransactionApproval) -> IssuedChallenge:
        """Sends a code that approves exactly `approval` (and nothing else) to the customer's phone."""
        now = self._clock()
        with self._sessions() as session:
            customer = session.get(Customer, customer_id)
            if customer is None:
                raise CustomerNotFound("No such customer.")
            subject = Subject.customer(customer.id, customer.phone)
            challenge_id, code, expires_at = self._new_challenge(
                session, subject, Requester.signed_in(customer_id), True, now,
                bound_transaction=transaction_hash(self._secret, approval.canonical),
            )

        self._sms.send(
            customer.phone,
            approval_sms_text(code, approval.description, self._policy.ttl_seconds, approval.language),
        )
        logger.info("OTP approval challenge %s… sent for customer #%d", challenge_id[:6], customer_id)
        return IssuedChallenge(challenge_id=challenge_id, expires_at=expires_at, sent_to=mask_phone(customer.phone))

    def _new_challenge(
        self,
        session: Session,
        subject: Subject,
        requester: Requester,
        vouched: bool,
        now: datetime,
        bound_transaction: Optional[str],
    ) -> tuple[str, str, datetime]:
        """Stores a new challenge (bound to the transaction with this hash, if any) after the lock and window
        checks, under the requester's and the subject's row locks; commits. Gives (challenge id, code, expiry)."""
        requester_key, subject_key = self._limits.requester_key(requester), self._limits.subject_key(subject)
        guard = self._limits.guard(session, requester_key, subject_key, vouched)
        self._limits.refuse_if_locked(guard, now)
        self._limits.refuse_if_too_many_challenges(session, guard, now)

        # A new code replaces the earlier ones this requester asked for this subject: only its latest SMS is valid.
        session.execute(
            update(OtpChallenge)
            .where(
                OtpChallenge.subject_key == subject_key,
                OtpChallenge.requester_key == requester_key,
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
                customer_id=subject.customer_id,
                requester_key=requester_key,
                subject_key=subject_key,
                code_hash=code_hash(self._secret, challenge_id, code),
                created_at=now,
                expires_at=expires_at,
                transaction_hash=bound_transaction,
            )
        )
        session.commit()
        return challenge_id, code, expires_at

    def _subject(self, session: Session, who: CustomerIdentifier) -> tuple[Subject, str]:
        """Whose codes these are, and the masked phone to answer with (see start_challenge for nobody's)."""
        if isinstance(who, ByCustomerNumber):
            try:
                customer = find_customer_by_number(session, who.customer_number)
            except CustomerNotFound:
                made_up = decoy_phone(self._secret, who.customer_number)
                return Subject.nobody("number", who.customer_number), mask_phone(made_up)
        elif isinstance(who, ByPhone):
            phone = normalize_phone(who.phone)
            try:
                customer = find_customer_by_phone(session, phone)
            except CustomerNotFound:
                return Subject.nobody("phone", phone), mask_phone(phone)
        else:
            customer = self._linked_customer(session, who)
        return Subject.customer(customer.id, customer.phone), mask_phone(customer.phone)

    def _linked_customer(self, session: Session, who: CustomerIdentifier) -> Customer:
        if isinstance(who, ChannelUser):
            link = session.get(ChannelLink, channel_link_hash(self._secret, who.channel, who.channel_user_id))
            if link is None:
                raise NotLinked("This channel user is not linked to a customer yet: ask for a customer number or phone.")
            customer = session.get(Customer, link.customer_id)
            assert customer is not None
            return customer
        raise InvalidRequest("unknown kind of customer identifier")

    def _vouched(self, session: Session, requester: Requester, customer_id: Optional[int]) -> bool:
        """Whether the customer vouched for this requester: it is the customer signed in, or a channel user linked
        to the customer (it typed a code sent to the customer's phone)."""
        if requester.kind == "customer":
            return customer_id is not None and requester.value == str(customer_id)
        if requester.channel_user is None:
            return False
        user = requester.channel_user
        link = session.get(ChannelLink, channel_link_hash(self._secret, user.channel, user.channel_user_id))
        return link is not None and customer_id is not None and link.customer_id == customer_id

    # -- verification --

    def verify(
        self, challenge_id: str, code: str, link: Optional[ChannelUser] = None, requester: Requester = IN_PROCESS
    ) -> VerifiedCustomer:
        """Checks a sign-in code; on success gives an access token (and links `link` to the customer)."""
        _refuse_malformed(code)
        now = self._clock()
        with self._sessions() as session:
            challenge = session.get(OtpChallenge, challenge_id)
            if challenge is None:
                raise ChallengeNotFound("No such challenge: ask for a new code.")
            if challenge.transaction_hash is not None:
                raise ChallengeNotFound("This code approves a transaction: it cannot be used to sign in.")
            guard = self._check_code(session, challenge, code, requester, now)
            customer_id = challenge.customer_id
            assert customer_id is not None  # a decoy's code is never right
            try:
                self._use(session, guard, challenge_id, now)
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
        The requester is the customer, signed in.
        """
        _refuse_malformed(code)
        now = self._clock()
        challenge = session.get(OtpChallenge, challenge_id)
        if challenge is None or challenge.customer_id != customer_id:
            # Another customer's challenge is reported as unknown, and counts against nobody.
            raise ChallengeNotFound("No such challenge for this customer: prepare the transaction again.")
        guard = self._check_code(session, challenge, code, Requester.signed_in(customer_id), now)

        expected = transaction_hash(self._secret, canonical_transaction)
        if challenge.transaction_hash is None or not hmac.compare_digest(challenge.transaction_hash, expected):
            session.execute(
                update(OtpChallenge)
                .where(OtpChallenge.id == challenge_id, OtpChallenge.used_at.is_(None))
                .values(used_at=now)
            )
            self._fail(session, guard, customer_id, now, "OTP code for another transaction", OtpBindingMismatch)

        self._use(session, guard, challenge_id, now)
        logger.info("OTP approval verified for customer #%d", customer_id)

    def _check_code(
        self, session: Session, challenge: OtpChallenge, code: str, requester: Requester, now: datetime
    ) -> Guard:
        """The counts of this requester and of the challenge's subject, locked, once the code is right; raises for a
        lock, a used or expired challenge, or a wrong code (counted, committed).

        The counts are locked first (until the caller's commit), and the locks, the challenge and the
        failures are read after that: codes sent at once are judged in turn, none after the one that locks.
        """
        vouched = self._vouched(session, requester, challenge.customer_id)
        guard = self._limits.guard(session, self._limits.requester_key(requester), challenge.subject_key, vouched)
        session.refresh(challenge)
        self._limits.refuse_if_locked(guard, now)
        if challenge.used_at is not None:
            raise OtpUsed("This code has already been used: ask for a new one.")
        if now >= challenge.expires_at:
            raise OtpExpired("This code has expired: ask for a new one.")
        right = hmac.compare_digest(code_hash(self._secret, challenge.id, code), challenge.code_hash)
        if not right or challenge.customer_id is None:
            self._fail(session, guard, challenge.customer_id, now, "Wrong OTP code", OtpInvalid)
        return guard

    def _fail(
        self,
        session: Session,
        guard: Guard,
        customer_id: Optional[int],
        now: datetime,
        what: str,
        wrong: Callable[[int], CoreBankError],
    ) -> NoReturn:
        """Counts a wrong code and commits; tells the customer if it set a lock; raises OtpLocked or `wrong`."""
        failure = self._limits.record_failure(guard, now)
        customer = session.get(Customer, customer_id) if customer_id is not None else None
        phone = customer.phone if customer is not None else None
        language = sms_texts.language_of_locale(customer.locale) if customer is not None else None
        session.commit()
        if customer_id is not None:
            logger.info("%s for customer #%d%s", what, customer_id, " (a lock is set)" if failure.tripped else "")
        if failure.alert and phone is not None:
            self._sms.send(phone, failed_attempts_sms_text(self._policy.lock_seconds, language))
            logger.info("Customer #%d told by SMS of failed code attempts", customer_id)
        if failure.locked_until is not None:
            raise OtpLocked(failure.locked_until)
        raise wrong(failure.attempts_left)

    def _use(self, session: Session, guard: Guard, challenge_id: str, now: datetime) -> None:
        """Marks the challenge used (once only: OtpUsed if it already was) and resets the failures."""
        used = session.execute(
            update(OtpChallenge)
            .where(OtpChallenge.id == challenge_id, OtpChallenge.used_at.is_(None))
            .values(used_at=now)
        )
        if used.rowcount != 1:
            raise OtpUsed("This code has already been used: ask for a new one.")
        self._limits.record_success(guard)

    def _link(self, session: Session, user: ChannelUser, customer_id: int, now: datetime) -> None:
        """Records that this channel user is this customer (replacing any earlier link)."""
        link_hash = channel_link_hash(self._secret, user.channel, user.channel_user_id)
        session.execute(delete(ChannelLink).where(ChannelLink.link_hash == link_hash))
        session.add(ChannelLink(link_hash=link_hash, channel=user.channel, customer_id=customer_id, linked_at=now))


def _refuse_malformed(code: object) -> None:
    """A code that is not exactly 6 digits is refused without counting as a failure."""
    if not isinstance(code, str) or not CODE_PATTERN.fullmatch(code):
        raise InvalidRequest("code must be exactly 6 digits")
