"""The Graph API stand-in answers like Meta: over HTTP, on a loopback port."""
from datetime import datetime, timedelta, timezone

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.channels.messenger.profile import profile_body
from bot.devtools.graph_rules import OLDEST_SERVED_VERSION
from bot.devtools.graph_standin import GraphStandin
from tests.support.standin_server import PAGE_TOKEN, VERSION

PSID = "1234567890"
TOKEN = {"access_token": PAGE_TOKEN}
V = f"/{VERSION}"


def message(text="hi", **fields):
    return {"recipient": {"id": PSID}, "messaging_type": "RESPONSE", "message": {"text": text}, **fields}


@pytest.fixture
async def graph():
    standin = GraphStandin(page_access_token=PAGE_TOKEN)
    client = TestClient(TestServer(standin.app(), host="127.0.0.1"))
    await client.start_server()
    try:
        yield standin, client
    finally:
        await client.close()


async def error_of(resp):
    body = await resp.json()
    return resp.status, body["error"].get("code"), body["error"].get("error_subcode")


async def test_the_send_api_and_what_was_sent_still_work(graph):
    standin, client = graph
    resp = await client.post(f"{V}/me/messages", params=TOKEN, json=message("Hello"))
    assert resp.status == 200 and (await resp.json())["message_id"] == "m_standin_1"
    read = await (await client.get("/_standin/messages", params={"recipient": PSID})).json()
    assert [m["body"]["message"]["text"] for m in read["messages"]] == ["Hello"]
    assert (await (await client.get("/health")).json()) == {"status": "ok"}
    assert standin.texts_for(PSID) == ["Hello"]


