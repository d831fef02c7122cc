"""The one test of the real process: `python -m bot core-bank` starts, answers /health and the OpenAPI
document it was built with, and its log (as the process writes it) holds no code, token or phone.
Everything else about the core bank's HTTP API is tested in process (core_bank_fixtures.py)."""
from __future__ import annotations

import re
from pathlib import Path

import requests

from bot.core_bank.contract.document import openapi_document
from bot.core_bank.seed import DEMO_CUSTOMER_NUMBER, DEMO_PHONE
from tests.core_bank.core_bank_fixtures import BASE_ENV, CODE_IN_SMS
from tests.support.processes import core_bank, free_port


def test_the_core_bank_process_starts_and_serves_its_contract(tmp_path: Path):
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {**BASE_ENV, "CORE_BANKING_DATABASE_URL": f"sqlite:///{tmp_path / 'core_bank.db'}"}

    with core_bank(port, env, tmp_path):
        health = requests.get(f"{base_url}/health", timeout=10)
        document = requests.get(f"{base_url}/openapi.json", timeout=10)
        started = requests.post(f"{base_url}/v1/otp/challenges", json={"customer_number": DEMO_CUSTOMER_NUMBER}, timeout=10)
        sms = requests.get(f"{base_url}/dev/sms-outbox", params={"to": DEMO_PHONE}, timeout=10).json()["messages"][0]
        code = CODE_IN_SMS.search(sms["text"]).group(1)
        verified = requests.post(
            f"{base_url}/v1/otp/challenges/{started.json()['challenge_id']}/verify", json={"code": code}, timeout=10
        )
        token = verified.json()["access_token"]
        me = requests.get(f"{base_url}/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)

    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert health.headers["Cache-Control"] == "no-store"
    assert document.status_code == 200 and document.json() == openapi_document(dev_mode=True)
    assert (started.status_code, verified.status_code, me.status_code) == (201, 200, 200)
    log = (tmp_path / "core_bank.log").read_text()
    assert "OTP verified" in log  # the log is really being written
    assert not re.search(r"GET /v1/me|POST /v1/otp", log)  # no access log: paths carry ids, bodies carry codes
    for secret in (code, token, DEMO_PHONE, "612345678"):
        assert secret not in log
