"""Demo data for the core bank: four customers with addresses, accounts, cards and transactions;
Alex's payees and earlier loan application; the loan products (the bank's rates live here); and the
advisors customers can book an appointment with.
Every transaction is categorised as it is booked (bot/core_bank/merchants.py); Alex's and Camille's
histories hold subscriptions and bills that recur, Uber and Uber Eats payments, and yesterday the same
card payment at Fnac twice (SEED_MONTHLY_PAYMENTS, SEED_CARD_PAYMENTS).

Deterministic: the same seed time gives the same data (a fixed `random.Random`
seed, and ids derived from stable names). Transactions are dated relative to
the seed time, newest the day before; each account's opening balance is
computed so that it ends at exactly the balance stated here.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.core_bank.loans import annuity
from bot.core_bank.models import (
    Account,
    Advisor,
    Card,
    Customer,
    LoanApplication,
    LoanProduct,
    Payee,
    Transaction,
    to_minor_units,
)

RANDOM_SEED = 20240611
CURRENCY = "EUR"
BANK_CODE = "14508"  # fictional
BRANCH_CODE = "00042"
HISTORY_DAYS = 91

DEMO_CUSTOMER_NUMBER = "100001"
DEMO_PHONE = "+33612345678"
DEMO_FIRST_NAME = "Alex"
DEMO_LAST_NAME = "Martin"
DEMO_LOCALE = "en_IE"
DEMO_BALANCES = {"current": Decimal("2450.31"), "savings": Decimal("12000.00")}
DEMO_CARD_LAST4 = {"debit": "4821", "credit": "7304"}


def stable_id(prefix: str, *parts: str) -> str:
    """An id that depends only on `parts` (so docs and tests can name seeded things)."""
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]
    return f"{prefix}_{digest}"


DEMO_ACCOUNT_IDS = {
    "current": stable_id("acc", DEMO_CUSTOMER_NUMBER, "current"),
    "savings": stable_id("acc", DEMO_CUSTOMER_NUMBER, "savings"),
}
DEMO_CARD_IDS = {kind: stable_id("card", DEMO_CUSTOMER_NUMBER, last4) for kind, last4 in DEMO_CARD_LAST4.items()}
DEMO_ADDRESS_MASKED = "•• rue •••••••, 75011 Paris"


@dataclass(frozen=True)
class SeedAddress:
    number: str
    street_type: str  # stays visible in the masked address
    street_name: str
    postcode: str
    city: str


@dataclass(frozen=True)
class SeedCard:
    kind: str
    brand: str
    last4: str
    expiry_month: int
    years_valid: int  # expiry year = seed year + years_valid


@dataclass(frozen=True)
class SeedCustomer:
    customer_number: str
    first_name: str
    last_name: str
    phone: str
    locale: str
    current_balance: Decimal
    address: SeedAddress
    savings_balance: Optional[Decimal] = None
    cards: tuple[SeedCard, ...] = field(default_factory=tuple)


SEED_CUSTOMERS: tuple[SeedCustomer, ...] = (
    SeedCustomer(
        DEMO_CUSTOMER_NUMBER, DEMO_FIRST_NAME, DEMO_LAST_NAME, DEMO_PHONE, DEMO_LOCALE,
        current_balance=DEMO_BALANCES["current"],
        address=SeedAddress("12", "rue", "Oberkampf", "75011", "Paris"),
        savings_balance=DEMO_BALANCES["savings"],
        cards=(
            SeedCard("debit", "Visa", DEMO_CARD_LAST4["debit"], 9, 3),
            SeedCard("credit", "Mastercard", DEMO_CARD_LAST4["credit"], 3, 2),
        ),
    ),
    SeedCustomer(
        "100002", "Camille", "Dubois", "+33698765432", "fr_FR",
        current_balance=Decimal("3875.42"), address=SeedAddress("48", "avenue", "Jean Jaurès", "69007", "Lyon"),
        cards=(SeedCard("debit", "Visa", "1590", 11, 2),),
    ),
    SeedCustomer(
        "100003", "Tom", "Bernard", "+33611223344", "fr_FR",
        current_balance=Decimal("612.08"), address=SeedAddress("5", "place", "du Capitole", "31000", "Toulouse"),
        savings_balance=Decimal("1840.00"),
        cards=(SeedCard("debit", "Mastercard", "2267", 5, 4),),
    ),
    SeedCustomer(
        "100004", "Sofia", "Rossi", "+393471234567", "it_IT",
        current_balance=Decimal("5230.90"), address=SeedAddress("21", "via", "Roma", "20121", "Milano"),
        cards=(SeedCard("debit", "Visa", "9043", 1, 3),),
    ),
)

CAMILLE_CUSTOMER_NUMBER = "100002"
TOM_CUSTOMER_NUMBER = "100003"
LANDLORD_IBAN_PARTS = {"account_number": "00056789012", "bank_code": "30004", "branch_code": "00823"}


@dataclass(frozen=True)
class SeedPayee:
    slug: str  # for the stable id
    name: str
    customer_number: Optional[str] = None  # a customer here: their current account
    iban_parts: Optional[dict[str, str]] = None  # an account elsewhere (see french_iban)


SEED_PAYEES: dict[str, tuple[SeedPayee, ...]] = {
    DEMO_CUSTOMER_NUMBER: (
        SeedPayee("tom-bernard", "Tom Bernard", customer_number=TOM_CUSTOMER_NUMBER),
        SeedPayee("sci-montmartre", "SCI Montmartre (landlord)", iban_parts=LANDLORD_IBAN_PARTS),
    )
}
DEMO_PAYEE_IDS = {
    "tom": stable_id("payee", DEMO_CUSTOMER_NUMBER, "tom-bernard"),
    "landlord": stable_id("payee", DEMO_CUSTOMER_NUMBER, "sci-montmartre"),
}


@dataclass(frozen=True)
class SeedLoanProduct:
    product: str
    name: str
    apr_percent: Decimal  # effective annual rate
    min_amount: Decimal
    max_amount: Decimal
    min_term_months: int
    max_term_months: int


# The bank's loan offer: the one place its rates and limits are written down.
LOAN_PRODUCTS: tuple[SeedLoanProduct, ...] = (
    SeedLoanProduct("personal", "Personal loan", Decimal("6.90"), Decimal("1000.00"), Decimal("50000.00"), 12, 84),
    SeedLoanProduct("car", "Car loan", Decimal("4.90"), Decimal("3000.00"), Decimal("75000.00"), 12, 84),
    SeedLoanProduct("home", "Home loan", Decimal("3.60"), Decimal("50000.00"), Decimal("1000000.00"), 60, 300),
)


@dataclass(frozen=True)
class SeedLoanApplication:
    reference: str
    product: str
    amount: Decimal
    term_months: int
    status: str
    days_ago: int


SEED_LOAN_APPLICATIONS: dict[str, tuple[SeedLoanApplication, ...]] = {
    DEMO_CUSTOMER_NUMBER: (SeedLoanApplication("LA-7K2M9QXA", "car", Decimal("15000.00"), 60, "under_review", 6),),
}
DEMO_LOAN_APPLICATION_REFERENCE = SEED_LOAN_APPLICATIONS[DEMO_CUSTOMER_NUMBER][0].reference


@dataclass(frozen=True)
class SeedAdvisor:
    slug: str  # for the stable id
    first_name: str
    last_name: str
    channels: tuple[str, ...]  # branch, phone, video
    weekdays: str  # ISO weekdays worked: "2345" is Tuesday to Friday
    branch_name: Optional[str] = None
    branch_address: Optional[str] = None


# The advisors customers can meet (bot/core_bank/appointments.py: their hours and slots).
SEED_ADVISORS: tuple[SeedAdvisor, ...] = (
    SeedAdvisor("claire-lefevre", "Claire", "Lefèvre", ("branch", "phone", "video"), "2345",
                "Paris Oberkampf", "98 rue Oberkampf, 75011 Paris"),
    SeedAdvisor("julien-moreau", "Julien", "Moreau", ("branch", "phone"), "1234",
                "Lyon Jean Macé", "7 place Jean Macé, 69007 Lyon"),
    SeedAdvisor("nadia-benali", "Nadia", "Benali", ("phone", "video"), "12345"),
)
DEMO_ADVISOR_IDS = {advisor.slug: stable_id("adv", advisor.slug) for advisor in SEED_ADVISORS}

GROCERS = ("Carrefour City", "Monoprix", "Lidl", "Franprix", "Picard", "Biocoop")
CARD_MERCHANTS = (
    ("Le Petit Zinc", Decimal("18.00"), Decimal("62.00")),
    ("Café Oberkampf", Decimal("3.20"), Decimal("14.50")),
    ("Uber", Decimal("9.00"), Decimal("31.00")),
    ("SNCF Connect", Decimal("25.00"), Decimal("119.00")),
    ("Fnac", Decimal("12.99"), Decimal("89.99")),
    ("Amazon EU", Decimal("8.49"), Decimal("74.90")),
    ("Decathlon", Decimal("15.00"), Decimal("65.00")),
    ("Pharmacie Lafayette", Decimal("4.90"), Decimal("27.80")),
    ("Boulangerie Julien", Decimal("2.40"), Decimal("11.60")),
)
ATM_PLACE = "Paris 11e"


@dataclass(frozen=True)
class SeedTransaction:
    """One booked transaction: `description` is its English statement label, `kind` and `counterparty` what
    the bot writes a label in the customer's language from (bot/core_bank/contract/customers.py TransactionKind)."""

    booked_at: datetime
    description: str
    amount: Decimal
    kind: str = "other"
    counterparty: Optional[str] = None


