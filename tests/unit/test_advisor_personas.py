"""An advisor's reply in Messenger goes out under their persona (name and picture), against the Graph API stand-in,
a small stand-in for Rasa's HTTP API and a real branch database (SQLite, migrated)."""
import pytest

from bot.branch_db import session_factory
from bot.channels.messenger.send_api import SendApi
from bot.db_migrations import ensure_upgraded
from bot.handoff.personas import MessengerPersona, Personas, persona_name
from bot.handoff.rasa_control import RasaControl
from bot.settings import Settings, SettingsError
from tests.support.standin_server import PAGE_TOKEN, standin_in_loop
from tests.unit.test_handoff_rasa_control import FAST, PSID, TOKEN, FakeRasa, customer_said, serving

PICTURE = "https://bank.example/messenger/advisor.png"


@pytest.fixture
def branch_sessions(tmp_path):
    url = f"sqlite:///{tmp_path / 'branch.db'}"
    ensure_upgraded("branch", url)
    return session_factory(url)


class Desk:
    """RasaControl with personas, and what the customer received."""

    def __init__(self, standin, control):
        self.standin, self.control = standin, control

    async def reply(self, text, agent="amelie", name="Amélie Durand"):
        return await self.control.send_as_agent(PSID, "messenger", text, agent, name)

    def received(self):
        """(text, the persona's name or None) of each message the customer got."""
        return [(s.body["message"]["text"], (self.standin.persona_of(s).get("persona") or {}).get("name"))
                for s in self.standin.messages_for(PSID) if "message" in s.body]

    def persona_calls(self, method="POST"):
        return [c for c in self.standin.calls if c.edge == "personas" and c.method == method]


@pytest.fixture
async def desk(branch_sessions):
    rasa = FakeRasa()
    customer_said(rasa, "je voudrais parler à quelqu'un", seconds_ago=60)
    async with standin_in_loop() as (standin, graph_url), serving(rasa.app()) as url:
        send_api = SendApi(graph_url, PAGE_TOKEN, 2, retry=FAST)
        control = RasaControl(url, TOKEN, send_api=send_api,
                              personas=Personas(send_api.graph, branch_sessions, PICTURE))
        try:
            yield Desk(standin, control)
        finally:
            await control.close()


async def test_the_first_reply_creates_the_advisors_persona_and_the_next_ones_reuse_it(desk, branch_sessions):
    assert (await desk.reply("Bonjour, je suis Amélie.")).delivered
    assert (await desk.reply("Je regarde votre virement.")).delivered
    assert desk.received() == [("Bonjour, je suis Amélie.", "Amélie Durand"), ("Je regarde votre virement.", "Amélie Durand")]
    [persona] = desk.standin.personas.values()
    assert persona["profile_picture_url"] == PICTURE and len(desk.persona_calls()) == 1
    with branch_sessions() as session:
        stored = session.get(MessengerPersona, "amelie")
    assert (stored.name, stored.persona_id, stored.picture_url) == ("Amélie Durand", persona["id"], PICTURE)


async def test_each_advisor_has_their_own_and_a_new_display_name_replaces_the_persona(desk):
    await desk.reply("Bonjour", agent="amelie", name="Amélie Durand")
    await desk.reply("Hello", agent="bob", name="Bob Martin")
    await desk.reply("Re-bonjour", agent="amelie", name="Amélie D.")
    assert desk.received() == [("Bonjour", "Amélie Durand"), ("Hello", "Bob Martin"), ("Re-bonjour", "Amélie D.")]
    # The persona of the old name is deleted at Meta: the page keeps one per advisor.
    assert sorted(p["name"] for p in desk.standin.personas.values()) == ["Amélie D.", "Bob Martin"]
    assert len(desk.persona_calls("DELETE")) == 1


async def test_when_meta_refuses_the_persona_the_reply_still_goes_out_unnamed(desk, branch_sessions):
    desk.standin.inject_faults(None, [{"status": 400, "code": 100, "message": "(#100) picture cannot be downloaded"}])
    result = await desk.reply("Bonjour")
    assert result.delivered and desk.received() == [("Bonjour", None)]
    with branch_sessions() as session:
        assert session.get(MessengerPersona, "amelie") is None  # tried again at the next reply
    await desk.reply("Toujours là ?")
    assert desk.received()[-1] == ("Toujours là ?", "Amélie Durand")


async def test_a_persona_deleted_at_meta_is_forgotten_the_reply_goes_unnamed_and_the_next_gets_a_new_one(desk):
    await desk.reply("Bonjour")
    desk.standin.personas.clear()  # someone deleted it in the page's tools
    result = await desk.reply("Vous êtes là ?")
    assert result.delivered and result.recorded
    await desk.reply("Je reprends.")
    assert desk.received() == [("Bonjour", "Amélie Durand"), ("Vous êtes là ?", None), ("Je reprends.", "Amélie Durand")]
    assert len(desk.persona_calls()) == 2


def test_the_name_meta_shows_is_one_line_of_50_characters_at_most():
    assert persona_name("  Amélie \n Durand ") == "Amélie Durand"
    # 51 characters: cut between words, not inside "Beaumont-Lefebvre"
    assert persona_name("Marie-Christine Beaumont-Lefebvre Beaumont-Lefebvre") == "Marie-Christine Beaumont-Lefebvre"
    assert len(persona_name("x" * 80)) == 50


def test_personas_are_on_only_with_a_picture_address(branch_sessions):
    assert RasaControl.from_settings(Settings(), branch_sessions=branch_sessions).personas is None
    on = RasaControl.from_settings(Settings(fb_persona_picture_url=PICTURE), branch_sessions=branch_sessions)
    assert on.personas is not None and on.personas.picture_url == PICTURE
    with pytest.raises(SettingsError, match="FB_PERSONA_PICTURE_URL"):
        Settings.from_env({"FB_PERSONA_PICTURE_URL": "advisor.png"})
