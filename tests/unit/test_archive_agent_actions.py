"""Staff actions in the handoff queue (take, reply, hand back) are archived, masked, with the agent's name."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from bot.archive.agent_actions import agent_archiver
from bot.archive.service import writer_for
from bot.archive.store import ArchiveStore
from bot.archive.verify import verify
from bot.branch_db import session_factory
from bot.handoff.queue import HandoffQueue
from bot.settings import Settings


def test_take_reply_and_hand_back_are_archived_after_the_audit(tmp_path: Path) -> None:
    archive_url = f"sqlite:///{tmp_path / 'archive.db'}"
    queue = HandoffQueue(session_factory(f"sqlite:///{tmp_path / 'branch.db'}"), archive=agent_archiver(archive_url))
    handoff = queue.request_handoff("psid-7", "messenger", "customer_asked", "I want a person")

    assert queue.take(handoff, "anna")
    assert queue.record_reply(handoff, "anna", "Hello! Your code 123456 and card 4970101234567890 are safe")
    assert not queue.record_reply(handoff, "marc", "not mine")  # refused: nothing audited, nothing archived
    assert queue.hand_back(handoff, "anna")
    assert writer_for(archive_url).flush(timeout=30)

    store = ArchiveStore(archive_url)
    with store.reader.connect() as connection:
        rows = connection.execute(text(
            "SELECT direction, kind, agent, channel, conversation_id, text, reference FROM archive_entries ORDER BY seq"
        )).all()
    assert [tuple(row) for row in rows] == [
        ("agent", "take", "anna", "messenger", "psid-7", "", f"handoff:{handoff}"),
        ("agent", "reply", "anna", "messenger", "psid-7", "Hello! Your code •••••• and card •••• 7890 are safe",
         f"handoff:{handoff}"),
        ("agent", "hand_back", "anna", "messenger", "psid-7", "", f"handoff:{handoff}"),
    ]
    assert verify(store).intact
    store.dispose()


def test_the_queue_of_the_web_service_archives_to_the_configured_database(tmp_path: Path) -> None:
    settings = Settings(branch_database_url=f"sqlite:///{tmp_path / 'branch.db'}",
                        archive_database_url=f"sqlite:///{tmp_path / 'archive.db'}")
    queue = HandoffQueue.from_settings(settings)
    handoff = queue.request_handoff("web-3", "socketio", "customer_asked", "")

    assert queue.take(handoff, "marc")
    assert writer_for(settings.archive_database_url).flush(timeout=30)

    store = ArchiveStore(settings.archive_database_url)
    with store.reader.connect() as connection:
        assert connection.execute(text("SELECT kind, agent, channel FROM archive_entries")).all() == [
            ("take", "marc", "socketio")]
    store.dispose()
