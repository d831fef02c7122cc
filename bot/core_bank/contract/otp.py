"""Sign-in by one-time code: asking for a code (by customer number, phone, or a linked channel user),
checking it for a bearer token, and signing out.

A customer is named in exactly one way. A code is exactly 6 digits; a malformed one is refused
(400) without counting as a wrong code.
"""
from __future__ import annotations

import re
from typing import Any, Literal, Optional

from pydantic import Field, StrictStr, root_validator, validator
from pydantic.fields import ModelField

from bot.core_bank.contract.wire import Choice, RequestModel, Text, Timestamp, WireModel, WireType, refuse

CODE_PATTERN = "^[0-9]{6}$"
MASKED_PHONE_EXAMPLE = "+33 •••••••78"


class CustomerNumber(Text):
    max_length = 20
    pattern = "^[0-9]{1,20}$"
    pattern_message = "{name} must be digits only."
    example = "100001"


class Phone(Text):
    """Any common format; national numbers are read as French."""

    max_length = 64
    example = "06 12 34 56 78"


class ChannelName(Text):
    pattern = "^[a-z][a-z0-9_-]{0,31}$"
    pattern_message = "{name} must be a short lowercase name such as messenger."
    example = "messenger"


class ChannelUserId(Text):
    """The user's id on the channel, e.g. a Messenger PSID."""

    max_length = 256


class OtpCode(WireType, str):
    """The 6 digits of the SMS."""

    schema = {"type": "string", "pattern": CODE_PATTERN, "example": "123456"}

    @classmethod
    def check(cls, value: Any, field: ModelField) -> str:
        if not isinstance(value, str) or not re.fullmatch(CODE_PATTERN, value):
            raise refuse(f"{field.name} must be a string of exactly 6 digits.")
        return value


class SmsLanguage(Choice):
    """The language of the SMS: en (the default) or fr."""

    choices = ("en", "fr")


LANGUAGE_FIELD_DESCRIPTION = "the language of the SMS (absent or null: en)"

IDENTIFIER_GROUPS = {
    "customer_number": ("customer_number",),
    "phone": ("phone",),
    "channel": ("channel", "channel_user_id"),
}


def _one_of_schema(schema: dict[str, Any], model: Any) -> None:
    """Written as what it is: one object of three possible shapes."""
    properties = schema.pop("properties")
    schema.pop("required", None)
    schema.pop("additionalProperties", None)
    schema.pop("type", None)
    schema["oneOf"] = [
        {
            "type": "object",
            "properties": {**{name: properties[name] for name in names}, "language": properties["language"]},
            "required": list(names),
            "additionalProperties": False,
        }
        for names in IDENTIFIER_GROUPS.values()
    ]


class ChallengeRequest(RequestModel):
    """Exactly one way to name the customer: customer_number, phone, or channel with channel_user_id; and
    optionally the language of the SMS."""

    customer_number: Optional[CustomerNumber] = None
    phone: Optional[Phone] = None
    channel: Optional[ChannelName] = None
    channel_user_id: Optional[ChannelUserId] = None
    language: Optional[SmsLanguage] = Field(None, description=LANGUAGE_FIELD_DESCRIPTION)

    class Config:
        schema_extra = _one_of_schema

    @root_validator(pre=True)
    def _exactly_one_identifier(cls, values: dict[str, Any]) -> dict[str, Any]:
        given = [group for group, names in IDENTIFIER_GROUPS.items() if any(name in values for name in names)]
        if len(given) != 1:
            raise refuse(
                "Give exactly one of customer_number, phone, or channel with channel_user_id"
                + (f" (got {', '.join(given)})." if given else ".")
            )
        for name in IDENTIFIER_GROUPS[given[0]]:
            if values.get(name) is None:
                raise refuse(f"{name} must be a non-empty string.")
        return values


class ChannelUser(RequestModel):
    """A user of a chat channel."""

    where = "link"

    channel: ChannelName
    channel_user_id: ChannelUserId


CHANNEL_USER_HEADER = "X-Channel-User"


class ChannelUserHeader(ChannelUser):
    """The requester a chat channel vouches for: `<channel>:<channel_user_id>`, e.g. messenger:<PSID>."""

    where = f"{CHANNEL_USER_HEADER} header"

    @classmethod
    def read(cls, value: str) -> "ChannelUserHeader":
        channel, _, user_id = value.partition(":")
        return cls.parse_obj({"channel": channel, **({"channel_user_id": user_id} if user_id else {})})

    def header(self) -> str:
        return f"{self.channel}:{self.channel_user_id}"


class VerifyRequest(RequestModel):
    code: OtpCode
    link: Optional[ChannelUser] = Field(
        None, description="on success, remember that this channel user is the customer (null: no link)"
    )

    @validator("link", pre=True)
    def _link_is_an_object(cls, value: Any) -> Any:
        if value is not None and not isinstance(value, dict):
            raise refuse("link must be an object with channel and channel_user_id.")
        return value


class Challenge(WireModel):
    """A code sent, or (for a customer number or phone nobody has) a decoy that looks the same."""

    challenge_id: StrictStr
    expires_at: Timestamp
    sent_to: StrictStr = Field(
        ..., description="the masked phone number (made up, for a decoy)", example=MASKED_PHONE_EXAMPLE
    )


class SessionCustomer(WireModel):
    customer_number: StrictStr = Field(..., example="100001")
    first_name: StrictStr = Field(..., example="Alex")


class Session(WireModel):
    access_token: StrictStr
    token_type: Literal["Bearer"]
    expires_at: Timestamp
    customer: SessionCustomer
