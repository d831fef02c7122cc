"""The core bank's HTTP handlers, one module per resource, each thin: parse with the contract,
call the domain (its database work in a worker thread), answer with the contract.

`HANDLERS` maps every operationId of `contract.operations` to its handler; the app registers
exactly those routes.
"""
from __future__ import annotations

from typing import Any, Callable

from bot.core_bank.routes import cards, customers, facts, loans, otp, service, transfers
from bot.core_bank.routes import spending
from bot.core_bank.routes import appointments, card_controls, disputes, staff

HANDLERS: dict[str, Callable[..., Any]] = {
    **service.HANDLERS,
    **otp.HANDLERS,
    **customers.HANDLERS,
    **spending.HANDLERS,
    **cards.HANDLERS,
    **loans.HANDLERS,
    **transfers.HANDLERS,
    **facts.HANDLERS,
    **card_controls.HANDLERS,
    **disputes.HANDLERS,
    **appointments.HANDLERS,
    **staff.HANDLERS,
}
