"""While a customer waits for a person: the note that their message waits is said at most every ten minutes
(bot/rasa_server/waiting_for_staff.py; end to end in tests/integration/test_handoff_conversation.py)."""
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, ConversationPaused, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_server.waiting_for_staff import ACKNOWLEDGE_EVERY, STILL_WAITING, acknowledged_recently

T0 = 1_800_000_000.0


def tracker(*events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("psid-1", list(events), Domain.empty().slots)


def note(at: float) -> BotUttered:
    return BotUttered("Your message is waiting...", metadata={"utter_action": STILL_WAITING}, timestamp=at)


def test_the_note_is_said_again_only_after_ten_minutes():
    said = tracker(ConversationPaused(timestamp=T0), UserUttered("hello?", timestamp=T0 + 1), note(T0 + 1))
    assert acknowledged_recently(said, T0 + 60)
    assert acknowledged_recently(said, T0 + ACKNOWLEDGE_EVERY)
    assert not acknowledged_recently(said, T0 + 1 + ACKNOWLEDGE_EVERY)


def test_a_note_before_the_latest_pause_does_not_count():
    earlier = tracker(ConversationPaused(timestamp=T0), note(T0 + 1), ConversationPaused(timestamp=T0 + 120))
    assert not acknowledged_recently(earlier, T0 + 130)
    assert not acknowledged_recently(tracker(ConversationPaused(timestamp=T0)), T0 + 5)
