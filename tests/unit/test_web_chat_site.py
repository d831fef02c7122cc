"""Web chat session tokens and the site's /api/chat-session endpoint."""
from __future__ import annotations

import time

import jwt
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.settings import Settings
from bot.web.app import build_app
from bot.web.site import cookie_domain
from bot.channels.web_chat.channel import admitted_session
from bot.channels.web_chat.tokens import (
    COOKIE_NAME,
    InvalidWebChatToken,
    binding_from_cookies,
    issue,
    new_binding,
    verify,
)

SECRET = "unit-web-chat-secret-0123456789abcdef"
SITE = "http://127.0.0.1:8080"


def test_a_token_names_a_random_128_bit_session_bound_to_its_origin_and_cookie():
    first, second = issue(SECRET, 60, SITE), issue(SECRET, 60, SITE)
    assert len(first.session_id) == 32 and first.session_id != second.session_id
    assert first.binding and first.binding != second.binding
    claims = verify(first.token, SECRET)
    assert claims.session_id == first.session_id and claims.origin == SITE
    assert first.binding not in first.token  # the token names the cookie by its hash only
    assert claims.held_by(SITE, first.binding)
    assert not claims.held_by(SITE, second.binding)  # another browser's cookie
    assert not claims.held_by(SITE, None)  # no cookie
    assert not claims.held_by("https://evil.example", first.binding)  # another origin
    assert not claims.held_by(None, first.binding)


@pytest.mark.parametrize("token", [None, "", "not-a-jwt", 42])
def test_no_token_is_refused(token: object):
    with pytest.raises(InvalidWebChatToken):
        verify(token, SECRET)


def test_forged_expired_unbound_and_foreign_tokens_are_refused():
    with pytest.raises(InvalidWebChatToken):
        verify(issue("another-secret-0123456789abcdef-xyz", 60, SITE).token, SECRET)
    expired = issue(SECRET, 60, SITE, now=time.time() - 61)
    with pytest.raises(InvalidWebChatToken):
        verify(expired.token, SECRET)  # expired is expired: not usable, not renewable
    unbound = jwt.encode({"sub": "a" * 32, "aud": "branch-web-chat", "iss": "branch-web", "iat": int(time.time()),
                          "exp": int(time.time()) + 60}, SECRET, algorithm="HS256")
    with pytest.raises(InvalidWebChatToken):
        verify(unbound, SECRET)  # a token of before: bound to no browser
    unsigned = jwt.encode({"sub": "a" * 32, "exp": int(time.time()) + 60}, SECRET, algorithm="HS256")
    with pytest.raises(InvalidWebChatToken):
        verify(unsigned, SECRET)  # no audience / issuer: not one of ours
    with pytest.raises(InvalidWebChatToken):
        verify(jwt.encode({"sub": "a" * 32}, "", algorithm="none"), SECRET)


@pytest.mark.parametrize("header, value", [
    (None, None), ("", None), ("other=1", None), (f"{COOKIE_NAME}=abc", "abc"),
    (f"a=1; {COOKIE_NAME}=abc-_9; b=2", "abc-_9"), (f"a=1,{COOKIE_NAME}=xyz", "xyz"), (f"{COOKIE_NAME}=", None),
])
def test_the_binding_cookie_is_read_from_a_cookie_header(header, value):
    assert binding_from_cookies(header) == value


@pytest.fixture
async def client() -> TestClient:
    settings = Settings(web_chat_jwt_secret=SECRET, web_chat_origins=(SITE,), rasa_url="http://127.0.0.1:5005")
    test_client = TestClient(TestServer(build_app(settings)))
    await test_client.start_server()
    yield test_client
    await test_client.close()