@dataclass(frozen=True)
class SeedBill:
    day_of_month: int
    kind: str
    counterparty: Optional[str]
    description: str
    amount: Decimal


MONTHLY_BILLS = (
    SeedBill(1, "rent", "Foncia Paris", "Rent — Foncia Paris", Decimal("-1150.00")),
    SeedBill(2, "direct_debit", "Navigo", "Direct debit — Navigo", Decimal("-86.40")),
    SeedBill(5, "direct_debit", "Orange Mobile", "Direct debit — Orange Mobile", Decimal("-19.99")),
    SeedBill(12, "direct_debit", "EDF", "Direct debit — EDF", Decimal("-64.30")),
    SeedBill(15, "direct_debit", "Netflix", "Direct debit — Netflix", Decimal("-13.49")),
    SeedBill(25, "salary", "Northwind Consulting", "Salary — Northwind Consulting", Decimal("3180.00")),
    SeedBill(26, "savings_transfer_out", None, "Transfer to savings account", Decimal("-300.00")),
)


@dataclass(frozen=True)
class SeedMonthlyPayment:
    """A subscription or bill paid on the same day of every month, at the same time, the same amount."""

    day_of_month: int
    kind: str  # card_payment | direct_debit
    counterparty: str
    amount: Decimal
    hour: int = 7
    minute: int = 30


