"""The handoff queue on a real (SQLite file) branch database."""
from datetime import datetime, timedelta, timezone
from threading import Barrier, Thread

import pytest
from sqlalchemy import select

from bot.branch_db import session_factory
from bot.handoff.models import AgentAction, Handoff
from bot.handoff.queue import HandoffQueue

START = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def queue(tmp_path, clock):
    return HandoffQueue(session_factory(f"sqlite:///{tmp_path / 'branch.db'}"), sla=timedelta(minutes=30), clock=clock)


def test_a_request_waits_with_its_details_masked(queue):
    handoff_id = queue.request_handoff("psid-1", "messenger", "customer_asked", "my code is 482913, card 4970101234567890")
    [waiting] = queue.waiting()
    assert waiting.id == handoff_id
    assert (waiting.conversation_id, waiting.channel, waiting.reason, waiting.status) == (
        "psid-1", "messenger", "customer_asked", "waiting")
    assert waiting.last_customer_message == "my code is ••••••, card •••• 7890"
    assert waiting.requested_at == START and waiting.requested_at.tzinfo is not None
    assert queue.is_paused("psid-1") and not queue.is_paused("psid-2")


def test_requests_are_idempotent_while_one_is_open(queue):
    first = queue.request_handoff("psid-1", "messenger", "customer_asked", "help")
    again = queue.request_handoff("psid-1", "messenger", "not_understood", "hello?")
    assert again == first and len(queue.waiting()) == 1
    assert queue.take(first, "alice")
    assert queue.request_handoff("psid-1", "messenger", "customer_asked", "x") == first  # taken is still open
    assert queue.hand_back(first, "alice")
    later = queue.request_handoff("psid-1", "messenger", "customer_asked", "again")
    assert later != first and [w.id for w in queue.waiting()] == [later]


def test_a_waiting_request_can_be_withdrawn_a_taken_one_cannot(queue):
    waiting = queue.request_handoff("psid-1", "messenger", "customer_asked", "help")
    assert queue.status_of("psid-1") == "waiting"
    assert queue.withdraw("psid-1", "the customer withdrew the request") == waiting
    assert queue.status_of("psid-1") is None and queue.get(waiting).status == "closed"
    assert [(a.agent, a.action, a.detail) for a in queue.actions(waiting)] == [
        ("system", "closed", "the customer withdrew the request")]

    taken = queue.request_handoff("psid-1", "messenger", "customer_asked", "help again")
    assert queue.take(taken, "alice")
    assert queue.withdraw("psid-1", "the customer withdrew the request") is None  # the advisor keeps it
    assert queue.status_of("psid-1") == "taken" and queue.withdraw("psid-2", "x") is None


def test_what_the_customer_writes_while_the_request_is_open_is_its_last_message_masked(queue):
    handoff = queue.request_handoff("psid-1", "messenger", "customer_asked", "talk to a human")
    assert queue.note_customer_message("psid-1", "still there? my card 4970 1012 3456 7890 is gone") == "waiting"
    assert queue.get(handoff).last_customer_message == "still there? my card •••• 7890 is gone"
    assert queue.take(handoff, "alice") and queue.note_customer_message("psid-1", "thanks") == "taken"
    assert queue.hand_back(handoff, "alice") and queue.note_customer_message("psid-1", "bye") is None
    assert queue.get(handoff).last_customer_message == "thanks"


def test_unknown_reasons_are_refused(queue):
    with pytest.raises(ValueError):
        queue.request_handoff("psid-1", "messenger", "bored", "")


def test_two_agents_cannot_take_the_same_conversation(queue):
    handoff_id = queue.request_handoff("psid-1", "socketio", "customer_asked", "hi")
    assert queue.take(handoff_id, "alice") is True
    assert queue.take(handoff_id, "bob") is False
    assert queue.get(handoff_id).taken_by == "alice"
    assert queue.waiting() == []


def test_concurrent_takes_have_exactly_one_winner(tmp_path, clock):
    url = f"sqlite:///{tmp_path / 'race.db'}"
    handoff_id = HandoffQueue(session_factory(url), clock=clock).request_handoff("psid-9", "messenger", "escalated", "")
    agents = [f"agent-{n}" for n in range(8)]
    barrier = Barrier(len(agents))
    results = {}

    def attempt(agent):
        desk = HandoffQueue(session_factory(url), clock=clock)  # one engine each, like separate processes
        barrier.wait()
        for _ in range(50):
            try:
                results[agent] = desk.take(handoff_id, agent)
                return
            except Exception:  # SQLite "database is locked" under contention: try again
                pass

    threads = [Thread(target=attempt, args=(a,)) for a in agents]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(results.values()) == [False] * 7 + [True]
    winner = next(a for a, won in results.items() if won)
    assert HandoffQueue(session_factory(url), clock=clock).get(handoff_id).taken_by == winner


