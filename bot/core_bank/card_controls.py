"""Freezing a card for now, unfreezing it, and whether a card may pay (the card network's question).

Rules:
- a customer freezes their own card at once: it cannot pay until they unfreeze it, which is just
  as immediate. Freezing a frozen card, or unfreezing an active one, gives it back unchanged;
- a blocked card (lost, stolen, damaged: cards.py) is blocked for good: it can be neither frozen
  nor unfrozen (CardBlocked); a frozen card can still be blocked;
- a card pays (an authorisation is approved) only when it is active, in EUR, and its account holds
  the amount (no overdraft, as for transfers); a frozen card is declined with CardFrozen, a blocked
  one with CardBlocked. Nothing is booked by an authorisation: the merchant's capture would book it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from bot.core_bank.accounts import CardFacts, card_fields, owned_card
from bot.core_bank.cards import ACTIVE, BLOCKED, FROZEN
from bot.core_bank.contract import card_controls as contract
from bot.core_bank.contract import customers
from bot.core_bank.errors import CardBlocked, CardFrozen, CardNotFound, CurrencyNotSupported, InsufficientFunds
from bot.core_bank.models import Account, Card, from_minor_units
from bot.core_bank.money import SUPPORTED_CURRENCY, spoken_amount
from bot.clock import Clock, utc_now


@dataclass(frozen=True)
class CardState(CardFacts):
    """A card as the freeze and unfreeze answer it."""

    expiry: str
    frozen_at: Optional[datetime]

    @classmethod
    def from_row(cls, card: Card) -> "CardState":
        return cls(
            **card_fields(card),
            expiry=f"{card.expiry_year:04d}-{card.expiry_month:02d}",
            frozen_at=card.frozen_at,
        )

    def to_contract(self) -> customers.Card:
        fields = {**self.facts(), "expiry": self.expiry}
        if self.status == FROZEN:
            return contract.FrozenCard(**fields, frozen_at=self.frozen_at)
        return contract.ActiveCard(**fields)


@dataclass(frozen=True)
class Payment:
    """What the card network asks to pay."""

    amount: Decimal
    currency: str
    merchant: str


@dataclass(frozen=True)
class Approval:
    card_id: str
    last4: str
    amount: Decimal
    currency: str
    merchant: str
    authorised_at: datetime

    def to_contract(self) -> contract.Authorisation:
        return contract.Authorisation(
            card_id=self.card_id, last4=self.last4, status="approved", amount=self.amount, currency=self.currency,
            merchant=self.merchant, authorised_at=self.authorised_at,
        )


class CardControls:
    """Freeze and unfreeze (the customer's), and payment authorisations (the card network's)."""

    def __init__(self, sessions: sessionmaker, clock: Clock = utc_now) -> None:
        self._sessions = sessions
        self._clock = clock

    def freeze(self, customer_id: int, card_id: str) -> CardState:
        """Freezes the customer's card now; a frozen card is given back unchanged; a blocked one is refused."""
        return self._switch(customer_id, card_id, ACTIVE, FROZEN)

    def unfreeze(self, customer_id: int, card_id: str) -> CardState:
        """Unfreezes the customer's card now: it can pay again; an active card is given back unchanged."""
        return self._switch(customer_id, card_id, FROZEN, ACTIVE)

    def authorise(self, card_id: str, payment: Payment) -> Approval:
        """Whether `card_id` may pay `payment` now: an Approval, or the reason it may not."""
        with self._sessions() as session:
            card = session.get(Card, card_id)
            if card is None:
                raise CardNotFound("No such card.")
            if card.status == BLOCKED:
                raise CardBlocked("This card is blocked: it cannot pay.")
            if card.status == FROZEN:
                raise CardFrozen("This card is frozen: it cannot pay until its holder unfreezes it.")
            if payment.currency != SUPPORTED_CURRENCY:
                raise CurrencyNotSupported(f"Card payments here are in {SUPPORTED_CURRENCY} only.")
            account = session.get(Account, card.account_id)
            if account is None or from_minor_units(account.balance_minor) < payment.amount:
                raise InsufficientFunds(
                    f"The card's account does not hold {spoken_amount(payment.amount, payment.currency)}."
                )
            return Approval(
                card_id=card.id,
                last4=card.last4,
                amount=payment.amount,
                currency=payment.currency,
                merchant=payment.merchant,
                authorised_at=self._clock(),
            )

    def _switch(self, customer_id: int, card_id: str, before: str, after: str) -> CardState:
        with self._sessions() as session:
            card = owned_card(session, customer_id, card_id)
            if card.status == before:
                # Conditional: a block (or the same switch) that lands first wins; the card is read again.
                session.execute(
                    update(Card)
                    .where(Card.id == card_id, Card.status == before)
                    .values(status=after, frozen_at=self._clock() if after == FROZEN else None)
                )
                session.commit()
                card = session.execute(
                    select(Card).where(Card.id == card_id).execution_options(populate_existing=True)
                ).scalar_one()
            if card.status == BLOCKED:
                raise CardBlocked(
                    f"This card is blocked for good ({card.block_reason}): it can be neither frozen nor unfrozen. "
                    "Order a replacement instead."
                )
            return CardState.from_row(card)
