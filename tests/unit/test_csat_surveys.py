"""The satisfaction survey after a handoff: one per handoff, sent as the system within 24 h, one answer kept."""
from __future__ import annotations

import sqlite3
import time
from datetime import timedelta
from pathlib import Path

import pytest

from bot.branch_db import session_factory
from bot.channels.messenger.payloads import message_problems
from bot.clock import utc_now
from bot.db_migrations import BRANCH, current_revision, head_revision, migration_engine, upgrade
from bot.handoff.csat import (
    CsatSender,
    CsatSurveys,
    messenger_template,
    parse_score_payload,
    question_id,
    score_payload,
    survey_event,
    survey_of_question,
)
from bot.handoff.queue import HandoffQueue
from bot.handoff.rasa_control import RasaControl
from bot.handoff.staff_desk import StaffDesk
from bot.handoff.thread_control import ThreadControlHook
from tests.unit.staff_support import database_url
from tests.unit.test_handoff_rasa_control import TOKEN, FakeRasa, serving

PRIVACY = "https://bank.example/privacy"


def said(rasa: FakeRasa, conversation: str, minutes_ago: float) -> None:
    rasa.events.setdefault(conversation, []).append(
        {"event": "user", "text": "thanks", "timestamp": time.time() - minutes_ago * 60,
         "parse_data": {"intent": {"name": "thank"}}})


def queue_and_surveys(tmp_path: Path):
    sessions = session_factory(database_url(tmp_path))
    return HandoffQueue(sessions), CsatSurveys(sessions, create_tables=False)


def taken(queue: HandoffQueue, conversation: str, channel: str, agent: str = "alice", replied: bool = True) -> int:
    """A handoff `agent` took and, unless `replied` is False, answered (a survey asks about that answer)."""
    handoff_id = queue.request_handoff(conversation, channel, "customer_asked", "a person please")
    assert queue.take(handoff_id, agent)
    if replied:
        assert queue.record_reply(handoff_id, agent, "Hello, how can I help?")
    return handoff_id


# -- the messages ------------------------------------------------------------------------------------

def test_score_payloads_round_trip_and_nothing_else_parses():
    assert parse_score_payload(score_payload(12, 4)) == (12, 4)
    for other in ("/csat", '/csat{"score": 6, "survey": 1}', '/csat{"score": 4}', '/csat{"score": true, "survey": 1}',
                  '/csat{"score": 4, "survey": "1"}', "csat{\"score\": 4, \"survey\": 1}", "/affirm", None, "",
                  '/csat{"score": 4, "survey": 0}', "/csat{not json"):
        assert parse_score_payload(other) is None, other
    assert survey_of_question(question_id(77)) == 77 and survey_of_question("q1") is None


def test_the_template_and_the_fallback_pass_our_messenger_validator():
    event = survey_event(5, "messenger", PRIVACY)
    survey = event["data"]["custom"]["csat_survey"]
    assert event["text"] is None  # Rasa would send a text as a message of its own
    assert message_problems(survey["template"]) == [] and message_problems(survey["fallback"]) == []
    assert [q["payload"] for q in survey["fallback"]["quick_replies"]] == [score_payload(5, s) for s in range(1, 6)]
    web = survey_event(5, "socketio", PRIVACY)
    assert [b["payload"] for b in web["data"]["quick_replies"]] == [score_payload(5, s) for s in range(1, 6)]
    assert "buttons" not in web["data"]  # chips that go once tapped, not buttons that stay in the thread


@pytest.mark.parametrize("change, problem", [
    ({"business_privacy": {"url": "ftp://x"}}, "business_privacy.url"),
    ({"expires_in_days": 9}, "expires_in_days"),
    ({"feedback_screens": [{"questions": [{"id": "a-b", "type": "csat"}]}]}, "id must be"),
    ({"feedback_screens": [{"questions": [{"id": "q", "type": "csat", "score_option": "zero_to_ten"}]}]},
     "score_option"),
    ({"button_title": "x" * 21}, "button_title"),
])
def test_our_validator_refuses_a_malformed_template(change, problem):
    template = messenger_template(5, PRIVACY)
    template["attachment"]["payload"].update(change)
    assert any(problem in p for p in message_problems(template))


# -- the table ---------------------------------------------------------------------------------------

def test_one_survey_per_handoff_and_one_answer_per_survey_masked(tmp_path: Path):
    queue, surveys = queue_and_surveys(tmp_path)
    handoff_id = taken(queue, "psid-1", "messenger")
    survey_id = surveys.begin(handoff_id, "psid-1", "messenger", "alice")
    assert survey_id is not None and surveys.begin(handoff_id, "psid-1", "messenger", "alice") is None
    surveys.settle(survey_id, "sent")

    assert surveys.answer("someone-else", survey_id, 5, None, "template") is None  # not their survey
    assert surveys.answer("psid-1", survey_id, 7, None, "template") is None  # not a score
    assert surveys.answer("psid-1", survey_id, 2, "my card 4970 1012 3456 7890, code 412612", "template") == survey_id
    assert surveys.answer("psid-1", survey_id, 5, "again", "template") is None  # Meta delivered it twice
    assert surveys.answer("psid-1", None, 5, None, "quick_reply") is None  # nothing left unanswered

    view = surveys.get(survey_id)
    assert (view.score, view.answered_via, view.agent) == (2, "template", "alice")
    assert view.comment == "my card •••• 7890, code ••••••"


