"""The survey in the channels: Messenger sends the template (quick replies if refused), answers are stored, never
passed to the dialogue; a score tap counts only when the bot offered it to that customer."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any, List, Optional, Tuple

import pytest
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels.messenger.channel import MessengerInput, MessengerOutput
from bot.channels.messenger.router import Route, route
from bot.channels.messenger.webhook import EventKind, messaging_events
from bot.channels.offered_payloads import InMemoryOfferedPayloads
from bot.channels.web_chat.channel import WebChatInput
from bot.devtools.graph_rules import feedback_notification
from bot.handoff.csat import THANKS, question_id, score_payload, survey_event, typed_score
from bot.settings import Settings
from tests.unit.recording_send_api import RecordingSendApi
from tests.unit.test_messenger_input import PAGE, PSID, SECRET, Rasa, batch, event, post, quick_reply

PRIVACY = "https://bank.example/privacy"


class RecordingAnswers:
    """Stands in for `CsatAnswers`: the first answer per survey is kept, as the table does."""

    def __init__(self) -> None:
        self.calls: List[Tuple[str, Optional[int], int, Optional[str], str]] = []
        self.kept: set = set()

    async def store(self, conversation_id, survey_id, score, comment, via) -> bool:
        self.calls.append((conversation_id, survey_id, score, comment, via))
        if survey_id in self.kept:
            return False
        self.kept.add(survey_id)
        return True


@pytest.fixture
def wired(send_api):
    channel = MessengerInput(Settings(fb_app_secret=SECRET), send_api=send_api, offered=InMemoryOfferedPayloads())
    channel.csat = RecordingAnswers()
    return channel


@pytest.fixture
def log() -> List[Any]:
    return []


@pytest.fixture
def send_api(log) -> RecordingSendApi:
    return RecordingSendApi(log=log)


# -- the webhook -----------------------------------------------------------------------------------

def test_messaging_feedback_is_a_feedback_event_routed_away_from_the_dialogue():
    body = feedback_notification(PSID, PAGE, question_id(12), 4, "Quick and kind")
    [parsed] = list(messaging_events(body))
    assert parsed.kind == EventKind.FEEDBACK and parsed.field_name == "messaging_feedback"
    [answer] = parsed.feedback
    assert (answer.question_id, answer.kind, answer.score, answer.comment) == ("csat_12", "csat", 4, "Quick and kind")
    assert route(parsed) is Route.FEEDBACK
    standby = {"object": "page", "entry": [{"id": PAGE, "time": 1, "standby": body["entry"][0]["messaging"]}]}
    assert route(next(messaging_events(standby))) is Route.FEEDBACK  # stored whoever owns the thread


def test_a_malformed_feedback_event_carries_no_answer():
    raw = batch(event(messaging_feedback={"feedback_screens": [{"questions": {"q": {"payload": "four"}}}, "x"]}))
    [parsed] = list(messaging_events(raw))
    assert parsed.kind == EventKind.FEEDBACK and [a.score for a in parsed.feedback] == [None]


async def test_the_template_answer_is_stored_once_and_never_reaches_rasa(wired, log, send_api):
    rasa = Rasa(log)
    body = feedback_notification(PSID, PAGE, question_id(12), 5, "Great, 4970 1012 3456 7890")
    assert await post(wired, rasa, body) == 200
    assert await post(wired, rasa, body) == 200  # Meta retried
    assert wired.csat.calls == [(PSID, 12, 5, "Great, 4970 1012 3456 7890", "template")]  # masked by the table
    assert rasa.messages == [] and send_api.messages() == []


async def test_an_offered_score_tap_is_stored_and_thanked_not_passed_to_rasa(wired, log, send_api):
    rasa = Rasa(log)
    await wired.offered.record(PSID, [score_payload(12, s) for s in range(1, 6)])
    await post(wired, rasa, batch(quick_reply("4", score_payload(12, 4), mid="m-tap")))
    assert wired.csat.calls == [(PSID, 12, 4, None, "quick_reply")]
    assert rasa.messages == [] and send_api.messages(PSID) == [{"text": THANKS}]


async def test_a_score_tap_never_offered_is_typed_text_and_stores_nothing(wired, log):
    rasa = Rasa(log)
    await post(wired, rasa, batch(quick_reply("5", score_payload(99, 5), mid="m-forged")))
    assert wired.csat.calls == []
    assert rasa.texts == ["5"]


class Trackers:
    """Stands in for the Rasa server's tracker store: each conversation's events."""

    def __init__(self, **events: List[Any]) -> None:
        self.events = events

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        if sender_id not in self.events:
            return None
        return DialogueStateTracker.from_events(sender_id, self.events[sender_id])


def rasa_app(trackers: Trackers) -> SimpleNamespace:
    return SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(tracker_store=trackers)))


def survey_sent(survey_id: int) -> List[Any]:
    return [UserUttered("talk to someone"), BotUttered("Back with the assistant."),
            BotUttered("How did we do?", metadata={"csat_survey": survey_id})]


async def test_a_score_typed_while_the_survey_chips_are_offered_counts_as_the_tap(wired, log, send_api):
    rasa = Rasa(log)
    wired._app = rasa_app(Trackers(**{PSID: survey_sent(12)}))
    await wired.offered.record(PSID, [score_payload(12, s) for s in range(1, 6)])
    await post(wired, rasa, batch(event(message={"mid": "m-typed", "text": "4/5"})))
    assert wired.csat.calls == [(PSID, 12, 4, None, "quick_reply")]
    assert rasa.messages == [] and send_api.messages(PSID) == [{"text": THANKS}]
    await post(wired, rasa, batch(event(message={"mid": "m-other", "text": "send 5 to tom"})))
    assert rasa.texts == ["send 5 to tom"]  # anything but a score goes to the dialogue


# -- sending the survey ---------------------------------------------------------------------------

async def test_the_output_sends_the_template_as_a_bot_message():
    send_api = RecordingSendApi()
    offered = InMemoryOfferedPayloads()
    output = MessengerOutput(send_api, offered)
    await output.send_response(PSID, _message(survey_event(12, "messenger", PRIVACY)))
    [sent] = send_api.messages(PSID)
    assert sent["attachment"]["payload"]["template_type"] == "customer_feedback"
    assert sent["attachment"]["payload"]["feedback_screens"][0]["questions"][0]["id"] == "csat_12"
    assert not await offered.was_offered(PSID, score_payload(12, 4))


async def test_a_refused_template_falls_back_to_five_quick_replies_that_may_be_tapped():
    send_api = RecordingSendApi(accept=False)
    offered = InMemoryOfferedPayloads()
    output = MessengerOutput(send_api, offered)
    await output.send_response(PSID, _message(survey_event(12, "messenger", PRIVACY)))
    template, fallback = send_api.messages(PSID)
    assert "attachment" in template
    assert [q["payload"] for q in fallback["quick_replies"]] == [score_payload(12, s) for s in range(1, 6)]
    assert await offered.was_offered(PSID, score_payload(12, 4))


async def test_a_template_our_validator_refuses_is_not_sent_the_quick_replies_are():
    send_api = RecordingSendApi()
    message = _message(survey_event(12, "messenger", "not-a-url"))
    await MessengerOutput(send_api, InMemoryOfferedPayloads()).send_response(PSID, message)
    [only] = send_api.messages(PSID)
    assert "quick_replies" in only


def _message(bot_event):
    """What Rasa hands the output channel for an appended bot event (`BotUttered.message()`)."""
    from rasa.shared.core.events import Event

    return Event.from_parameters(bot_event).message()


# -- the web chat ---------------------------------------------------------------------------------

class _Output:
    def __init__(self) -> None:
        self.texts: List[str] = []

    async def send_text_message(self, recipient_id, text, **kwargs) -> None:
        self.texts.append(text)

    async def send_response(self, recipient_id, message) -> None:
        await self.send_text_message(recipient_id, message["text"])


async def test_a_web_chat_score_button_counts_only_when_offered_to_that_session():
    channel = WebChatInput(Settings())
    channel.offered = InMemoryOfferedPayloads()
    channel.csat = RecordingAnswers()
    await channel.offered.record("session-1", [score_payload(3, s) for s in range(1, 6)])

    said = await channel._text_for_rasa("session-1", "2", score_payload(3, 2))
    output = _Output()
    assert await channel._survey_tap("session-1", said, output)
    assert channel.csat.calls == [("session-1", 3, 2, None, "button")] and output.texts == [THANKS]

    forged = await channel._text_for_rasa("session-2", "5", score_payload(3, 5))
    assert not await channel._survey_tap("session-2", forged, output)
    typed = await channel._text_for_rasa("session-1", score_payload(3, 5), None)
    assert not await channel._survey_tap("session-1", typed, output)
    assert len(channel.csat.calls) == 1


@pytest.mark.parametrize("text, score", [("5", 5), (" 4/5 ", 4), ("3 étoiles", 3), ("2 stars!", 2), ("1 sur 5", 1),
                                         ("6", None), ("0", None), ("55", None), ("5 euros", None), ("", None)])
def test_a_typed_score_is_a_lone_digit_from_one_to_five(text, score):
    assert typed_score(text) == score


async def test_a_score_typed_while_the_web_chat_survey_is_offered_counts_as_the_tap():
    channel = WebChatInput(Settings())
    channel.offered = InMemoryOfferedPayloads()
    channel.csat = RecordingAnswers()
    channel._app = rasa_app(Trackers(**{
        "session-1": survey_sent(3),
        "session-2": survey_sent(4),  # its chips were never offered here
        "session-4": survey_sent(5) + [UserUttered("send money to Tom"), BotUttered("How much?")],
    }))
    for session, survey in (("session-1", 3), ("session-4", 5)):
        await channel.offered.record(session, [score_payload(survey, s) for s in range(1, 6)])
    output = _Output()

    said = await channel._typed_score_as_tap("session-1", "5")
    assert said == score_payload(3, 5) and await channel._survey_tap("session-1", said, output)
    assert channel.csat.calls == [("session-1", 3, 5, None, "button")] and output.texts == [THANKS]
    assert await channel._typed_score_as_tap("session-2", "5") == "5"
    assert await channel._typed_score_as_tap("session-3", "5") == "5"  # no conversation
    # The customer wrote since the survey: a "5" answers what was asked since (an amount), not the survey.
    assert await channel._typed_score_as_tap("session-4", "5") == "5"
    assert await channel._typed_score_as_tap("session-1", "send 5 to tom") == "send 5 to tom"
