"""Loans: the products on offer and quotes (no sign-in needed), and a customer's applications (idempotent).

A quote is an annuity: monthly payment P·r/(1−(1+r)^−n) with r = (1+APR)^(1/12)−1, rounded to the
cent half up; total repaid = n × the payment; total interest = total repaid − amount. An amount or
term outside the product's range is refused with 422 out_of_range, giving `field`, `min` and `max`.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictInt, StrictStr

from bot.core_bank.contract.wire import Choice, Money, PositiveAmount, RequestModel, Timestamp, WholeNumber, WireModel

LOAN_PRODUCTS = ("personal", "car", "home")
APPLICATION_STATUSES = ("received", "under_review", "approved", "declined")
RATE_PATTERN = r"^[0-9]+\.[0-9]{2}$"


class LoanProductName(Choice):
    choices = LOAN_PRODUCTS


class Months(WholeNumber):
    unit = " of months"


class Rate(Money):
    """An effective annual rate, in percent."""

    schema = {
        "type": "string",
        "pattern": RATE_PATTERN,
        "description": "effective annual rate, in percent",
        "example": "6.90",
    }


class LoanProduct(WireModel):
    product: Literal["personal", "car", "home"]
    name: StrictStr = Field(..., example="Personal loan")
    apr: Rate
    min_amount: Money
    max_amount: Money
    min_term_months: StrictInt = Field(..., example=12)
    max_term_months: StrictInt = Field(..., example=84)
    currency: StrictStr = Field(..., regex="^[A-Z]{3}$", example="EUR")


class LoanProductList(WireModel):
    products: list[LoanProduct]


class LoanRequest(RequestModel):
    """What a customer asks for: a quote, or an application."""

    product: LoanProductName
    amount: PositiveAmount = Field(..., example="10000.00")
    term_months: Months = Field(..., example=36)


class LoanQuote(WireModel):
    product: Literal["personal", "car", "home"]
    amount: Money = Field(..., example="10000.00")
    currency: StrictStr = Field(..., regex="^[A-Z]{3}$", example="EUR")
    term_months: StrictInt = Field(..., example=36)
    apr: Rate
    monthly_payment: Money = Field(
        ..., description="annuity P·r/(1−(1+r)^−n), r = (1+APR)^(1/12)−1, rounded to the cent half up"
    )
    total_repaid: Money = Field(..., description="term_months × monthly_payment")
    total_interest: Money = Field(..., description="total_repaid − amount")


class LoanApplication(LoanQuote):
    reference: StrictStr = Field(..., regex="^LA-[A-Z0-9]{8}$", example="LA-7K2M9QXA")
    status: Literal["received", "under_review", "approved", "declined"]
    submitted_at: Timestamp


class LoanApplicationList(WireModel):
    applications: list[LoanApplication] = Field(..., description="newest first")
