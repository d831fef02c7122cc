"""The console's CSAT page: per advisor, behind login, and the hand-back that sends the survey."""
from __future__ import annotations

from bot.handoff.csat import CsatSurveys
from tests.unit.test_console_queue import WIDGET_ID, Console, console, log_in, post, widget_conversation  # noqa: F401


async def test_the_csat_page_needs_a_login(console: Console):  # noqa: F811
    response = await console.alice.get("/console/csat", allow_redirects=False)
    assert response.status in (302, 303) and "/console/login" in response.headers["Location"]


async def test_a_hand_back_sends_the_survey_and_its_answer_shows_per_advisor(console: Console):  # noqa: F811
    widget_conversation(console.rasa)
    handoff = console.queue.request_handoff(WIDGET_ID, "socketio", "customer_asked", "a person")
    await log_in(console.alice, "alice")
    assert "No survey has been sent yet." in await (await console.alice.get("/console/csat")).text()
    assert (await post(console.alice, f"/console/handoffs/{handoff}/take")).status == 303
    assert (await post(console.alice, f"/console/handoffs/{handoff}/reply", text="Hi, Alice here")).status == 303
    assert (await post(console.alice, f"/console/handoffs/{handoff}/hand-back")).status == 303

    surveys = CsatSurveys(console.queue.sessions, create_tables=False)
    survey = surveys.for_handoff(handoff)
    assert (survey.status, survey.agent) == ("sent", "alice")
    assert surveys.answer(WIDGET_ID, survey.id, 4, None, "button") == survey.id

    html = await (await console.alice.get("/console/csat")).text()
    assert "<tr><td>Alice Martin (alice)</td><td>4.0</td><td>1</td><td>1</td></tr>" in html  # the display name too
    assert 'href="/console/csat"' in await (await console.alice.get("/console/")).text()
