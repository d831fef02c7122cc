"""Loans: the products on offer, quotes, and customers' applications.

A quote is an annuity (equal monthly payments). The product's APR is an effective
annual rate, so the monthly rate is r = (1 + APR)^(1/12) − 1 and the payment for a
principal P over n months is P·r / (1 − (1 + r)^−n). The arithmetic is Decimal with
50 significant digits; the payment is rounded to the cent (half up), and the totals are
what the customer pays: n such payments (total repaid) less the principal (interest).
The rates and limits are the `loan_products` table (seeded from seed.LOAN_PRODUCTS).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core_bank.contract import loans as contract
from bot.core_bank.errors import InvalidRequest, OutOfRange
from bot.core_bank.idempotency import IdempotentService, RecordedResponse
from bot.core_bank.models import LoanApplication, LoanProduct, from_minor_units, to_minor_units
from bot.core_bank.money import CENT, format_amount
from bot.core_bank.references import LOAN_APPLICATION_PREFIX

ANNUITY_PRECISION = 50
APPLICATION_RECEIVED = "received"


# --- the arithmetic -------------------------------------------------------------


@dataclass(frozen=True)
class Annuity:
    monthly_payment: Decimal
    total_repaid: Decimal
    total_interest: Decimal


def monthly_rate(apr_percent: Decimal) -> Decimal:
    """The monthly rate equivalent to an effective annual rate given in percent (6.90 -> 0.00557…)."""
    with localcontext() as context:
        context.prec = ANNUITY_PRECISION
        return (1 + apr_percent / 100) ** (Decimal(1) / 12) - 1


def annuity(principal: Decimal, apr_percent: Decimal, months: int) -> Annuity:
    """Equal monthly payments repaying `principal` over `months` at `apr_percent` (effective annual)."""
    if months <= 0:
        raise ValueError("a loan lasts at least one month")
    with localcontext() as context:
        context.prec = ANNUITY_PRECISION
        rate = monthly_rate(apr_percent)
        if rate == 0:
            payment = principal / months
        else:
            payment = principal * rate / (1 - (1 + rate) ** -months)
        monthly_payment = payment.quantize(CENT, rounding=ROUND_HALF_UP)
        total_repaid = monthly_payment * months
        return Annuity(
            monthly_payment=monthly_payment,
            total_repaid=total_repaid.quantize(CENT),
            total_interest=(total_repaid - principal).quantize(CENT),
        )


# --- what the API shows -----------------------------------------------------------


def _apr_percent(basis_points: int) -> Decimal:
    return Decimal(basis_points).scaleb(-2)


@dataclass(frozen=True)
class LoanTerms:
    """A product on offer."""

    product: str
    name: str
    apr_percent: Decimal
    currency: str
    min_amount: Decimal
    max_amount: Decimal
    min_term_months: int
    max_term_months: int

    @classmethod
    def from_row(cls, row: LoanProduct) -> "LoanTerms":
        return cls(
            product=row.product,
            name=row.name,
            apr_percent=_apr_percent(row.apr_basis_points),
            currency=row.currency,
            min_amount=from_minor_units(row.min_amount_minor),
            max_amount=from_minor_units(row.max_amount_minor),
            min_term_months=row.min_term_months,
            max_term_months=row.max_term_months,
        )

    def to_json(self) -> dict[str, Any]:
        return self.to_contract().wire()

    def to_contract(self) -> contract.LoanProduct:
        return contract.LoanProduct(
            product=self.product,
            name=self.name,
            apr=self.apr_percent,
            min_amount=self.min_amount,
            max_amount=self.max_amount,
            min_term_months=self.min_term_months,
            max_term_months=self.max_term_months,
            currency=self.currency,
        )


@dataclass(frozen=True)
class LoanRequest:
    """What a customer asks for (a quote, or an application)."""

    product: str
    amount: Decimal
    term_months: int

    def normalized(self) -> dict[str, Any]:
        return {"product": self.product, "amount": format_amount(self.amount), "term_months": self.term_months}


@dataclass(frozen=True)
class LoanQuote:
    product: str
    amount: Decimal
    currency: str
    term_months: int
    apr_percent: Decimal
    monthly_payment: Decimal
    total_repaid: Decimal
    total_interest: Decimal

    def to_json(self) -> dict[str, Any]:
        return contract.LoanQuote(**self.fields()).wire()

    def fields(self) -> dict[str, Any]:
        return {
            "product": self.product,
            "amount": self.amount,
            "currency": self.currency,
            "term_months": self.term_months,
            "apr": self.apr_percent,
            "monthly_payment": self.monthly_payment,
            "total_repaid": self.total_repaid,
            "total_interest": self.total_interest,
        }


@dataclass(frozen=True)
class LoanApplicationSummary:
    reference: str
    status: str
    submitted_at: datetime
    quote: LoanQuote

    @classmethod
    def from_row(cls, row: LoanApplication) -> "LoanApplicationSummary":
        return cls(
            reference=row.reference,
            status=row.status,
            submitted_at=row.submitted_at,
            quote=LoanQuote(
                product=row.product,
                amount=from_minor_units(row.amount_minor),
                currency=row.currency,
                term_months=row.term_months,
                apr_percent=_apr_percent(row.apr_basis_points),
                monthly_payment=from_minor_units(row.monthly_payment_minor),
                total_repaid=from_minor_units(row.total_repaid_minor),
                total_interest=from_minor_units(row.total_interest_minor),
            ),
        )

    def to_json(self) -> dict[str, Any]:
        return self.to_contract().wire()

    def to_contract(self) -> contract.LoanApplication:
        return contract.LoanApplication(
            reference=self.reference, status=self.status, submitted_at=self.submitted_at, **self.quote.fields()
        )


# --- the service ----------------------------------------------------------------------


class Loans(IdempotentService):
    """The loan offer (public), quotes (public) and a customer's applications."""

    def products(self) -> list[LoanTerms]:
        with self._sessions() as session:
            rows = session.execute(select(LoanProduct).order_by(LoanProduct.position, LoanProduct.product)).scalars()
            return [LoanTerms.from_row(row) for row in rows]

    def quote(self, request: LoanRequest) -> LoanQuote:
        """The monthly payment and totals; OutOfRange outside the product's amounts and terms."""
        with self._sessions() as session:
            return self._quote(session, request)

    def apply(self, customer_id: int, idempotency_key: str, request: LoanRequest) -> RecordedResponse:
        """Records an application on today's quote (once per Idempotency-Key): 201 with the application."""

        def submit(session: Session) -> tuple[int, dict[str, Any]]:
            quote = self._quote(session, request)
            application = LoanApplicationSummary(
                reference=self._new_reference(LOAN_APPLICATION_PREFIX),
                status=APPLICATION_RECEIVED,
                submitted_at=self._clock(),
                quote=quote,
            )
            session.add(
                LoanApplication(
                    reference=application.reference,
                    customer_id=customer_id,
                    product=quote.product,
                    currency=quote.currency,
                    amount_minor=to_minor_units(quote.amount),
                    term_months=quote.term_months,
                    apr_basis_points=int(quote.apr_percent * 100),
                    monthly_payment_minor=to_minor_units(quote.monthly_payment),
                    total_repaid_minor=to_minor_units(quote.total_repaid),
                    total_interest_minor=to_minor_units(quote.total_interest),
                    status=application.status,
                    submitted_at=application.submitted_at,
                )
            )
            return 201, application.to_json()

        return self._idempotency.run(customer_id, idempotency_key, "create_loan_application", request.normalized(), submit)

    def applications(self, customer_id: int) -> list[LoanApplicationSummary]:
        """The customer's applications, newest first."""
        with self._sessions() as session:
            rows = session.execute(
                select(LoanApplication)
                .where(LoanApplication.customer_id == customer_id)
                .order_by(LoanApplication.submitted_at.desc(), LoanApplication.row_id.desc())
            ).scalars()
            return [LoanApplicationSummary.from_row(row) for row in rows]

    def _quote(self, session: Session, request: LoanRequest) -> LoanQuote:
        terms = self._terms(session, request.product)
        if not terms.min_amount <= request.amount <= terms.max_amount:
            raise OutOfRange(
                f"A {terms.name.lower()} is for {format_amount(terms.min_amount)} to {format_amount(terms.max_amount)} "
                f"{terms.currency}.",
                details={"field": "amount", "min": format_amount(terms.min_amount), "max": format_amount(terms.max_amount)},
            )
        if not terms.min_term_months <= request.term_months <= terms.max_term_months:
            raise OutOfRange(
                f"A {terms.name.lower()} lasts {terms.min_term_months} to {terms.max_term_months} months.",
                details={"field": "term_months", "min": terms.min_term_months, "max": terms.max_term_months},
            )
        figures = annuity(request.amount, terms.apr_percent, request.term_months)
        return LoanQuote(
            product=terms.product,
            amount=request.amount,
            currency=terms.currency,
            term_months=request.term_months,
            apr_percent=terms.apr_percent,
            monthly_payment=figures.monthly_payment,
            total_repaid=figures.total_repaid,
            total_interest=figures.total_interest,
        )

    def _terms(self, session: Session, product: str) -> LoanTerms:
        row: Optional[LoanProduct] = session.get(LoanProduct, product)
        if row is None:
            known = session.execute(select(LoanProduct.product).order_by(LoanProduct.position)).scalars().all()
            raise InvalidRequest(f"product must be one of {', '.join(known)}.")
        return LoanTerms.from_row(row)
