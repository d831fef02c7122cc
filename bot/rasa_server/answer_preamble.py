"""What the bot says before an answer, whatever the channel: that it is the bank's automated assistant, and
that a card number, a PIN or a password typed must never be shared.

- The disclosure (`utter_assistant_disclosure`): before the first answer of a conversation's session, and
  before the first answer after staff hand the conversation back, unless the bot said it since (the note
  the customer gets at the hand-back says it: bot/handoff/rasa_control.py). Meta asks for it where the
  law does (Germany, California...). A bot message that discloses carries `metadata.assistant_disclosure`.
- The warning (`utter_typed_secret`): before the first answer to a message in which the customer typed a
  card number, a PIN or a password (bot/privacy/typed_secrets.py). What they were doing goes on: the
  message is understood as usual, a form keeps asking its question; the secret is masked wherever the
  conversation is kept (bot/privacy/redaction.py). While staff hold the conversation (the bot paused: no
  action runs), the warning is sent on its own, as soon as the message is logged, without its "Block my card"
  button (the bot acts on nothing until it is handed back; the advisor can block the card): the customer
  learns at once, as anywhere else, and the advisor sees it in the thread.

Both are domain responses, chosen as any other: in the conversation's language as known once the
message was understood (a French customer on an English page reads them in French), on the channel's
variation. Both are bot events in the tracker, so they are stored and archived like any answer.

Where: the one place every channel's answers go through is Rasa's `MessageProcessor._run_action` (the
Messenger and web chat channels, the HTTP API's `execute` and `trigger_intent`). `install()` makes it
run each action so that its events get the preamble before their first bot message; the action itself,
the policies' view of the conversation (bot events are not part of it) and the rest of the turn are
unchanged. The branch's tracker store installs it (bot/rasa_server/tracker_store.py), as it installs the
action-result validator: every Rasa server of the branch builds that store.
"""
from __future__ import annotations

import logging
from typing import Any, Iterable, List, Optional

from rasa.core.actions.action import Action, create_bot_utterance
from rasa.core.channels.channel import OutputChannel
from rasa.core.nlg import NaturalLanguageGenerator
from rasa.core.processor import MessageProcessor
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, ConversationResumed, Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.dialogue_signals import DISCLOSURE_KEY
from bot.privacy.redaction import CODE_SLOTS
from bot.privacy.typed_secrets import typed_secrets

logger = logging.getLogger(__name__)

DISCLOSURE = "utter_assistant_disclosure"
SECRET_WARNING = "utter_typed_secret"
DISCLOSES = DISCLOSURE_KEY  # metadata of a bot message that tells the customer they talk to the assistant

_ORIGINAL_RUN_ACTION = MessageProcessor._run_action  # Rasa's own
_ORIGINAL_PREDICTION_LOOP = MessageProcessor._run_prediction_loop  # Rasa's own


def disclosure_due(events: Iterable[Event]) -> bool:
    """No bot message disclosed the assistant since the session started or the bot was resumed."""
    for event in reversed(list(events)):
        if isinstance(event, BotUttered) and (event.metadata or {}).get(DISCLOSES):
            return False
        if isinstance(event, (SessionStarted, ConversationResumed)):
            return True
    return True


def secret_warning_due(tracker: DialogueStateTracker) -> bool:
    """The latest message typed a card number, a PIN or a password, and nothing answered it yet."""
    for event in reversed(tracker.events):
        if isinstance(event, BotUttered):
            return False
        if isinstance(event, UserUttered):
            code_asked = tracker.get_slot("requested_slot") in CODE_SLOTS
            return bool(typed_secrets(event.text or "", code_asked=code_asked))
    return False


async def preamble(tracker: DialogueStateTracker, nlg: NaturalLanguageGenerator,
                   output_channel: OutputChannel, domain: Domain) -> List[Event]:
    """The bot messages due before the next answer of `tracker`'s conversation (none, one or two)."""
    due = [name for name, needed in ((DISCLOSURE, disclosure_due(tracker.events)),
                                     (SECRET_WARNING, secret_warning_due(tracker))) if needed]
    return await generate_responses(due, tracker, nlg, output_channel, domain)


