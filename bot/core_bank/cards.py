"""Cards: blocking one at once, and ordering a new one.

Rules:
- a customer blocks their own card (lost, stolen or damaged) at once; blocking a blocked
  card changes nothing and gives it back as it is; a frozen card can be blocked (it is then
  no longer frozen: blocked for good). Freezing for now is card_controls.py;
- a new card is ordered on the customer's current account (a savings account gets no card);
- a customer holds at most one credit card, and an account at most one debit card: an active
  or frozen card, or one already on order, of that kind takes the place;
- `replaces_card_id` names the blocked card (of the same kind; for a debit card, of the same
  account) a new card replaces; a card is replaced only once;
- the card is sent to the customer's address, due 5 business days after the order (weekends skipped).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Optional

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.core_bank.accounts import CardFacts, card_fields, mask_address, owned_account, owned_card
from bot.core_bank.contract import cards as contract
from bot.core_bank.facts import file_facts
from bot.core_bank.errors import (
    AccountNotEligible,
    CardAlreadyActive,
    CreditCardLimit,
    CustomerNotFound,
    InvalidRequest,
    ReplacementNotAllowed,
)
from bot.core_bank.idempotency import IdempotentService, RecordedResponse
from bot.core_bank.models import Card, CardOrder, Customer, lock_customer
from bot.core_bank.references import CARD_ORDER_PREFIX

BLOCK_REASONS = contract.BLOCK_REASONS
CARD_KINDS = contract.CARD_KINDS
ACTIVE = "active"
FROZEN = "frozen"  # for now: card_controls.py
BLOCKED = "blocked"
ORDERED = "ordered"


def delivery_business_days() -> int:
    """How many working days a new card takes: the bank's published fact (bank_facts.yml, `card_delivery_days`), the
    same the knowledge base's answers quote, so an order's estimate and the answer about delays agree."""
    return int(file_facts()["card_delivery_days"].value)

CARD_ACCOUNT_TYPE = "current"


def add_business_days(start: date, days: int) -> date:
    """`days` working days (Monday to Friday) after `start`: Friday + 5 -> the next Friday."""
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            remaining -= 1
    return day


@dataclass(frozen=True)
class CardDetails(CardFacts):
    """A card as GET /v1/cards shows it, with when and why it was blocked."""

    expiry_year: int
    expiry_month: int
    blocked_at: Optional[datetime]
    block_reason: Optional[str]

    @classmethod
    def from_row(cls, card: Card) -> "CardDetails":
        return cls(
            **card_fields(card),
            expiry_year=card.expiry_year,
            expiry_month=card.expiry_month,
            blocked_at=card.blocked_at,
            block_reason=card.block_reason,
        )

    def to_json(self) -> dict[str, Any]:
        """The card as POST /v1/cards/{card_id}/block answers it (a blocked card)."""
        return contract.BlockedCard(
            card_id=self.card_id,
            kind=self.kind,
            brand=self.brand,
            last4=self.last4,
            status=self.status,
            account_id=self.account_id,
            expiry=f"{self.expiry_year:04d}-{self.expiry_month:02d}",
            blocked_at=self.blocked_at,
            block_reason=self.block_reason,
        ).wire()


@dataclass(frozen=True)
class CardOrderRequest:
    kind: str
    account_id: str
    replaces_card_id: Optional[str] = None

    def normalized(self) -> dict[str, Any]:
        return {"kind": self.kind, "account_id": self.account_id, "replaces_card_id": self.replaces_card_id}


@dataclass(frozen=True)
class CardOrderSummary:
    reference: str
    kind: str
    account_id: str
    replaces_card_id: Optional[str]
    status: str
    delivery_address_masked: str
    estimated_delivery: date
    ordered_at: datetime

    @classmethod
    def from_row(cls, order: CardOrder) -> "CardOrderSummary":
        return cls(
            reference=order.reference,
            kind=order.kind,
            account_id=order.account_id,
            replaces_card_id=order.replaces_card_id,
            status=order.status,
            delivery_address_masked=order.delivery_address_masked,
            estimated_delivery=order.estimated_delivery,
            ordered_at=order.ordered_at,
        )

    def to_json(self) -> dict[str, Any]:
        return contract.CardOrder.from_orm(self).wire()


class Cards(IdempotentService):
    """Blocking a customer's cards and ordering new ones."""

    def block(self, customer_id: int, card_id: str, reason: str) -> CardDetails:
        """Blocks the customer's card now; a card already blocked is given back unchanged."""
        if reason not in BLOCK_REASONS:
            raise InvalidRequest(f"reason must be one of {', '.join(BLOCK_REASONS)}.")
        with self._sessions() as session:
            card = owned_card(session, customer_id, card_id)
            if card.status != BLOCKED:
                # Conditional: of two simultaneous blocks, the first one's time and reason stay.
                session.execute(
                    update(Card)
                    .where(Card.id == card_id, Card.status != BLOCKED)
                    .values(status=BLOCKED, blocked_at=self._clock(), block_reason=reason, frozen_at=None)
                )
                session.commit()
                card = session.execute(
                    select(Card).where(Card.id == card_id).execution_options(populate_existing=True)
                ).scalar_one()
            return CardDetails.from_row(card)

    def order(self, customer_id: int, idempotency_key: str, request: CardOrderRequest) -> RecordedResponse:
        """Orders a new card (once per Idempotency-Key): 201 with the order."""
        if request.kind not in CARD_KINDS:
            raise InvalidRequest(f"kind must be one of {', '.join(CARD_KINDS)}.")

        def place(session: Session) -> tuple[int, dict[str, Any]]:
            lock_customer(session, customer_id)  # two orders at once must not both pass the one-card rules
            customer = session.get(Customer, customer_id)
            if customer is None:
                raise CustomerNotFound("No such customer.")
            account = owned_account(session, customer_id, request.account_id)
            if account.type != CARD_ACCOUNT_TYPE:
                raise AccountNotEligible(f"Cards are issued on a current account, not on a {account.type} account.")
            if request.replaces_card_id is not None:
                self._check_replacement(session, customer_id, request)
            self._check_one_card_rule(session, customer_id, request)

            now = self._clock()
            order = CardOrderSummary(
                reference=self._new_reference(CARD_ORDER_PREFIX),
                kind=request.kind,
                account_id=account.id,
                replaces_card_id=request.replaces_card_id,
                status=ORDERED,
                delivery_address_masked=mask_address(customer),
                estimated_delivery=add_business_days(now.date(), delivery_business_days()),
                ordered_at=now,
            )
            session.add(
                CardOrder(
                    reference=order.reference,
                    customer_id=customer_id,
                    account_id=order.account_id,
                    kind=order.kind,
                    replaces_card_id=order.replaces_card_id,
                    status=order.status,
                    delivery_address_masked=order.delivery_address_masked,
                    estimated_delivery=order.estimated_delivery,
                    ordered_at=order.ordered_at,
                )
            )
            return 201, order.to_json()

        return self._idempotency.run(customer_id, idempotency_key, "create_card_order", request.normalized(), place)

    def orders(self, customer_id: int) -> list[CardOrderSummary]:
        """The customer's card orders, newest first."""
        with self._sessions() as session:
            rows = session.execute(
                select(CardOrder)
                .where(CardOrder.customer_id == customer_id)
                .order_by(CardOrder.ordered_at.desc(), CardOrder.row_id.desc())
            ).scalars()
            return [CardOrderSummary.from_row(row) for row in rows]

    # -- rules --

    def _check_replacement(self, session: Session, customer_id: int, request: CardOrderRequest) -> None:
        assert request.replaces_card_id is not None
        replaced = owned_card(session, customer_id, request.replaces_card_id)
        if replaced.status != BLOCKED:
            raise ReplacementNotAllowed("Only a blocked card can be replaced: block the card first.")
        if replaced.kind != request.kind:
            raise ReplacementNotAllowed(f"A {replaced.kind} card is replaced by a {replaced.kind} card.")
        if replaced.kind == "debit" and replaced.account_id != request.account_id:
            raise ReplacementNotAllowed("A debit card is replaced on the account it belongs to.")
        earlier = session.execute(
            select(CardOrder.reference).where(CardOrder.replaces_card_id == replaced.id)
        ).scalar_one_or_none()
        if earlier is not None:
            raise ReplacementNotAllowed(f"This card is already being replaced (order {earlier}).")

    def _check_one_card_rule(self, session: Session, customer_id: int, request: CardOrderRequest) -> None:
        if request.kind == "credit":
            scope_cards = Card.customer_id == customer_id
            scope_orders = CardOrder.customer_id == customer_id
        else:
            scope_cards = Card.account_id == request.account_id
            scope_orders = CardOrder.account_id == request.account_id
        active_cards = session.execute(
            select(func.count(Card.id)).where(
                scope_cards, Card.kind == request.kind, Card.status.in_((ACTIVE, FROZEN))
            )
        ).scalar_one()
        open_orders = session.execute(
            select(func.count(CardOrder.row_id)).where(
                scope_orders, CardOrder.kind == request.kind, CardOrder.status == ORDERED
            )
        ).scalar_one()
        if active_cards + open_orders == 0:
            return
        if request.kind == "credit":
            raise CreditCardLimit(
                "A customer holds one credit card at most, and there is already one "
                + ("active." if active_cards else "on order.")
                + " To replace a lost, stolen or damaged card, block it and give replaces_card_id."
            )
        raise CardAlreadyActive(
            "This account already has a debit card "
            + ("that is active." if active_cards else "on order.")
            + " To replace a lost, stolen or damaged card, block it and give replaces_card_id."
        )