async def test_the_homepage_embeds_the_widget_with_local_scripts_only(client: TestClient):
    response = await client.get("/")
    assert response.status == 200
    html = await response.text()
    assert 'src="/static/vendor/socket.io.min.js"' in html and "http" not in html.split("<body>")[0].replace(
        'name="viewport"', "")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "ws://127.0.0.1:5005" in policy
    vendor = await client.get("/static/vendor/socket.io.min.js")
    assert vendor.status == 200 and "Socket.IO v4.8.1" in await vendor.text()


@pytest.mark.parametrize("path, language, other", [("/", "en", "/fr"), ("/fr", "fr", "/")])
async def test_the_site_has_an_english_and_a_french_page_linking_each_other(client: TestClient, path, language, other):
    response = await client.get(path)
    assert response.status == 200 and "script-src 'self';" in response.headers["Content-Security-Policy"]
    html = await response.text()
    assert f'<html lang="{language}">' in html and f'<a href="{other}" hreflang=' in html
    assert 'id="web-chat-language"' in html and 'src="/static/site/web-chat.js"' in html


async def test_the_widget_knows_its_words_in_both_languages_and_sends_the_language_hints(client: TestClient):
    script = await (await client.get("/static/site/web-chat.js")).text()
    assert "Écrivez un message…" in script and "Type a message…" in script
    assert "document.documentElement.lang" in script and "navigator.language" in script
    assert '/switch_language{"language":"fr"}' in script and '/switch_language{"language":"en"}' in script


def session_cookie(response) -> str:
    morsel = response.cookies[COOKIE_NAME]
    assert morsel["httponly"] and morsel["samesite"] == "Strict" and morsel["path"] == "/"
    assert not morsel["secure"]  # http here; Secure on https (test below)
    return morsel.value


async def new_session(client: TestClient, origin: str = SITE) -> tuple:
    response = await client.post("/api/chat-session", json={}, headers={"Origin": origin})
    assert response.status == 200
    return await response.json(), session_cookie(response)


async def renew(client: TestClient, token: str, cookie=None, origin: str = SITE) -> dict:
    client.session.cookie_jar.clear()
    headers = {"Origin": origin}
    if cookie is not None:
        headers["Cookie"] = f"{COOKIE_NAME}={cookie}"
    response = await client.post("/api/chat-session", json={"token": token}, headers=headers)
    assert response.status == 200
    return await response.json()


async def test_a_chat_session_is_issued_with_its_cookie_and_renewed_before_expiry(client: TestClient):
    issued, cookie = await new_session(client)
    claims = verify(issued["token"], SECRET)
    assert claims.session_id == issued["session_id"] and claims.held_by(SITE, cookie)
    assert issued["socket_url"] == "http://127.0.0.1:5005" and issued["socket_path"] == "/socket.io"
    assert issued["expires_in"] == 1800 and "binding" not in issued and cookie not in str(issued)

    renewed = await renew(client, issued["token"], cookie)
    assert renewed["session_id"] == issued["session_id"]
    assert verify(renewed["token"], SECRET).held_by(SITE, cookie)  # the same browser, the same cookie

    forged = issue("another-secret-0123456789abcdef-xyz", 60, SITE, binding=cookie, session_id=issued["session_id"])
    assert (await renew(client, forged.token, cookie))["session_id"] != issued["session_id"]


async def test_an_expired_token_cannot_renew_its_session(client: TestClient):
    issued, cookie = await new_session(client)
    # The same session's token, with its cookie, expired 20 minutes ago.
    expired = issue(SECRET, 1800, SITE, binding=cookie, session_id=issued["session_id"], now=time.time() - 3000)
    fresh = await renew(client, expired.token, cookie)
    assert fresh["session_id"] != issued["session_id"]


async def test_a_token_without_its_cookie_is_refused(client: TestClient):
    issued, cookie = await new_session(client)
    _, other_cookie = await new_session(client)  # another browser's
    assert (await renew(client, issued["token"]))["session_id"] != issued["session_id"]
    assert (await renew(client, issued["token"], other_cookie))["session_id"] != issued["session_id"]


