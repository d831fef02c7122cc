"""The core bank over HTTP, served in this process on a free port: a fresh bank (own SQLite file) per test
that changes state, and a clock the tests move instead of sleeping."""
from __future__ import annotations

import json
import re
import threading
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Iterator, Optional

import pytest
import requests

from bot.core_bank import otp as otp_module
from bot.core_bank.app import registered_operations
from bot.core_bank.contract.document import documented_operations
from bot.core_bank.seed import (
    DEMO_ACCOUNT_IDS,
    DEMO_ADDRESS_MASKED,
    DEMO_BALANCES,
    DEMO_CARD_LAST4,
    DEMO_CUSTOMER_NUMBER,
    DEMO_PHONE,
)
from bot.settings import PROJECT_ROOT, Settings
from tests.integration.core_bank_fixtures import SERVICE_HEADERS, CoreBankTestClient, running_core_bank

CAMILLE_NUMBER = "100002"
CAMILLE_PHONE = "+33698765432"
PSID = "psid-31415926535"


@pytest.fixture
def bank(tmp_path: Path) -> Iterator[CoreBankTestClient]:
    """A fresh core bank for a test that changes state (OTP failures, locks, links, sessions)."""
    with running_core_bank(tmp_path) as running:
        yield running


@pytest.fixture(scope="module")
def reading_bank(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CoreBankTestClient]:
    """One core bank shared by tests that only read: each signs in on its own and changes nothing
    another test looks at (no wrong codes, no links; the challenge limit is raised so sign-ins never hit it)."""
    with running_core_bank(tmp_path_factory.mktemp("reading_bank"), OTP_CHALLENGES_PER_WINDOW="1000") as running:
        yield running


def as_channel_user(psid: str) -> dict[str, str]:
    """The headers of the action server asking for this Messenger user."""
    return {**SERVICE_HEADERS, "X-Channel-User": f"messenger:{psid}"}


def wrong(code: str, by: int = 1) -> str:
    return f"{(int(code) + by) % 10**6:06d}"


