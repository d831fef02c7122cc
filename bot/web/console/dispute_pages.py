"""The console's "Disputed payments" page: the cases the bank's staff have to handle (open or under review),
oldest first, read from the core bank's staff endpoint (GET /v1/staff/disputes) with the branch's service
token, which stays server side. Staff login needed, as for every console page (the console's login middleware).
The transaction is shown masked (its label, day and the last 4 characters of its id), the customer's words
with card numbers and codes masked."""
from __future__ import annotations

import logging
from typing import Awaitable, Callable, List

import aiohttp
from aiohttp import web
from pydantic import ValidationError

from bot.core_bank.contract.disputes import StaffDispute, StaffDisputeList
from bot.core_bank.contract.operations import SERVICE_TOKEN_HEADER
from bot.privacy.masking import mask_sensitive
from bot.web.console.auth import current_agent
from bot.web.console.keys import SETTINGS
from bot.web.console.pages import page
from bot.web.console.templates import SafeHtml, render

logger = logging.getLogger(__name__)

Fetch = Callable[[web.Application], Awaitable[List[StaffDispute]]]
FETCH = web.AppKey("staff_disputes_fetch", object)  # tests put their own
PATH = "/v1/staff/disputes"
TIMEOUT_SECONDS = 10

STATUSES = {"open": "Open", "under_review": "Under review", "resolved": "Resolved", "rejected": "Rejected"}
REASONS = {"not_recognised": "Not recognised", "charged_twice": "Charged twice", "wrong_amount": "Wrong amount",
           "not_received": "Not received", "other": "Other"}
ADVISOR_REASONS = {"possible_fraud": "Advisor: possible fraud", "amount_above_threshold": "Advisor: amount above threshold",
                   "reason_other": "Advisor: other reason"}


class CoreBankUnavailable(Exception):
    pass


async def from_core_bank(console: web.Application) -> List[StaffDispute]:
    """The open cases, from the core bank with the service token."""
    settings = console[SETTINGS]
    url = settings.core_banking_url.rstrip("/") + PATH
    headers = {SERVICE_TOKEN_HEADER: settings.core_banking_service_token}
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)) as http:
            async with http.get(url, headers=headers) as response:
                if response.status != 200:
                    raise CoreBankUnavailable(f"core bank answered {response.status}")
                return StaffDisputeList.parse_obj(await response.json()).disputes
    except (aiohttp.ClientError, TimeoutError, ValueError, ValidationError) as exc:
        raise CoreBankUnavailable(type(exc).__name__) from None


def masked_id(value: str) -> str:
    return "…" + value[-4:] if len(value) > 4 else value


def row(case: StaffDispute) -> SafeHtml:
    t = case.transaction
    amount = -t.amount
    return render(
        "dispute_row.html",
        reference=case.reference,
        opened=case.opened_at.strftime("%Y-%m-%d %H:%M UTC"),
        customer=f"{case.customer.first_name} {case.customer.last_name} ({case.customer.customer_number})",
        transaction=f"{mask_sensitive(t.description)} · {t.booked_at.strftime('%Y-%m-%d')} · {masked_id(t.transaction_id)}",
        amount=f"{amount:,.2f} {t.currency}",
        reason=REASONS.get(case.reason, case.reason) + (f": {mask_sensitive(case.details)}" if case.details else ""),
        status=STATUSES.get(case.status, case.status),
        advisor=ADVISOR_REASONS.get(case.advisor_reason or "", "Back office"),
        due=f"review by {case.review_by.isoformat()}, settle by {case.resolve_by.isoformat()}",
    )


async def disputes_page(request: web.Request) -> web.Response:
    current_agent(request)
    fetch: Fetch = request.app[FETCH] if FETCH in request.app else from_core_bank  # type: ignore[assignment]
    try:
        cases = await fetch(request.app)
    except CoreBankUnavailable as exc:
        logger.warning("Disputes page: the core bank could not be read (%s)", exc)
        body = render("disputes.html", rows=render("disputes_error.html"))
        return page(request, "Disputed payments", body, status=502)
    rows = SafeHtml("".join(row(case) for case in cases)) if cases else render("disputes_empty.html")
    return page(request, "Disputed payments", render("disputes.html", rows=rows))


def add_routes(console: web.Application) -> None:
    console.router.add_get("/disputes", disputes_page)