async def test_another_origin_is_refused(client: TestClient):
    response = await client.post("/api/chat-session", json={}, headers={"Origin": "https://evil.example"})
    assert response.status == 403
    assert (await client.post("/api/chat-session", json={})).status == 403  # no Origin: not the site's page
    # A token issued to the site cannot be renewed from a page of the same host under another origin either.
    issued, cookie = await new_session(client)
    other = await renew(client, issued["token"], cookie, origin=f"http://{client.host}:{client.port}")
    assert other["session_id"] != issued["session_id"]


async def test_the_cookie_is_secure_when_the_site_is_on_https():
    settings = Settings(web_chat_jwt_secret=SECRET, web_chat_origins=("https://bank.example",))
    client = TestClient(TestServer(build_app(settings)))
    await client.start_server()
    try:
        response = await client.post("/api/chat-session", json={}, headers={"Origin": "https://bank.example"})
        assert response.status == 200
        assert response.cookies[COOKIE_NAME]["secure"]
        assert verify((await response.json())["token"], SECRET).origin == "https://bank.example"
    finally:
        await client.close()


def handshake(origin=SITE, cookie=None) -> dict:
    environ = {"HTTP_ORIGIN": origin} if origin else {}
    if cookie:
        environ["HTTP_COOKIE"] = f"theme=dark; {COOKIE_NAME}={cookie}"
    return environ


def test_the_socket_admits_a_token_only_from_its_origin_with_its_cookie():
    session = issue(SECRET, 60, SITE)
    token = {"token": session.token}
    assert admitted_session(handshake(cookie=session.binding), token, SECRET, [SITE]) == session.session_id
    assert admitted_session(handshake(), token, SECRET, [SITE]) is None  # copied without its cookie
    assert admitted_session(handshake(cookie=new_binding()), token, SECRET, [SITE]) is None  # another browser's
    assert admitted_session(handshake(origin="https://evil.example", cookie=session.binding), token, SECRET,
                            [SITE, "https://evil.example"]) is None  # not the token's origin
    assert admitted_session(handshake(origin=None, cookie=session.binding), token, SECRET, [SITE]) is None
    assert admitted_session(handshake(cookie=session.binding), token, SECRET, ["https://bank.example"]) is None
    expired = issue(SECRET, 60, SITE, binding=session.binding, now=time.time() - 120)
    assert admitted_session(handshake(cookie=session.binding), {"token": expired.token}, SECRET, [SITE]) is None
    assert admitted_session(handshake(cookie=session.binding), None, SECRET, [SITE]) is None


@pytest.mark.parametrize("origin, socket, domain", [
    ("http://127.0.0.1:8080", "http://127.0.0.1:5005", None),  # cookies go by host, whatever the port
    ("https://www.example-bank.com", "https://www.example-bank.com", None),
    ("https://www.example-bank.com", "https://chat.example-bank.com", "example-bank.com"),
    ("https://www.bank.co.uk", "https://chat.bank.co.uk", "bank.co.uk"),
    ("https://www.example-bank.com", "https://chat.other.org", None),  # nothing shared: this host only
    ("http://localhost:8080", "http://127.0.0.1:5005", None),
])
def test_the_cookie_reaches_the_socket_host(origin, socket, domain):
    assert cookie_domain(origin, socket) == domain


async def test_the_cookie_names_the_domain_the_site_shares_with_the_socket():
    settings = Settings(web_chat_jwt_secret=SECRET, web_chat_origins=("https://www.example-bank.com",),
                        web_chat_socket_url="https://chat.example-bank.com")
    client = TestClient(TestServer(build_app(settings)))
    await client.start_server()
    try:
        response = await client.post("/api/chat-session", json={}, headers={"Origin": "https://www.example-bank.com"})
        assert response.cookies[COOKIE_NAME]["domain"] == "example-bank.com"
    finally:
        await client.close()