async def test_message_tag_needs_a_valid_tag(graph):
    standin, client = graph
    no_tag = await client.post(f"{V}/me/messages", params=TOKEN, json=message(messaging_type="MESSAGE_TAG"))
    bad_tag = await client.post(f"{V}/me/messages", params=TOKEN,
                                json=message(messaging_type="MESSAGE_TAG", tag="PROMOTION"))
    human = await client.post(f"{V}/me/messages", params=TOKEN,
                              json=message(messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT"))
    assert (await error_of(no_tag))[:2] == (400, 100)
    assert (await error_of(bad_tag))[:2] == (400, 100)
    assert human.status == 200 and len(standin.sent) == 1


async def test_the_messaging_windows_are_enforced_once_the_customer_is_known(graph):
    standin, client = graph
    wrote = datetime.now(timezone.utc) - timedelta(hours=25)
    resp = await client.post("/_standin/inbound", json={"recipient": PSID, "timestamp": int(wrote.timestamp() * 1000)})
    assert resp.status == 200
    late_response = await client.post(f"{V}/me/messages", params=TOKEN, json=message())
    late_typing = await client.post(f"{V}/me/messages", params=TOKEN,
                                    json={"recipient": {"id": PSID}, "sender_action": "typing_on"})
    human = await client.post(f"{V}/me/messages", params=TOKEN,
                              json=message(messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT"))
    assert await error_of(late_response) == (400, 10, 2018278)
    assert await error_of(late_typing) == (400, 10, 2018278)
    assert human.status == 200

    standin.customer_wrote(PSID, datetime.now(timezone.utc) - timedelta(days=8))  # older: changes nothing
    assert abs(standin.last_inbound[PSID] - wrote) < timedelta(milliseconds=2)
    standin.last_inbound[PSID] = datetime.now(timezone.utc) - timedelta(days=8)
    too_late = await client.post(f"{V}/me/messages", params=TOKEN,
                                 json=message(messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT"))
    assert await error_of(too_late) == (400, 10, 2018278)

    await client.post("/_standin/inbound", json={"recipient": PSID})  # the customer writes again, now
    assert (await client.post(f"{V}/me/messages", params=TOKEN, json=message())).status == 200


async def test_faults_answer_the_next_requests_in_order_then_meta_answers_again(graph):
    standin, client = graph
    resp = await client.post("/_standin/faults", json={"recipient": PSID, "responses": [
        {"status": 500, "code": 2}, {"status": 400, "code": 613, "retry_after": 3}]})
    assert (await resp.json()) == {"queued": 2}
    other = await client.post(f"{V}/me/messages", params=TOKEN, json={**message(), "recipient": {"id": "someone"}})
    first = await client.post(f"{V}/me/messages", params=TOKEN, json=message())
    second = await client.post(f"{V}/me/messages", params=TOKEN, json=message())
    third = await client.post(f"{V}/me/messages", params=TOKEN, json=message())
    assert other.status == 200
    assert (await error_of(first))[:2] == (500, 2)
    assert (await error_of(second))[:2] == (400, 613) and second.headers["Retry-After"] == "3"
    assert third.status == 200
    assert standin.texts_for(PSID) == ["hi"]
    assert [c.status for c in standin.calls_for(PSID)] == [500, 400, 200]


async def test_faults_can_be_cleared_and_bad_ones_are_refused(graph):
    standin, client = graph
    await client.post("/_standin/faults", json={"responses": [{"status": 503}]})
    assert (await client.delete("/_standin/faults")).status == 200
    assert (await client.post(f"{V}/me/messages", params=TOKEN, json=message())).status == 200
    assert (await client.post("/_standin/faults", json={"responses": [{"status": 200}]})).status == 400
    assert (await client.post("/_standin/faults", json={"responses": "500"})).status == 400


async def test_the_messenger_profile_is_set_read_and_deleted(graph):
    standin, client = graph
    assert (await client.post(f"{V}/me/messenger_profile", params=TOKEN, json=profile_body())).status == 200
    resp = await client.get(f"{V}/me/messenger_profile", params={**TOKEN, "fields": "get_started,persistent_menu"})
    data = (await resp.json())["data"]
    assert data == [{"get_started": {"payload": "/get_started"},
                     "persistent_menu": profile_body()["persistent_menu"]}]
    deleted = await client.delete(f"{V}/me/messenger_profile", params=TOKEN, json={"fields": ["greeting"]})
    assert deleted.status == 200 and "greeting" not in standin.profile
    resp = await client.get(f"{V}/me/messenger_profile", params={**TOKEN, "fields": "greeting"})
    assert (await resp.json()) == {"data": []}


def with_menu(actions):
    body = profile_body()
    body["persistent_menu"][0]["call_to_actions"] = actions
    return body


@pytest.mark.parametrize("body", [
    {},
    {"colour": "blue"},
    {"get_started": {"payload": ""}},
    {"greeting": [{"locale": "default", "text": "x" * 161}]},
    {"greeting": [{"locale": "fr_FR", "text": "Bonjour"}]},
    {"persistent_menu": profile_body()["persistent_menu"]},  # no Get Started button
    with_menu([{"type": "postback", "title": f"Item {n}", "payload": f"/p{n}"} for n in range(21)]),
    with_menu([{"type": "postback", "title": "x" * 31, "payload": "/p"}]),
    with_menu([{"type": "postback", "title": "Pay", "payload": ""}]),
    with_menu([{"type": "nested", "title": "More", "call_to_actions": []}]),
    with_menu([{"type": "web_url", "title": "Site", "url": "ftp://bank"}]),
    with_menu([]),
])
async def test_the_profile_is_validated_like_meta(graph, body):
    standin, client = graph
    resp = await client.post(f"{V}/me/messenger_profile", params=TOKEN, json=body)
    assert (await error_of(resp))[:2] == (400, 100)
    assert standin.profile == {}


async def test_the_profile_needs_the_page_token_and_fields(graph):
    standin, client = graph
    wrong = await client.post(f"{V}/me/messenger_profile", params={"access_token": "nope"}, json=profile_body())
    no_fields = await client.get(f"{V}/me/messenger_profile", params=TOKEN)
    bad_field = await client.get(f"{V}/me/messenger_profile", params={**TOKEN, "fields": "colour"})
    assert (await error_of(wrong))[:2] == (400, 190) and standin.profile == {}
    assert (await error_of(no_fields))[:2] == (400, 100)
    assert (await error_of(bad_field))[:2] == (400, 100)


async def test_a_menu_may_rely_on_a_get_started_button_set_before(graph):
    standin, client = graph
    body = profile_body()
    await client.post(f"{V}/me/messenger_profile", params=TOKEN, json={"get_started": body["get_started"]})
    resp = await client.post(f"{V}/me/messenger_profile", params=TOKEN,
                             json={"persistent_menu": body["persistent_menu"]})
    assert resp.status == 200 and standin.profile == {k: body[k] for k in ("get_started", "persistent_menu")}


async def test_thread_control_is_validated_and_its_owner_readable(graph):
    standin, client = graph
    no_target = await client.post(f"{V}/me/pass_thread_control", params=TOKEN, json={"recipient": {"id": PSID}})
    no_recipient = await client.post(f"{V}/me/take_thread_control", params=TOKEN, json={"metadata": "x"})
    long_metadata = await client.post(f"{V}/me/take_thread_control", params=TOKEN,
                                      json={"recipient": {"id": PSID}, "metadata": "x" * 1001})
    for resp in (no_target, no_recipient, long_metadata):
        assert (await error_of(resp))[:2] == (400, 100)
    idle = await (await client.get("/_standin/thread_owner", params={"recipient": PSID})).json()
    assert idle == {"recipient": PSID, "thread_owner": None}
    passed = await client.post(f"{V}/me/pass_thread_control", params=TOKEN,
                               json={"recipient": {"id": PSID}, "target_app_id": 263902037430900})
    assert (await passed.json()) == {"success": True}
    owner = await (await client.get("/_standin/thread_owner", params={"recipient": PSID})).json()
    assert owner["thread_owner"] == {"app_id": "263902037430900"}


async def test_the_stand_in_works_mounted_in_another_application():
    standin = GraphStandin(page_access_token=PAGE_TOKEN)
    parent = web.Application()
    parent.add_subapp("/graph", standin.app())
    async with TestClient(TestServer(parent, host="127.0.0.1")) as client:
        resp = await client.post(f"/graph{V}/me/messages", params=TOKEN, json=message("mounted"))
        read = await client.get("/graph/_standin/messages", params={"recipient": PSID})
        assert resp.status == 200 and (await read.json())["messages"][0]["body"]["message"]["text"] == "mounted"


# --- what Meta no longer serves -------------------------------------------------------------------------------

RETIRED = "v{}.{}".format(OLDEST_SERVED_VERSION[0] - 1, 0)  # the newest version the stand-in refuses
ANCIENT = "v{}.{}".format(OLDEST_SERVED_VERSION[0] - 4, 0)


@pytest.mark.parametrize("version", [RETIRED, ANCIENT])
async def test_a_version_meta_retires_is_refused_on_every_endpoint(graph, version):
    standin, client = graph
    calls = [
        client.post(f"/{version}/me/messages", params=TOKEN, json=message()),
        client.post(f"/{version}/me/messenger_profile", params=TOKEN, json=profile_body()),
        client.get(f"/{version}/me/messenger_profile", params={**TOKEN, "fields": "greeting"}),
        client.post(f"/{version}/me/pass_thread_control", params=TOKEN,
                    json={"recipient": {"id": PSID}, "target_app_id": "263902037430900"}),
    ]
    for call in calls:
        resp = await call
        assert (await error_of(resp))[:2] == (400, 12)
        assert "deprecated" in (await resp.json())["error"]["message"]
    assert standin.sent == [] and standin.profile == {} and standin.thread_owner(PSID) is None


async def test_the_version_our_code_calls_and_later_ones_are_served(graph):
    standin, client = graph
    oldest = "v{}.{}".format(*OLDEST_SERVED_VERSION)
    for version in (oldest, VERSION, "v26.0"):
        assert (await client.post(f"/{version}/me/messages", params=TOKEN, json=message())).status == 200
    not_a_version = await client.post("/latest/me/messages", params=TOKEN, json=message())
    assert (await error_of(not_a_version))[:2] == (400, 2500)


@pytest.mark.parametrize("tag", ["ACCOUNT_UPDATE", "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE"])
async def test_the_message_tags_meta_retired_fail_with_error_100(graph, tag):
    standin, client = graph
    resp = await client.post(f"{V}/me/messages", params=TOKEN, json=message(messaging_type="MESSAGE_TAG", tag=tag))
    assert (await error_of(resp))[:2] == (400, 100)
    assert "no longer supported" in (await resp.json())["error"]["message"]
    assert standin.sent == []


async def test_a_tag_goes_only_with_message_tag(graph):
    standin, client = graph
    tagged_response = await client.post(f"{V}/me/messages", params=TOKEN, json=message(tag="HUMAN_AGENT"))
    assert (await error_of(tagged_response))[:2] == (400, 100)


# --- the page: its condition, and a person in the Page Inbox ---------------------------------------------------

async def test_a_restricted_page_may_send_nothing_until_meta_lifts_it(graph):
    standin, client = graph
    assert (await (await client.get("/_standin/page")).json()) == {"restricted": False, "handover_apis": True,
                                                                  "feedback_template": True}
    assert (await client.post("/_standin/page", json={"restricted": True})).status == 200
    refused = await client.post(f"{V}/me/messages", params=TOKEN, json=message())
    typing = await client.post(f"{V}/me/messages", params=TOKEN,
                               json={"recipient": {"id": PSID}, "sender_action": "typing_on"})
    assert await error_of(refused) == (400, 10, 1893063) and await error_of(typing) == (400, 10, 1893063)
    await client.post("/_standin/page", json={"restricted": False})
    assert (await client.post(f"{V}/me/messages", params=TOKEN, json=message())).status == 200
    assert (await client.post("/_standin/page", json={"restricted": "yes"})).status == 400


async def test_a_page_whose_routing_refuses_thread_control(graph):
    standin, client = graph
    await client.post("/_standin/page", json={"handover_apis": False})
    for edge in ("pass_thread_control", "take_thread_control", "request_thread_control", "release_thread_control"):
        body = {"recipient": {"id": PSID}, "target_app_id": "263902037430900"}
        resp = await client.post(f"{V}/me/{edge}", params=TOKEN, json=body)
        assert (await error_of(resp))[:2] == (400, 10)
        assert "Handover Protocol APIs disabled" in (await resp.json())["error"]["message"]
    assert standin.thread_owner(PSID) is None and standin.handovers == []


@pytest.mark.parametrize("action, field, owner", [
    ("pass_back", "pass_thread_control", "1000000000000001"),
    ("release", "release_thread_control", None),
    ("take", "take_thread_control", "263902037430900"),
])
async def test_the_page_inbox_moves_the_thread_and_says_what_meta_posts(graph, action, field, owner):
    standin, client = graph
    await client.post(f"{V}/me/pass_thread_control", params=TOKEN,
                      json={"recipient": {"id": PSID}, "target_app_id": "263902037430900"})
    resp = await client.post("/_standin/page_inbox", json={"recipient": PSID, "action": action})
    answer = await resp.json()
    assert resp.status == 200 and standin.thread_owner(PSID) == owner
    [event] = answer["webhook"]["entry"][0]["messaging"]
    assert answer["webhook"]["object"] == "page" and event["sender"] == {"id": PSID}
    assert set(event[field]) >= {"previous_owner_app_id"}
    assert event[field].get("new_owner_app_id") == owner
    assert (await client.post("/_standin/page_inbox", json={"recipient": PSID, "action": "dance"})).status == 400


# --- the customer feedback template (the satisfaction survey after a handoff) -----------------------------------

def feedback(**changes):
    from bot.handoff.csat import messenger_template

    template = messenger_template(12, "https://bank.example/privacy")
    template["attachment"]["payload"].update(changes)
    return {"recipient": {"id": PSID}, "messaging_type": "RESPONSE", "message": template}


async def test_the_standin_accepts_the_branch_feedback_template(graph):
    standin, client = graph
    resp = await client.post(f"{V}/me/messages", params=TOKEN, json=feedback())
    assert resp.status == 200
    [sent] = standin.messages_for(PSID)
    assert sent.body["message"]["attachment"]["payload"]["template_type"] == "customer_feedback"
    assert standin.texts_for(PSID) == ["How did we do?"]


@pytest.mark.parametrize("changes", [
    {"business_privacy": {}},
    {"business_privacy": {"url": "not a url"}},
    {"expires_in_days": 8},
    {"expires_in_days": 0},
    {"title": "x" * 66},
    {"button_title": ""},
    {"feedback_screens": []},
    {"feedback_screens": [{"questions": []}]},
    {"feedback_screens": [{"questions": [{"id": "q 1", "type": "csat"}]}]},
    {"feedback_screens": [{"questions": [{"id": "q1", "type": "stars"}]}]},
    {"feedback_screens": [{"questions": [{"id": "q1", "type": "csat", "score_option": "zero_to_ten"}]}]},
    {"feedback_screens": [{"questions": [{"id": "q1", "type": "csat", "follow_up": {"type": "essay"}}]}]},
    {"feedback_screens": [{"questions": [{"id": "q1", "type": "csat"}]}, {"questions": [{"id": "q2", "type": "nps"}]}]},
])
async def test_the_standin_refuses_a_malformed_feedback_template(graph, changes):
    standin, client = graph
    resp = await client.post(f"{V}/me/messages", params=TOKEN, json=feedback(**changes))
    assert (await error_of(resp))[:2] == (400, 100)
    assert standin.messages_for(PSID) == []


async def test_a_page_without_the_feedback_template_refuses_it_and_only_it(graph):
    standin, client = graph
    await client.post("/_standin/page", json={"feedback_template": False})
    refused = await client.post(f"{V}/me/messages", params=TOKEN, json=feedback())
    assert (await error_of(refused))[:2] == (400, 100)
    assert (await client.post(f"{V}/me/messages", params=TOKEN, json=message("1 to 5?"))).status == 200


async def test_the_user_profile_api_answers_a_locale_while_the_page_may_read_it(graph):
    standin, client = graph
    resp = await client.get(f"{V}/{PSID}", params={**TOKEN, "fields": "locale"})
    assert resp.status == 200 and await resp.json() == {"id": PSID, "locale": "en_US"}
    assert (await client.post("/_standin/user_profile", json={"recipient": PSID, "locale": "fr_FR"})).status == 200
    resp = await client.get(f"{V}/{PSID}", params={**TOKEN, "fields": "first_name,locale"})
    assert await resp.json() == {"id": PSID, "first_name": "Alex", "locale": "fr_FR"}
    assert (await client.post("/_standin/user_profile", json={"access": False})).status == 200
    assert await error_of(await client.get(f"{V}/{PSID}", params={**TOKEN, "fields": "locale"})) == (400, 10, None)
    resp = await client.get(f"{V}/{PSID}", params={**TOKEN, "fields": "first_name"})
    assert resp.status == 200  # public fields stay readable


@pytest.mark.parametrize("params, expected", [
    ({"fields": "locale"}, (400, 190, None)),                                    # no token
    ({**TOKEN, "fields": "locale,shoe_size"}, (400, 100, None)),                 # no such field
])
async def test_the_user_profile_api_refuses_like_meta(graph, params, expected):
    _, client = graph
    assert await error_of(await client.get(f"{V}/{PSID}", params=params)) == expected


@pytest.mark.parametrize("body", [{"locale": "french"}, {"access": "no"}, {"recipient": 5, "locale": "fr_FR"}, {},
                                  {"colour": "blue"}])
async def test_a_bad_user_profile_setting_is_refused(graph, body):
    _, client = graph
    assert (await client.post("/_standin/user_profile", json=body)).status == 400


async def test_personas_are_created_listed_used_and_deleted_like_meta(graph):
    standin, client = graph
    created = await client.post(f"{V}/me/personas", params=TOKEN,
                                json={"name": "Amélie D.", "profile_picture_url": "https://bank.example/advisor.png"})
    assert created.status == 200
    persona_id = (await created.json())["id"]
    listed = await (await client.get(f"{V}/me/personas", params=TOKEN)).json()
    assert [(p["id"], p["name"]) for p in listed["data"]] == [(persona_id, "Amélie D.")]

    sent = await client.post(f"{V}/me/messages", params=TOKEN, json=message("Bonjour", persona_id=persona_id))
    assert sent.status == 200
    read = await (await client.get("/_standin/messages", params={"recipient": PSID})).json()
    assert read["messages"][0]["persona"] == {"id": persona_id, "name": "Amélie D."}

    assert (await client.delete(f"{V}/{persona_id}", params=TOKEN)).status == 200
    after = await client.post(f"{V}/me/messages", params=TOKEN, json=message("Encore", persona_id=persona_id))
    assert (await error_of(after))[:2] == (400, 100)  # a deleted persona is refused, and nothing is sent
    assert standin.texts_for(PSID) == ["Bonjour"]


@pytest.mark.parametrize("body", [
    {"name": "Amélie D."},
    {"profile_picture_url": "https://bank.example/a.png"},
    {"name": "", "profile_picture_url": "https://bank.example/a.png"},
    {"name": "x" * 51, "profile_picture_url": "https://bank.example/a.png"},
    {"name": "Amélie D.", "profile_picture_url": "advisor.png"},
])
async def test_a_persona_needs_a_name_of_50_characters_at_most_and_a_picture_url(graph, body):
    standin, client = graph
    resp = await client.post(f"{V}/me/personas", params=TOKEN, json=body)
    assert (await error_of(resp))[:2] == (400, 100) and standin.personas == {}
    no_token = await client.post(f"{V}/me/personas",
                                 json={"name": "Amélie D.", "profile_picture_url": "https://bank.example/a.png"})
    assert (await error_of(no_token))[:2] == (400, 190)
