"""Every operation of the API: method, path, models, success status, and the refusals it can answer.

The server registers exactly these routes (one handler per `operation_id`) and the OpenAPI
document is generated from them, so neither can describe a route the other lacks. Refusals
every operation of a kind shares (a malformed body, no valid token, a bad Idempotency-Key, an
unexpected failure) are added by `Operation.refusals()`; `own_refusals` lists the rest.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from bot.core_bank.contract import cards, customers, facts, loans, otp, service, transfers
from bot.core_bank.contract import spending
from bot.core_bank.contract import appointments, card_controls, disputes
from bot.core_bank.contract.wire import RequestModel, WireModel

REQUEST_MAX_BYTES = 64 * 1024
IDEMPOTENCY_HEADER = "Idempotency-Key"
# A chat channel's own calls (the action server's): its shared secret, CORE_BANKING_SERVICE_TOKEN.
SERVICE_TOKEN_HEADER = "X-Service-Token"
IDEMPOTENCY_KEY_MAX_LENGTH = 100
REPLAYED_HEADER = "Idempotent-Replayed"


@dataclass(frozen=True)
class Refusal:
    status: int
    codes: tuple[str, ...]
    description: str


BAD_BODY = Refusal(400, ("invalid_request",), "A body that is not a JSON object (or nested too deeply), or a field missing, unknown or invalid")
TOO_LARGE = Refusal(413, ("payload_too_large",), f"A body larger than {REQUEST_MAX_BYTES} bytes")
BAD_QUERY = Refusal(400, ("invalid_request",), "A query parameter that is invalid")
UNAUTHORIZED = Refusal(401, ("unauthorized",), "No valid bearer token: missing, unknown, expired or revoked")
BAD_KEY = Refusal(400, ("invalid_request",), f"A missing or bad {IDEMPOTENCY_HEADER}")
KEY_REUSED = Refusal(422, ("idempotency_key_reused",), f"The {IDEMPOTENCY_HEADER} was used for another request")
INTERNAL = Refusal(500, ("internal_error",), "Unexpected failure, logged server side; no details given")

SERVICE_ONLY = Refusal(
    403, ("service_token_required",),
    f"A channel user named (channel and channel_user_id, link, or {otp.CHANNEL_USER_HEADER}) without the channel's "
    f"valid {SERVICE_TOKEN_HEADER}",
)
STAFF_ONLY = Refusal(
    403, ("service_token_required",),
    f"No valid {SERVICE_TOKEN_HEADER}: staff routes are the branch's own (the console's), never a customer's",
)
OTP_LOCKED = Refusal(
    423, ("otp_locked",), "Too many wrong codes from this requester (or for this customer): locked until `locked_until`"
)
TOO_MANY_CHALLENGES = Refusal(
    429, ("too_many_challenges",),
    "Too many codes asked for in the window by this requester (or for this customer); retry at `retry_at`",
)
OTP_INVALID = Refusal(401, ("otp_invalid",), "A wrong code; `attempts_left` before OTP locks for this requester")
OTP_USED = Refusal(409, ("otp_used",), "The code was already used")
OTP_EXPIRED = Refusal(410, ("otp_expired",), "The code has expired")
AMOUNT_RULES = Refusal(
    422,
    ("currency_not_supported", "limit_exceeded", "daily_limit_exceeded", "insufficient_funds"),
    "A currency other than EUR; above the per-transfer limit (`limit`); above what is left of the daily limit "
    "(`limit`, `remaining`); a balance too low",
)
TRANSFER_RULES = Refusal(
    422,
    ("same_account", "currency_not_supported", "limit_exceeded", "daily_limit_exceeded", "insufficient_funds"),
    "The payee is the customer; a currency other than EUR; above the per-transfer limit (`limit`); above what "
    "is left of the daily limit (`limit`, `remaining`); a balance too low",
)


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str  # OpenAPI form: /v1/cards/{card_id}/block
    summary: str
    status: int
    response: Optional[type[WireModel]]  # None: no body
    success: str  # what the success response means
    request: Optional[type[RequestModel]] = None
    query: Optional[type[RequestModel]] = None
    signed_in: bool = False
    idempotent: bool = False
    own_refusals: tuple[Refusal, ...] = ()
    description: str = ""
    dev_only: bool = False
    service_headers: bool = False  # takes the channel's X-Service-Token and X-Channel-User
    staff: bool = False  # needs the branch's X-Service-Token (the staff console's), never a customer's token

    @property
    def path_parameters(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)

    def refusals(self) -> tuple[Refusal, ...]:
        """Every refusal this operation can answer, its own and those of its kind."""
        shared: list[Refusal] = []
        if self.request is not None:
            shared += [BAD_BODY, TOO_LARGE]
        if self.query is not None:
            shared.append(BAD_QUERY)
        if self.signed_in:
            shared.append(UNAUTHORIZED)
        if self.idempotent:
            shared += [BAD_KEY, KEY_REUSED]
        if self.staff:
            shared.append(STAFF_ONLY)
        return (*shared, *self.own_refusals, INTERNAL)


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "health", "GET", "/health", "Liveness", 200, service.Health, "The service is up",
    ),
    Operation(
        "openapi", "GET", "/openapi.json", "This document", 200, None, "OpenAPI 3.0 document",
    ),
    Operation(
        "startOtpChallenge", "POST", "/v1/otp/challenges", "Send a one-time code by SMS to a customer",
        201, otp.Challenge, "Code sent, if a customer has this customer number or phone",
        request=otp.ChallengeRequest, service_headers=True,
        description=(
            "By customer number or phone, from anyone. The answer never tells whether a customer has that number or "
            "phone: for one nobody has, the challenge is a decoy, answered alike (its masked phone made up, the same "
            "each time), sent nowhere, and every code is wrong for it (401 otp_invalid, as for a wrong code). "
            "By channel user (a Messenger user linked earlier), only from that channel: with its "
            f"{SERVICE_TOKEN_HEADER}. Codes asked for and wrong codes are limited per requester and per customer."
        ),
        own_refusals=(
            Refusal(400, ("invalid_request",), "Not exactly one identifier, or an invalid phone number"),
            SERVICE_ONLY,
            Refusal(404, ("not_linked",), "The channel user is not linked to a customer"),
            OTP_LOCKED,
            TOO_MANY_CHALLENGES,
        ),
    ),
    Operation(
        "verifyOtpChallenge", "POST", "/v1/otp/challenges/{challenge_id}/verify",
        "Check a code; get an access token (and optionally link a channel user)",
        200, otp.Session, "Code right: a bearer token",
        request=otp.VerifyRequest, service_headers=True,
        description=(
            "A `link` (remember that this channel user is the customer) is accepted only from that channel, with "
            f"its {SERVICE_TOKEN_HEADER}; without it the request is refused before the code is looked at."
        ),
        own_refusals=(
            Refusal(400, ("invalid_request",), "A code that is not exactly 6 digits (not counted as a failure)"),
            SERVICE_ONLY,
            OTP_INVALID,
            Refusal(404, ("challenge_not_found",), "No such challenge, or one that approves a transaction"),
            OTP_USED,
            OTP_EXPIRED,
            Refusal(
                423, ("otp_locked",),
                "Locked after too many wrong codes (also the answer to the wrong code that locks); until `locked_until`",
            ),
        ),
    ),
    Operation(
        "getMe", "GET", "/v1/me", "The signed-in customer", 200, customers.Me, "The customer", signed_in=True,
    ),
    Operation(
        "listAccounts", "GET", "/v1/accounts", "The customer's accounts and balances",
        200, customers.AccountList, "Accounts", signed_in=True,
    ),
    Operation(
        "getAccountDetails", "GET", "/v1/accounts/{account_id}/details",
        "An account's bank details (the whole IBAN, the BIC, the holder), as a RIB gives them",
        200, customers.AccountDetails, "Bank details", signed_in=True,
        own_refusals=(Refusal(404, ("account_not_found",), "No such account for this customer"),),
    ),
    Operation(
        "listTransactions", "GET", "/v1/accounts/{account_id}/transactions", "An account's transactions, newest first",
        200, customers.TransactionPage, "One page of transactions",
        query=customers.TransactionQuery, signed_in=True,
        own_refusals=(
            Refusal(
                400, ("invalid_request",),
                "A bad limit, `before` not a transaction of this account, a date not YYYY-MM-DD, or since after until",
            ),
            Refusal(404, ("account_not_found",), "No such account for this customer"),
        ),
    ),
    Operation(
        "searchTransactions", "GET", "/v1/accounts/{account_id}/transactions/search",
        "Search an account's transactions by merchant, category, kind, direction, amount and days, with totals",
        200, spending.TransactionSearchPage, "One page of the matches, newest first, and the totals of all of them",
        query=spending.TransactionSearchQuery, signed_in=True,
        description=(
            "Every filter given must hold. `merchant` is matched loosely against the merchant's name (or, for a "
            "transaction without one, such as a transfer, the counterparty's): case and accents aside, a word of "
            'the name, its start from 3 letters, small typos from 4 ("uber" finds Uber and Uber Eats, "netflx" '
            "Netflix); `merchants` lists the names matched. `kind` is how the money moved, whatever the category: "
            "card_payment, direct_debit, transfer (sent or received, to and from savings too) or cash_withdrawal. "
            "`min_amount` and `max_amount` bound the size of the amount, sign aside. `since` and `until` are days "
            "in `time_zone`, both included. `totals` count every match; `transactions` page as in the transactions "
            "list (`limit`, `before`)."
        ),
        own_refusals=(
            Refusal(
                400, ("invalid_request",),
                "A bad filter (an unknown category, kind or direction, an amount not like \"100.00\", min_amount "
                "above max_amount, a date not YYYY-MM-DD or since after until, an unknown time_zone), a bad limit, "
                "or `before` not a transaction of this account",
            ),
            Refusal(404, ("account_not_found",), "No such account for this customer"),
        ),
    ),
    Operation(
        "listRecurringPayments", "GET", "/v1/accounts/{account_id}/recurring-payments",
        "The recurring payments out of an account (subscriptions, bills, standing transfers), found in its history",
        200, spending.RecurringPaymentList, "The recurring payments, active ones first",
        query=spending.RecurringPaymentsQuery, signed_in=True,
        description=(
            "Payments out to one name (merchant, else payee) at a regular interval with steady amounts (each within "
            "20 % of the median): weekly (6 to 8 days apart) or monthly (26 to 35) with at least 3 payments, or "
            "monthly with 2 of exactly the same amount to a merchant (a subscription's price), yearly (350 to 380) "
            "with 2. Two payments on one day count once. Cash and moves to the customer's own accounts are left out. "
            "The next payment is expected a period after the last (monthly: on the usual day of the month); "
            "`active` is false once it is overdue by more than 3 days (weekly), 7 (monthly) or 21 (yearly). "
            "Dates are days in `time_zone`."
        ),
        own_refusals=(
            Refusal(400, ("invalid_request",), "An unknown time_zone"),
            Refusal(404, ("account_not_found",), "No such account for this customer"),
        ),
    ),
    Operation(
        "getSpendingByCategory", "GET", "/v1/accounts/{account_id}/spending",
        "Money out of an account by category over a period, beside the period just before",
        200, spending.SpendingByCategory, "Totals by category for the period and the previous one",
        query=spending.SpendingQuery, signed_in=True,
        description=(
            "Spending is money out in every category but savings (moves to the customer's own accounts); money in "
            "is not netted. The period: `month` (this month: up to today), or `since` to `until` (default and at "
            "most today), or neither: this month so far; days in `time_zone`. The previous period: the month "
            "before (up to the same day of the month while the month is not over), or as many days just before."
        ),
        own_refusals=(
            Refusal(
                400, ("invalid_request",),
                "A month not YYYY-MM or not begun yet, a date not YYYY-MM-DD, since after until or after today, "
                "until without since, month with since or until, an unknown time_zone",
            ),
            Refusal(404, ("account_not_found",), "No such account for this customer"),
        ),
    ),
    Operation(
        "listCards", "GET", "/v1/cards", "The customer's cards (last four digits only)",
        200, customers.CardList, "Cards", signed_in=True,
    ),
    Operation(
        "blockCard", "POST", "/v1/cards/{card_id}/block",
        "Block a card at once (blocking a blocked card gives it back unchanged)",
        200, cards.BlockedCard, "The card, blocked",
        request=cards.BlockCardRequest, signed_in=True,
        own_refusals=(Refusal(404, ("card_not_found",), "No such card for this customer"),),
    ),
    Operation(
        "orderCard", "POST", "/v1/card-orders", "Order a new card, delivered to the customer's address",
        201, cards.CardOrder, "Card ordered",
        request=cards.CardOrderRequest, signed_in=True, idempotent=True,
        own_refusals=(
            Refusal(
                404, ("account_not_found", "card_not_found"),
                "No such account, or replaces_card_id is no card of this customer",
            ),
            Refusal(
                422, ("account_not_eligible", "credit_card_limit", "card_already_active", "replacement_not_allowed"),
                "A savings account; a credit card already active or on order; a debit card already active or on "
                "order for this account; a replacement that is not a blocked card of the same kind (and account) "
                "or is already replaced",
            ),
        ),
    ),
    Operation(
        "listCardOrders", "GET", "/v1/card-orders", "The customer's card orders, newest first",
        200, cards.CardOrderList, "Card orders", signed_in=True,
    ),
    # --- card freeze, disputes, appointments (and their staff side) ---
    Operation(
        "freezeCard", "POST", "/v1/cards/{card_id}/freeze",
        "Freeze a card for now: it cannot pay until unfrozen (freezing a frozen card gives it back unchanged)",
        200, card_controls.FrozenCard, "The card, frozen", signed_in=True,
        description="Immediate and reversible, unlike a block. A blocked card is blocked for good: it cannot be frozen.",
        own_refusals=(
            Refusal(404, ("card_not_found",), "No such card for this customer"),
            Refusal(422, ("card_blocked",), "The card is blocked for good (lost, stolen, damaged)"),
        ),
    ),
    Operation(
        "unfreezeCard", "POST", "/v1/cards/{card_id}/unfreeze",
        "Unfreeze a card: it can pay again at once (unfreezing an active card gives it back unchanged)",
        200, card_controls.ActiveCard, "The card, active", signed_in=True,
        own_refusals=(
            Refusal(404, ("card_not_found",), "No such card for this customer"),
            Refusal(422, ("card_blocked",), "The card is blocked for good: it cannot be unfrozen"),
        ),
    ),
    Operation(
        "authoriseCardPayment", "POST", "/dev/cards/{card_id}/authorisations",
        "Development only: the card network stand-in asks whether the card may pay (nothing is booked)",
        200, card_controls.Authorisation, "Approved", request=card_controls.AuthorisationRequest, dev_only=True,
        own_refusals=(
            Refusal(404, ("card_not_found",), "No such card"),
            Refusal(
                422, ("card_frozen", "card_blocked", "currency_not_supported", "insufficient_funds"),
                "Declined: the card is frozen, or blocked; a currency other than EUR; the account does not hold the amount",
            ),
        ),
    ),
    Operation(
        "openDispute", "POST", "/v1/disputes", "Dispute one of the customer's payments: a case with a reference",
        201, disputes.Dispute, "Case opened",
        request=disputes.DisputeRequest, signed_in=True, idempotent=True,
        description=(
            "One case per transaction. An advisor must take the case when the customer does not recognise the "
            "payment, when more than dispute_advisor_threshold (bank facts) left the account, or when the reason is "
            "other; review_by and resolve_by are dispute_review_days and dispute_resolution_days working days later."
        ),
        own_refusals=(
            Refusal(400, ("invalid_request",), "An unknown reason; details longer than 500 characters, or missing for other"),
            Refusal(404, ("transaction_not_found",), "No such transaction for this customer"),
            Refusal(409, ("dispute_exists",), "The transaction is already disputed: `reference` names the case"),
            Refusal(
                422, ("not_disputable", "dispute_too_late"),
                "Money received, or a move to the customer's own savings; booked more than unauthorised_debit_months ago",
            ),
        ),
    ),
    Operation(
        "listDisputes", "GET", "/v1/disputes", "The customer's disputes, newest first",
        200, disputes.DisputeList, "Disputes", signed_in=True,
    ),
    Operation(
        "getDispute", "GET", "/v1/disputes/{reference}", "One of the customer's disputes",
        200, disputes.Dispute, "The case", signed_in=True,
        own_refusals=(Refusal(404, ("dispute_not_found",), "No such dispute for this customer"),),
    ),
    Operation(
        "listAppointmentSlots", "GET", "/v1/appointment-slots",
        "Advisors' free slots for the next working days (Paris time), soonest first",
        200, appointments.SlotList, "Free slots", query=appointments.SlotQuery, signed_in=True,
        description="Working days are Monday to Friday, today included; a slot starts at least an hour from now; "
                    "none at a time the customer already has an appointment.",
    ),
    Operation(
        "bookAppointment", "POST", "/v1/appointments", "Book a free slot with an advisor",
        201, appointments.Appointment, "Appointment confirmed",
        request=appointments.AppointmentRequest, signed_in=True, idempotent=True,
        description="A slot is never booked twice, however many book it at once: the late one is refused (slot_taken). "
                    "A customer is never booked twice at one time, with any advisor (appointment_overlap).",
        own_refusals=(
            Refusal(400, ("invalid_request",), "A slot_id that is not one of this bank's, an unknown channel or topic"),
            Refusal(409, ("slot_taken",), "Someone else has this slot"),
            Refusal(409, ("appointment_overlap",), "The customer already has an appointment at that time (reference)"),
            Refusal(
                422, ("slot_unavailable", "slot_in_past"),
                "Not a slot of the advisor (unknown advisor, day or time; a channel the advisor does not offer; more than "
                "20 working days ahead); a time that has passed or is less than an hour away",
            ),
        ),
    ),
    Operation(
        "listAppointments", "GET", "/v1/appointments", "The customer's appointments, soonest first",
        200, appointments.AppointmentList, "Appointments", signed_in=True,
    ),
    Operation(
        "getAppointment", "GET", "/v1/appointments/{reference}", "One of the customer's appointments",
        200, appointments.Appointment, "The appointment", signed_in=True,
        own_refusals=(Refusal(404, ("appointment_not_found",), "No such appointment for this customer"),),
    ),
    Operation(
        "rescheduleAppointment", "POST", "/v1/appointments/{reference}/reschedule",
        "Move an appointment to another free slot (same reference): the new slot taken and the old one freed at once",
        200, appointments.Appointment, "Appointment moved (or already there)",
        request=appointments.RescheduleRequest, signed_in=True, idempotent=True,
        own_refusals=(
            Refusal(400, ("invalid_request",), "A slot_id that is not one of this bank's, an unknown channel"),
            Refusal(404, ("appointment_not_found",), "No such appointment for this customer"),
            Refusal(409, ("slot_taken",), "Someone else has the new slot: nothing changed"),
            Refusal(409, ("appointment_overlap",), "The customer has another appointment at the new time: nothing changed"),
            Refusal(
                422, ("slot_unavailable", "slot_in_past", "appointment_cancelled", "appointment_past"),
                "The new slot is not the advisor's, or too soon; the appointment is cancelled, or has begun",
            ),
        ),
    ),
    Operation(
        "cancelAppointment", "POST", "/v1/appointments/{reference}/cancel",
        "Cancel an appointment, freeing its slot (cancelling a cancelled one gives it back unchanged)",
        200, appointments.Appointment, "Appointment cancelled", signed_in=True,
        own_refusals=(
            Refusal(404, ("appointment_not_found",), "No such appointment for this customer"),
            Refusal(422, ("appointment_past",), "The appointment has begun or taken place"),
        ),
    ),
    Operation(
        "listStaffDisputes", "GET", "/v1/staff/disputes",
        "Staff: the disputes to handle, oldest first, with whose they are",
        200, disputes.StaffDisputeList, "Disputes", query=disputes.StaffDisputeQuery, staff=True,
        description="Without status: every case not resolved or rejected yet.",
    ),
    Operation(
        "setDisputeStatus", "POST", "/v1/staff/disputes/{reference}/status",
        "Staff: move a case on (open, under_review, then resolved or rejected)",
        200, disputes.StaffDispute, "The case", request=disputes.DisputeStatusRequest, staff=True,
        own_refusals=(
            Refusal(404, ("dispute_not_found",), "No such dispute"),
            Refusal(422, ("dispute_status_not_allowed",), "Not a next status of the case (a settled case stays settled)"),
        ),
    ),
    Operation(
        "listStaffAppointments", "GET", "/v1/staff/appointments",
        "Staff: the confirmed appointments of the next working days, soonest first, with whose they are",
        200, appointments.StaffAppointmentList, "Appointments", query=appointments.StaffAppointmentQuery, staff=True,
    ),
    Operation(
        "listLoanProducts", "GET", "/v1/loan-products",
        "The loans on offer, with their rates and limits (no sign-in needed)",
        200, loans.LoanProductList, "Loan products",
    ),
    Operation(
        "getBankFacts", "GET", "/v1/bank/facts",
        "The bank's published facts: fees, limits, rates, hours, contacts (public, no sign-in needed)",
        200, facts.BankFacts, "Every published fact by name",
        description=(
            "From bot/core_bank/bank_facts.yml, plus the loan products (`<product>_loan_apr`, `<product>_loan_max`, "
            "`<product>_loan_max_years`) and the transfer limits (`transfer_limit_per_transfer`, "
            "`transfer_limit_daily`). Money in EUR with two decimals, a percent with two, counts as integers, "
            "hours as HH:MM-HH:MM; the chat writes them the customer's way."
        ),
    ),
    Operation(
        "quoteLoan", "POST", "/v1/loan-quotes", "What a loan would cost each month (no sign-in needed)",
        200, loans.LoanQuote, "The quote",
        request=loans.LoanRequest,
        own_refusals=(
            Refusal(422, ("out_of_range",), "Amount or term outside the product's range (in the message and in min/max)"),
        ),
    ),
    Operation(
        "applyForLoan", "POST", "/v1/loan-applications", "Apply for a loan on today's quote",
        201, loans.LoanApplication, "Application received",
        request=loans.LoanRequest, signed_in=True, idempotent=True,
        own_refusals=(Refusal(422, ("out_of_range",), "Amount or term outside the product's range"),),
    ),
    Operation(
        "listLoanApplications", "GET", "/v1/loan-applications", "The customer's loan applications, newest first",
        200, loans.LoanApplicationList, "Applications", signed_in=True,
    ),
    Operation(
        "listPayees", "GET", "/v1/payees", "The customer's saved payees",
        200, transfers.PayeeList, "Payees", signed_in=True,
    ),
    Operation(
        "checkTransfer", "POST", "/v1/transfers/check",
        "Check an amount against the transfer limits and the account's funds, before any payee (nothing sent)",
        200, transfers.TransferCheck, "The amount could be sent today, as far as limits and funds go",
        request=transfers.CheckTransferRequest, signed_in=True,
        description=(
            "The per-transfer limit, the daily limit with what the customer sent today, and the balance, checked as "
            "prepare and execute check them, with the same refusals; no payee is named and no code is sent, and "
            "nothing changes. A chat asks it as soon as it knows the amount; prepare still checks everything."
        ),
        own_refusals=(
            Refusal(400, ("invalid_request",), "A bad amount or currency code"),
            Refusal(404, ("account_not_found",), "No such account for this customer"),
            AMOUNT_RULES,
        ),
    ),
    Operation(
        "prepareTransfer", "POST", "/v1/transfers/prepare",
        "Check a transfer and send a code by SMS that approves exactly it (amount and payee in the SMS)",
        201, transfers.PreparedTransfer, "Checked; code sent",
        request=transfers.PrepareTransferRequest, signed_in=True,
        own_refusals=(
            Refusal(400, ("invalid_request",), "Not exactly one of payee_id or payee_phone; a bad amount or phone"),
            Refusal(404, ("account_not_found", "payee_not_found"), "No such account or payee for this customer"),
            TRANSFER_RULES,
            OTP_LOCKED,
            TOO_MANY_CHALLENGES,
        ),
    ),
    Operation(
        "executeTransfer", "POST", "/v1/transfers", "Execute a prepared transfer with the code it was sent with",
        201, transfers.TransferReceipt, "Transfer executed",
        request=transfers.ExecuteTransferRequest, signed_in=True, idempotent=True,
        description=(
            "The code must be right and the transaction exactly the prepared one: any change of amount, payee, "
            "account or currency burns the code and counts as an OTP failure (otp_binding_mismatch). Limits and "
            "funds are checked again (a refusal then leaves the code usable); then both sides are booked at once."
        ),
        own_refusals=(
            Refusal(400, ("invalid_request",), "A code that is not 6 digits (not counted)"),
            OTP_INVALID,
            Refusal(
                404, ("challenge_not_found", "account_not_found", "payee_not_found"),
                "No such challenge for this customer, account or payee",
            ),
            OTP_USED,
            OTP_EXPIRED,
            Refusal(
                422, ("otp_binding_mismatch",),
                "The code was sent for another transaction (`attempts_left`); it is burnt",
            ),
            TRANSFER_RULES,
            Refusal(423, ("otp_locked",), "Locked after too many wrong codes or mismatches; until `locked_until`"),
        ),
    ),
    Operation(
        "endSession", "DELETE", "/v1/session", "Sign out: revoke the bearer token",
        204, None, "Token revoked", signed_in=True,
    ),
    Operation(
        "listSmsOutbox", "GET", "/dev/sms-outbox", "Development only: the texts the SMS gateway stand-in has sent",
        200, service.SmsOutbox, "Messages, newest first",
        query=service.SmsOutboxQuery, dev_only=True,
        own_refusals=(Refusal(400, ("invalid_request",), "`to` is not a valid phone number"),),
    ),
)


def operations(dev_mode: bool) -> tuple[Operation, ...]:
    """The operations of an app built with this `dev_mode`."""
    return tuple(op for op in OPERATIONS if dev_mode or not op.dev_only)
