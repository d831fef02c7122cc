"""The core bank's domain services wired to one database: what the HTTP app and the unit tests use."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy.orm import sessionmaker

from bot.core_bank.accounts import CustomerRecords
from bot.core_bank.appointments import Appointments
from bot.core_bank.card_controls import CardControls
from bot.core_bank.cards import Cards
from bot.core_bank.disputes import Disputes
from bot.core_bank.idempotency import IdempotentRequests
from bot.core_bank.loans import Loans
from bot.core_bank.otp import OtpPolicy, OtpService, new_code
from bot.core_bank.tokens import AccessTokens
from bot.core_bank.references import ReferenceGenerator, new_reference
from bot.clock import Clock, utc_now
from bot.core_bank.sms import SmsGateway
from bot.core_bank.transaction_insights import TransactionInsights
from bot.core_bank.transfers import TransferLimits, Transfers
from bot.settings import Settings


@dataclass(frozen=True)
class CoreBankServices:
    tokens: AccessTokens
    otp: OtpService
    records: CustomerRecords
    insights: TransactionInsights
    idempotency: IdempotentRequests
    cards: Cards
    loans: Loans
    transfers: Transfers
    card_controls: CardControls
    disputes: Disputes
    appointments: Appointments


def build_services(
    sessions: sessionmaker,
    *,
    secret: str,
    policy: OtpPolicy,
    limits: TransferLimits,
    sms: SmsGateway,
    clock: Clock = utc_now,
    code_generator: Callable[[], str] = new_code,
    reference_generator: ReferenceGenerator = new_reference,
) -> CoreBankServices:
    tokens = AccessTokens(sessions, ttl_seconds=policy.access_token_ttl_seconds, clock=clock)
    otp = OtpService(sessions, secret, policy, sms, tokens, clock=clock, code_generator=code_generator)
    idempotency = IdempotentRequests(sessions, secret, clock=clock)
    return CoreBankServices(
        tokens=tokens,
        otp=otp,
        records=CustomerRecords(sessions),
        insights=TransactionInsights(sessions, clock=clock),
        idempotency=idempotency,
        cards=Cards(sessions, idempotency, clock=clock, reference_generator=reference_generator),
        loans=Loans(sessions, idempotency, clock=clock, reference_generator=reference_generator),
        transfers=Transfers(sessions, otp, idempotency, limits, clock=clock, reference_generator=reference_generator),
        card_controls=CardControls(sessions, clock=clock),
        disputes=Disputes(sessions, idempotency, clock=clock, reference_generator=reference_generator),
        appointments=Appointments(sessions, idempotency, clock=clock, reference_generator=reference_generator),
    )


def build_services_from_settings(settings: Settings, sessions: sessionmaker, sms: SmsGateway, clock: Clock = utc_now) -> CoreBankServices:
    return build_services(
        sessions,
        secret=settings.core_banking_secret,
        policy=OtpPolicy.from_settings(settings),
        limits=TransferLimits.from_settings(settings),
        sms=sms,
        clock=clock,
    )
