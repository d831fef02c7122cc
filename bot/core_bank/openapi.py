"""The core bank's OpenAPI 3.0 document (served at /openapi.json), and the app's routes to check it against."""
from __future__ import annotations

import re
from typing import Any

from sanic import Sanic

JSON = "application/json"
TIMESTAMP = {"type": "string", "format": "date-time", "example": "2026-06-11T09:30:00+00:00"}
AMOUNT = {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$", "example": "2450.31"}
CURRENCY = {"type": "string", "pattern": "^[A-Z]{3}$", "example": "EUR"}
POSITIVE_AMOUNT = {
    "type": "string",
    "pattern": r"^[0-9]{1,12}(\.[0-9]{1,2})?$",
    "description": "more than 0, at most 2 decimals",
    "example": "20.00",
}
DATE = {"type": "string", "format": "date", "example": "2026-06-18"}
PERCENT = {"type": "string", "pattern": r"^[0-9]+\.[0-9]{2}$", "description": "effective annual rate, in percent", "example": "6.90"}
CARD_ORDER_REFERENCE = {"type": "string", "pattern": "^CO-[A-Z0-9]{8}$", "example": "CO-4F7K2Q9Z"}
LOAN_APPLICATION_REFERENCE = {"type": "string", "pattern": "^LA-[A-Z0-9]{8}$", "example": "LA-7K2M9QXA"}
TRANSFER_REFERENCE = {"type": "string", "pattern": "^TR-[A-Z0-9]{8}$", "example": "TR-8D3JX2QA"}
LOAN_PRODUCTS = ["personal", "car", "home"]

_SANIC_PARAMETER = re.compile(r"<(\w+)(?::[^>]*)?>")


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    schema["required"] = list(properties) if required is None else required
    schema.update(extra)
    return schema


def _json_body(schema_name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": _ref(schema_name)}}}


def _error(description: str, *codes: str) -> dict[str, Any]:
    response: dict[str, Any] = {"description": f"{description} (code: {', '.join(codes)})", "content": {JSON: {"schema": _ref("Error")}}}
    return response


UNAUTHORIZED = {
    "description": "No valid bearer token: missing, unknown, expired or revoked (code: unauthorized)",
    "headers": {"WWW-Authenticate": {"schema": {"type": "string", "example": "Bearer"}}},
    "content": {JSON: {"schema": _ref("Error")}},
}
INTERNAL = _error("Unexpected failure, logged server side; no details given", "internal_error")
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "description": (
        "1 to 100 characters, new for each new request. A repeat with the same key and the same body returns the "
        "first success (same status and body, header Idempotent-Replayed: true) and does nothing again; the same "
        "key with another body is refused (422 idempotency_key_reused). Refusals are not recorded."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 100},
}
REPLAYED = {
    "Idempotent-Replayed": {
        "description": "true when this is the recorded response of an earlier request with the same key",
        "schema": {"type": "string", "enum": ["true"]},
    }
}
OTP_APPROVAL_ERRORS = {
    "401": {
        **UNAUTHORIZED,
        "description": (
            "No valid bearer token (code: unauthorized, with WWW-Authenticate), "
            "or a wrong code, `attempts_left` before OTP locks (code: otp_invalid)"
        ),
    },
    "409": _error("The code was already used", "otp_used"),
    "410": _error("The code has expired", "otp_expired"),
    "423": _error("Locked after too many wrong codes or mismatches; until `locked_until`", "otp_locked"),
}


def _protected(operation: dict[str, Any]) -> dict[str, Any]:
    operation["security"] = [{"bearerAuth": []}]
    operation["responses"].setdefault("401", UNAUTHORIZED)
    operation["responses"]["500"] = INTERNAL
    return operation


def _idempotent(operation: dict[str, Any]) -> dict[str, Any]:
    operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
    for status, response in operation["responses"].items():
        if status.startswith("2"):
            response["headers"] = REPLAYED
    operation["responses"]["422"]["description"] += " — or idempotency_key_reused: the key was used for another request"
    return operation


def _public(operation: dict[str, Any]) -> dict[str, Any]:
    operation["security"] = []
    operation["responses"]["500"] = INTERNAL
    return operation


def _request_body(schema_name: str) -> dict[str, Any]:
    return {"required": True, "content": {JSON: {"schema": _ref(schema_name)}}}


LOAN_QUOTE_PROPERTIES: dict[str, Any] = {
    "product": {"type": "string", "enum": LOAN_PRODUCTS},
    "amount": AMOUNT,
    "currency": CURRENCY,
    "term_months": {"type": "integer"},
    "apr": PERCENT,
    "monthly_payment": {
        **AMOUNT,
        "description": "annuity P·r/(1−(1+r)^−n), r = (1+APR)^(1/12)−1, rounded to the cent half up",
    },
    "total_repaid": {**AMOUNT, "description": "term_months × monthly_payment"},
    "total_interest": {**AMOUNT, "description": "total_repaid − amount"},
}

SCHEMAS: dict[str, Any] = {
    "Error": _object(
        {
            "error": _object(
                {
                    "code": {"type": "string", "example": "otp_invalid"},
                    "message": {"type": "string"},
                    "attempts_left": {"type": "integer", "description": "otp_invalid and otp_binding_mismatch only"},
                    "locked_until": {**TIMESTAMP, "description": "otp_locked only"},
                    "retry_at": {**TIMESTAMP, "description": "too_many_challenges only"},
                    "limit": {**AMOUNT, "description": "limit_exceeded and daily_limit_exceeded only"},
                    "remaining": {**AMOUNT, "description": "daily_limit_exceeded only: what can still be sent today"},
                    "field": {"type": "string", "description": "out_of_range only: amount or term_months"},
                    "min": {"description": "out_of_range only: the smallest allowed value (amount string or months)"},
                    "max": {"description": "out_of_range only: the largest allowed value (amount string or months)"},
                },
                required=["code", "message"],
            )
        }
    ),
    "Health": _object({"status": {"type": "string", "enum": ["ok"]}}),
    "ChannelUser": _object(
        {
            "channel": {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,31}$", "example": "messenger"},
            "channel_user_id": {"type": "string", "minLength": 1, "maxLength": 256, "description": "e.g. a Messenger PSID"},
        }
    ),
    "ChallengeRequest": {
        "description": "Exactly one way to name the customer.",
        "oneOf": [
            _object({"customer_number": {"type": "string", "pattern": "^[0-9]{1,20}$", "example": "100001"}}),
            _object(
                {
                    "phone": {
                        "type": "string",
                        "description": "Any common format; national numbers are read as French",
                        "example": "06 12 34 56 78",
                    }
                }
            ),
            _ref("ChannelUser"),
        ],
    },
    "Challenge": _object(
        {
            "challenge_id": {"type": "string"},
            "expires_at": TIMESTAMP,
            "sent_to": {"type": "string", "description": "masked phone number", "example": "+33 •••••••78"},
        }
    ),
    "VerifyRequest": _object(
        {
            "code": {"type": "string", "pattern": "^[0-9]{6}$", "example": "123456"},
            "link": {**_ref("ChannelUser"), "description": "on success, remember that this channel user is the customer"},
        },
        required=["code"],
    ),
    "Session": _object(
        {
            "access_token": {"type": "string"},
            "token_type": {"type": "string", "enum": ["Bearer"]},
            "expires_at": TIMESTAMP,
            "customer": _object(
                {"customer_number": {"type": "string", "example": "100001"}, "first_name": {"type": "string", "example": "Alex"}}
            ),
        }
    ),
    "Me": _object(
        {
            "customer_number": {"type": "string"},
            "first_name": {"type": "string"},
            "last_name": {"type": "string"},
            "phone_masked": {"type": "string", "example": "+33 •••••••78"},
            "locale": {"type": "string", "example": "en_IE"},
            "address_masked": {
                "type": "string",
                "description": "street number and name masked; kind of street, postcode and city shown",
                "example": "•• rue •••••••, 75011 Paris",
            },
        }
    ),
    "Account": _object(
        {
            "account_id": {"type": "string"},
            "type": {"type": "string", "enum": ["current", "savings"]},
            "name": {"type": "string"},
            "iban_masked": {"type": "string", "example": "FR76 •••• •••• 0123"},
            "currency": CURRENCY,
            "balance": AMOUNT,
        }
    ),
    "AccountList": _object({"accounts": {"type": "array", "items": _ref("Account")}}),
    "Transaction": _object(
        {
            "transaction_id": {"type": "string"},
            "booked_at": TIMESTAMP,
            "description": {"type": "string"},
            "amount": {**AMOUNT, "description": "signed: negative is money out", "example": "-42.10"},
            "currency": CURRENCY,
        }
    ),
    "TransactionPage": _object(
        {
            "transactions": {"type": "array", "items": _ref("Transaction"), "description": "newest first"},
            "next_before": {"type": "string", "nullable": True, "description": "pass as `before` for older ones; null at the end"},
        }
    ),
    "Card": _object(
        {
            "card_id": {"type": "string"},
            "kind": {"type": "string", "enum": ["debit", "credit"]},
            "brand": {"type": "string", "example": "Visa"},
            "last4": {"type": "string", "pattern": "^[0-9]{4}$"},
            "status": {"type": "string", "enum": ["active", "blocked"]},
            "account_id": {"type": "string"},
            "expiry": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$", "example": "2028-09"},
        }
    ),
    "CardList": _object({"cards": {"type": "array", "items": _ref("Card")}}),
    "BlockCardRequest": _object({"reason": {"type": "string", "enum": ["lost", "stolen", "damaged"]}}),
    "BlockedCard": _object(
        {
            "card_id": {"type": "string"},
            "kind": {"type": "string", "enum": ["debit", "credit"]},
            "brand": {"type": "string", "example": "Visa"},
            "last4": {"type": "string", "pattern": "^[0-9]{4}$"},
            "status": {"type": "string", "enum": ["blocked"]},
            "account_id": {"type": "string"},
            "expiry": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$", "example": "2028-09"},
            "blocked_at": TIMESTAMP,
            "block_reason": {"type": "string", "enum": ["lost", "stolen", "damaged"]},
        }
    ),
    "CardOrderRequest": _object(
        {
            "kind": {"type": "string", "enum": ["debit", "credit"]},
            "account_id": {"type": "string", "description": "the customer's current account"},
            "replaces_card_id": {
                "type": "string",
                "nullable": True,
                "description": "a blocked card of the customer, of the same kind (a debit card: of the same account), not replaced yet",
            },
        },
        required=["kind", "account_id"],
    ),
    "CardOrder": _object(
        {
            "reference": CARD_ORDER_REFERENCE,
            "kind": {"type": "string", "enum": ["debit", "credit"]},
            "account_id": {"type": "string"},
            "replaces_card_id": {"type": "string", "nullable": True},
            "status": {"type": "string", "enum": ["ordered"]},
            "delivery_address_masked": {"type": "string", "example": "•• rue •••••••, 75011 Paris"},
            "estimated_delivery": {**DATE, "description": "5 business days after the order (weekends skipped)"},
            "ordered_at": TIMESTAMP,
        }
    ),
    "CardOrderList": _object({"orders": {"type": "array", "items": _ref("CardOrder"), "description": "newest first"}}),
    "LoanProduct": _object(
        {
            "product": {"type": "string", "enum": LOAN_PRODUCTS},
            "name": {"type": "string", "example": "Personal loan"},
            "apr": PERCENT,
            "min_amount": AMOUNT,
            "max_amount": AMOUNT,
            "min_term_months": {"type": "integer", "example": 12},
            "max_term_months": {"type": "integer", "example": 84},
            "currency": CURRENCY,
        }
    ),
    "LoanProductList": _object({"products": {"type": "array", "items": _ref("LoanProduct")}}),
    "LoanRequest": _object(
        {
            "product": {"type": "string", "enum": LOAN_PRODUCTS},
            "amount": {**POSITIVE_AMOUNT, "example": "10000.00"},
            "term_months": {"type": "integer", "example": 36},
        }
    ),
    "LoanQuote": _object(LOAN_QUOTE_PROPERTIES),
    "LoanApplication": _object(
        {
            "reference": LOAN_APPLICATION_REFERENCE,
            "status": {"type": "string", "enum": ["received", "under_review", "approved", "declined"]},
            "submitted_at": TIMESTAMP,
            **LOAN_QUOTE_PROPERTIES,
        }
    ),
    "LoanApplicationList": _object(
        {"applications": {"type": "array", "items": _ref("LoanApplication"), "description": "newest first"}}
    ),
    "Payee": _object(
        {
            "payee_id": {"type": "string"},
            "name": {"type": "string", "example": "Tom Bernard"},
            "iban_masked": {"type": "string", "example": "FR76 •••• •••• 0123"},
            "customer": {"type": "boolean", "description": "the payee banks here: the money arrives at once"},
        }
    ),
    "PayeeList": _object({"payees": {"type": "array", "items": _ref("Payee")}}),
    "TransferRequest": {
        "description": "Exactly one of payee_id (a saved payee) or payee_phone (another customer, any common format).",
        **_object(
            {
                "from_account_id": {"type": "string"},
                "amount": POSITIVE_AMOUNT,
                "currency": {**CURRENCY, "enum": ["EUR"]},
                "payee_id": {"type": "string"},
                "payee_phone": {"type": "string", "example": "06 11 22 33 44"},
            },
            required=["from_account_id", "amount", "currency"],
        ),
    },
    "PreparedTransfer": _object(
        {
            "challenge_id": {"type": "string"},
            "expires_at": TIMESTAMP,
            "sent_to": {"type": "string", "example": "+33 •••••••78"},
            "transfer": _object(
                {
                    "from_account_id": {"type": "string"},
                    "payee_name": {"type": "string", "example": "Tom Bernard"},
                    "amount": AMOUNT,
                    "currency": CURRENCY,
                }
            ),
        }
    ),
    "ExecuteTransferRequest": {
        "description": "The prepared transaction's fields, unchanged, with the challenge and the code from the SMS.",
        **_object(
            {
                "from_account_id": {"type": "string"},
                "amount": POSITIVE_AMOUNT,
                "currency": {**CURRENCY, "enum": ["EUR"]},
                "payee_id": {"type": "string"},
                "payee_phone": {"type": "string"},
                "challenge_id": {"type": "string"},
                "code": {"type": "string", "pattern": "^[0-9]{6}$"},
            },
            required=["from_account_id", "amount", "currency", "challenge_id", "code"],
        ),
    },
    "TransferReceipt": _object(
        {
            "reference": TRANSFER_REFERENCE,
            "status": {"type": "string", "enum": ["executed"]},
            "amount": AMOUNT,
            "currency": CURRENCY,
            "payee_name": {"type": "string"},
            "from_account_id": {"type": "string"},
            "executed_at": TIMESTAMP,
            "balance_after": {**AMOUNT, "description": "the sending account's balance after the transfer"},
        }
    ),
    "SmsMessage": _object({"to": {"type": "string", "example": "+33612345678"}, "text": {"type": "string"}, "sent_at": TIMESTAMP}),
    "SmsOutbox": _object({"messages": {"type": "array", "items": _ref("SmsMessage"), "description": "newest first"}}),
}


def _paths(dev_mode: bool) -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/health": {
            "get": {
                "summary": "Liveness",
                "operationId": "health",
                "responses": {"200": _json_body("Health", "The service is up")},
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "operationId": "openapi",
                "responses": {"200": {"description": "OpenAPI 3.0 document", "content": {JSON: {"schema": {"type": "object"}}}}},
            }
        },
        "/v1/otp/challenges": {
            "post": {
                "summary": "Send a one-time code by SMS to a customer",
                "operationId": "startOtpChallenge",
                "requestBody": {"required": True, "content": {JSON: {"schema": _ref("ChallengeRequest")}}},
                "responses": {
                    "201": _json_body("Challenge", "Code sent"),
                    "400": _error("Malformed body, not exactly one identifier, or an invalid phone number", "invalid_request"),
                    "404": _error("No such customer, or the channel user is not linked", "customer_not_found", "not_linked"),
                    "423": _error("Too many wrong codes: locked until `locked_until`", "otp_locked"),
                    "429": _error("Too many codes asked for in the window; retry at `retry_at`", "too_many_challenges"),
                    "500": INTERNAL,
                },
            }
        },
        "/v1/otp/challenges/{challenge_id}/verify": {
            "post": {
                "summary": "Check a code; get an access token (and optionally link a channel user)",
                "operationId": "verifyOtpChallenge",
                "parameters": [{"name": "challenge_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "requestBody": {"required": True, "content": {JSON: {"schema": _ref("VerifyRequest")}}},
                "responses": {
                    "200": _json_body("Session", "Code right: a bearer token"),
                    "400": _error("Malformed body or a code that is not exactly 6 digits (not counted as a failure)", "invalid_request"),
                    "401": _error("Wrong code; `attempts_left` before OTP locks", "otp_invalid"),
                    "404": _error("No such challenge", "challenge_not_found"),
                    "409": _error("The code was already used", "otp_used"),
                    "410": _error("The code has expired", "otp_expired"),
                    "423": _error(
                        "Locked after too many wrong codes (also the answer to the wrong code that locks); until `locked_until`",
                        "otp_locked",
                    ),
                    "500": INTERNAL,
                },
            }
        },
        "/v1/me": {
            "get": _protected(
                {
                    "summary": "The signed-in customer",
                    "operationId": "getMe",
                    "responses": {"200": _json_body("Me", "The customer")},
                }
            )
        },
        "/v1/accounts": {
            "get": _protected(
                {
                    "summary": "The customer's accounts and balances",
                    "operationId": "listAccounts",
                    "responses": {"200": _json_body("AccountList", "Accounts")},
                }
            )
        },
        "/v1/accounts/{account_id}/transactions": {
            "get": _protected(
                {
                    "summary": "An account's transactions, newest first",
                    "operationId": "listTransactions",
                    "parameters": [
                        {"name": "account_id", "in": "path", "required": True, "schema": {"type": "string"}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}},
                        {
                            "name": "before",
                            "in": "query",
                            "description": "a transaction_id (the previous page's next_before): only older ones",
                            "schema": {"type": "string"},
                        },
                        {"name": "since", "in": "query", "description": "booked on or after this UTC date", "schema": DATE},
                        {"name": "until", "in": "query", "description": "booked on or before this UTC date", "schema": DATE},
                    ],
                    "responses": {
                        "200": _json_body("TransactionPage", "One page of transactions"),
                        "400": _error(
                            "Bad limit, `before` not a transaction of this account, a date not YYYY-MM-DD, or since after until",
                            "invalid_request",
                        ),
                        "404": _error("No such account for this customer", "account_not_found"),
                    },
                }
            )
        },
        "/v1/cards": {
            "get": _protected(
                {
                    "summary": "The customer's cards (last four digits only)",
                    "operationId": "listCards",
                    "responses": {"200": _json_body("CardList", "Cards")},
                }
            )
        },
        "/v1/cards/{card_id}/block": {
            "post": _protected(
                {
                    "summary": "Block a card at once (blocking a blocked card gives it back unchanged)",
                    "operationId": "blockCard",
                    "parameters": [{"name": "card_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "requestBody": _request_body("BlockCardRequest"),
                    "responses": {
                        "200": _json_body("BlockedCard", "The card, blocked"),
                        "400": _error("Malformed body or unknown reason", "invalid_request"),
                        "404": _error("No such card for this customer", "card_not_found"),
                    },
                }
            )
        },
        "/v1/card-orders": {
            "post": _idempotent(
                _protected(
                    {
                        "summary": "Order a new card, delivered to the customer's address",
                        "operationId": "orderCard",
                        "requestBody": _request_body("CardOrderRequest"),
                        "responses": {
                            "201": _json_body("CardOrder", "Card ordered"),
                            "400": _error("Malformed body, unknown kind, or a missing or bad Idempotency-Key", "invalid_request"),
                            "404": _error(
                                "No such account, or replaces_card_id is no card of this customer",
                                "account_not_found",
                                "card_not_found",
                            ),
                            "422": _error(
                                "Savings account; a credit card already active or on order; a debit card already active "
                                "or on order for this account; a replacement that is not a blocked card of the same kind "
                                "(and account) or already replaced",
                                "account_not_eligible",
                                "credit_card_limit",
                                "card_already_active",
                                "replacement_not_allowed",
                            ),
                        },
                    }
                )
            ),
            "get": _protected(
                {
                    "summary": "The customer's card orders, newest first",
                    "operationId": "listCardOrders",
                    "responses": {"200": _json_body("CardOrderList", "Card orders")},
                }
            ),
        },
        "/v1/loan-products": {
            "get": _public(
                {
                    "summary": "The loans on offer, with their rates and limits (no sign-in needed)",
                    "operationId": "listLoanProducts",
                    "responses": {"200": _json_body("LoanProductList", "Loan products")},
                }
            )
        },
        "/v1/loan-quotes": {
            "post": _public(
                {
                    "summary": "What a loan would cost each month (no sign-in needed)",
                    "operationId": "quoteLoan",
                    "requestBody": _request_body("LoanRequest"),
                    "responses": {
                        "200": _json_body("LoanQuote", "The quote"),
                        "400": _error("Malformed body, unknown product, amount not a string with ≤ 2 decimals", "invalid_request"),
                        "422": _error("Amount or term outside the product's range (given in the message and in min/max)", "out_of_range"),
                    },
                }
            )
        },
        "/v1/loan-applications": {
            "post": _idempotent(
                _protected(
                    {
                        "summary": "Apply for a loan on today's quote",
                        "operationId": "applyForLoan",
                        "requestBody": _request_body("LoanRequest"),
                        "responses": {
                            "201": _json_body("LoanApplication", "Application received"),
                            "400": _error("Malformed body, or a missing or bad Idempotency-Key", "invalid_request"),
                            "422": _error("Amount or term outside the product's range", "out_of_range"),
                        },
                    }
                )
            ),
            "get": _protected(
                {
                    "summary": "The customer's loan applications, newest first",
                    "operationId": "listLoanApplications",
                    "responses": {"200": _json_body("LoanApplicationList", "Applications")},
                }
            ),
        },
        "/v1/payees": {
            "get": _protected(
                {
                    "summary": "The customer's saved payees",
                    "operationId": "listPayees",
                    "responses": {"200": _json_body("PayeeList", "Payees")},
                }
            )
        },
        "/v1/transfers/prepare": {
            "post": _protected(
                {
                    "summary": "Check a transfer and send a code by SMS that approves exactly it (amount and payee in the SMS)",
                    "operationId": "prepareTransfer",
                    "requestBody": _request_body("TransferRequest"),
                    "responses": {
                        "201": _json_body("PreparedTransfer", "Checked; code sent"),
                        "400": _error(
                            "Malformed body, not exactly one of payee_id/payee_phone, bad amount or phone", "invalid_request"
                        ),
                        "404": _error("No such account or payee for this customer", "account_not_found", "payee_not_found"),
                        "422": _error(
                            "Payee is the customer; currency other than EUR; above the per-transfer limit (`limit`); "
                            "above what is left of the daily limit (`limit`, `remaining`); balance too low",
                            "same_account",
                            "currency_not_supported",
                            "limit_exceeded",
                            "daily_limit_exceeded",
                            "insufficient_funds",
                        ),
                        "423": _error("Too many wrong codes: locked until `locked_until`", "otp_locked"),
                        "429": _error("Too many codes asked for in the window; retry at `retry_at`", "too_many_challenges"),
                    },
                }
            )
        },
        "/v1/transfers": {
            "post": _idempotent(
                _protected(
                    {
                        "summary": "Execute a prepared transfer with the code it was sent with",
                        "description": (
                            "The code must be right and the transaction exactly the prepared one: any change of amount, "
                            "payee, account or currency burns the code and counts as an OTP failure (otp_binding_mismatch). "
                            "Limits and funds are checked again; then both sides are booked at once."
                        ),
                        "operationId": "executeTransfer",
                        "requestBody": _request_body("ExecuteTransferRequest"),
                        "responses": {
                            "201": _json_body("TransferReceipt", "Transfer executed"),
                            "400": _error(
                                "Malformed body, a code that is not 6 digits (not counted), or a missing or bad Idempotency-Key",
                                "invalid_request",
                            ),
                            **OTP_APPROVAL_ERRORS,
                            "404": _error(
                                "No such challenge for this customer, account or payee",
                                "challenge_not_found",
                                "account_not_found",
                                "payee_not_found",
                            ),
                            "422": _error(
                                "The code was sent for another transaction (`attempts_left`); or, checked again at "
                                "execution: same_account, currency_not_supported, limit_exceeded, daily_limit_exceeded, "
                                "insufficient_funds (the code then stays usable)",
                                "otp_binding_mismatch",
                                "same_account",
                                "currency_not_supported",
                                "limit_exceeded",
                                "daily_limit_exceeded",
                                "insufficient_funds",
                            ),
                        },
                    }
                )
            )
        },
        "/v1/session": {
            "delete": _protected(
                {
                    "summary": "Sign out: revoke the bearer token",
                    "operationId": "endSession",
                    "responses": {"204": {"description": "Token revoked"}},
                }
            )
        },
    }
    if dev_mode:
        paths["/dev/sms-outbox"] = {
            "get": {
                "summary": "Development only: the texts the SMS gateway stand-in has sent",
                "operationId": "listSmsOutbox",
                "parameters": [
                    {"name": "to", "in": "query", "description": "only messages to this phone number", "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": _json_body("SmsOutbox", "Messages, newest first"),
                    "400": _error("`to` is not a valid phone number", "invalid_request"),
                },
            }
        }
    return paths


def openapi_document(dev_mode: bool) -> dict[str, Any]:
    """The OpenAPI 3.0 document for an app built with this `dev_mode`."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Facebook branch — core bank (mock)",
            "version": "1.0.0",
            "description": (
                "The mock core-banking service: customers, accounts, cards and card orders, loans, payees and "
                "transfers approved by a code bound to the transaction (PSD2 dynamic linking), and sign-in by "
                "one-time SMS code. "
                "Errors are always {\"error\": {\"code\", \"message\"}}; amounts are decimal strings with a currency; "
                "times are ISO 8601 with an offset (UTC)."
            ),
        },
        "servers": [{"url": "http://127.0.0.1:8000"}],
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
        "paths": _paths(dev_mode),
    }


def documented_operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    """(path, METHOD) pairs an OpenAPI document describes."""
    return {
        (path, method.upper())
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "put", "post", "delete", "patch", "head", "options"}
    }


def app_operations(app: Sanic) -> set[tuple[str, str]]:
    """(path, METHOD) pairs registered on `app`, with paths in OpenAPI form ({name})."""
    return {
        (_SANIC_PARAMETER.sub(r"{\1}", route.uri), method)
        for route in app.router.routes
        for method in route.methods
    }