def test_an_answer_without_a_survey_id_goes_to_the_latest_unanswered_survey(tmp_path: Path):
    queue, surveys = queue_and_surveys(tmp_path)
    first_handoff = taken(queue, "psid-1", "messenger")
    first = surveys.begin(first_handoff, "psid-1", "messenger", "alice")
    surveys.settle(first, "sent")
    assert queue.hand_back(first_handoff, "alice")
    second = surveys.begin(taken(queue, "psid-1", "messenger", "bob"), "psid-1", "messenger", "bob")
    surveys.settle(second, "sent")
    assert surveys.answer("psid-1", None, 4, None, "template") == second


def test_a_survey_not_sent_takes_no_answer_and_counts_nowhere(tmp_path: Path):
    queue, surveys = queue_and_surveys(tmp_path)
    survey_id = surveys.begin(taken(queue, "psid-1", "messenger"), "psid-1", "messenger", "alice")
    surveys.settle(survey_id, "not_sent", "more than 24 hours since the customer's last message")
    assert surveys.answer("psid-1", survey_id, 5, None, "quick_reply") is None
    assert surveys.by_advisor() == []


def test_per_advisor_average_and_count(tmp_path: Path):
    queue, surveys = queue_and_surveys(tmp_path)
    for n, (agent, score) in enumerate([("alice", 5), ("alice", 4), ("bob", 2), ("bob", None), (None, 3)]):
        conversation = f"c{n}"
        handoff_id = queue.request_handoff(conversation, "socketio", "customer_asked", "")
        survey_id = surveys.begin(handoff_id, conversation, "socketio", agent)
        surveys.settle(survey_id, "sent")
        if score is not None:
            assert surveys.answer(conversation, survey_id, score, None, "button")
    rows = {(a.agent, a.average, a.answers, a.sent) for a in surveys.by_advisor()}
    assert rows == {("alice", 4.5, 2, 2), ("bob", 2.0, 1, 2), (None, 3.0, 1, 1)}


# -- the migration -------------------------------------------------------------------------------------

def test_a_0001_branch_database_is_upgraded_to_the_survey_table_keeping_its_rows(tmp_path: Path):
    from alembic import command

    from bot.db_migrations import alembic_config, locked

    url = f"sqlite:///{tmp_path / 'branch.db'}"
    with locked(BRANCH, url) as connection:
        command.upgrade(alembic_config(BRANCH, connection), "0001")
    raw = sqlite3.connect(tmp_path / "branch.db")
    raw.execute("INSERT INTO handoffs (id, conversation_id, channel, reason, last_customer_message, requested_at, "
                "status, taken_by) VALUES (1, 'psid-1', 'messenger', 'customer_asked', '', "
                "'2026-12-01 10:00:00.000000', 'taken', 'alice')")
    raw.commit()
    tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    raw.close()
    assert "csat_surveys" not in tables

    outcome = upgrade("branch", url)

    assert (outcome.before, outcome.after) == ("0001", head_revision(BRANCH)) and outcome.after >= "0002"
    engine = migration_engine(url)
    try:
        with engine.connect() as connection:
            assert current_revision(connection, BRANCH) == head_revision(BRANCH)
    finally:
        engine.dispose()
    surveys = CsatSurveys(session_factory(url), create_tables=False)
    survey_id = surveys.begin(1, "psid-1", "messenger", "alice")
    surveys.settle(survey_id, "sent")
    assert surveys.answer("psid-1", survey_id, 5, None, "template") == survey_id
    assert HandoffQueue(session_factory(url), create_tables=False).get(1).taken_by == "alice"


# -- sending -------------------------------------------------------------------------------------------

async def test_handing_back_sends_one_survey_as_the_system_through_the_channel(tmp_path: Path):
    rasa = FakeRasa()
    queue, surveys = queue_and_surveys(tmp_path)
    messenger = taken(queue, "psid-1", "messenger")
    widget = taken(queue, "widget-1", "socketio")
    said(rasa, "psid-1", 3)
    said(rasa, "widget-1", 3)
    async with serving(rasa.app()) as url:
        control = RasaControl(url, TOKEN)
        desk = StaffDesk(queue, control, CsatSender(lambda: surveys, control, PRIVACY))
        try:
            assert await desk.hand_back(messenger, "alice")
            assert await desk.hand_back(widget, "alice")
            assert await desk.csat.offer(messenger, "psid-1", "messenger", "alice") is None  # one per handoff
        finally:
            await desk.close()

    surveys_sent = [(cid, events, query) for cid, events, query in rasa.appended
                    if any((e.get("metadata") or {}).get("csat_survey") for e in events)]
    assert [(cid, query["output_channel"], query["execute_side_effects"]) for cid, _, query in surveys_sent] == [
        ("psid-1", "messenger", "true"), ("widget-1", "socketio", "true")]
    for _, [event], _ in surveys_sent:
        assert event["event"] == "bot" and "agent" not in event["metadata"]  # the system, not a member of staff
    for handoff_id in (messenger, widget):
        view = surveys.for_handoff(handoff_id)
        assert (view.status, view.agent) == ("sent", "alice")