async def paused_warning(tracker: DialogueStateTracker, nlg: NaturalLanguageGenerator,
                         output_channel: OutputChannel, domain: Domain) -> List[Event]:
    """The warning due while staff hold the conversation (none or one), without buttons the bot would not act on."""
    if not tracker.is_paused() or not secret_warning_due(tracker):
        return []
    return await generate_responses([SECRET_WARNING], tracker, nlg, output_channel, domain, choices=False)


async def generate_responses(due: List[str], tracker: DialogueStateTracker, nlg: NaturalLanguageGenerator,
                     output_channel: OutputChannel, domain: Domain, choices: bool = True) -> List[Event]:
    messages: List[Event] = []
    for name in due:
        generated = await nlg.generate(name, tracker, output_channel.name(), domain_responses=domain.responses)
        if generated is None:  # a model trained before the response existed: nothing to say
            logger.warning("No response %s in this model's domain", name)
            continue
        if not choices:
            generated = {key: value for key, value in generated.items() if key not in ("buttons", "quick_replies")}
        generated["utter_action"] = name  # as Rasa's own utter actions mark their messages
        if name == DISCLOSURE:
            generated[DISCLOSES] = True
        messages.append(create_bot_utterance(generated))
    return messages


class _WithPreamble:
    """`action`, whose events get the preamble before their first bot message."""

    def __init__(self, action: Action) -> None:
        self._action = action

    def __getattr__(self, name: str) -> Any:
        return getattr(self._action, name)

    async def run(self, output_channel: OutputChannel, nlg: NaturalLanguageGenerator,
                  tracker: DialogueStateTracker, domain: Domain) -> Optional[List[Event]]:
        events = await self._action.run(output_channel, nlg, tracker, domain)
        first = next((i for i, event in enumerate(events or []) if isinstance(event, BotUttered)), None)
        if first is None:
            return events
        return events[:first] + await preamble(tracker, nlg, output_channel, domain) + events[first:]


async def run_action_with_preamble(processor: MessageProcessor, action: Action, *args: Any, **kwargs: Any) -> bool:
    """`MessageProcessor._run_action`, the action's answer preceded by what is due."""
    return await _ORIGINAL_RUN_ACTION(processor, _WithPreamble(action), *args, **kwargs)


async def prediction_loop_warning_while_paused(processor: MessageProcessor, output_channel: OutputChannel,
                                               tracker: DialogueStateTracker) -> None:
    """`MessageProcessor._run_prediction_loop` (which runs nothing while the bot is paused), after the warning due
    while paused, sent and logged as any bot message; while paused, what a customer waiting for a person gets
    (waiting_for_staff.py) instead."""
    from bot.rasa_server.waiting_for_staff import answer_while_waiting

    warnings = await paused_warning(tracker, processor.nlg, output_channel, processor.domain)
    if warnings:
        tracker.update_with_events(warnings, processor.domain)
        await processor.execute_side_effects(warnings, tracker, output_channel)
    if tracker.is_paused():  # nobody may have taken it yet: "cancel" withdraws the request, else "it waits"
        await answer_while_waiting(processor, output_channel, tracker)
        if not tracker.is_paused():
            return  # withdrawn: the bot said so, and the turn is over
    await _ORIGINAL_PREDICTION_LOOP(processor, output_channel, tracker)


def install() -> None:
    """Every action the Rasa server of this process runs gets its preamble, and a secret typed while staff hold the
    conversation its warning (idempotent)."""
    MessageProcessor._run_action = run_action_with_preamble  # type: ignore[method-assign]
    MessageProcessor._run_prediction_loop = prediction_loop_warning_while_paused  # type: ignore[method-assign]
