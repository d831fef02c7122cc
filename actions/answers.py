"""Form validation sees every slot set since the customer's last message, including the
ones an action has just cleared to start afresh. A cleared slot is not an answer: it must
not be judged (no "I couldn't tell which card you mean" before the question is asked). And a yes-or-no set False
by an action ends a form without asking, while a "no" typed to the question is judged (`ended_before_asking`)."""
from __future__ import annotations

import functools
from typing import Any, Awaitable, Callable, Dict, Text

Validator = Callable[..., Awaitable[Dict[Text, Any]]]

PREFIX = "validate_"


def answers_only(method: Validator) -> Validator:
    """Wraps a `validate_<slot>` method of a FormValidationAction: `None` passes unjudged."""
    slot = method.__name__[len(PREFIX):]
    if not method.__name__.startswith(PREFIX) or not slot:
        raise ValueError(f"{method.__name__} is not a validate_<slot> method")

    @functools.wraps(method)
    async def validate(self: Any, value: Any, *args: Any, **kwargs: Any) -> Dict[Text, Any]:
        if value is None:
            return {slot: None}
        return await method(self, value, *args, **kwargs)

    return validate


def ended_before_asking(tracker: Any, slot: Text) -> bool:
    """Whether the yes-or-no `slot` was set False before its question was asked (nothing to do: no appointment to
    change, the bank down), so that the form ends without asking. A "no" typed to the question itself is not: rasa_sdk
    validates only the slots `required_slots` returns, and returning none for that "no" skipped its validation, so the
    customer's "no" went unanswered."""
    return tracker.get_slot(slot) is False and tracker.get_slot("requested_slot") != slot