def test_waiting_is_oldest_first_and_overdue_after_the_sla(queue, clock):
    old = queue.request_handoff("psid-old", "messenger", "customer_asked", "")
    clock.now = START + timedelta(minutes=20)
    new = queue.request_handoff("psid-new", "socketio", "not_understood", "")
    clock.now = START + timedelta(minutes=30)
    first, second = queue.waiting()
    assert (first.id, second.id) == (old, new)
    assert first.waiting_seconds == 1800 and not first.overdue  # exactly at the target is not late
    clock.now = START + timedelta(minutes=31)
    first, second = queue.waiting()
    assert first.overdue and first.waiting_seconds == 1860
    assert not second.overdue and second.waiting_seconds == 660


def test_only_the_agent_who_took_it_replies_and_hands_back(queue):
    handoff_id = queue.request_handoff("psid-1", "messenger", "customer_asked", "")
    assert not queue.record_reply(handoff_id, "alice", "hello")  # not taken yet
    assert queue.take(handoff_id, "alice")
    assert not queue.record_reply(handoff_id, "bob", "hello")
    assert not queue.hand_back(handoff_id, "bob")
    assert queue.record_reply(handoff_id, "alice", "your code 123456 is not needed")
    assert queue.hand_back(handoff_id, "alice")
    assert not queue.hand_back(handoff_id, "alice")  # once
    handoff = queue.get(handoff_id)
    assert handoff.status == "returned" and handoff.returned_at is not None
    assert not queue.is_paused("psid-1")


def test_every_staff_action_is_audited_in_order(queue, clock):
    handoff_id = queue.request_handoff("psid-1", "messenger", "customer_asked", "")
    clock.now = START + timedelta(minutes=1)
    queue.take(handoff_id, "alice")
    queue.take(handoff_id, "bob")  # refused: not audited as a take
    clock.now = START + timedelta(minutes=2)
    queue.record_reply(handoff_id, "alice", "card 4970 1012 3456 7890 is blocked")
    clock.now = START + timedelta(minutes=3)
    queue.hand_back(handoff_id, "alice")
    audit = queue.actions(handoff_id)
    assert [(a.agent, a.action) for a in audit] == [("alice", "take"), ("alice", "reply"), ("alice", "hand_back")]
    assert [a.at for a in audit] == [START + timedelta(minutes=m) for m in (1, 2, 3)]
    assert audit[1].detail == "card •••• 7890 is blocked"


def test_taken_time_ends_the_wait(queue, clock):
    handoff_id = queue.request_handoff("psid-1", "messenger", "customer_asked", "")
    clock.now = START + timedelta(minutes=45)
    queue.take(handoff_id, "alice")
    clock.now = START + timedelta(hours=5)
    handoff = queue.get(handoff_id)
    assert handoff.waiting_seconds == 45 * 60 and not handoff.overdue


def test_rows_are_stored_in_the_branch_tables(tmp_path, clock):
    sessions = session_factory(f"sqlite:///{tmp_path / 'b.db'}")
    queue = HandoffQueue(sessions, clock=clock)
    handoff_id = queue.request_handoff("psid-1", "messenger", "customer_asked", "")
    queue.take(handoff_id, "alice")
    with sessions() as session:
        assert session.scalars(select(Handoff.status)).all() == ["taken"]
        assert session.scalars(select(AgentAction.action)).all() == ["take"]


def test_each_agent_sees_the_conversations_they_hold(queue):
    a = queue.request_handoff("psid-a", "messenger", "customer_asked", "")
    b = queue.request_handoff("psid-b", "messenger", "customer_asked", "")
    queue.take(a, "alice")
    queue.take(b, "bob")
    assert [h.id for h in queue.taken_by("alice")] == [a]
    queue.hand_back(a, "alice")
    assert queue.taken_by("alice") == [] and [h.id for h in queue.taken_by("bob")] == [b]


async def test_an_agent_reply_is_audited_without_codes_or_card_numbers(queue):
    from bot.handoff.rasa_control import AgentMessageResult
    from bot.handoff.staff_desk import StaffDesk

    class DeliveringRasa:
        async def pause(self, conversation_id):
            return None

        async def send_as_agent(self, conversation_id, channel, text, agent, agent_name=None):
            return AgentMessageResult(delivered=True, recorded=True, reason="")

    handoff = queue.request_handoff("psid-1", "messenger", "customer_asked", "help")
    desk = StaffDesk(queue, DeliveringRasa())
    assert await desk.take(handoff, "alice")
    await desk.reply(handoff, "alice", "your code 482913 and card 4970 1012 3456 7890 are noted")
    details = " ".join(a.detail or "" for a in queue.actions(handoff))
    assert "482913" not in details and "4970" not in details and "7890" in details
