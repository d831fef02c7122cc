"""After too many wrong codes the chat says when the customer can try again, from the core bank's `locked_until`
(before: "Please try again later", while the SMS said 30 minutes)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Dict

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.identity as identity
from actions.banking import _refusal
from actions.customer_sessions import CustomerSessions
from actions.text.locale import Presentation
from bot.core_bank.contract.errors import Error, ErrorDetail
from tests.unit.test_answer_preamble import NLG, session

NOW = datetime(2026, 6, 11, 10, 0, 0, 500_000, tzinfo=timezone.utc)


def locked(until: datetime):
    """The bank's 423 as it travels, read by the actions' client."""
    wire = Error(error=ErrorDetail(code="otp_locked", message="Locked.", locked_until=until)).wire()
    return _refusal(423, wire)


class LockedBank:
    def __init__(self, until: datetime) -> None:
        self.until = until

    async def verify_challenge(self, *args: Any, **kwargs: Any) -> Any:
        raise locked(self.until)


@pytest.fixture
def at_now(monkeypatch):
    monkeypatch.setattr(identity, "utc_now", lambda: NOW)
    monkeypatch.setattr(identity, "customer_sessions", CustomerSessions())


def tracker(slots: Dict[str, Any]) -> Tracker:
    return Tracker("web-1", {"requested_slot": "otp_code", "otp_challenge": "ch-1", **slots},
                   {"text": "", "intent": {}, "entities": []}, [], False, None, {"name": identity.FORM}, "action_listen")


@pytest.mark.parametrize("language, says", [
    ("en", "You can try again in 30 minutes, or call your advisor."),
    ("fr", "Vous pourrez réessayer dans 30 minutes, ou appeler votre conseiller."),
])
async def test_the_fifth_wrong_code_says_when_codes_can_be_tried_again(monkeypatch, at_now, language, says):
    monkeypatch.setattr(identity, "core_bank", lambda: LockedBank(datetime(2026, 6, 11, 10, 30, tzinfo=timezone.utc)))
    dispatcher = CollectingDispatcher()
    slots = await identity.ValidateIdentityForm().validate_otp_code(
        "482913", dispatcher, tracker({"language": language}), {})
    assert slots["identity"] == identity.REFUSED
    [message] = dispatcher.messages
    assert message["response"] == "utter_otp_locked"
    generated = await NLG.generate("utter_otp_locked", session(language=language), "socketio", wait=message["wait"])
    assert generated["text"].endswith(says), generated["text"]


@pytest.mark.parametrize("left, shown", [
    (timedelta(minutes=30), "30 minutes"), (timedelta(minutes=12, seconds=1), "13 minutes"),
    (timedelta(seconds=40), "1 minute"), (timedelta(seconds=-5), "a few minutes"),
])
def test_the_wait_is_the_minutes_left_rounded_up(left, shown):
    assert identity.lock_wait(locked(NOW + left), Presentation.of("en"), NOW) == shown


def test_without_a_time_from_the_bank_the_wait_is_a_few_minutes():
    error = _refusal(423, {"error": {"code": "otp_locked", "message": "Locked."}})
    assert identity.lock_wait(error, Presentation.of("fr"), NOW) == "quelques minutes"


def too_many(retry_at: datetime):
    """The bank's 429 when too many codes were asked for, as it travels."""
    wire = Error(error=ErrorDetail(code="too_many_challenges", message="Too many.", retry_at=retry_at)).wire()
    return _refusal(429, wire)


@pytest.mark.parametrize("language, says", [
    ("en", "For your security, you can ask for a new one in 8 minutes."),
    ("fr", "Pour votre sécurité, vous pourrez en demander un nouveau dans 8 minutes."),
])
async def test_too_many_codes_says_when_a_new_one_can_be_asked_for(at_now, language, says):
    dispatcher = CollectingDispatcher()
    identity.explain_code_refusal(dispatcher, tracker({"language": language}), too_many(NOW + timedelta(minutes=7.5)),
                                  otherwise="utter_verification_failed")
    [message] = dispatcher.messages
    assert message["response"] == "utter_too_many_codes"
    generated = await NLG.generate("utter_too_many_codes", session(language=language), "socketio", wait=message["wait"])
    assert generated["text"].endswith(says), generated["text"]


def test_a_lock_time_is_not_read_as_a_retry_time():  # each refusal's own field
    wire = Error(error=ErrorDetail(code="too_many_challenges", message="Too many.",
                                   locked_until=NOW + timedelta(minutes=30))).wire()
    assert identity.lock_wait(_refusal(429, wire), Presentation.of("en"), NOW) == "a few minutes"
