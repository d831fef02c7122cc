"""The action server's launcher (`python -m bot actions`): only the bearer of ACTION_SERVER_TOKEN runs an action,
/health is open, it listens on loopback unless told otherwise, bodies are bounded (compressed ones too)."""
from __future__ import annotations

import json
import sys
import zlib
from typing import Any, Dict, List

import pytest
import requests
from rasa.utils.endpoints import read_endpoint_config
from rasa_sdk import Action
from sanic import Sanic

from bot import action_server
from bot.settings import PROJECT_ROOT, Settings, SettingsError
from tests.support.raw_http import raw_request
from tests.support.sanic_serving import serving

TOKEN = "unit-action-server-token-0123456789abcdef"
RAN: List[str] = []


class RecordingAction(Action):
    """Stands for any action: what it would do (read a balance, move money) is recorded."""

    def name(self) -> str:
        return "action_unit_recording"

    async def run(self, dispatcher: Any, tracker: Any, domain: Any) -> List[Dict[str, Any]]:
        RAN.append(tracker.sender_id)
        dispatcher.utter_message(text="done")
        return []


def action_call(sender_id: str) -> Dict[str, Any]:
    """What the Rasa server posts to /webhook to run an action in `sender_id`'s conversation."""
    return {"next_action": "action_unit_recording", "sender_id": sender_id, "version": "3.6.21", "domain": {},
            "tracker": {"sender_id": sender_id, "slots": {}, "latest_message": {}, "events": []}}


def bearer(token: str) -> Dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def url(monkeypatch):
    monkeypatch.setattr(Sanic, "test_mode", True)  # rasa-sdk names every app "rasa_sdk"
    RAN.clear()
    app = action_server.build_app(Settings(action_server_token=TOKEN), sys.modules[__name__])
    with serving(app) as base_url:
        yield base_url


def test_health_is_open(url):
    assert requests.get(f"{url}/health", timeout=5).json() == {"status": "ok"}


@pytest.mark.parametrize("headers", [
    {}, bearer("wrong-token"), bearer(TOKEN[:-1]), bearer(TOKEN + "x"), {"Authorization": TOKEN},
    {"Authorization": f"Basic {TOKEN}"}, {"Authorization": "Bearer "},
], ids=["none", "wrong", "prefix", "longer", "no-scheme", "basic", "empty"])
def test_an_action_call_without_the_token_is_refused_and_runs_nothing(url, headers):
    answer = requests.post(f"{url}/webhook", json=action_call("customer-1"), headers=headers, timeout=5)
    assert answer.status_code == 401
    assert answer.json() == {"error": "unauthorized"}
    assert RAN == []


def test_the_token_is_not_accepted_as_a_query_parameter(url):
    answer = requests.post(f"{url}/webhook", params={"token": TOKEN}, json=action_call("customer-1"), timeout=5)
    assert answer.status_code == 401 and RAN == []


def test_the_list_of_actions_needs_the_token_too(url):
    assert requests.get(f"{url}/actions", timeout=5).status_code == 401
    listed = requests.get(f"{url}/actions", headers=bearer(TOKEN), timeout=5)
    assert {"name": "action_unit_recording"} in listed.json()


def test_the_rasa_server_with_the_token_runs_the_action(url):
    answer = requests.post(f"{url}/webhook", json=action_call("customer-1"), headers=bearer(TOKEN), timeout=5)
    assert answer.status_code == 200, answer.text
    assert [message["text"] for message in answer.json()["responses"]] == ["done"]
    assert RAN == ["customer-1"]


def test_an_unknown_path_is_a_404_not_an_error(url):
    assert requests.get(f"{url}/nope", headers=bearer(TOKEN), timeout=5).status_code == 404


def test_a_body_over_the_limit_is_refused_from_its_length_before_it_is_read(url):
    status = raw_request(url, "POST", "/webhook", {**bearer(TOKEN), "Content-Type": "application/json",
                                                   "Content-Length": str(action_server.MAX_REQUEST_BYTES + 1)},
                         body=b"{")
    assert status == 413 and RAN == []


