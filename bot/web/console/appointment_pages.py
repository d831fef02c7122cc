"""The console's "Appointments" page: the advisors' confirmed appointments of the next working days, soonest
first, with whose they are, read from the core bank's staff diary (GET /v1/staff/appointments, with the
branch's X-Service-Token, CORE_BANKING_SERVICE_TOKEN). Times in Paris time, as the bank keeps them. Staff login
needed, as for every console page (the console's login middleware)."""
from __future__ import annotations

import logging
from typing import Awaitable, Callable, List
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web
from pydantic import ValidationError

from bot.core_bank.contract.appointments import (
    BANK_TIMEZONE,
    DEFAULT_SLOT_DAYS,
    MAX_SLOT_DAYS,
    StaffAppointment,
    StaffAppointmentList,
)
from bot.core_bank.contract.operations import SERVICE_TOKEN_HEADER
from bot.settings import Settings
from bot.web.console.auth import current_agent
from bot.web.console.keys import SETTINGS
from bot.web.console.pages import page
from bot.web.console.templates import SafeHtml, render

logger = logging.getLogger(__name__)

Diary = Callable[[int], Awaitable[List[StaffAppointment]]]
DIARY = web.AppKey("appointment_diary", Diary)  # type: ignore[arg-type]
BANK_ZONE = ZoneInfo(BANK_TIMEZONE)
CHANNELS = {"branch": "In branch", "phone": "Phone", "video": "Video"}
TOPICS = {"mortgage": "Mortgage", "loan": "Loan", "savings": "Savings", "account": "Account", "other": "Other"}
TIMEOUT_SECONDS = 10


class DiaryUnavailable(Exception):
    """The core bank could not be reached, refused the service token, or answered outside its contract."""


def core_bank_diary(settings: Settings) -> Diary:
    """Reads the staff diary from the core bank over HTTP (the service token never leaves this function)."""

    async def read(days: int) -> List[StaffAppointment]:
        url = settings.core_banking_url.rstrip("/") + "/v1/staff/appointments"
        headers = {SERVICE_TOKEN_HEADER: settings.core_banking_service_token}
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)) as session:
                async with session.get(url, params={"days": str(days)}, headers=headers) as response:
                    if response.status != 200:
                        raise DiaryUnavailable(f"core bank answered {response.status}")
                    data = await response.json()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DiaryUnavailable(type(exc).__name__) from None
        try:
            return StaffAppointmentList.parse_obj(data).appointments
        except ValidationError:
            raise DiaryUnavailable("core bank answered outside its contract") from None

    return read


def wanted_days(raw: str) -> int:
    try:
        days = int(raw)
    except (TypeError, ValueError):
        return DEFAULT_SLOT_DAYS
    return min(max(days, 1), MAX_SLOT_DAYS)


def row(appointment: StaffAppointment) -> SafeHtml:
    local = appointment.starts_at.astimezone(BANK_ZONE)
    ends = appointment.ends_at.astimezone(BANK_ZONE)
    channel = CHANNELS.get(appointment.channel, appointment.channel)
    if appointment.channel == "branch" and appointment.advisor.branch is not None:
        channel = f"{channel}: {appointment.advisor.branch.name}"
    customer = appointment.customer
    return render(
        "appointments_row.html",
        when=f"{local:%a %d %b %Y, %H:%M}–{ends:%H:%M}", advisor=appointment.advisor.name, channel=channel,
        topic=TOPICS.get(appointment.topic, appointment.topic), note=appointment.note or "",
        customer=f"{customer.first_name} {customer.last_name} ({customer.customer_number})",
        reference=appointment.reference,
    )


async def appointments_page(request: web.Request) -> web.Response:
    current_agent(request)
    days = wanted_days(request.query.get("days", ""))
    try:
        found = await request.app[DIARY](days)
    except DiaryUnavailable as exc:
        logger.warning("Staff diary unavailable: %s", exc)
        rows = render("appointments_unavailable.html")
    else:
        rows = SafeHtml("".join(row(a) for a in found)) if found else render("appointments_empty.html")
    return page(request, "Appointments", render("appointments.html", rows=rows, days=days, timezone=BANK_TIMEZONE))


def add_routes(console: web.Application) -> None:
    if DIARY not in console:
        console[DIARY] = core_bank_diary(console[SETTINGS])
    console.router.add_get("/appointments", appointments_page)