@dataclass(frozen=True)
class SeedCardPayment:
    """A card payment `days_ago` days before the seed time (1: yesterday)."""

    days_ago: int
    hour: int
    minute: int
    merchant: str
    amount: Decimal


# Beside the rest of each history (drawn at random), for the everyday money questions: subscriptions and bills
# that recur (recurring payments), rides and meals to search ("how much on Uber?"), a concert paid once (not
# recurring), and the same card payment at Fnac twice yesterday (a duplicate to dispute). Written out, not drawn:
# the random histories stay what they were.
SEED_MONTHLY_PAYMENTS: dict[str, tuple[SeedMonthlyPayment, ...]] = {
    DEMO_CUSTOMER_NUMBER: (
        SeedMonthlyPayment(3, "direct_debit", "Basic-Fit", Decimal("-29.99")),
        SeedMonthlyPayment(8, "card_payment", "Spotify", Decimal("-10.99"), hour=4, minute=12),
    ),
    CAMILLE_CUSTOMER_NUMBER: (
        SeedMonthlyPayment(7, "direct_debit", "SFR", Decimal("-24.99")),
        SeedMonthlyPayment(11, "card_payment", "Deezer", Decimal("-11.99"), hour=3, minute=40),
        SeedMonthlyPayment(14, "direct_debit", "EDF", Decimal("-48.20")),
        SeedMonthlyPayment(20, "direct_debit", "Netflix", Decimal("-13.49")),
    ),
}
SEED_CARD_PAYMENTS: dict[str, tuple[SeedCardPayment, ...]] = {
    DEMO_CUSTOMER_NUMBER: (
        SeedCardPayment(1, 15, 12, "Fnac", Decimal("-49.99")),
        SeedCardPayment(1, 15, 13, "Fnac", Decimal("-49.99")),  # charged twice
        SeedCardPayment(2, 20, 14, "Uber Eats", Decimal("-23.40")),
        SeedCardPayment(3, 8, 12, "Uber", Decimal("-14.20")),
        SeedCardPayment(6, 21, 2, "Uber Eats", Decimal("-18.90")),
        SeedCardPayment(9, 23, 40, "Uber", Decimal("-19.75")),
        SeedCardPayment(13, 20, 41, "Uber Eats", Decimal("-27.15")),
        SeedCardPayment(16, 18, 5, "Uber", Decimal("-11.30")),
        SeedCardPayment(24, 19, 55, "Uber Eats", Decimal("-16.80")),
        SeedCardPayment(30, 7, 55, "Uber", Decimal("-24.10")),
        SeedCardPayment(38, 20, 30, "Uber Eats", Decimal("-31.25")),
        SeedCardPayment(41, 19, 20, "Ticketmaster", Decimal("-89.00")),  # once: not recurring
        SeedCardPayment(52, 21, 10, "Uber Eats", Decimal("-22.60")),
    ),
    CAMILLE_CUSTOMER_NUMBER: (
        SeedCardPayment(1, 11, 47, "Fnac", Decimal("-34.90")),
        SeedCardPayment(1, 11, 47, "Fnac", Decimal("-34.90")),  # charged twice
        SeedCardPayment(4, 9, 5, "Uber", Decimal("-17.60")),
        SeedCardPayment(11, 22, 30, "Uber Eats", Decimal("-21.35")),
        SeedCardPayment(19, 18, 45, "Uber", Decimal("-12.90")),
    ),
}