def test_a_deflated_call_as_rasa_sends_it_runs(url):
    body = zlib.compress(json.dumps(action_call("customer-2")).encode())
    answer = requests.post(f"{url}/webhook", data=body, timeout=5,
                           headers={**bearer(TOKEN), "Content-Type": "application/json", "Content-Encoding": "deflate"})
    assert answer.status_code == 200, answer.text
    assert RAN == ["customer-2"]


def test_a_deflate_bomb_is_refused_before_rasa_sdk_inflates_it(url):
    bomb = zlib.compressobj()
    body = b"".join(bomb.compress(b"\0" * (1 << 20)) for _ in range(64)) + bomb.flush()  # 64 MiB in ~64 KiB
    answer = requests.post(f"{url}/webhook", data=body, timeout=10,
                           headers={**bearer(TOKEN), "Content-Type": "application/json", "Content-Encoding": "deflate"})
    assert answer.status_code == 413 and RAN == []


def test_other_content_encodings_are_refused(url):
    answer = requests.post(f"{url}/webhook", data=b"\x1f\x8b", timeout=5,
                           headers={**bearer(TOKEN), "Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert answer.status_code == 415 and RAN == []


def test_an_empty_token_is_no_token():
    with pytest.raises(SettingsError, match="ACTION_SERVER_TOKEN"):
        action_server.build_app(Settings(action_server_token=""), sys.modules[__name__])


class Ran:
    """What `app.run` was called with (nothing is served)."""

    def __init__(self) -> None:
        self.kwargs: Dict[str, Any] = {}


@pytest.fixture
def run(monkeypatch) -> Ran:
    ran = Ran()
    monkeypatch.setattr(Sanic, "test_mode", True)
    monkeypatch.setattr(Sanic, "run", lambda app, **kwargs: setattr(ran, "kwargs", kwargs))
    return ran


def test_it_listens_on_loopback_unless_action_server_host_says_otherwise(run):
    action_server.serve(Settings(action_server_token=TOKEN), port=5055, actions=__name__)
    assert (run.kwargs["host"], run.kwargs["port"]) == ("127.0.0.1", 5055)
    action_server.serve(Settings(action_server_token=TOKEN, action_server_host="10.0.0.5"), port=5055,
                        actions=__name__)
    assert run.kwargs["host"] == "10.0.0.5"
    action_server.serve(Settings(action_server_token=TOKEN), port=5055, host="::1", actions=__name__)
    assert run.kwargs["host"] == "::1"


def test_it_does_not_start_on_demo_secrets_in_the_production_profile(run):
    with pytest.raises(SettingsError, match="ACTION_SERVER_TOKEN has a demo value"):
        action_server.serve(Settings(branch_profile="production"), port=5055, actions=__name__)
    assert run.kwargs == {}


@pytest.mark.parametrize("endpoints", ["endpoints.yml", "endpoints.production.yml"])
def test_the_rasa_server_sends_the_token_from_either_endpoints_file(endpoints, monkeypatch):
    monkeypatch.setenv("ACTION_SERVER_TOKEN", TOKEN)  # substituted by Rasa
    monkeypatch.setenv("ACTION_SERVER_URL", "http://127.0.0.1:5055/webhook")
    config = read_endpoint_config(str(PROJECT_ROOT / endpoints), "action_endpoint")
    assert config.headers == {"Authorization": f"Bearer {TOKEN}"}
    assert config.token is None and config.params == {}  # not in the URL, where access logs would keep it


@pytest.mark.parametrize("procfile", ["Procfile", "Procfile.sandbox"])
def test_the_procfiles_start_the_launcher_and_hand_the_token_to_rasa(procfile):
    lines = dict(line.split(": ", 1) for line in (PROJECT_ROOT / procfile).read_text().splitlines() if line.strip())
    assert lines["actions"].startswith("python -m bot actions ")
    export = 'ACTION_SERVER_TOKEN="$(python -m bot settings get ACTION_SERVER_TOKEN)" && export ACTION_SERVER_TOKEN'
    assert export in lines["rasa"].split("exec rasa run")[0]
