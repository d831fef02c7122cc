"""Steps around Rasa's `MessageProcessor.parse_message`, each reading the message in the conversation's context
(greeting_first, quote_changes): one way to put them in place."""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.trackers import DialogueStateTracker

Parse = Callable[[MessageProcessor, UserMessage, Optional[DialogueStateTracker], bool], Awaitable[Dict[str, Any]]]
# A step: (the parse before it, processor, message, tracker, only_output_properties) -> the parse data.
Step = Callable[[Parse, MessageProcessor, UserMessage, Optional[DialogueStateTracker], bool],
                Awaitable[Dict[str, Any]]]


def install_step(step: Step) -> None:
    """Puts `step` around the parse installed so far (idempotent: a step already outermost is not added again)."""
    previous: Parse = MessageProcessor.parse_message
    if getattr(previous, "step", None) is step:
        return

    async def parse_message(processor: MessageProcessor, message: UserMessage,
                            tracker: Optional[DialogueStateTracker] = None,
                            only_output_properties: bool = True) -> Dict[str, Any]:
        return await step(previous, processor, message, tracker, only_output_properties)

    parse_message.step = step  # type: ignore[attr-defined]
    MessageProcessor.parse_message = parse_message  # type: ignore[method-assign]
