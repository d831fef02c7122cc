"""The branch web service's request bodies: a gzip bomb is refused without being inflated (the process does not
grow), an announced body over the limit is refused before it is read, bodies without a length or multipart ones are
refused, deeply nested JSON is a 400, not a 500."""
from __future__ import annotations

import asyncio
import zlib
from typing import AsyncIterator, Iterator

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient, TestServer

from bot.settings import Settings
from bot.web.app import MAX_REQUEST_BYTES, build_app
from tests.support.raw_http import raw_request

SITE = "http://127.0.0.1:8080"
PATHS = ["/console/login", "/api/chat-session"]  # unauthenticated, both


def gzip_of_zeros(mebibytes: int) -> bytes:
    """`mebibytes` MiB of zeros, gzipped (about a thousandth of that), made without holding them."""
    gzipper = zlib.compressobj(9, zlib.DEFLATED, 31)
    return b"".join(gzipper.compress(bytes(1 << 20)) for _ in range(mebibytes)) + gzipper.flush()


def peak_rss_mib() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024


def reset_peak_rss() -> None:
    """Lets VmHWM measure from now on (Linux: clear_refs 5)."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


@pytest.fixture
async def client() -> Iterator[TestClient]:
    settings = Settings(web_chat_jwt_secret="unit-web-chat-secret-0123456789abcdef", web_chat_origins=(SITE,))
    test_client = TestClient(TestServer(build_app(settings)))
    await test_client.start_server()
    yield test_client
    await test_client.close()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return gzip_of_zeros(256)  # 256 MiB in about 255 KiB, under the 1 MiB limit


@pytest.mark.parametrize("path", PATHS)
async def test_a_gzip_bomb_is_refused_and_never_inflated(client, bomb, path):
    reset_peak_rss()
    before = peak_rss_mib()
    answer = await client.post(path, data=bomb, headers={"Content-Encoding": "gzip", "Origin": SITE,
                                                          "Content-Type": "application/json"})
    assert answer.status == 415
    assert (await answer.json())["error"]["code"] == "unsupported_media_type"
    assert peak_rss_mib() - before < 16  # aiohttp's own inflating grew this process by ~450 MiB


@pytest.mark.parametrize("encoding", ["deflate", "br", "x-gzip", "gzip, identity"])
async def test_every_content_encoding_but_identity_is_refused(client, encoding):
    answer = await client.post("/api/chat-session", data=b"{}", headers={"Content-Encoding": encoding,
                                                                         "Content-Type": "application/json"})
    assert answer.status == 415


async def test_identity_is_no_compression(client):
    answer = await client.post("/api/chat-session", data=b"{}", headers={
        "Content-Encoding": "identity", "Content-Type": "application/json", "Origin": SITE})
    assert answer.status == 200 and "token" in await answer.json()


async def test_a_body_announced_over_the_limit_is_refused_before_it_is_read(client):
    url = str(client.make_url(""))
    status = await asyncio.to_thread(raw_request, url, "POST", "/api/chat-session", {
        "Content-Type": "application/json", "Content-Length": str(MAX_REQUEST_BYTES + 1)})
    assert status == 413


@pytest.mark.parametrize("path", PATHS)
async def test_a_body_without_a_length_is_refused(client, path):
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(1000):  # aiohttp 3.9.5 spends CPU per chunk, however small
            yield b" "

    answer = await client.post(path, data=chunks(), headers={"Content-Type": "application/json", "Origin": SITE})
    assert answer.status == 411


@pytest.mark.parametrize("path", PATHS)
async def test_a_multipart_body_is_refused(client, path):
    form = FormData()
    form.add_field("username", "x" * 1000)
    form.add_field("file", b"\0" * 1000, filename="f.bin")
    answer = await client.post(path, data=form, headers={"Origin": SITE})
    assert answer.status == 415


async def test_a_console_form_still_posts(client):
    answer = await client.post("/console/login", data={"username": "nobody", "password": "x"},
                               headers={"Origin": SITE}, allow_redirects=False)
    assert answer.status not in (411, 413, 415)  # judged by the console (no CSRF token here: 403)


async def test_deeply_nested_json_is_a_400_not_a_500(client, caplog):
    body = b"[" * 20_000 + b"]" * 20_000
    answer = await client.post("/api/chat-session", data=body,
                               headers={"Content-Type": "application/json", "Origin": SITE})
    assert answer.status == 400
    assert (await answer.json())["error"]["code"] == "invalid_request"
    assert "Traceback" not in caplog.text and "RecursionError" not in caplog.text


async def test_json_within_the_depth_still_reaches_the_handler(client):
    answer = await client.post("/api/chat-session", json={"token": "not-one", "context": [[["a"]]]},
                               headers={"Origin": SITE})
    assert answer.status == 200 and "token" in await answer.json()


async def test_only_the_sandbox_s_graph_stand_in_takes_a_multipart_upload():
    """The Send API's file upload reaches the sandbox's Graph API stand-in (as it reaches Meta); every other path of
    the same web service still refuses multipart."""
    from bot.devtools import sandbox

    settings = Settings(web_chat_jwt_secret="unit-web-chat-secret-0123456789abcdef", web_chat_origins=(SITE,))
    app = build_app(settings)
    sandbox.mount(app, settings)
    test_client = TestClient(TestServer(app))
    await test_client.start_server()
    def upload() -> FormData:
        form = FormData()
        form.add_field("recipient", '{"id": "psid-1"}')
        form.add_field("message", '{"attachment": {"type": "image", "payload": {"is_reusable": false}}}')
        form.add_field("filedata", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, filename="chart.png", content_type="image/png")
        return form

    try:
        answer = await test_client.post("/sandbox/graph/v25.0/me/messages", data=upload())
        assert answer.status != 415, await answer.text()  # the stand-in judges it, as Meta would
        refused = await test_client.post("/console/login", data=upload(), headers={"Origin": SITE})
        assert refused.status == 415
    finally:
        await test_client.close()