def card_payment(booked_at: datetime, merchant: str, amount: Decimal) -> SeedTransaction:
    return SeedTransaction(booked_at, f"Card payment — {merchant}", amount, "card_payment", merchant)


def transfer_in(booked_at: datetime, sender: Optional[str], amount: Decimal) -> SeedTransaction:
    description = f"Transfer from {sender}" if sender else "Transfer received"
    return SeedTransaction(booked_at, description, amount, "transfer_in", sender)


def transfer_out(booked_at: datetime, payee: str, amount: Decimal) -> SeedTransaction:
    return SeedTransaction(booked_at, f"Transfer to {payee}", amount, "transfer_out", payee)


def seed_if_empty(sessions: sessionmaker, now: Optional[datetime] = None) -> bool:
    """Seeds the database unless it already has customers; says whether it seeded."""
    with sessions() as session:
        if session.execute(select(Customer.id).limit(1)).first() is not None:
            return False
        seed_database(session, now or datetime.now(timezone.utc))
        session.commit()
        return True


def seed_database(session: Session, now: datetime) -> None:
    """Adds the demo customers to `session` (the caller commits)."""
    rng = random.Random(RANDOM_SEED)
    for position, loan in enumerate(LOAN_PRODUCTS):
        session.add(
            LoanProduct(
                product=loan.product,
                position=position,
                name=loan.name,
                apr_basis_points=int(loan.apr_percent * 100),
                currency=CURRENCY,
                min_amount_minor=to_minor_units(loan.min_amount),
                max_amount_minor=to_minor_units(loan.max_amount),
                min_term_months=loan.min_term_months,
                max_term_months=loan.max_term_months,
            )
        )
    customers: dict[str, Customer] = {}
    for number, spec in enumerate(SEED_CUSTOMERS):
        customer = Customer(
            customer_number=spec.customer_number,
            first_name=spec.first_name,
            last_name=spec.last_name,
            phone=spec.phone,
            locale=spec.locale,
            created_at=now - timedelta(days=HISTORY_DAYS + 30 + number),
            address_number=spec.address.number,
            address_street_type=spec.address.street_type,
            address_street_name=spec.address.street_name,
            address_postcode=spec.address.postcode,
            address_city=spec.address.city,
        )
        customers[spec.customer_number] = customer
        session.add(customer)
        session.flush()

        if spec.customer_number == DEMO_CUSTOMER_NUMBER:
            history = demo_current_account_history(rng, now)
        else:
            history = everyday_history(rng, now, count=rng.randint(6, 10))
        history += regular_and_remarkable_payments(spec.customer_number, now)
        current = _add_account(session, customer, spec, "current", "Current account", spec.current_balance, history, now)
        if spec.savings_balance is not None:
            savings_history = [
                SeedTransaction(
                    t.booked_at + timedelta(minutes=1), "Transfer from current account", -t.amount, "savings_transfer_in"
                )
                for t in history
                if t.kind == "savings_transfer_out"
            ]
            _add_account(session, customer, spec, "savings", "Savings account", spec.savings_balance, savings_history, now)

        for position, card in enumerate(spec.cards):
            session.add(
                Card(
                    id=stable_id("card", spec.customer_number, card.last4),
                    customer_id=customer.id,
                    account_id=current.id,
                    position=position,
                    kind=card.kind,
                    brand=card.brand,
                    last4=card.last4,
                    status="active",
                    expiry_year=now.year + card.years_valid,
                    expiry_month=card.expiry_month,
                )
            )
    session.flush()
    for customer_number, payees in SEED_PAYEES.items():
        _add_payees(session, customers[customer_number], payees)
    for customer_number, applications in SEED_LOAN_APPLICATIONS.items():
        _add_loan_applications(session, customers[customer_number], applications, now)
    _add_advisors(session)
    session.flush()


