"""Checks the action server's answers with one prepared validator instead of a new one per answer.

Rasa 3.6 checks every answer of the action server with the one-shot
`jsonschema.validate(result, spec)` (`RemoteAction._validate_action_result`).
That function checks the schema against its meta-schema and builds a new
validator on every call, then throws both away: on this machine about 50 ms of
the Rasa server's event loop per custom action, against 1–2 ms for the
validation itself (bench/README.md). jsonschema's own advice for a schema used
again and again is to build its validator once; `install()` makes Rasa do so.

The checks are the same (the same schema, the same draft, the same
`best_match` error Rasa raised, with Rasa's hint appended), so a malformed
answer is refused exactly as before. The branch's tracker store installs it
(bot/rasa_server/tracker_store.py: every Rasa server of the branch loads that module
through endpoints.yml, `rasa shell` included).
"""
from __future__ import annotations

import functools
from typing import Any, Dict, Text

from jsonschema import exceptions, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_ORIGINAL = RemoteAction._validate_action_result  # Rasa's own, kept to compare against in tests


@functools.lru_cache(maxsize=1)
def action_result_validator() -> Any:
    """The validator of Rasa's action-server answer format, built (and its schema checked) once.

    Draft 7, whose meta-schema is one self-contained document: checking the spec never resolves a
    remote reference. (The newest draft, which `validator_for` picks for a spec naming none, splits
    its meta-schema into vocabularies by URL; a Rasa server with no way out failed its first custom
    action once, resolving https://json-schema.org/draft/2020-12/meta/core.) Rasa's spec uses only
    `type`, `properties`, `items` and `required`, which every draft reads alike."""
    spec = RemoteAction.action_response_format_spec()
    cls = validators.Draft7Validator
    cls.check_schema(spec)
    return cls(spec)


def validate_action_result(_action: RemoteAction, result: Dict[Text, Any]) -> bool:
    """`RemoteAction._validate_action_result`, with the prepared validator."""
    error = exceptions.best_match(action_result_validator().iter_errors(result))
    if error is not None:
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def install() -> None:
    """Makes every `RemoteAction` of this process validate with the prepared validator (idempotent)."""
    action_result_validator()  # built now, at start, not on a customer's first message
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
