"""The core bank over HTTP: customer data, bad input and failures, the documentation, dev mode."""
from __future__ import annotations

from tests.core_bank.core_bank_api_support import *  # noqa: F401,F403 - the banks and the checks


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


def test_an_account_s_bank_details_give_its_whole_iban_to_its_owner(reading_bank: CoreBankTestClient):
    token = reading_bank.sign_in()
    listed = {a["type"]: a for a in reading_bank.get("/v1/accounts", token=token).json()["accounts"]}
    details = reading_bank.get(f"/v1/accounts/{DEMO_ACCOUNT_IDS['current']}/details", token=token).json()

    assert (details["account_id"], details["type"], details["holder"]) == (DEMO_ACCOUNT_IDS["current"], "current",
                                                                          "Alex Martin")
    assert re.fullmatch(r"FR\d{2}( \d{4}){5} \d{3}", details["iban"]), details["iban"]
    compact = details["iban"].replace(" ", "")
    assert int("".join(str(int(c, 36)) for c in compact[4:] + compact[:4])) % 97 == 1  # a valid IBAN
    assert listed["current"]["iban_masked"].endswith(compact[-4:])  # the account's own
    assert details["bic"] == "FBRAFRPPXXX"  # the bank's published BIC (bank_facts.yml)


def test_each_customer_sees_only_their_own_accounts(reading_bank: CoreBankTestClient):
    token = reading_bank.sign_in(CAMILLE_NUMBER, CAMILLE_PHONE)

    accounts = reading_bank.get("/v1/accounts", token=token).json()["accounts"]

    assert [a["type"] for a in accounts] == ["current"]
    assert accounts[0]["account_id"] not in DEMO_ACCOUNT_IDS.values()
    for account_id in DEMO_ACCOUNT_IDS.values():
        assert_error(reading_bank.get(f"/v1/accounts/{account_id}/transactions", token=token), 404, "account_not_found")
        assert_error(reading_bank.get(f"/v1/accounts/{account_id}/details", token=token), 404, "account_not_found")
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
        ("/v1/bank/facts", "get"),
    }
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert "200" in operation["responses"] or "201" in operation["responses"] or "204" in operation["responses"]
            if path.startswith("/v1/staff/"):  # the staff console's: the service token, never a customer's
                assert operation["responses"]["403"]["x-error-codes"] == ["service_token_required"], (method, path)
                assert {"name": "X-Service-Token", "in": "header", "required": True}.items() <= next(
                    p for p in operation["parameters"] if p["name"] == "X-Service-Token").items()
                assert operation["security"] == [] and "401" not in operation["responses"], (method, path)
            elif path.startswith("/v1/") and (path, method) not in public:
                assert "401" in operation["responses"], (method, path)
                assert operation["security"] == [{"bearerAuth": []}], (method, path)
    for name in ("Error", "Challenge", "Session", "Account", "TransactionPage", "Card"):
        assert name in document["components"]["schemas"]