def _add_advisors(session: Session) -> None:
    for position, advisor in enumerate(SEED_ADVISORS):
        session.add(
            Advisor(
                id=DEMO_ADVISOR_IDS[advisor.slug],
                position=position,
                first_name=advisor.first_name,
                last_name=advisor.last_name,
                channels=",".join(advisor.channels),
                weekdays=advisor.weekdays,
                branch_name=advisor.branch_name,
                branch_address=advisor.branch_address,
            )
        )


def _add_payees(session: Session, customer: Customer, payees: tuple[SeedPayee, ...]) -> None:
    for position, payee in enumerate(payees):
        account: Optional[Account] = None
        if payee.customer_number is not None:
            account = session.get(Account, stable_id("acc", payee.customer_number, "current"))
            assert account is not None, f"seed payee {payee.name}: no current account for {payee.customer_number}"
            iban = account.iban
        else:
            assert payee.iban_parts is not None
            iban = french_iban(**payee.iban_parts)
        session.add(
            Payee(
                id=stable_id("payee", customer.customer_number, payee.slug),
                customer_id=customer.id,
                position=position,
                name=payee.name,
                iban=iban,
                account_id=account.id if account is not None else None,
            )
        )


def _add_loan_applications(
    session: Session, customer: Customer, applications: tuple[SeedLoanApplication, ...], now: datetime
) -> None:
    rates = {loan.product: loan.apr_percent for loan in LOAN_PRODUCTS}
    for application in applications:
        figures = annuity(application.amount, rates[application.product], application.term_months)
        session.add(
            LoanApplication(
                reference=application.reference,
                customer_id=customer.id,
                product=application.product,
                currency=CURRENCY,
                amount_minor=to_minor_units(application.amount),
                term_months=application.term_months,
                apr_basis_points=int(rates[application.product] * 100),
                monthly_payment_minor=to_minor_units(figures.monthly_payment),
                total_repaid_minor=to_minor_units(figures.total_repaid),
                total_interest_minor=to_minor_units(figures.total_interest),
                status=application.status,
                submitted_at=now - timedelta(days=application.days_ago),
            )
        )


def _add_account(
    session: Session,
    customer: Customer,
    spec: SeedCustomer,
    account_type: str,
    name: str,
    balance: Decimal,
    history: list[SeedTransaction],
    now: datetime,
) -> Account:
    account_id = stable_id("acc", spec.customer_number, account_type)
    opening = balance - sum((t.amount for t in history), Decimal("0"))
    account = Account(
        id=account_id,
        customer_id=customer.id,
        position=0 if account_type == "current" else 1,
        type=account_type,
        name=name,
        iban=french_iban(account_number=f"{spec.customer_number}{'01' if account_type == 'current' else '02'}000"),
        currency=CURRENCY,
        balance_minor=to_minor_units(balance),
        opening_balance_minor=to_minor_units(opening),
        opened_at=now - timedelta(days=HISTORY_DAYS + 30),
    )
    session.add(account)
    session.flush()
    for index, item in enumerate(sorted(history, key=lambda t: t.booked_at)):
        session.add(
            Transaction(
                id=stable_id("txn", account_id, str(index)),
                account_id=account_id,
                booked_at=item.booked_at,
                description=item.description,
                amount_minor=to_minor_units(item.amount),
                currency=CURRENCY,
                kind=item.kind,
                counterparty=item.counterparty,
            )
        )
    return account