def parse_time(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    assert moment.utcoffset() is not None, f"{value} has no offset"
    return moment


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error


# --- OTP ---------------------------------------------------------------------------


def test_sign_in_by_customer_number(bank: CoreBankTestClient):
    started = bank.start_challenge(customer_number=DEMO_CUSTOMER_NUMBER)
    assert started.status_code == 201, started.text
    body = started.json()
    assert body["sent_to"] == "+33 •••••••78"
    assert parse_time(body["expires_at"]) - bank.clock() > timedelta(seconds=290)

    outbox = bank.get("/dev/sms-outbox", params={"to": DEMO_PHONE}).json()["messages"]
    assert len(outbox) == 1 and outbox[0]["to"] == DEMO_PHONE
    assert re.search(r"code is [0-9]{6}\. It expires in 5 minutes\.", outbox[0]["text"])

    verified = bank.verify(body["challenge_id"], bank.last_code())
    assert verified.status_code == 200, verified.text
    session = verified.json()
    assert session["token_type"] == "Bearer"
    assert session["customer"] == {"customer_number": DEMO_CUSTOMER_NUMBER, "first_name": "Alex"}
    assert parse_time(session["expires_at"]) > bank.clock()
    assert bank.get("/v1/me", token=session["access_token"]).status_code == 200


def test_sign_in_by_phone_in_national_format(bank: CoreBankTestClient):
    started = bank.start_challenge(phone="06 12 34 56 78")

    assert started.status_code == 201, started.text
    assert started.json()["sent_to"] == "+33 •••••••78"
    assert bank.verify(started.json()["challenge_id"], bank.last_code(DEMO_PHONE)).status_code == 200


def test_wrong_codes_count_down_then_lock_even_the_right_code(bank: CoreBankTestClient):
    challenge_id = bank.start_challenge().json()["challenge_id"]
    code = bank.last_code()

    for attempts_left in (4, 3, 2, 1):
        error = assert_error(bank.verify(challenge_id, wrong(code)), 401, "otp_invalid")
        assert error["attempts_left"] == attempts_left

    locking = assert_error(bank.verify(challenge_id, wrong(code)), 423, "otp_locked")
    locked_until = parse_time(locking["locked_until"])
    assert timedelta(minutes=29) < locked_until - bank.clock() <= timedelta(minutes=30)
    assert_error(bank.verify(challenge_id, code), 423, "otp_locked")
    assert parse_time(assert_error(bank.start_challenge(), 423, "otp_locked")["locked_until"]) == locked_until


def test_codes_sent_at_once_are_judged_at_most_five_at_a_time(bank: CoreBankTestClient, monkeypatch: pytest.MonkeyPatch):
    """The attack: the right code among wrong ones, all sent at once, in bursts. Never more than five are judged
    before the lock, and once five were wrong the right one is refused."""
    for _ in range(5):
        challenge_id = bank.start_challenge().json()["challenge_id"]
        code = bank.last_code()
        judged = judged_codes(monkeypatch)
        guesses = [wrong(code, n) for n in range(1, 13)] + [code]

        answers = at_once(bank, [(f"/v1/otp/challenges/{challenge_id}/verify", {"code": guess}) for guess in guesses])

        statuses = [answer.status_code for answer in answers]
        assert len(judged) <= 5, statuses
        if statuses[-1] == 200:
            assert statuses.count(401) < 5 and 423 not in statuses, statuses
        else:
            assert statuses[-1] == 423, statuses
            assert_error(bank.verify(challenge_id, code), 423, "otp_locked")
        bank.clock.advance(minutes=30)


def judged_codes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every code the bank checks from now on (the bank runs in this process)."""
    judged: list[str] = []
    real = otp_module.code_hash

    def counting(secret: str, challenge_id: str, code: str) -> str:
        judged.append(code)
        return real(secret, challenge_id, code)

    monkeypatch.setattr(otp_module, "code_hash", counting)
    return judged


def at_once(bank: CoreBankTestClient, posts: list[tuple[str, dict]], headers: Optional[dict] = None) -> list:
    """The POSTs sent together, one connection each; every answer checked against the contract."""
    start = threading.Barrier(len(posts))
    answers: list = [None] * len(posts)

    def send(index: int) -> None:
        path, body = posts[index]
        start.wait()
        answers[index] = requests.post(bank.base_url + path, json=body, headers=headers, timeout=30)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(posts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for answer in answers:
        bank.contract.check(answer)
    return answers


def test_a_strangers_wrong_codes_lock_the_stranger_not_the_customer(bank: CoreBankTestClient):
    """Someone who knows Alex's customer number: from a Messenger account of their own (through the bot), then
    straight from their own machine. Each is locked in turn; Alex, from his Messenger account, signs in as usual,
    and his phone gets one text saying that someone tried a code (no code in it)."""
    for stranger in (as_channel_user("psid-stranger"), None):
        challenge_id = bank.start_challenge(headers=stranger).json()["challenge_id"]
        for attempts_left in (4, 3, 2, 1):
            error = assert_error(bank.verify(challenge_id, "000000", headers=stranger), 401, "otp_invalid")
            assert error["attempts_left"] == attempts_left
        assert_error(bank.verify(challenge_id, "000000", headers=stranger), 423, "otp_locked")
        assert_error(bank.start_challenge(headers=stranger), 423, "otp_locked")
        assert_error(bank.start_challenge(headers=stranger, customer_number=CAMILLE_NUMBER), 423, "otp_locked")

    texts = [m["text"] for m in bank.get("/dev/sms-outbox", params={"to": DEMO_PHONE}).json()["messages"]]
    alerts = [text for text in texts if text.startswith("Someone tried to use a code for your Facebook branch account")]
    assert len(alerts) == 1 and not re.search(r"[0-9]{6}", alerts[0])

    alex = as_channel_user("psid-alex")
    started = bank.start_challenge(headers=alex)
    assert started.status_code == 201, started.text
    verified = bank.verify(started.json()["challenge_id"], bank.last_code(), headers=alex)
    assert verified.status_code == 200, verified.text


def test_only_the_channel_names_the_requester(bank: CoreBankTestClient):
    challenge_id = bank.start_challenge().json()["challenge_id"]
    requester = {"X-Channel-User": "messenger:psid-someone"}

    assert_error(bank.start_challenge(headers=requester), 403, "service_token_required")
    assert_error(bank.verify(challenge_id, "000000", headers=requester), 403, "service_token_required")
    for malformed in ("messenger", "messenger:", "Messenger:psid", "messenger:" + "1" * 300):
        headers = {**SERVICE_HEADERS, "X-Channel-User": malformed}
        assert_error(bank.start_challenge(headers=headers), 400, "invalid_request")
    assert bank.verify(challenge_id, bank.last_code()).status_code == 200  # nothing was counted


def test_a_new_code_does_not_reset_the_failures(bank: CoreBankTestClient):
    first = bank.start_challenge().json()["challenge_id"]
    first_code = bank.last_code()
    for _ in range(3):
        bank.verify(first, wrong(first_code))

    second = bank.start_challenge().json()["challenge_id"]
    second_code = bank.last_code()

    assert assert_error(bank.verify(second, wrong(second_code)), 401, "otp_invalid")["attempts_left"] == 1


def test_a_malformed_code_is_400_and_not_counted(bank: CoreBankTestClient):
    challenge_id = bank.start_challenge().json()["challenge_id"]
    code = bank.last_code()

    for malformed in ("12345", "1234567", "12a456", 123456, None):
        assert_error(bank.verify(challenge_id, malformed), 400, "invalid_request")

    assert assert_error(bank.verify(challenge_id, wrong(code)), 401, "otp_invalid")["attempts_left"] == 4


def test_the_lock_runs_out(tmp_path: Path):
    with running_core_bank(tmp_path, OTP_MAX_FAILURES="2", OTP_TTL_SECONDS="3600") as bank:
        challenge_id = bank.start_challenge().json()["challenge_id"]
        code = bank.last_code()
        bank.verify(challenge_id, wrong(code))
        locking = assert_error(bank.verify(challenge_id, wrong(code)), 423, "otp_locked")
        assert_error(bank.verify(challenge_id, code), 423, "otp_locked")
        locked_until = parse_time(locking["locked_until"])
        assert locked_until == bank.clock() + timedelta(minutes=30)

        bank.clock.move_to(locked_until - timedelta(seconds=1))
        assert_error(bank.verify(challenge_id, code), 423, "otp_locked")

        _move_past(bank, locked_until)

        assert bank.verify(challenge_id, code).status_code == 200


def test_a_code_expires(tmp_path: Path):
    with running_core_bank(tmp_path, OTP_TTL_SECONDS="1") as bank:
        started = bank.start_challenge().json()
        code = bank.last_code()
        assert "expires in 1 second" in bank.get("/dev/sms-outbox").json()["messages"][0]["text"]

        _move_past(bank, parse_time(started["expires_at"]))

        assert_error(bank.verify(started["challenge_id"], code), 410, "otp_expired")


def test_a_code_works_once(bank: CoreBankTestClient):
    challenge_id = bank.start_challenge().json()["challenge_id"]
    code = bank.last_code()
    assert bank.verify(challenge_id, code).status_code == 200

    assert_error(bank.verify(challenge_id, code), 409, "otp_used")


def test_too_many_challenges(tmp_path: Path):
    with running_core_bank(tmp_path, OTP_CHALLENGES_PER_WINDOW="2") as bank:
        assert bank.start_challenge().status_code == 201
        assert bank.start_challenge().status_code == 201

        error = assert_error(bank.start_challenge(), 429, "too_many_challenges")

        assert parse_time(error["retry_at"]) > bank.clock()
        assert len(bank.get("/dev/sms-outbox").json()["messages"]) == 2
        # The window is this client's (its address), whoever it asks for; another requester has its own.
        assert_error(bank.start_challenge(customer_number=CAMILLE_NUMBER), 429, "too_many_challenges")
        assert bank.start_challenge(headers=as_channel_user("psid-camille"), customer_number=CAMILLE_NUMBER).status_code == 201


def test_unknown_channel_users_and_challenges(reading_bank: CoreBankTestClient):
    assert_error(reading_bank.start_challenge(phone="12"), 400, "invalid_request")
    unlinked = {"channel": "messenger", "channel_user_id": PSID}
    assert_error(reading_bank.start_challenge(headers=SERVICE_HEADERS, **unlinked), 404, "not_linked")
    assert_error(reading_bank.verify("no-such-challenge", "123456"), 404, "challenge_not_found")


def test_asking_for_a_code_never_tells_whether_a_customer_number_or_phone_exists(bank: CoreBankTestClient):
    """Enumeration: the same status and shape for a customer number nobody has as for a real one; its code is as
    wrong as a wrong code; no SMS leaves the bank."""
    sms_before = len(bank.get("/dev/sms-outbox").json()["messages"])
    answers = {}
    for n, identifier in enumerate(({"customer_number": DEMO_CUSTOMER_NUMBER}, {"customer_number": "999999"},
                                    {"phone": "+33699999999"})):
        requester = as_channel_user(f"psid-probe-{n}")
        started = bank.start_challenge(headers=requester, **identifier)
        assert started.status_code == 201, started.text
        body = started.json()
        assert set(body) == {"challenge_id", "expires_at", "sent_to"}
        assert re.fullmatch(r"\+33 •{7}[0-9]{2}", body["sent_to"]) and len(body["challenge_id"]) == 24
        wrong_code = bank.verify(body["challenge_id"], "000000", headers=requester)
        answers[next(iter(identifier.values()))] = (body["sent_to"], wrong_code.status_code, wrong_code.json())

    assert answers["+33699999999"][0] == "+33 •••••••99"
    assert bank.start_challenge(customer_number="999999").json()["sent_to"] == answers["999999"][0]  # the same each time
    assert {(status, json.dumps(error)) for _, status, error in answers.values()} == {
        (401, json.dumps({"error": {"code": "otp_invalid", "message": "That code is not right. 4 attempt(s) left before OTP is locked.", "attempts_left": 4}}))
    }
    assert len(bank.get("/dev/sms-outbox").json()["messages"]) == sms_before + 1  # Alex's code only


def test_link_a_messenger_user_then_ask_for_a_code_by_psid(bank: CoreBankTestClient):
    link = {"channel": "messenger", "channel_user_id": PSID}
    challenge_id = bank.start_challenge(customer_number=CAMILLE_NUMBER).json()["challenge_id"]
    assert bank.verify(challenge_id, bank.last_code(CAMILLE_PHONE), headers=SERVICE_HEADERS, link=link).status_code == 200

    started = bank.start_challenge(headers=SERVICE_HEADERS, **link)

    assert started.status_code == 201, started.text
    assert started.json()["sent_to"] == "+33 •••••••32"
    verified = bank.verify(started.json()["challenge_id"], bank.last_code(CAMILLE_PHONE))
    assert verified.json()["customer"]["customer_number"] == CAMILLE_NUMBER


def test_only_the_channel_links_a_channel_user_or_asks_a_code_for_one(bank: CoreBankTestClient):
    """A link (and so later codes asked for by PSID) needs the action server's service token: from anyone else it is
    refused before the code is looked at, and nothing is linked."""
    link = {"channel": "messenger", "channel_user_id": PSID}
    challenge_id = bank.start_challenge().json()["challenge_id"]
    code = bank.last_code()

    for headers in (None, {"X-Service-Token": "demo-core-banking-service-token"}, {"X-Service-Token": ""}):
        assert_error(bank.verify(challenge_id, code, headers=headers, link=link), 403, "service_token_required")
        assert_error(bank.start_challenge(headers=headers, **link), 403, "service_token_required")
    assert_error(bank.start_challenge(headers=SERVICE_HEADERS, **link), 404, "not_linked")  # nothing was linked

    verified = bank.verify(challenge_id, code, headers=SERVICE_HEADERS, link=link)  # the code was not used up
    assert verified.status_code == 200, verified.text
    assert bank.start_challenge(headers=SERVICE_HEADERS, **link).status_code == 201
    assert bank.verify(bank.start_challenge().json()["challenge_id"], bank.last_code()).status_code == 200  # no link: no token needed


def test_logs_hold_no_code_token_psid_or_phone(bank: CoreBankTestClient):
    challenge_id = bank.start_challenge().json()["challenge_id"]
    code = bank.last_code()
    bank.verify(challenge_id, wrong(code))
    link = {"channel": "messenger", "channel_user_id": PSID}
    token = bank.verify(challenge_id, code, headers=SERVICE_HEADERS, link=link).json()["access_token"]
    bank.get("/v1/me", token=token)

    log = bank.log_text()
    assert "OTP verified" in log  # the log is really being written
    for secret in (code, token, PSID, DEMO_PHONE, "612345678"):
        assert secret not in log


# --- bearer tokens -----------------------------------------------------------------

CUSTOMER_ENDPOINTS = [
    ("GET", "/v1/me"),
    ("GET", "/v1/accounts"),
    ("GET", f"/v1/accounts/{DEMO_ACCOUNT_IDS['current']}/transactions"),
    ("GET", "/v1/cards"),
    ("DELETE", "/v1/session"),
]


def assert_unauthorized(response) -> None:
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_every_customer_endpoint_needs_a_valid_token(reading_bank: CoreBankTestClient):
    for method, path in CUSTOMER_ENDPOINTS:
        assert_unauthorized(reading_bank.request(method, path))
        assert_unauthorized(reading_bank.request(method, path, token="not-a-real-token"))
        assert_unauthorized(reading_bank.request(method, path, headers={"Authorization": "Basic YWxleDpzZWNyZXQ="}))
        assert_unauthorized(reading_bank.request(method, path, headers={"Authorization": "Bearer"}))


def test_a_signed_out_token_is_refused_everywhere(bank: CoreBankTestClient):
    token = bank.sign_in()
    assert bank.get("/v1/cards", token=token).status_code == 200

    signed_out = bank.request("DELETE", "/v1/session", token=token)

    assert signed_out.status_code == 204 and signed_out.content == b""
    for method, path in CUSTOMER_ENDPOINTS:
        assert_unauthorized(bank.request(method, path, token=token))


def test_an_expired_token_is_refused_everywhere(bank: CoreBankTestClient):
    started = bank.start_challenge().json()
    verified = bank.verify(started["challenge_id"], bank.last_code()).json()
    token = verified["access_token"]
    expires_at = parse_time(verified["expires_at"])
    assert expires_at == bank.clock() + timedelta(minutes=15)
    bank.clock.move_to(expires_at - timedelta(seconds=1))
    assert bank.get("/v1/me", token=token).status_code == 200

    _move_past(bank, expires_at)

    for method, path in CUSTOMER_ENDPOINTS:
        assert_unauthorized(bank.request(method, path, token=token))


# --- customer data -----------------------------------------------------------------


def test_me(reading_bank: CoreBankTestClient):
    me = reading_bank.get("/v1/me", token=reading_bank.sign_in()).json()

    assert me == {
        "customer_number": DEMO_CUSTOMER_NUMBER,
        "first_name": "Alex",
        "last_name": "Martin",
        "phone_masked": "+33 •••••••78",
        "locale": "en_IE",
        "address_masked": DEMO_ADDRESS_MASKED,
    }
    assert DEMO_ADDRESS_MASKED == "•• rue •••••••, 75011 Paris"


def test_accounts_show_the_seeded_balances(reading_bank: CoreBankTestClient):
    response = reading_bank.get("/v1/accounts", token=reading_bank.sign_in())

    assert response.status_code == 200
    accounts = response.json()["accounts"]
    assert {a["type"]: Decimal(a["balance"]) for a in accounts} == DEMO_BALANCES
    assert {a["type"]: a["account_id"] for a in accounts} == DEMO_ACCOUNT_IDS
    for account in accounts:
        assert account["currency"] == "EUR"
        assert re.fullmatch(r"-?[0-9]+\.[0-9]{2}", account["balance"])
        assert re.fullmatch(r"FR[0-9]{2} •••• •••• [0-9]{4}", account["iban_masked"])
    assert "2450.31" in response.text and "12000.00" in response.text


def test_each_customer_sees_only_their_own_accounts(reading_bank: CoreBankTestClient):
    token = reading_bank.sign_in(CAMILLE_NUMBER, CAMILLE_PHONE)

    accounts = reading_bank.get("/v1/accounts", token=token).json()["accounts"]

    assert [a["type"] for a in accounts] == ["current"]
    assert accounts[0]["account_id"] not in DEMO_ACCOUNT_IDS.values()
    for account_id in DEMO_ACCOUNT_IDS.values():
        assert_error(reading_bank.get(f"/v1/accounts/{account_id}/transactions", token=token), 404, "account_not_found")
    assert_error(reading_bank.get("/v1/accounts/acc_nope/transactions", token=token), 404, "account_not_found")


def test_transactions_newest_first_and_paged(reading_bank: CoreBankTestClient):
    token = reading_bank.sign_in()
    path = f"/v1/accounts/{DEMO_ACCOUNT_IDS['current']}/transactions"

    first = reading_bank.get(path, token=token).json()
    assert len(first["transactions"]) == 10
    assert first["next_before"] == first["transactions"][-1]["transaction_id"]

    seen, before = [], None
    while True:
        params = {"limit": 25, **({"before": before} if before else {})}
        page = reading_bank.get(path, token=token, params=params).json()
        seen.extend(page["transactions"])
        before = page["next_before"]
        if before is None:
            break
    assert seen[:10] == first["transactions"]
    assert len(seen) > 60
    assert len({t["transaction_id"] for t in seen}) == len(seen)
    times = [parse_time(t["booked_at"]) for t in seen]
    assert times == sorted(times, reverse=True)
    now = reading_bank.clock()
    assert timedelta(0) < now - times[0] < timedelta(days=2)
    assert timedelta(days=80) < now - times[-1] < timedelta(days=95)
    for transaction in seen:
        assert re.fullmatch(r"-?[0-9]+\.[0-9]{2}", transaction["amount"])
        assert transaction["currency"] == "EUR" and transaction["description"]
    descriptions = " ".join(t["description"] for t in seen)
    for kind in ("Salary", "Rent", "Transfer", "Card payment"):
        assert kind in descriptions


def test_transactions_refuse_bad_paging(reading_bank: CoreBankTestClient):
    token = reading_bank.sign_in()
    path = f"/v1/accounts/{DEMO_ACCOUNT_IDS['current']}/transactions"
    savings_first = reading_bank.get(f"/v1/accounts/{DEMO_ACCOUNT_IDS['savings']}/transactions", token=token).json()

    for params in ({"limit": 0}, {"limit": 101}, {"limit": "ten"}, {"before": "txn_nope"},
                   {"before": savings_first["transactions"][0]["transaction_id"]}):
        assert_error(reading_bank.get(path, token=token, params=params), 400, "invalid_request")


def test_cards_show_only_the_last_four_digits(reading_bank: CoreBankTestClient):
    response = reading_bank.get("/v1/cards", token=reading_bank.sign_in())

    cards = response.json()["cards"]
    assert {c["kind"]: c["last4"] for c in cards} == DEMO_CARD_LAST4
    for card in cards:
        assert set(card) == {"card_id", "kind", "brand", "last4", "status", "account_id", "expiry"}
        assert card["status"] == "active"
        assert re.fullmatch(r"20[0-9]{2}-(0[1-9]|1[0-2])", card["expiry"])
    assert {c["account_id"] for c in cards} <= set(DEMO_ACCOUNT_IDS.values())
    assert not re.search(r"[0-9]{12,}", response.text)


# --- bad input, errors, documentation ----------------------------------------------


def test_bad_requests_get_4xx_json_with_a_message(reading_bank: CoreBankTestClient):
    bank = reading_bank
    challenges = "/v1/otp/challenges"
    sms_before = len(bank.get("/dev/sms-outbox").json()["messages"])
    cases = [
        (bank.post(challenges, data="{not json", headers={"Content-Type": "application/json"}), 400, "invalid_request", "not valid JSON"),
        (bank.post(challenges), 400, "invalid_request", "body is required"),
        (bank.post(challenges, json=["100001"]), 400, "invalid_request", "JSON object"),
        (bank.post(challenges, json={}), 400, "invalid_request", "exactly one"),
        (bank.post(challenges, json={"customer_number": DEMO_CUSTOMER_NUMBER, "phone": DEMO_PHONE}), 400, "invalid_request", "exactly one"),
        (bank.post(challenges, json={"customer_number": 100001}), 400, "invalid_request", "customer_number"),
        (bank.post(challenges, json={"customer_number": "100001", "pin": "0000"}), 400, "invalid_request", "pin"),
        (bank.post(challenges, json={"channel": "messenger"}), 400, "invalid_request", "channel_user_id"),
        (bank.post("/v1/otp/challenges/abc/verify", json={}), 400, "invalid_request", "code is required"),
        (bank.get("/v1/nothing-here"), 404, "not_found", "/v1/nothing-here"),
        (bank.get(challenges), 405, "method_not_allowed", "GET"),
        (bank.request("PUT", "/v1/accounts"), 405, "method_not_allowed", "PUT"),
    ]
    for response, status, code, explained in cases:
        error = assert_error(response, status, code)
        assert explained in error["message"], (status, error)
        assert "Traceback" not in response.text
    assert len(bank.get("/dev/sms-outbox").json()["messages"]) == sms_before


def test_a_deeply_nested_body_is_a_400_and_logs_no_trace(bank: CoreBankTestClient):
    deep = 20_000
    bodies = ["[" * deep, '{"customer_number": ' + "[" * deep + "]" * deep + "}", '{"a":' * (deep // 2)]
    token = bank.sign_in()
    for path in ("/v1/otp/challenges", "/v1/otp/challenges/x/verify", "/v1/loan-quotes", "/v1/transfers/prepare"):
        for data in bodies:
            response = bank.post(path, token=token, data=data, headers={"Content-Type": "application/json"})
            error = assert_error(response, 400, "invalid_request")
            assert "nested" in error["message"] and "Traceback" not in response.text

    log = bank.log_text()
    assert "Traceback" not in log and "RecursionError" not in log and "Unexpected error" not in log
    assert bank.get("/health").status_code == 200


ODD_VALUES = [None, 0, -1, 1.5, True, "", " ", "x" * 300, "nul\u0000", "☃", [], {}, "20.00", "2026-06-11"]


def test_no_value_in_any_field_makes_the_bank_fail(tmp_path: Path):
    """Each field of each body and query, given each odd value: an answer (2xx or 4xx), never a 500."""
    with running_core_bank(tmp_path, OTP_CHALLENGES_PER_WINDOW="100000", OTP_MAX_FAILURES="100000") as bank:
        token = bank.sign_in()
        current, tom = DEMO_ACCOUNT_IDS["current"], {"payee_id": "payee_nope"}
        transfer = {"from_account_id": current, "amount": "20.00", "currency": "EUR", **tom}
        bodies = [
            ("/v1/otp/challenges", {"customer_number": DEMO_CUSTOMER_NUMBER}),
            ("/v1/otp/challenges", {"phone": DEMO_PHONE}),
            ("/v1/otp/challenges", {"channel": "messenger", "channel_user_id": PSID}),
            ("/v1/otp/challenges/x/verify", {"code": "123456", "link": {"channel": "messenger", "channel_user_id": PSID}}),
            ("/v1/cards/card_nope/block", {"reason": "lost"}),
            ("/v1/card-orders", {"kind": "credit", "account_id": current, "replaces_card_id": "card_nope"}),
            ("/v1/loan-quotes", {"product": "personal", "amount": "10000.00", "term_months": 36}),
            ("/v1/loan-applications", {"product": "personal", "amount": "100.00", "term_months": 36}),
            ("/v1/transfers/prepare", transfer),
            ("/v1/transfers", {**transfer, "challenge_id": "x", "code": "123456"}),
        ]
        answers = []
        for path, body in bodies:
            for changed in _with_odd_values(body):
                answers.append(bank.post_idempotent(path, token, f"k-{len(answers)}", json=changed, headers=SERVICE_HEADERS))
        for name in ("limit", "before", "since", "until"):
            for value in ODD_VALUES:
                if isinstance(value, str):
                    answers.append(bank.get(f"/v1/accounts/{current}/transactions", token=token, params={name: value}))
        answers += [bank.get("/dev/sms-outbox", params={"to": v}) for v in ODD_VALUES if isinstance(v, str)]

    assert len(answers) > 300
    assert [a.text for a in answers if a.status_code >= 500] == []


def _with_odd_values(body: dict) -> Iterator[dict]:
    """`body` with one field (or one field of a nested object) changed to each odd value."""
    for field, original in body.items():
        for value in ODD_VALUES:
            yield {**body, field: value}
        if isinstance(original, dict):
            for changed in _with_odd_values(original):
                yield {**body, field: changed}


def test_an_unexpected_failure_is_a_500_json_without_a_trace(bank: CoreBankTestClient):
    bank.database_path.unlink()  # the next connection opens an empty database: no tables

    response = bank.start_challenge()

    assert_error(response, 500, "internal_error")
    assert "Traceback" not in response.text and "sqlite" not in response.text.lower()
    log = bank.log_text()
    assert "Unexpected error on POST /v1/otp/challenges" in log
    assert DEMO_CUSTOMER_NUMBER not in log  # database errors are logged without their parameters


def test_a_core_bank_started_without_dev_mode_has_no_sms_outbox(tmp_path: Path):
    """CORE_BANKING_DEV_MODE unset (an empty value counts as unset): the outbox, which shows every code, is not there."""
    assert Settings().core_banking_dev_mode is False and Settings.from_env({}).core_banking_dev_mode is False
    with running_core_bank(tmp_path, CORE_BANKING_DEV_MODE="") as bank:
        assert bank.start_challenge().status_code == 201

        assert_error(bank.get("/dev/sms-outbox"), 404, "not_found")
        assert "/dev/sms-outbox" not in bank.get("/openapi.json").json()["paths"]


def test_make_run_and_make_sandbox_turn_dev_mode_on_themselves():
    """The Procfiles are also how the production profile starts: dev mode is set by the make targets only."""
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    for target, procfile in (("run", "Procfile"), ("sandbox", "Procfile.sandbox")):
        recipe = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE).group(1)
        assert f"CORE_BANKING_DEV_MODE=true honcho start -f {procfile}" in recipe, target
    for procfile in ("Procfile", "Procfile.sandbox"):
        assert "CORE_BANKING_DEV_MODE" not in (PROJECT_ROOT / procfile).read_text()


def test_the_sms_outbox_is_hidden_outside_dev_mode(tmp_path: Path):
    with running_core_bank(tmp_path, CORE_BANKING_DEV_MODE="false") as bank:
        assert bank.start_challenge().status_code == 201

        assert_error(bank.get("/dev/sms-outbox"), 404, "not_found")
        document = bank.get("/openapi.json").json()
        assert "/dev/sms-outbox" not in document["paths"]
        assert documented_operations(document) == registered_operations(bank.app)


def test_the_openapi_document_describes_exactly_the_app_routes(reading_bank: CoreBankTestClient):
    document = reading_bank.get("/openapi.json").json()

    assert document["openapi"].startswith("3.0")
    served = documented_operations(document)
    registered = registered_operations(reading_bank.app)
    assert served == registered
    assert ("/v1/otp/challenges/{challenge_id}/verify", "POST") in served
    public = {
        ("/v1/otp/challenges", "post"),
        ("/v1/otp/challenges/{challenge_id}/verify", "post"),
        ("/v1/loan-products", "get"),
        ("/v1/loan-quotes", "post"),
    }
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert "200" in operation["responses"] or "201" in operation["responses"] or "204" in operation["responses"]
            if path.startswith("/v1/") and (path, method) not in public:
                assert "401" in operation["responses"], (method, path)
                assert operation["security"] == [{"bearerAuth": []}], (method, path)
    for name in ("Error", "Challenge", "Session", "Account", "TransactionPage", "Card"):
        assert name in document["components"]["schemas"]


def _move_past(bank: CoreBankTestClient, moment: datetime) -> None:
    """Moves the bank's clock just after `moment` (API times are to the second, rounded down)."""
    bank.clock.move_to(moment + timedelta(seconds=1))
