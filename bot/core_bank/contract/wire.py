"""What travels, and how: the base models and the field types of the core bank's contract.

Rules:
- money is `Decimal` in Python and a string on the wire: what the bank answers has exactly two
  decimals ("2450.31", "-42.10"); what a client sends is more than 0 with at most two ("20", "20.5");
- a time is a timezone-aware `datetime` in Python, and ISO 8601 in UTC with its offset, to the
  second, on the wire ("2026-06-11T09:30:00+00:00"); a day is "YYYY-MM-DD";
- every object names all its fields: a field the contract does not name is refused, both ways;
- a request field's types check the raw JSON value themselves (no silent coercion: 36 is not "36"),
  and a refusal is one sentence naming the field, given by `explain` to the server's
  `invalid_request` and the client's `BankError` alike.
This package imports only pydantic and the standard library.
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, ClassVar, Optional
from zoneinfo import available_timezones

from pydantic import BaseModel, Extra, ValidationError, root_validator
from pydantic.errors import PydanticValueError
from pydantic.fields import ModelField

CENT = Decimal("0.01")
AMOUNT_PATTERN = r"^-?[0-9]+\.[0-9]{2}$"
POSITIVE_AMOUNT_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
DAY_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
TIME_EXAMPLE = "2026-06-11T09:30:00+00:00"
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def format_amount(amount: Decimal) -> str:
    """Decimal("20") -> "20.00"."""
    return str(amount.quantize(CENT))


def format_time(moment: datetime) -> str:
    """ISO 8601 with the UTC offset, to the second (the API's one time format)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime in the API")
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


# --- refusals -----------------------------------------------------------------------


class Refused(PydanticValueError):
    """A field refused with a sentence of its own (the sentence is the whole message)."""

    code = "refused"
    msg_template = "{sentence}"


def refuse(sentence: str) -> Refused:
    return Refused(sentence=sentence)


def explain(error: ValidationError) -> str:
    """The first refusal of `error` as one sentence naming the field."""
    first = error.errors()[0]
    name = ".".join(str(part) for part in first["loc"] if part != "__root__") or "body"
    kind = first["type"]
    if kind == f"value_error.{Refused.code}":
        return str(first["msg"])
    if kind == "value_error.missing":
        return f"{name} is required."
    if kind == "type_error.none.not_allowed":
        return f"{name} must not be null."
    return f"{name}: {first['msg']}."


# --- models -------------------------------------------------------------------------


class WireModel(BaseModel):
    """An object of the API: every field named, immutable, written to JSON with `wire()`."""

    class Config:
        extra = Extra.forbid
        frozen = True
        orm_mode = True
        json_encoders = {Decimal: format_amount, datetime: format_time}

    def wire(self) -> dict[str, Any]:
        """The JSON object for this model (amounts and times as strings)."""
        return json.loads(self.json())


class RequestModel(WireModel):
    """What a client sends. A field the contract does not name is refused first, naming it."""

    where: ClassVar[str] = "body"

    class Config:
        orm_mode = False

    @root_validator(pre=True)
    def _refuse_unknown_fields(cls, values: Any) -> Any:
        if not isinstance(values, dict):
            raise refuse(f"The {cls.where} must be a JSON object.")
        unknown = sorted(str(name) for name in set(values) - set(cls.__fields__))
        if unknown:
            raise refuse(f"Unknown field(s) in the {cls.where}: {', '.join(unknown)}.")
        return values

    def wire(self) -> dict[str, Any]:
        """The JSON object for this request; absent optional fields are left out."""
        return json.loads(self.json(exclude_none=True))


# --- field types --------------------------------------------------------------------
# Each checks the raw JSON value and refuses it with a sentence naming the field.


class WireType:
    """A field type with its own check and its own piece of JSON schema."""

    schema: ClassVar[dict[str, Any]] = {}

    @classmethod
    def __get_validators__(cls) -> Any:
        yield cls.check

    @classmethod
    def __modify_schema__(cls, field_schema: dict[str, Any]) -> None:
        field_schema.update(cls.schema)

    @classmethod
    def check(cls, value: Any, field: ModelField) -> Any:
        raise NotImplementedError


class Text(WireType, str):
    """A non-empty string, surrounding spaces removed; optionally at most `max_length` and matching `pattern`."""

    max_length: ClassVar[Optional[int]] = None
    pattern: ClassVar[Optional[str]] = None
    pattern_message: ClassVar[str] = "{name} is not in the expected format."
    example: ClassVar[Optional[str]] = None

    @classmethod
    def __modify_schema__(cls, field_schema: dict[str, Any]) -> None:
        field_schema.update(type="string", minLength=1)
        if cls.max_length is not None:
            field_schema["maxLength"] = cls.max_length
        if cls.pattern is not None:
            field_schema["pattern"] = cls.pattern
        if cls.example is not None:
            field_schema["example"] = cls.example

    @classmethod
    def check(cls, value: Any, field: ModelField) -> str:
        if not isinstance(value, str) or not value.strip():
            raise refuse(f"{field.name} must be a non-empty string.")
        value = value.strip()
        if CONTROL_CHARACTERS.search(value):
            raise refuse(f"{field.name} must not contain control characters.")
        if cls.max_length is not None and len(value) > cls.max_length:
            raise refuse(f"{field.name} is longer than {cls.max_length} characters.")
        if cls.pattern is not None and not re.fullmatch(cls.pattern, value):
            raise refuse(cls.pattern_message.format(name=field.name))
        return value


class Identifier(Text):
    """An id the bank gave (an account, a card, a payee, a challenge)."""

    max_length = 64


class Choice(WireType, str):
    """One of `choices`."""

    choices: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def __modify_schema__(cls, field_schema: dict[str, Any]) -> None:
        field_schema.update(type="string", enum=list(cls.choices))

    @classmethod
    def check(cls, value: Any, field: ModelField) -> str:
        if not isinstance(value, str) or value.strip() not in cls.choices:
            raise refuse(f"{field.name} must be one of {', '.join(cls.choices)}.")
        return value.strip()


class WholeNumber(WireType, int):
    """A JSON integer (not a boolean, not a string, not 36.5)."""

    unit: ClassVar[str] = ""
    schema = {"type": "integer"}

    @classmethod
    def check(cls, value: Any, field: ModelField) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise refuse(f"{field.name} must be a whole number{cls.unit}.")
        return value


class PositiveAmount(WireType, Decimal):
    """An amount a client sends: a string such as "20.00" or "20.5", more than 0."""

    schema = {
        "type": "string",
        "pattern": POSITIVE_AMOUNT_PATTERN,
        "description": "more than 0, at most 2 decimals",
        "example": "20.00",
    }

    @classmethod
    def check(cls, value: Any, field: ModelField) -> Decimal:
        text = format(value, "f") if isinstance(value, Decimal) and value.is_finite() else value
        if not isinstance(text, str) or not re.fullmatch(POSITIVE_AMOUNT_PATTERN, text):
            raise refuse(f'{field.name} must be a string such as "20.00" (at most 2 decimals).')
        amount = Decimal(text).quantize(CENT)
        if amount <= 0:
            raise refuse(f"{field.name} must be more than 0.")
        return amount


class CurrencyCode(Text):
    pattern = "^[A-Z]{3}$"
    pattern_message = '{name} must be a three-letter currency code such as "EUR".'
    example = "EUR"

    @classmethod
    def check(cls, value: Any, field: ModelField) -> str:
        if not isinstance(value, str) or not re.fullmatch(cls.pattern or "", value):
            raise refuse(cls.pattern_message.format(name=field.name))
        return value


class Money(WireType, Decimal):
    """An amount the bank answers: signed, exactly two decimals on the wire."""

    schema = {"type": "string", "pattern": AMOUNT_PATTERN, "example": "2450.31"}

    @classmethod
    def check(cls, value: Any, field: ModelField) -> Decimal:
        if isinstance(value, Decimal) and value.is_finite():
            return value
        if isinstance(value, str) and re.fullmatch(AMOUNT_PATTERN, value):
            try:
                return Decimal(value)
            except InvalidOperation:
                pass
        raise refuse(f'{field.name} must be an amount such as "2450.31".')


class Timestamp(WireType, datetime):
    """A moment, with its offset."""

    schema = {"type": "string", "format": "date-time", "example": TIME_EXAMPLE}

    @classmethod
    def check(cls, value: Any, field: ModelField) -> datetime:
        moment = value
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                moment = None
        if not isinstance(moment, datetime) or moment.utcoffset() is None:
            raise refuse(f"{field.name} must be a time with its offset, such as {TIME_EXAMPLE}.")
        return moment


class Day(WireType, date):
    """A calendar day, YYYY-MM-DD."""

    schema = {"type": "string", "format": "date", "example": "2026-06-18"}

    @classmethod
    def check(cls, value: Any, field: ModelField) -> date:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str) and re.fullmatch(DAY_PATTERN, value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise refuse(f"{field.name} must be a date as YYYY-MM-DD.")


DEFAULT_TIME_ZONE = "UTC"  # the zone days are read in when a query names none


@lru_cache(maxsize=1)
def known_time_zones() -> frozenset[str]:
    return frozenset(available_timezones()) | {DEFAULT_TIME_ZONE}



class TimeZoneName(WireType, str):
    """An IANA time zone name."""

    schema = {"type": "string", "minLength": 1, "example": "Europe/Paris"}

    @classmethod
    def check(cls, value: Any, field: ModelField) -> str:
        if not isinstance(value, str) or value.strip() not in known_time_zones():
            raise refuse(f'{field.name} must be a time zone name such as "Europe/Paris" or "UTC".')
        return value.strip()