async def test_no_survey_outside_the_24_hour_window_it_is_recorded_not_sent(tmp_path: Path):
    rasa = FakeRasa()
    queue, surveys = queue_and_surveys(tmp_path)
    handoff_id = taken(queue, "psid-1", "messenger")
    said(rasa, "psid-1", 25 * 60)
    async with serving(rasa.app()) as url:
        control = RasaControl(url, TOKEN)
        desk = StaffDesk(queue, control, CsatSender(lambda: surveys, control, PRIVACY))
        try:
            assert await desk.hand_back(handoff_id, "alice")
        finally:
            await desk.close()
    view = surveys.for_handoff(handoff_id)
    assert (view.status, view.detail) == ("not_sent", "more than 24 hours since the customer's last message")
    assert not any("output_channel" in q and q["output_channel"] == "messenger" for _, _, q in rasa.appended)


async def test_no_survey_when_no_message_from_staff_reached_the_customer(tmp_path: Path):
    rasa = FakeRasa()
    queue, surveys = queue_and_surveys(tmp_path)
    silent = taken(queue, "psid-1", "messenger", replied=False)
    undelivered = taken(queue, "psid-2", "messenger", replied=False)
    assert queue.record_reply(undelivered, "alice", "Hello?", not_delivered="outside the messaging window")
    answered = taken(queue, "psid-3", "messenger")
    for conversation in ("psid-1", "psid-2", "psid-3"):
        said(rasa, conversation, 3)
    async with serving(rasa.app()) as url:
        control = RasaControl(url, TOKEN)
        desk = StaffDesk(queue, control, CsatSender(lambda: surveys, control, PRIVACY))
        try:
            for handoff_id in (silent, undelivered, answered):
                assert await desk.hand_back(handoff_id, "alice")
        finally:
            await desk.close()
    assert surveys.for_handoff(silent) is None and surveys.for_handoff(undelivered) is None
    assert surveys.for_handoff(answered).status == "sent"
    surveyed = {cid for cid, events, _ in rasa.appended if any((e.get("metadata") or {}).get("csat_survey") for e in events)}
    assert surveyed == {"psid-3"}


async def test_the_idle_close_sends_the_survey_to_the_advisor_s_customer(tmp_path: Path):
    rasa = FakeRasa()
    sessions = session_factory(database_url(tmp_path))
    old = HandoffQueue(sessions, clock=lambda: utc_now() - timedelta(hours=2))
    handoff_id = taken(old, "widget-9", "socketio", "bob")
    said(rasa, "widget-9", 60)
    surveys = CsatSurveys(sessions, create_tables=False)
    async with serving(rasa.app()) as url:
        control = RasaControl(url, TOKEN)
        desk = StaffDesk(HandoffQueue(sessions), control, CsatSender(lambda: surveys, control, PRIVACY))
        try:
            assert await desk.close_idle(timedelta(minutes=55)) == [handoff_id]
        finally:
            await desk.close()
    view = surveys.for_handoff(handoff_id)
    assert (view.status, view.agent, view.channel) == ("sent", "bob", "socketio")


async def test_rasa_unreachable_records_the_survey_not_sent(tmp_path: Path):
    queue, surveys = queue_and_surveys(tmp_path)
    handoff_id = taken(queue, "psid-1", "messenger")
    control = RasaControl("http://127.0.0.1:9", TOKEN)
    try:
        sender = CsatSender(lambda: surveys, control, PRIVACY)
        assert await sender.offer(handoff_id, "psid-1", "messenger", "alice") == "not_sent"
    finally:
        await control.close()
    assert surveys.for_handoff(handoff_id).detail.startswith("Rasa:")


class _Handover:
    enabled = True

    @staticmethod
    def returns_to_this_app(kind, app_id):
        return True


async def test_the_page_inbox_giving_the_thread_back_sends_the_survey(tmp_path: Path):
    rasa = FakeRasa()
    queue, surveys = queue_and_surveys(tmp_path)
    waiting = queue.request_handoff("psid-7", "messenger", "customer_asked", "a person")
    said(rasa, "psid-7", 5)
    async with serving(rasa.app()) as url:
        control = RasaControl(url, TOKEN)
        hook = ThreadControlHook(_Handover(), control, queue=lambda: queue,
                                 csat=CsatSender(lambda: surveys, control, PRIVACY))
        try:
            await hook("psid-7", "pass_thread_control", "1000000000000001")
        finally:
            await hook.close()
    view = surveys.for_handoff(waiting)
    assert (view.status, view.agent) == ("sent", "page_inbox")
    assert rasa.appended[-1][2]["output_channel"] == "messenger"
