"""Form validation sees every slot set since the customer's last message, including the
ones an action has just cleared to start afresh. A cleared slot is not an answer: it must
not be judged (no "I couldn't tell which card you mean" before the question is asked)."""
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
