"""What the bank's staff (the console) read and do: the disputes queue, a case's status, the advisors' diary.

Each route takes the branch's service token (X-Service-Token), never a customer's bearer token.
"""
from __future__ import annotations

import asyncio

from sanic import Request
from sanic.response import HTTPResponse

from bot.core_bank.contract import appointments, disputes
from bot.core_bank.contract.operations import SERVICE_TOKEN_HEADER
from bot.core_bank.errors import ServiceTokenRequired
from bot.core_bank.routes.http import body, from_the_channel, json_response, query


def require_staff(request: Request) -> None:
    """ServiceTokenRequired unless the request carries the branch's valid service token."""
    if not from_the_channel(request):
        raise ServiceTokenRequired(f"Staff routes need the branch's {SERVICE_TOKEN_HEADER}.")


async def staff_disputes(request: Request) -> HTTPResponse:
    require_staff(request)
    asked = query(request, disputes.StaffDisputeQuery)
    found = await asyncio.to_thread(request.app.ctx.disputes.queue, asked.status)
    return json_response(disputes.StaffDisputeList(disputes=found))


async def set_dispute_status(request: Request, reference: str) -> HTTPResponse:
    require_staff(request)
    asked = body(request, disputes.DisputeStatusRequest)
    return json_response(await asyncio.to_thread(request.app.ctx.disputes.set_status, reference, asked.status))


async def staff_appointments(request: Request) -> HTTPResponse:
    require_staff(request)
    asked = query(request, appointments.StaffAppointmentQuery)
    found = await asyncio.to_thread(request.app.ctx.appointments.diary, asked.days, asked.advisor_id)
    return json_response(appointments.StaffAppointmentList(appointments=found))


HANDLERS = {
    "listStaffDisputes": staff_disputes,
    "setDisputeStatus": set_dispute_status,
    "listStaffAppointments": staff_appointments,
}
