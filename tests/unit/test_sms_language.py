"""The code SMS in the language the conversation asks for (en by default, or fr), and the contract's field."""
from __future__ import annotations

import re

import pytest

from bot.core_bank.contract import otp, transfers
from bot.core_bank.contract.wire import explain
from pydantic import ValidationError
from tests.unit.core_bank_otp_support import *  # noqa: F401,F403 - the bank, its fixtures and helpers


def test_a_sign_in_code_is_sent_in_english_by_default_and_in_french_when_asked(bank: Bank):
    bank.otp.start_challenge(ALEX)
    assert re.fullmatch(r"Your bank chat code is [0-9]{6}\. It expires in 5 minutes\. .*",
                        bank.outbox.messages(DEMO_PHONE)[0].text)
    bank.otp.start_challenge(ALEX, IN_PROCESS, "fr")
    assert re.fullmatch(r"Votre code pour le chat de votre banque est [0-9]{6}\. Il expire dans 5 minutes\. "
                        r"Ne le communiquez jamais : .*", bank.outbox.messages(DEMO_PHONE)[0].text)


@pytest.mark.parametrize("model", [otp.ChallengeRequest, transfers.PrepareTransferRequest])
def test_the_language_is_en_or_fr_and_optional(model):
    base = {"customer_number": "100001"} if model is otp.ChallengeRequest else {
        "from_account_id": "acc_1", "amount": "20.00", "currency": "EUR", "payee_id": "payee_1"}
    assert model.parse_obj({**base, "language": "fr"}).language == "fr"
    assert model.parse_obj(base).language is None
    with pytest.raises(ValidationError) as refused:
        model.parse_obj({**base, "language": "de"})
    assert "language must be one of en, fr." in explain(refused.value)


def test_every_shape_of_challenge_request_may_name_the_language():
    schema = otp.ChallengeRequest.schema()
    assert all(shape["properties"]["language"]["enum"] == ["en", "fr"] for shape in schema["oneOf"])
    assert all("language" not in shape["required"] for shape in schema["oneOf"])


def test_amounts_in_a_french_sms_are_written_the_french_way_in_plain_spaces():
    from decimal import Decimal

    from bot.core_bank import sms_texts

    assert sms_texts.amount_text(Decimal("1250"), "EUR", "fr") == "1 250,00 €"
    assert sms_texts.amount_text(Decimal("1250"), "EUR", "en") == "€1,250.00"
    assert sms_texts.transfer_text(Decimal("20"), "EUR", "Tom", "de") == "send €20.00 to Tom"
