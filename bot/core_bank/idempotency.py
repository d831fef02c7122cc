"""Idempotency keys: a request repeated with the same key does its work once.

A state-changing request carries an `Idempotency-Key` (1–100 characters). The first
success with a key is recorded — customer, key, an HMAC of the normalized request and
the response (status and JSON body) — in the same database transaction as the work
itself, so the record exists exactly when the work was done. Then:
- the same key with the same request returns the recorded response, doing nothing again;
- the same key with a different request (or for another operation) is refused
  (422 idempotency_key_reused);
- a refused request (any CoreBankError) records nothing: it changed nothing, so
  repeating it simply asks again.
Two identical requests racing: the unique (customer, key) constraint lets one commit;
the other rolls its work back and returns the recorded response.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.core_bank.contract.operations import IDEMPOTENCY_HEADER
from bot.core_bank.contract.operations import IDEMPOTENCY_KEY_MAX_LENGTH as MAX_KEY_LENGTH
from bot.core_bank.errors import CoreBankError, IdempotencyKeyReused, InvalidRequest
from bot.core_bank.models import IdempotencyRecord
from bot.core_bank.references import ReferenceGenerator, new_reference
from bot.clock import Clock, utc_now

# The work done for a request: adds its rows to the session (without committing) and gives the response.
Work = Callable[[Session], tuple[int, dict[str, Any]]]


@dataclass(frozen=True)
class RecordedResponse:
    status: int
    body: dict[str, Any] = field(hash=False)
    replayed: bool = False  # true when this is the response recorded for an earlier request


def checked_key(key: Optional[str]) -> str:
    """The Idempotency-Key as sent, or InvalidRequest when it is missing, empty or longer than 100 characters."""
    if key is None or key == "":
        raise InvalidRequest(f"This request needs an {IDEMPOTENCY_HEADER} header (1 to {MAX_KEY_LENGTH} characters).")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidRequest(f"{IDEMPOTENCY_HEADER} is longer than {MAX_KEY_LENGTH} characters.")
    return key


class IdempotentRequests:
    """Runs a customer's request at most once per Idempotency-Key."""

    def __init__(self, sessions: sessionmaker, secret: str, clock: Clock = utc_now) -> None:
        self._sessions = sessions
        self._secret = secret
        self._clock = clock

    def request_hash(self, operation: str, request: Mapping[str, Any]) -> str:
        """HMAC of the operation and the normalized request (key order does not matter)."""
        canonical = json.dumps(
            {"operation": operation, "request": request}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return hmac.new(self._secret.encode(), f"idempotency:{canonical}".encode(), hashlib.sha256).hexdigest()

    def run(
        self, customer_id: int, key: str, operation: str, request: Mapping[str, Any], work: Work
    ) -> RecordedResponse:
        """Does `work` once for (customer, key); a repeat of the same request gets the first response."""
        key = checked_key(key)
        request_hash = self.request_hash(operation, request)
        with self._sessions() as session:
            earlier = self._recorded(session, customer_id, key, request_hash)
            if earlier is not None:
                return earlier
            try:
                status, body = work(session)
            except CoreBankError:
                # Refused: nothing to record. But an identical request may just have succeeded
                # (e.g. it used the one-time code first): then its response is the answer.
                session.rollback()
                earlier = self._recorded(session, customer_id, key, request_hash)
                if earlier is not None:
                    return earlier
                raise
            session.add(
                IdempotencyRecord(
                    customer_id=customer_id,
                    key=key,
                    request_hash=request_hash,
                    response_status=status,
                    response_body=json.dumps(body, ensure_ascii=False),
                    created_at=self._clock(),
                )
            )
            try:
                session.commit()
            except IntegrityError:
                session.rollback()  # an identical request committed first: undo this one's work
                earlier = self._recorded(session, customer_id, key, request_hash)
                if earlier is None:
                    raise
                return earlier
        return RecordedResponse(status=status, body=body)

    def _recorded(self, session: Session, customer_id: int, key: str, request_hash: str) -> Optional[RecordedResponse]:
        record = session.execute(
            select(IdempotencyRecord).where(IdempotencyRecord.customer_id == customer_id, IdempotencyRecord.key == key)
        ).scalar_one_or_none()
        if record is None:
            return None
        if not hmac.compare_digest(record.request_hash, request_hash):
            raise IdempotencyKeyReused()
        return RecordedResponse(status=record.response_status, body=json.loads(record.response_body), replayed=True)


class IdempotentService:
    """A service of customer requests that create rows once per Idempotency-Key.

    Its creating methods give `self._idempotency.run` the work (adding the row in the session and
    giving the response); the new rows are named by `self._new_reference(prefix)`.
    """

    def __init__(
        self,
        sessions: sessionmaker,
        idempotency: IdempotentRequests,
        clock: Clock = utc_now,
        reference_generator: ReferenceGenerator = new_reference,
    ) -> None:
        self._sessions = sessions
        self._idempotency = idempotency
        self._clock = clock
        self._new_reference = reference_generator
