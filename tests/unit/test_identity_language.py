"""The identity form asks the core bank for an SMS in the conversation's language, and on verification the
customer's locale at the bank becomes the conversation's when it has none."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.identity as identity
from actions.banking import Customer, Verification
from actions.customer_sessions import CustomerSessions


class FakeBank:
    def __init__(self, locale: str = "fr_BE") -> None:
        self.challenges: List[Dict[str, Any]] = []
        self.locale = locale

    async def start_challenge(self, **asked: Any) -> Any:
        self.challenges.append(asked)
        return SimpleNamespace(challenge_id="ch-1", sent_to="+33 •••••••78")

    async def verify_challenge(self, challenge_id: str, code: str, link: Any = None, requester: Any = None) -> Any:
        return Verification("token-1", datetime.now(timezone.utc) + timedelta(minutes=15), "100001", "Alex")

    async def me(self, token: str) -> Customer:
        return Customer("100001", "Alex", self.locale)


@pytest.fixture
def bank(monkeypatch) -> FakeBank:
    bank = FakeBank()
    monkeypatch.setattr(identity, "core_bank", lambda: bank)
    monkeypatch.setattr(identity, "customer_sessions", CustomerSessions())  # this test's sessions only
    return bank


def tracker(slots: Dict[str, Any], requested: Optional[str] = None) -> Tracker:
    return Tracker("web-1", {"requested_slot": requested, **slots}, {"text": "", "intent": {}, "entities": []}, [],
                   False, None, {"name": identity.FORM}, "action_listen")


async def test_the_code_is_asked_for_in_the_conversation_s_language(bank):
    dispatcher = CollectingDispatcher()
    await identity.ValidateIdentityForm().validate_customer_identifier(
        "100001", dispatcher, tracker({"language": "fr"}, "customer_identifier"), {})
    await identity.ValidateIdentityForm().validate_customer_identifier(
        "100001", dispatcher, tracker({}, "customer_identifier"), {})
    assert [c["language"] for c in bank.challenges] == ["fr", "en"]


async def test_verification_copies_the_bank_s_locale_into_an_empty_locale_slot_only(bank):
    form = identity.ValidateIdentityForm()
    slots = await form.validate_otp_code("482913", CollectingDispatcher(),
                                         tracker({"language": "fr", "otp_challenge": "ch-1"}, "otp_code"), {})
    assert slots["identity"] == identity.VERIFIED and slots["locale"] == "fr_BE"
    kept = await form.validate_otp_code("482913", CollectingDispatcher(),
                                        tracker({"locale": "fr_CA", "otp_challenge": "ch-1"}, "otp_code"), {})
    assert "locale" not in kept
