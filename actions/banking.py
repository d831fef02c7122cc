"""The one client of the core bank, used by every action.

Blocking `requests` calls run in a worker thread, so the action server's event
loop keeps serving other conversations. Errors arrive as `BankError` with the
core bank's error code, which actions turn into domain responses.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, Dict, List, Optional, Tuple

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from bot.settings import get_settings


class BankError(Exception):
    """The core bank said no (`code` is its error code) or could not be reached (`unavailable`)."""

    def __init__(self, status: int, code: str, message: str, details: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}


UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Challenge:
    challenge_id: str
    expires_at: datetime
    sent_to: str


@dataclass(frozen=True)
class Verification:
    access_token: str
    expires_at: datetime
    customer_number: str
    first_name: str

    def __repr__(self) -> str:
        return f"Verification(customer_number={self.customer_number!r})"


@dataclass(frozen=True)
class Account:
    account_id: str
    type: str
    name: str
    iban_masked: str
    currency: str
    balance: Decimal


@dataclass(frozen=True)
class Customer:
    customer_number: str
    first_name: str
    locale: str


@dataclass(frozen=True)
class Transaction:
    transaction_id: str
    booked_at: datetime
    description: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Card:
    card_id: str
    kind: str
    brand: str
    last4: str
    status: str
    account_id: str

    @property
    def masked(self) -> str:
        return f"•••• {self.last4}"


@dataclass(frozen=True)
class ChannelUser:
    """Who writes, as the channel knows them (a Messenger PSID, say)."""

    channel: str
    user_id: str

    def as_json(self) -> Dict[str, str]:
        return {"channel": self.channel, "channel_user_id": self.user_id}


class CoreBank:
    def __init__(self, base_url: str, timeout_seconds: float) -> None:
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout_seconds
        self._http = requests.Session()
        # Only reads are retried: a repeated POST could send a second code or count a failure twice.
        retry = Retry(total=2, backoff_factor=0.2, allowed_methods=["GET"], status_forcelist=[502, 503, 504])
        self._http.mount("http://", HTTPAdapter(max_retries=retry))
        self._http.mount("https://", HTTPAdapter(max_retries=retry))

    async def start_challenge(
        self, *, customer_number: str = "", phone: str = "", channel_user: Optional[ChannelUser] = None
    ) -> Challenge:
        if channel_user is not None:
            body: Dict[str, Any] = channel_user.as_json()
        elif customer_number:
            body = {"customer_number": customer_number}
        else:
            body = {"phone": phone}
        data = await self._call("POST", "/v1/otp/challenges", json=body)
        return Challenge(data["challenge_id"], datetime.fromisoformat(data["expires_at"]), data["sent_to"])

    async def verify_challenge(
        self, challenge_id: str, code: str, link: Optional[ChannelUser] = None
    ) -> Verification:
        body: Dict[str, Any] = {"code": code}
        if link is not None:
            body["link"] = link.as_json()
        data = await self._call("POST", f"/v1/otp/challenges/{challenge_id}/verify", json=body)
        return Verification(
            access_token=data["access_token"],
            expires_at=datetime.fromisoformat(data["expires_at"]),
            customer_number=data["customer"]["customer_number"],
            first_name=data["customer"]["first_name"],
        )

    async def me(self, token: str) -> Customer:
        data = await self._call("GET", "/v1/me", token=token)
        return Customer(data["customer_number"], data["first_name"], data.get("locale") or "en_IE")

    async def accounts(self, token: str) -> List[Account]:
        data = await self._call("GET", "/v1/accounts", token=token)
        return [
            Account(
                account_id=a["account_id"], type=a["type"], name=a["name"], iban_masked=a["iban_masked"],
                currency=a["currency"], balance=Decimal(a["balance"]),
            )
            for a in data["accounts"]
        ]

    async def profile(self, token: str) -> Dict[str, Any]:
        return await self._call("GET", "/v1/me", token=token)

    async def transactions(
        self, token: str, account_id: str, *, limit: int = 5, before: str = "", since: str = "", until: str = ""
    ) -> Tuple[List[Transaction], Optional[str]]:
        params = {"limit": limit, "before": before, "since": since, "until": until}
        data = await self._call(
            "GET", f"/v1/accounts/{account_id}/transactions", token=token,
            params={k: v for k, v in params.items() if v},
        )
        found = [
            Transaction(
                t["transaction_id"], datetime.fromisoformat(t["booked_at"]), t["description"],
                Decimal(t["amount"]), t["currency"],
            )
            for t in data["transactions"]
        ]
        return found, data.get("next_before")

    async def cards(self, token: str) -> List[Card]:
        data = await self._call("GET", "/v1/cards", token=token)
        return [Card(c["card_id"], c["kind"], c["brand"], c["last4"], c["status"], c["account_id"]) for c in data["cards"]]

    async def block_card(self, token: str, card_id: str, reason: str) -> Card:
        c = await self._call("POST", f"/v1/cards/{card_id}/block", token=token, json={"reason": reason})
        return Card(c["card_id"], c["kind"], c["brand"], c["last4"], c["status"], c["account_id"])

    async def order_card(
        self, token: str, *, kind: str, account_id: str, replaces_card_id: str = "", idempotency_key: str
    ) -> Dict[str, Any]:
        body: Dict[str, Any] = {"kind": kind, "account_id": account_id}
        if replaces_card_id:
            body["replaces_card_id"] = replaces_card_id
        return await self._call("POST", "/v1/card-orders", token=token, json=body, idempotency_key=idempotency_key)

    async def loan_products(self) -> List[Dict[str, Any]]:
        return (await self._call("GET", "/v1/loan-products"))["products"]

    async def loan_quote(self, product: str, amount: Decimal, term_months: int) -> Dict[str, Any]:
        body = {"product": product, "amount": str(amount), "term_months": term_months}
        return await self._call("POST", "/v1/loan-quotes", json=body)

    async def apply_for_loan(
        self, token: str, product: str, amount: Decimal, term_months: int, idempotency_key: str
    ) -> Dict[str, Any]:
        body = {"product": product, "amount": str(amount), "term_months": term_months}
        return await self._call("POST", "/v1/loan-applications", token=token, json=body, idempotency_key=idempotency_key)

    async def loan_applications(self, token: str) -> List[Dict[str, Any]]:
        return (await self._call("GET", "/v1/loan-applications", token=token))["applications"]

    async def payees(self, token: str) -> List[Dict[str, Any]]:
        return (await self._call("GET", "/v1/payees", token=token))["payees"]

    async def prepare_transfer(self, token: str, transfer: Dict[str, Any]) -> Dict[str, Any]:
        """Checks the transfer and sends a code bound to it (PSD2 dynamic linking)."""
        return await self._call("POST", "/v1/transfers/prepare", token=token, json=transfer)

    async def execute_transfer(
        self, token: str, transfer: Dict[str, Any], challenge_id: str, code: str, idempotency_key: str
    ) -> Dict[str, Any]:
        body = {**transfer, "challenge_id": challenge_id, "code": code}
        return await self._call("POST", "/v1/transfers", token=token, json=body, idempotency_key=idempotency_key)

    async def _call(self, method: str, path: str, token: str = "", **kwargs: Any) -> Dict[str, Any]:
        return await asyncio.to_thread(self._request, method, path, token, **kwargs)

    def _request(
        self, method: str, path: str, token: str, idempotency_key: str = "", **kwargs: Any
    ) -> Dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        try:
            response = self._http.request(
                method, self._base_url + path, headers=headers, timeout=self._timeout, **kwargs
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
            error = data.get("error") or {}
            details = {k: v for k, v in error.items() if k not in ("code", "message")}
            raise BankError(response.status_code, error.get("code", "error"), error.get("message", ""), details)
        return data


@lru_cache(maxsize=1)
def core_bank() -> CoreBank:
    settings = get_settings()
    return CoreBank(settings.core_banking_url, settings.core_banking_timeout_seconds)
