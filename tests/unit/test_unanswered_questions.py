"""What the branch could not answer is kept, masked, for the content team (bot/knowledge/unanswered.py), recorded
by the tracker store as it stores the turn, and listed on the console's page behind the staff login."""
from __future__ import annotations

from datetime import datetime, timezone

from bot.branch_db import session_factory
from bot.knowledge.unanswered import UnansweredLog, misses, record_if_unanswered
from tests.unit.test_console_queue import Console, console, database_url, log_in  # noqa: F401

T = 1_796_000_000.0  # a fixed moment


def user(text, intent, channel="messenger", at=T):
    return {"event": "user", "text": text, "timestamp": at, "input_channel": channel,
            "parse_data": {"intent": {"name": intent}}}


def test_only_misses_are_kept_masked_with_language_channel_and_time():
    events = [{"event": "slot", "name": "language", "value": "fr"}]
    new = [user("ma carte 4111 1111 1111 1111 et le code 123456, c'est pour la météo", "out_of_scope"),
           user("what's my balance", "check_balance"), user("/human_handoff", "nlu_fallback"),
           user("blorp", "nlu_fallback", channel="socketio")]
    found = misses(new, events + new)
    assert [(m.language, m.channel, m.reason) for m in found] == [("fr", "messenger", "out_of_scope"),
                                                                  ("fr", "socketio", "nlu_fallback")]
    assert found[0].text == "ma carte •••• 1111 et le code ••••••, c'est pour la météo"
    assert found[0].asked_at == datetime.fromtimestamp(T, tz=timezone.utc) and found[0].asked_at.tzinfo


def test_they_are_written_to_the_branch_database_and_a_broken_one_does_not_stop_the_turn(tmp_path):
    from bot.db_migrations import upgrade

    url = database_url(tmp_path)
    upgrade("branch", url)
    log = UnansweredLog(session_factory(url))
    assert record_if_unanswered([user("is it going to rain", "out_of_scope")], [], log) == 1
    [kept] = log.latest()
    assert (kept.text, kept.language, kept.reason) == ("is it going to rain", "en", "out_of_scope")
    assert kept.asked_at.tzinfo is not None

    broken = UnansweredLog(session_factory(f"sqlite:///{tmp_path / 'empty.db'}"))  # no table: never upgraded
    assert record_if_unanswered([user("weather?", "out_of_scope")], [], broken) == 0


async def test_the_console_lists_them_behind_the_login(console: Console):  # noqa: F811
    response = await console.alice.get("/console/unanswered", allow_redirects=False)
    assert response.status in (302, 303) and "/console/login" in response.headers["Location"]
    await log_in(console.alice, "alice")
    assert "Nothing unanswered yet." in await (await console.alice.get("/console/unanswered")).text()
    UnansweredLog(console.queue.sessions).record(misses([user("<b>card</b> 4111 1111 1111 1111?", "nlu_fallback")], []))
    html = await (await console.alice.get("/console/unanswered")).text()
    assert "&lt;b&gt;card&lt;/b&gt;" in html and "4111 1111" not in html and "Not understood" in html
    assert 'href="/console/unanswered"' in await (await console.alice.get("/console/")).text()
