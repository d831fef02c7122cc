"""The core bank over HTTP, served in this process on a free port: a fresh bank (own SQLite file) per test
that changes state, and a clock the tests move instead of sleeping."""
from __future__ import annotations

from tests.core_bank.core_bank_api_support import *  # noqa: F401,F403 - the banks and the checks


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
    alerts = [text for text in texts if text.startswith("Someone tried to use a code to reach your accounts in your bank")]
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

        move_past(bank, locked_until)

        assert bank.verify(challenge_id, code).status_code == 200


def test_a_code_expires(tmp_path: Path):
    with running_core_bank(tmp_path, OTP_TTL_SECONDS="1") as bank:
        started = bank.start_challenge().json()
        code = bank.last_code()
        assert "expires in 1 second" in bank.get("/dev/sms-outbox").json()["messages"][0]["text"]

        move_past(bank, parse_time(started["expires_at"]))

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
    ("GET", f"/v1/accounts/{DEMO_ACCOUNT_IDS['current']}/details"),
    ("GET", "/v1/cards"),
    ("DELETE", "/v1/session"),
]


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

    move_past(bank, expires_at)

    for method, path in CUSTOMER_ENDPOINTS:
        assert_unauthorized(bank.request(method, path, token=token))
