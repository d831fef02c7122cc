"""Appointments with an advisor: free slots, booking, rescheduling, cancelling, reading them."""
from __future__ import annotations

import asyncio

from sanic import Request
from sanic.response import HTTPResponse

from bot.core_bank.appointments import Booking, Move
from bot.core_bank.contract import appointments as contract
from bot.core_bank.routes.http import body, idempotency_key, json_response, query, recorded_response, signed_in_customer


async def list_slots(request: Request) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    asked = query(request, contract.SlotQuery)
    slots = await asyncio.to_thread(
        request.app.ctx.appointments.free_slots, asked.days, asked.limit, asked.channel, asked.advisor_id, customer_id
    )
    return json_response(contract.SlotList(timezone=contract.BANK_TIMEZONE, slots=slots))


async def book_appointment(request: Request) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    key = idempotency_key(request)
    asked = body(request, contract.AppointmentRequest)
    booking = Booking(slot_id=asked.slot_id, channel=asked.channel, topic=asked.topic, note=asked.note)
    return recorded_response(await asyncio.to_thread(request.app.ctx.appointments.book, customer_id, key, booking))


async def list_appointments(request: Request) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    found = await asyncio.to_thread(request.app.ctx.appointments.of_customer, customer_id)
    return json_response(contract.AppointmentList(appointments=found))


async def get_appointment(request: Request, reference: str) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    return json_response(await asyncio.to_thread(request.app.ctx.appointments.get, customer_id, reference))


async def reschedule_appointment(request: Request, reference: str) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    key = idempotency_key(request)
    asked = body(request, contract.RescheduleRequest)
    move = Move(slot_id=asked.slot_id, channel=asked.channel)
    return recorded_response(
        await asyncio.to_thread(request.app.ctx.appointments.reschedule, customer_id, key, reference, move)
    )


async def cancel_appointment(request: Request, reference: str) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    return json_response(await asyncio.to_thread(request.app.ctx.appointments.cancel, customer_id, reference))


HANDLERS = {
    "listAppointmentSlots": list_slots,
    "bookAppointment": book_appointment,
    "listAppointments": list_appointments,
    "getAppointment": get_appointment,
    "rescheduleAppointment": reschedule_appointment,
    "cancelAppointment": cancel_appointment,
}
