"""The one client of the core bank, used by every action.

Requests are built, and responses parsed, with the core bank's own contract models
(`bot.core_bank.contract`, pydantic only: the action server never imports the bank's
server). A request the contract refuses is not sent: it fails as the bank would answer it
(400 invalid_request); a success the contract does not allow counts as the bank being
unavailable. Money arrives as Decimal, times as timezone-aware datetimes.

Blocking `requests` calls run in a worker thread, so the action server's event
loop keeps serving other conversations. Errors arrive as `BankError` with the
core bank's error code, which actions turn into domain responses.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, Dict, List, Optional, Tuple, Type, TypeVar

import requests
from pydantic import ValidationError
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from bot.core_bank.contract import cards as card_contract
from bot.core_bank.contract import card_controls
from bot.core_bank.contract import customers, facts, loans, otp, transfers
from bot.core_bank.contract import appointments as appointment_contract
from bot.core_bank.contract import spending as spending_contract
from bot.core_bank.contract import disputes as dispute_contract
from bot.core_bank.contract.errors import Error
from bot.core_bank.contract.operations import IDEMPOTENCY_HEADER, SERVICE_TOKEN_HEADER
from bot.core_bank.contract.wire import RequestModel, WireModel, explain
from bot.settings import get_settings

Answer = TypeVar("Answer", bound=WireModel)
Asked = TypeVar("Asked", bound=RequestModel)


class BankError(Exception):
    """The core bank said no (`code` is its error code) or could not be reached (`unavailable`)."""

    def __init__(self, status: int, code: str, message: str, details: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}


UNAVAILABLE = "unavailable"
INVALID_REQUEST = "invalid_request"

# What the bank answers, as the contract defines it.
Challenge = otp.Challenge
Account = customers.Account
Transaction = customers.Transaction
# Transaction search and recurring payments (GET /v1/accounts/{id}/transactions/search, /recurring-payments).
SearchPage = spending_contract.TransactionSearchPage
SearchTotals = spending_contract.SearchTotals
RecurringPayments = spending_contract.RecurringPaymentList
RecurringPayment = spending_contract.RecurringPayment
Dispute = dispute_contract.Dispute
StaffDispute = dispute_contract.StaffDispute


class Card(customers.Card):
    @property
    def masked(self) -> str:
        return f"•••• {self.last4}"


@dataclass(frozen=True)
class Verification:
    access_token: str
    expires_at: datetime
    customer_number: str
    first_name: str

    def __repr__(self) -> str:
        return f"Verification(customer_number={self.customer_number!r})"


@dataclass(frozen=True)
class Customer:
    customer_number: str
    first_name: str
    locale: str


@dataclass(frozen=True)
class ChannelUser:
    """Who writes, as the channel knows them (a Messenger PSID, say)."""

    channel: str
    user_id: str

    def as_json(self) -> Dict[str, str]:
        return {"channel": self.channel, "channel_user_id": self.user_id}


def asked(model: Type[Asked], **fields: Any) -> Asked:
    """A request the contract accepts; BankError(400 invalid_request) as the bank would answer otherwise."""
    try:
        return model.parse_obj(fields)
    except ValidationError as exc:
        raise BankError(400, INVALID_REQUEST, explain(exc)) from None


class CoreBank:
    """`service_token` (CORE_BANKING_SERVICE_TOKEN) goes with the sign-in calls: it is what lets the bank link a
    channel user to a customer, and send a code to the customer a channel user is linked to."""

    def __init__(self, base_url: str, timeout_seconds: float, service_token: str = "") -> None:
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout_seconds
        self._service = {SERVICE_TOKEN_HEADER: service_token} if service_token else {}
        self._http = requests.Session()
        # Only reads are retried: a repeated POST could send a second code or count a failure twice.
        retry = Retry(total=2, backoff_factor=0.2, allowed_methods=["GET"], status_forcelist=[502, 503, 504])
        self._http.mount("http://", HTTPAdapter(max_retries=retry))
        self._http.mount("https://", HTTPAdapter(max_retries=retry))

    async def start_challenge(
        self,
        *,
        customer_number: str = "",
        phone: str = "",
        channel_user: Optional[ChannelUser] = None,
        requester: Optional[ChannelUser] = None,
        language: Optional[str] = None,
    ) -> Challenge:
        """`requester`: who is writing (the bank counts codes and wrong codes per requester); `language`: of the SMS
        (en | fr; None: the bank's default, English)."""
        sms = {"language": language} if language else {}
        if channel_user is not None:
            body = asked(otp.ChallengeRequest, **channel_user.as_json(), **sms)
        elif customer_number:
            body = asked(otp.ChallengeRequest, customer_number=customer_number, **sms)
        else:
            body = asked(otp.ChallengeRequest, phone=phone, **sms)
        return await self._call(
            "POST", "/v1/otp/challenges", otp.Challenge, body=body, headers=self._sign_in_headers(requester)
        )

    async def verify_challenge(
        self, challenge_id: str, code: str, link: Optional[ChannelUser] = None, requester: Optional[ChannelUser] = None
    ) -> Verification:
        body = asked(otp.VerifyRequest, code=code, link=link.as_json() if link is not None else None)
        session = await self._call(
            "POST", f"/v1/otp/challenges/{challenge_id}/verify", otp.Session, body=body,
            headers=self._sign_in_headers(requester),
        )
        return Verification(
            access_token=session.access_token,
            expires_at=session.expires_at,
            customer_number=session.customer.customer_number,
            first_name=session.customer.first_name,
        )

    def _sign_in_headers(self, requester: Optional[ChannelUser]) -> Dict[str, str]:
        """The service token, and the requester the channel vouches for (only with the token: the bank refuses it
        otherwise)."""
        headers = dict(self._service)
        if requester is not None and self._service:
            user = asked(otp.ChannelUserHeader, **requester.as_json())
            headers[otp.CHANNEL_USER_HEADER] = user.header()
        return headers

    async def me(self, token: str) -> Customer:
        me = await self._call("GET", "/v1/me", customers.Me, token=token)
        return Customer(me.customer_number, me.first_name, me.locale or "")  # "": the conversation decides

    async def accounts(self, token: str) -> List[Account]:
        return (await self._call("GET", "/v1/accounts", customers.AccountList, token=token)).accounts

    async def account_details(self, token: str, account_id: str) -> customers.AccountDetails:
        return await self._call("GET", f"/v1/accounts/{account_id}/details", customers.AccountDetails, token=token)

    async def profile(self, token: str) -> Dict[str, Any]:
        return (await self._call("GET", "/v1/me", customers.Me, token=token)).wire()

    async def transactions(
        self, token: str, account_id: str, *, limit: int = 5, before: str = "", since: str = "", until: str = "",
        time_zone: str = "",
    ) -> Tuple[List[Transaction], Optional[str]]:
        """A page of the account's transactions, newest first; `since`/`until` are days in `time_zone` (default UTC)."""
        wanted = {"limit": limit, "before": before, "since": since, "until": until, "time_zone": time_zone}
        query = asked(customers.TransactionQuery, **{k: v for k, v in wanted.items() if v})
        page = await self._call(
            "GET", f"/v1/accounts/{account_id}/transactions", customers.TransactionPage, token=token, query=query
        )
        return page.transactions, page.next_before

    async def cards(self, token: str) -> List[Card]:
        found = await self._call("GET", "/v1/cards", customers.CardList, token=token)
        return [Card.parse_obj(card.dict()) for card in found.cards]

    async def block_card(self, token: str, card_id: str, reason: str) -> Card:
        body = asked(card_contract.BlockCardRequest, reason=reason)
        blocked = await self._call("POST", f"/v1/cards/{card_id}/block", card_contract.BlockedCard, token=token, body=body)
        return Card.parse_obj(blocked.dict(include=set(Card.__fields__)))

    async def freeze_card(self, token: str, card_id: str) -> Card:
        """Freezes the card now (a frozen card comes back unchanged); 422 card_blocked for a card blocked for good."""
        frozen = await self._call("POST", f"/v1/cards/{card_id}/freeze", card_controls.FrozenCard, token=token)
        return Card.parse_obj(frozen.dict(include=set(Card.__fields__)))

    async def unfreeze_card(self, token: str, card_id: str) -> Card:
        """Unfreezes the card now (an active card comes back unchanged); 422 card_blocked for a blocked card."""
        active = await self._call("POST", f"/v1/cards/{card_id}/unfreeze", card_controls.ActiveCard, token=token)
        return Card.parse_obj(active.dict(include=set(Card.__fields__)))

    async def order_card(
        self, token: str, *, kind: str, account_id: str, replaces_card_id: str = "", idempotency_key: str
    ) -> Dict[str, Any]:
        body = asked(
            card_contract.CardOrderRequest, kind=kind, account_id=account_id, replaces_card_id=replaces_card_id or None
        )
        order = await self._call(
            "POST", "/v1/card-orders", card_contract.CardOrder, token=token, body=body, idempotency_key=idempotency_key
        )
        return order.wire()

    async def card_orders(self, token: str) -> List[card_contract.CardOrder]:
        """The customer's card orders, newest first."""
        return (await self._call("GET", "/v1/card-orders", card_contract.CardOrderList, token=token)).orders

    async def loan_products(self) -> List[Dict[str, Any]]:
        found = await self._call("GET", "/v1/loan-products", loans.LoanProductList)
        return [product.wire() for product in found.products]

    async def bank_facts(self) -> Dict[str, facts.Fact]:
        """The bank's published facts by name (public: no token)."""
        return dict((await self._call("GET", "/v1/bank/facts", facts.BankFacts)).facts)

    async def loan_quote(self, product: str, amount: Decimal, term_months: int) -> Dict[str, Any]:
        body = asked(loans.LoanRequest, product=product, amount=amount, term_months=term_months)
        return (await self._call("POST", "/v1/loan-quotes", loans.LoanQuote, body=body)).wire()

    async def apply_for_loan(
        self, token: str, product: str, amount: Decimal, term_months: int, idempotency_key: str
    ) -> Dict[str, Any]:
        body = asked(loans.LoanRequest, product=product, amount=amount, term_months=term_months)
        application = await self._call(
            "POST", "/v1/loan-applications", loans.LoanApplication, token=token, body=body,
            idempotency_key=idempotency_key,
        )
        return application.wire()

    async def loan_applications(self, token: str) -> List[Dict[str, Any]]:
        found = await self._call("GET", "/v1/loan-applications", loans.LoanApplicationList, token=token)
        return [application.wire() for application in found.applications]

    async def payees(self, token: str) -> List[Dict[str, Any]]:
        found = await self._call("GET", "/v1/payees", transfers.PayeeList, token=token)
        return [payee.wire() for payee in found.payees]

    async def check_transfer(self, token: str, from_account_id: str, amount: Decimal, currency: str,
                             to_account_id: Optional[str] = None) -> Dict[str, Any]:
        """Whether the core bank's limits and the account's funds allow `amount` today, before any payee (nothing
        is sent): what the daily limit leaves, or the BankError prepare would give (limit_exceeded, ...). With
        `to_account_id`, for a move to another account of the customer's (no transfer limit: the funds)."""
        body = asked(transfers.CheckTransferRequest, from_account_id=from_account_id, amount=amount, currency=currency,
                     **({"to_account_id": to_account_id} if to_account_id else {}))
        checked = await self._call("POST", "/v1/transfers/check", transfers.TransferCheck, token=token, body=body)
        return checked.wire()

    async def prepare_transfer(
        self, token: str, transfer: Dict[str, Any], language: Optional[str] = None
    ) -> Dict[str, Any]:
        """Checks the transfer and sends a code bound to it (PSD2 dynamic linking), the SMS in `language`."""
        body = asked(transfers.PrepareTransferRequest, **transfer, **({"language": language} if language else {}))
        prepared = await self._call("POST", "/v1/transfers/prepare", transfers.PreparedTransfer, token=token, body=body)
        return prepared.wire()

    async def execute_transfer(
        self, token: str, transfer: Dict[str, Any], challenge_id: str, code: str, idempotency_key: str
    ) -> Dict[str, Any]:
        body = asked(transfers.ExecuteTransferRequest, **transfer, challenge_id=challenge_id, code=code)
        receipt = await self._call(
            "POST", "/v1/transfers", transfers.TransferReceipt, token=token, body=body, idempotency_key=idempotency_key
        )
        return receipt.wire()

    # --- transaction search and recurring payments (issue 17, chat side) ---

    async def search_transactions(
        self,
        token: str,
        account_id: str,
        *,
        merchant: Optional[str] = None,
        category: Optional[str] = None,
        kind: Optional[str] = None,
        direction: Optional[str] = None,
        min_amount: Optional[Decimal] = None,
        max_amount: Optional[Decimal] = None,
        since: Optional[date] = None,
        until: Optional[date] = None,
        time_zone: str = "",
        limit: int = 5,
        before: str = "",
    ) -> "SearchPage":
        """One page of the transactions matching every filter given (newest first), the totals of all the matches
        (Decimal money) and the merchant names the loose merchant filter matched; 400 invalid_request for a bad
        filter (the contract's refusal, not sent)."""
        wanted = {
            "merchant": merchant, "category": category, "kind": kind, "direction": direction,
            "min_amount": min_amount, "max_amount": max_amount,
            "since": since.isoformat() if since else None, "until": until.isoformat() if until else None,
            "time_zone": time_zone or None, "limit": limit, "before": before or None,
        }
        query = asked(spending_contract.TransactionSearchQuery, **{k: v for k, v in wanted.items() if v is not None})
        return await self._call(
            "GET", f"/v1/accounts/{account_id}/transactions/search", spending_contract.TransactionSearchPage,
            token=token, query=query,
        )

    async def recurring_payments(self, token: str, account_id: str, *, time_zone: str = "") -> "RecurringPayments":
        """The recurring payments out of the account (active ones first), dates as days in `time_zone`."""
        query = asked(spending_contract.RecurringPaymentsQuery, **({"time_zone": time_zone} if time_zone else {}))
        return await self._call(
            "GET", f"/v1/accounts/{account_id}/recurring-payments", spending_contract.RecurringPaymentList,
            token=token, query=query,
        )

    # --- spending insights (issue 17: actions/spending.py) ---
    async def spending(
        self, token: str, account_id: str, *, month: str = "", since: str = "", until: str = "",
        time_zone: str = "",
    ) -> spending_contract.SpendingByCategory:
        """Money out of the account by category over a period (`month` YYYY-MM, or `since`/`until` YYYY-MM-DD;
        neither: this month so far), beside the period just before; the bank decides both periods."""
        wanted = {"month": month, "since": since, "until": until, "time_zone": time_zone}
        query = asked(spending_contract.SpendingQuery, **{k: v for k, v in wanted.items() if v})
        return await self._call(
            "GET", f"/v1/accounts/{account_id}/spending", spending_contract.SpendingByCategory, token=token,
            query=query,
        )

    # --- appointments with an advisor (bot/core_bank/appointments.py) ---

    async def appointment_slots(
        self, token: str, *, channel: Optional[str] = None, advisor_id: Optional[str] = None, days: int = 5,
        limit: int = 20,
    ) -> List[appointment_contract.Slot]:
        """The advisors' (or one advisor's) free slots of the next `days` working days, soonest first (times aware,
        UTC)."""
        wanted = {"channel": channel, "advisor_id": advisor_id, "days": days, "limit": limit}
        query = asked(appointment_contract.SlotQuery, **{k: v for k, v in wanted.items() if v is not None})
        found = await self._call(
            "GET", "/v1/appointment-slots", appointment_contract.SlotList, token=token, query=query
        )
        return found.slots

    async def book_appointment(
        self, token: str, *, slot_id: str, channel: str, topic: str, idempotency_key: str, note: Optional[str] = None
    ) -> appointment_contract.Appointment:
        """Books the slot (409 slot_taken when someone has it, appointment_overlap when the customer has another
        appointment then, details: `reference`; 422 slot_unavailable or slot_in_past)."""
        body = asked(appointment_contract.AppointmentRequest, slot_id=slot_id, channel=channel, topic=topic, note=note)
        return await self._call(
            "POST", "/v1/appointments", appointment_contract.Appointment, token=token, body=body,
            idempotency_key=idempotency_key,
        )

    async def appointments(self, token: str) -> List[appointment_contract.Appointment]:
        """The customer's appointments, soonest first, cancelled ones included."""
        found = await self._call("GET", "/v1/appointments", appointment_contract.AppointmentList, token=token)
        return found.appointments

    async def reschedule_appointment(
        self, token: str, reference: str, *, slot_id: str, idempotency_key: str, channel: Optional[str] = None
    ) -> appointment_contract.Appointment:
        """Moves the appointment to a free slot, same reference (409 slot_taken or appointment_overlap: nothing
        changed)."""
        body = asked(appointment_contract.RescheduleRequest, slot_id=slot_id, channel=channel)
        return await self._call(
            "POST", f"/v1/appointments/{reference}/reschedule", appointment_contract.Appointment, token=token,
            body=body, idempotency_key=idempotency_key,
        )

    async def cancel_appointment(self, token: str, reference: str) -> appointment_contract.Appointment:
        """Cancels the appointment (a cancelled one comes back unchanged; 422 appointment_past)."""
        return await self._call(
            "POST", f"/v1/appointments/{reference}/cancel", appointment_contract.Appointment, token=token
        )

    async def staff_appointments(self, *, days: int = 5) -> List[appointment_contract.StaffAppointment]:
        """For the staff console: the confirmed appointments of the next `days` working days (the service token)."""
        query = asked(appointment_contract.StaffAppointmentQuery, days=days)
        found = await self._call(
            "GET", "/v1/staff/appointments", appointment_contract.StaffAppointmentList, query=query,
            headers=dict(self._service),
        )
        return found.appointments

    # --- disputed payments (issue 17, chat side) ---

    async def open_dispute(
        self, token: str, *, transaction_id: str, reason: str, details: Optional[str] = None, idempotency_key: str
    ) -> "Dispute":
        """Opens a case on one of the customer's payments (once per key: a retry gives the same case back).
        409 dispute_exists (details: `reference`) when the payment already has a case; 422 not_disputable or
        dispute_too_late; 404 transaction_not_found."""
        body = asked(dispute_contract.DisputeRequest, transaction_id=transaction_id, reason=reason, details=details)
        return await self._call(
            "POST", "/v1/disputes", dispute_contract.Dispute, token=token, body=body, idempotency_key=idempotency_key
        )

    async def disputes(self, token: str) -> List["Dispute"]:
        """The customer's cases, newest first."""
        return (await self._call("GET", "/v1/disputes", dispute_contract.DisputeList, token=token)).disputes

    async def staff_disputes(self, status: Optional[str] = None) -> List["StaffDispute"]:
        """Staff (service token): the cases to handle, oldest first; without `status` every case not settled yet."""
        query = asked(dispute_contract.StaffDisputeQuery, **({"status": status} if status else {}))
        found = await self._call(
            "GET", "/v1/staff/disputes", dispute_contract.StaffDisputeList, query=query, headers=dict(self._service)
        )
        return found.disputes

    async def _call(
        self,
        method: str,
        path: str,
        answer: Type[Answer],
        *,
        token: str = "",
        body: Optional[RequestModel] = None,
        query: Optional[RequestModel] = None,
        idempotency_key: str = "",
        headers: Optional[Dict[str, str]] = None,
    ) -> Answer:
        status, data = await asyncio.to_thread(
            self._request, method, path, token, body, query, idempotency_key, headers or {}
        )
        try:
            return answer.parse_obj(data)
        except ValidationError as exc:
            raise BankError(status, UNAVAILABLE, f"core bank answered outside its contract: {explain(exc)}") from None

    def _request(
        self,
        method: str,
        path: str,
        token: str,
        body: Optional[RequestModel],
        query: Optional[RequestModel],
        idempotency_key: str,
        extra_headers: Optional[Dict[str, str]] = None,
    ) -> Tuple[int, Any]:
        """The status and JSON of a success; BankError for anything else."""
        headers = dict(extra_headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if idempotency_key:
            headers[IDEMPOTENCY_HEADER] = idempotency_key
        try:
            response = self._http.request(
                method, self._base_url + path, headers=headers, timeout=self._timeout,
                json=body.wire() if body is not None else None,
                params=query.wire() if query is not None else None,
            )
        except requests.RequestException as exc:
            raise BankError(0, UNAVAILABLE, f"core bank unreachable: {type(exc).__name__}") from None
        if response.status_code >= 500:
            raise BankError(response.status_code, UNAVAILABLE, "core bank error")
        try:
            data = response.json() if response.content else {}
        except ValueError:
            raise BankError(response.status_code, UNAVAILABLE, "core bank answered something that is not JSON")
        if response.status_code >= 400:
            raise _refusal(response.status_code, data)
        return response.status_code, data


def _refusal(status: int, data: Any) -> BankError:
    """The bank's error as BankError; an error outside the contract keeps what can be read of it."""
    try:
        error = Error.parse_obj(data)
    except ValidationError:
        raw = data.get("error") if isinstance(data, dict) else None
        raw = raw if isinstance(raw, dict) else {}
        details = {k: v for k, v in raw.items() if k not in ("code", "message")}
        return BankError(status, str(raw.get("code", "error")), str(raw.get("message", "")), details)
    return BankError(status, error.error.code, error.error.message, error.details)


@lru_cache(maxsize=1)
def core_bank() -> CoreBank:
    settings = get_settings()
    return CoreBank(
        settings.core_banking_url, settings.core_banking_timeout_seconds, settings.core_banking_service_token
    )
