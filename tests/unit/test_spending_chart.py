"""The spending chart: drawn by the channel from the action's data (a PNG with the categories), and in Messenger
uploaded with its message to the Graph API stand-in (multipart `filedata`, no URL), within Meta's rules."""
from __future__ import annotations

import io
import json
from datetime import datetime, timezone

import aiohttp
import pytest

from bot.channels.messenger.output import MessengerOutput
from bot.channels.messenger.send_api import SendApi
from bot.channels.spending_chart import chart_problem, render_png
from bot.dialogue_signals import SPENDING_CHART_KEY
from tests.support.standin_server import PAGE_TOKEN, standin_in_loop
from tests.unit.recording_send_api import RecordingSendApi

PSID = "2411223344550001"
CHART = {
    "title": "Dépenses par catégorie, novembre 2026",
    "alt": "Graphique de vos dépenses par catégorie, novembre 2026 : 423,40 € au total",
    "series": ["novembre 2026", "octobre 2026"],
    "currency": "EUR",
    "language": "fr",
    "categories": [
        {"name": "Courses", "total": "300.00", "previous_total": "320.50", "total_shown": "300,00 €"},
        {"name": "Restaurants et cafés", "total": "123.40", "previous_total": "80.00", "total_shown": "123,40 €"},
    ],
}


def assert_png(png: bytes) -> None:
    """A PNG (its signature), of a sensible size."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert 5_000 < len(png) < 500_000


def test_the_chart_is_a_png_with_the_categories(monkeypatch):
    # The labels drawn are the ones given: every text matplotlib draws passes through Text.draw.
    from matplotlib.text import Text

    drawn = []
    original = Text.draw

    def noting(self, renderer):
        drawn.append(self.get_text())
        return original(self, renderer)

    monkeypatch.setattr(Text, "draw", noting)
    png = render_png(CHART)
    assert_png(png)
    for expected in ("Courses", "Restaurants et cafés", "novembre 2026", "octobre 2026", "300,00 €",
                     "Dépenses par catégorie, novembre 2026"):
        assert expected in drawn
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.width > 400


@pytest.mark.parametrize("broken", [
    None, "chart", {"title": "x", "series": ["a"], "categories": []},
    {**CHART, "categories": []},
    {**CHART, "categories": [{"name": "Courses", "total": "-3", "previous_total": "0"}]},
    {**CHART, "categories": [{"name": "Courses", "total": "lots", "previous_total": "0"}]},
])
def test_what_is_not_a_chart_is_refused_before_drawing(broken):
    assert chart_problem(broken) is not None
    with pytest.raises(ValueError):
        render_png(broken)


async def test_messenger_uploads_the_chart_with_its_message_to_the_standin():
    async with standin_in_loop() as (standin, url):
        api = SendApi(url, PAGE_TOKEN, 5)
        try:
            await api.windows.customer_wrote(PSID, datetime.now(timezone.utc))
            output = MessengerOutput(api)
            await output.send_custom_json(PSID, {SPENDING_CHART_KEY: CHART})
        finally:
            await api.close()
    [sent] = standin.messages_for(PSID)
    assert sent.body["recipient"] == {"id": PSID} and sent.body["messaging_type"] == "RESPONSE"
    assert sent.body["message"] == {"attachment": {"type": "image", "payload": {"is_reusable": False}}}
    filedata = sent.body["filedata"]
    assert filedata["content_type"] == "image/png" and filedata["size"] > 5_000
    assert_png(standin.attachment(filedata["attachment_id"]))
    assert "url" not in json.dumps(sent.body["message"])  # no public URL anywhere
    assert output.messages_sent == 1


async def test_the_standin_refuses_an_upload_meta_would_refuse():
    async with standin_in_loop() as (standin, url):
        form = aiohttp.FormData()
        form.add_field("recipient", json.dumps({"id": PSID}))
        form.add_field("messaging_type", "RESPONSE")
        form.add_field("message", json.dumps({"attachment": {"type": "image", "payload": {"url": "https://x/y.png"}}}))
        form.add_field("filedata", b"not a png", filename="c.txt", content_type="text/plain")
        async with aiohttp.ClientSession() as client:
            async with client.post(f"{url}/me/messages", params={"access_token": PAGE_TOKEN}, data=form) as resp:
                answer = await resp.json()
    assert resp.status == 400 and answer["error"]["code"] == 100
    assert standin.messages_for(PSID) == []


async def test_a_chart_that_cannot_be_drawn_is_left_out_and_nothing_else_breaks():
    api = RecordingSendApi()
    output = MessengerOutput(api)
    await output.send_custom_json(PSID, {SPENDING_CHART_KEY: {"title": "no data"}})
    assert api.calls == [] and output.messages_sent == 0


async def test_an_upload_meta_fails_for_a_while_is_retried_with_its_file():
    from bot.channels.messenger.graph_api import RetryPolicy

    async with standin_in_loop() as (standin, url):
        standin.inject_faults(PSID, [{"status": 500, "code": 2}])
        api = SendApi(url, PAGE_TOKEN, 5, retry=RetryPolicy(max_attempts=3, base_delay_seconds=0.01,
                                                            max_delay_seconds=0.02, total_seconds=5))
        try:
            assert await api.send_image(PSID, render_png(CHART)) is True
        finally:
            await api.close()
    assert [c.status for c in standin.calls_for(PSID, "messages")] == [500, 200]
    [sent] = standin.messages_for(PSID)
    assert_png(standin.attachment(sent.body["filedata"]["attachment_id"]))


def test_importing_the_channels_does_not_load_matplotlib():
    from tests.unit.test_process_boundaries import modules_loaded_by

    loaded = modules_loaded_by("import bot.channels.messenger, bot.channels.web_chat, bot.channels.spending_chart")
    assert "bot.channels.spending_chart" in loaded
    assert [m for m in loaded if m.startswith("matplotlib")] == []  # loaded by the first chart only