def demo_current_account_history(rng: random.Random, now: datetime) -> list[SeedTransaction]:
    """About three months of an everyday current account: salary, rent, bills, shopping, transfers."""
    history: list[SeedTransaction] = []
    days = _history_days(now)
    for day in days:
        for bill in MONTHLY_BILLS:
            if day.day == bill.day_of_month:
                hour = 6 if bill.amount > 0 else 9
                history.append(
                    SeedTransaction(
                        _at(day, hour, rng.randint(0, 59)), bill.description, bill.amount, bill.kind, bill.counterparty
                    )
                )
        yesterday = day == days[-1]
        if yesterday or rng.random() < 0.38:
            grocer = rng.choice(GROCERS)
            amount = -_random_amount(rng, Decimal("9.50"), Decimal("96.00"))
            history.append(card_payment(_at(day, rng.randint(17, 20), rng.randint(0, 59)), grocer, amount))
        if rng.random() < 0.45:
            merchant, low, high = rng.choice(CARD_MERCHANTS)
            history.append(
                card_payment(_at(day, rng.randint(8, 21), rng.randint(0, 59)), merchant, -_random_amount(rng, low, high))
            )
        if rng.random() < 0.05:
            history.append(
                SeedTransaction(
                    _at(day, 12, rng.randint(0, 59)), f"Cash withdrawal — ATM {ATM_PLACE}", Decimal("-60.00"),
                    "cash_withdrawal", ATM_PLACE,
                )
            )
        if rng.random() < 0.04:
            history.append(transfer_in(_at(day, 19, rng.randint(0, 59)), "Camille Dubois", Decimal("32.50")))
        if rng.random() < 0.03:
            history.append(transfer_out(_at(day, 20, rng.randint(0, 59)), "Tom Bernard", Decimal("-58.00")))
    return history


def regular_and_remarkable_payments(customer_number: str, now: datetime) -> list[SeedTransaction]:
    """The customer's SEED_MONTHLY_PAYMENTS over the history's days, and their SEED_CARD_PAYMENTS."""
    history: list[SeedTransaction] = []
    for day in _history_days(now):
        for monthly in SEED_MONTHLY_PAYMENTS.get(customer_number, ()):
            if day.day == monthly.day_of_month:
                booked_at = _at(day, monthly.hour, monthly.minute)
                if monthly.kind == "card_payment":
                    history.append(card_payment(booked_at, monthly.counterparty, monthly.amount))
                else:
                    history.append(
                        SeedTransaction(
                            booked_at, f"Direct debit — {monthly.counterparty}", monthly.amount, monthly.kind,
                            monthly.counterparty,
                        )
                    )
    today = now.astimezone(timezone.utc).date()
    for payment in SEED_CARD_PAYMENTS.get(customer_number, ()):
        day = today - timedelta(days=payment.days_ago)
        history.append(card_payment(_at(day, payment.hour, payment.minute), payment.merchant, payment.amount))
    return history


def everyday_history(rng: random.Random, now: datetime, count: int) -> list[SeedTransaction]:
    """A few ordinary transactions over the last weeks, one of them money received."""
    days = _history_days(now)[-45:]
    history = [transfer_in(_at(days[0], 10, 0), None, _random_amount(rng, Decimal("50"), Decimal("150")))]
    for _ in range(count - 1):
        merchant, low, high = rng.choice(CARD_MERCHANTS + tuple((g, Decimal("8"), Decimal("80")) for g in GROCERS))
        history.append(
            card_payment(_at(rng.choice(days), rng.randint(8, 21), rng.randint(0, 59)), merchant, -_random_amount(rng, low, high))
        )
    return history


def french_iban(account_number: str, bank_code: str = BANK_CODE, branch_code: str = BRANCH_CODE) -> str:
    """A well-formed French IBAN (valid RIB key and check digits) for an 11-digit account number."""
    if len(account_number) != 11 or not account_number.isdigit():
        raise ValueError("a French account number here is 11 digits")
    rib_key = 97 - (89 * int(bank_code) + 15 * int(branch_code) + 3 * int(account_number)) % 97
    bban = f"{bank_code}{branch_code}{account_number}{rib_key:02d}"
    numeric = "".join(str(int(ch, 36)) for ch in f"{bban}FR00")
    check = 98 - int(numeric) % 97
    return f"FR{check:02d}{bban}"


def _history_days(now: datetime) -> list[date]:
    today = now.astimezone(timezone.utc).date()
    return [today - timedelta(days=offset) for offset in range(HISTORY_DAYS, 0, -1)]


def _at(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.utc)


def _random_amount(rng: random.Random, low: Decimal, high: Decimal) -> Decimal:
    cents = rng.randint(to_minor_units(low), to_minor_units(high))
    return Decimal(cents).scaleb(-2)
