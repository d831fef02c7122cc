"""The staff console over HTTP (the real web app, a temporary SQLite database, a clock the test moves)."""
from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import AsyncIterator, Tuple

import pytest
from aiohttp.test_utils import TestClient, TestServer
from yarl import URL

from bot.settings import Settings
from bot.staff.login_throttle import LoginLimits, Rule
from bot.staff.store import StaffStore
from bot.web.app import build_app
from bot.web.console.auth import safe_next
from tests.unit.staff_support import LIMITS, PASSWORD, FakeClock, GatedHashing, database_url, new_store

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
LOGIN_FAILED = "Wrong username or password, or too many attempts"
TOO_MANY_LOGINS = "Too many login attempts from your address"

Console = Tuple[TestClient, FakeClock, StaffStore]


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[Console]:
    clock = FakeClock()
    store = new_store(tmp_path, clock)
    store.add_account("alice", "Alice <b>Martin</b>", PASSWORD)
    settings = Settings(branch_database_url=database_url(tmp_path))
    client = TestClient(TestServer(build_app(settings, staff_store=store)))
    await client.start_server()
    yield client, clock, store
    await client.close()
    store.close()


async def login_token(client: TestClient, next_path: str = "") -> str:
    url = "/console/login" + (f"?next={next_path}" if next_path else "")
    response = await client.get(url, allow_redirects=False)
    assert response.status == 200
    match = CSRF_INPUT.search(await response.text())
    assert match is not None
    return match.group(1)


async def log_in(client: TestClient, username: str = "alice", password: str = PASSWORD, next_path: str = ""):
    token = await login_token(client)
    form = {"csrf_token": token, "username": username, "password": password, "next": next_path}
    return await client.post("/console/login", data=form, allow_redirects=False)


def session_cookie(client: TestClient) -> str:
    cookies = client.session.cookie_jar.filter_cookies(client.make_url("/console/"))
    return cookies["console_session"].value if "console_session" in cookies else ""


async def page_token(client: TestClient) -> str:
    response = await client.get("/console/", allow_redirects=False)
    assert response.status == 200
    match = CSRF_INPUT.search(await response.text())
    assert match is not None
    return match.group(1)


async def test_login_then_the_home_page_and_api_know_the_agent(console: Console) -> None:
    client, _, _ = console
    response = await log_in(client)
    assert response.status == 303
    assert response.headers["Location"] == "/console/"
    set_cookie = next(v for v in response.headers.getall("Set-Cookie") if v.startswith("console_session="))
    assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie and "Path=/console" in set_cookie
    assert "Secure" not in set_cookie  # STAFF_COOKIE_SECURE defaults to false for http://127.0.0.1

    home = await client.get("/console/", allow_redirects=False)
    assert home.status == 200
    html = await home.text()
    assert "Alice &lt;b&gt;Martin&lt;/b&gt;" in html and "<b>Martin</b>" not in html
    me = await client.get("/console/api/me")
    assert me.status == 200
    assert (await me.json())["agent"] == {"id": 1, "username": "alice", "display_name": "Alice <b>Martin</b>"}


async def test_console_pages_carry_the_security_headers(console: Console) -> None:
    client, _, _ = console
    for path in ("/console/login", "/console/", "/console/api/me"):
        response = await client.get(path, allow_redirects=False)
        assert response.headers["Cache-Control"] == "no-store", path
        assert response.headers["Content-Security-Policy"].startswith("default-src 'self'"), path
        assert response.headers["X-Frame-Options"] == "DENY", path
        # same-origin: a browser's form POST then carries the real Origin (no-referrer makes it "null")
        assert response.headers["Referrer-Policy"] == "same-origin", path


async def test_the_stylesheet_is_served_without_login(console: Console) -> None:
    client, _, _ = console
    response = await client.get("/console/static/console.css", allow_redirects=False)
    assert response.status == 200


async def test_wrong_password_and_unknown_user_get_the_same_page(console: Console) -> None:
    client, _, _ = console
    wrong = await log_in(client, password=PASSWORD + "x")
    unknown = await log_in(client, username="nobody")
    for response in (wrong, unknown):
        assert response.status == 200
        assert LOGIN_FAILED in await response.text()
        assert "console_session" not in response.cookies
    assert session_cookie(client) == ""
    assert (await client.get("/console/api/me")).status == 401


async def test_five_failed_logins_lock_the_username_for_15_minutes(console: Console) -> None:
    client, clock, _ = console
    for _ in range(5):
        assert LOGIN_FAILED in await (await log_in(client, password="not-the-password")).text()
    locked = await log_in(client)  # the right password, too late
    assert locked.status == 200 and LOGIN_FAILED in await locked.text()
    assert (await client.get("/console/api/me")).status == 401
    clock.advance(minutes=15, seconds=1)
    assert (await log_in(client)).status == 303
    assert (await client.get("/console/api/me")).status == 200


async def test_a_client_trying_many_usernames_gets_429_with_retry_after(console: Console) -> None:
    client, clock, _ = console
    statuses = []
    for i in range(40):
        response = await log_in(client, username=f"user{i}", password="not-the-password")
        statuses.append(response.status)
    assert statuses == [200] * 10 + [429] * 30
    refused = await log_in(client)  # alice, the right password: this client waits like any other
    assert refused.status == 429 and refused.headers["Retry-After"] == "60"
    assert TOO_MANY_LOGINS in await refused.text() and "console_session" not in refused.cookies
    assert refused.headers["Cache-Control"] == "no-store"
    clock.advance(seconds=59)
    assert (await log_in(client)).headers["Retry-After"] == "1"
    clock.advance(seconds=1)
    assert (await log_in(client)).status == 303
    assert (await client.get("/console/api/me")).status == 200


async def test_a_burst_of_wrong_passwords_then_the_right_one_does_not_log_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """12 wrong passwords posted at once, then the right one while they are being judged: locked out."""
    clock, hashing = FakeClock(), GatedHashing()
    generous = LoginLimits(per_client=Rule(max_attempts=100, window=timedelta(minutes=1), lock=timedelta(minutes=1)))
    store = StaffStore(database_url(tmp_path), LIMITS, hashing=hashing, clock=clock, login_limits=generous)
    store.add_account("alice", "Alice Martin", PASSWORD)
    log_in_in_thread = store.log_in

    def counted_log_in(*args, **kwargs):
        try:
            return log_in_in_thread(*args, **kwargs)
        finally:
            hashing.count_return()

    monkeypatch.setattr(store, "log_in", counted_log_in)
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=20))  # one thread a request
    client = TestClient(TestServer(build_app(Settings(branch_database_url=database_url(tmp_path)), staff_store=store)))
    await client.start_server()
    try:
        token = await login_token(client)

        def post(password: str):
            form = {"csrf_token": token, "username": "alice", "password": password, "next": ""}
            return asyncio.create_task(client.post("/console/login", data=form, allow_redirects=False))

        hashing.close()
        wrong = [post("not-the-password") for _ in range(12)]
        await asyncio.to_thread(hashing.wait_settled, 12)
        right = post(PASSWORD)
        await asyncio.to_thread(hashing.wait_settled, 13)
        assert hashing.verified == 5
        hashing.open()
        responses = await asyncio.gather(*wrong, right)

        assert [response.status for response in responses] == [200] * 13
        assert "console_session" not in responses[-1].cookies and LOGIN_FAILED in await responses[-1].text()
        assert (await client.get("/console/api/me")).status == 401
        assert (await log_in(client)).status == 200  # still locked
        assert hashing.verified == 5
        clock.advance(minutes=15, seconds=1)
        assert (await log_in(client)).status == 303
    finally:
        hashing.open()
        await client.close()
        store.close()


async def test_the_session_expires_after_30_idle_minutes(console: Console) -> None:
    client, clock, _ = console
    await log_in(client)
    clock.advance(minutes=25)
    assert (await client.get("/console/api/me")).status == 200
    clock.advance(minutes=31)
    expired = await client.get("/console/", allow_redirects=False)
    assert expired.status == 303
    assert expired.headers["Location"].startswith("/console/login?next=")
    assert (await client.get("/console/api/me")).status == 401


async def test_the_session_expires_after_8_hours_however_active(console: Console) -> None:
    client, clock, _ = console
    await log_in(client)
    for _ in range(16):
        clock.advance(minutes=29)
        assert (await client.get("/console/api/me")).status == 200
    clock.advance(minutes=29)  # 8 h 12 min after login
    assert (await client.get("/console/api/me")).status == 401


async def test_logout_ends_the_session_on_the_server(console: Console) -> None:
    client, _, _ = console
    await log_in(client)
    old_session = session_cookie(client)
    token = await page_token(client)
    response = await client.post("/console/logout", data={"csrf_token": token}, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/console/login"
    assert (await client.get("/console/api/me")).status == 401
    # The old cookie, replayed, is worth nothing.
    replay = await client.get("/console/api/me", cookies={"console_session": old_session})
    assert replay.status == 401


async def test_login_gives_a_new_session_id(console: Console) -> None:
    client, _, _ = console
    await log_in(client)
    first = session_cookie(client)
    token = await page_token(client)  # logged in already, the login form redirects: post with the session's token
    again = await client.post(
        "/console/login",
        data={"csrf_token": token, "username": "alice", "password": PASSWORD, "next": ""},
        allow_redirects=False,
    )
    assert again.status == 303
    second = session_cookie(client)
    assert first and second and first != second
    assert (await client.get("/console/api/me", cookies={"console_session": first})).status == 401


async def test_login_without_or_with_a_wrong_csrf_token_is_forbidden(console: Console) -> None:
    client, _, _ = console
    await login_token(client)  # the pre-session cookie is set
    missing = await client.post("/console/login", data={"username": "alice", "password": PASSWORD}, allow_redirects=False)
    wrong = await client.post(
        "/console/login",
        data={"csrf_token": "x" * 43, "username": "alice", "password": PASSWORD},
        allow_redirects=False,
    )
    assert missing.status == 403 and wrong.status == 403
    assert (await client.get("/console/api/me")).status == 401


async def test_login_csrf_token_must_match_the_cookie(console: Console) -> None:
    client, _, _ = console
    token = await login_token(client)
    client.session.cookie_jar.clear()
    response = await client.post(
        "/console/login", data={"csrf_token": token, "username": "alice", "password": PASSWORD}, allow_redirects=False
    )
    assert response.status == 403


async def test_logout_without_or_with_a_wrong_csrf_token_is_forbidden(console: Console) -> None:
    client, _, _ = console
    await log_in(client)
    assert (await client.post("/console/logout", allow_redirects=False)).status == 403
    wrong = await client.post("/console/logout", data={"csrf_token": "y" * 43}, allow_redirects=False)
    assert wrong.status == 403
    assert (await client.get("/console/api/me")).status == 200  # still logged in


async def test_a_post_from_another_site_is_forbidden_even_with_the_token(console: Console) -> None:
    client, _, _ = console
    await log_in(client)
    token = await page_token(client)
    response = await client.post(
        "/console/logout",
        data={"csrf_token": token},
        headers={"Origin": "https://evil.example"},
        allow_redirects=False,
    )
    assert response.status == 403
    assert (await client.get("/console/api/me")).status == 200
    same_site = await client.post(
        "/console/logout",
        data={"csrf_token": token},
        headers={"Origin": f"http://{client.host}:{client.port}"},
        allow_redirects=False,
    )
    assert same_site.status == 303


@pytest.mark.parametrize("path", ["/console/", "/console/?tab=waiting"])
async def test_pages_redirect_to_the_login_without_a_session(console: Console, path: str) -> None:
    client, _, _ = console
    response = await client.get(path, allow_redirects=False)
    assert response.status == 303
    location = URL(response.headers["Location"])
    assert location.path == "/console/login" and location.query["next"] == path


async def test_console_root_without_slash_leads_to_the_login(console: Console) -> None:
    client, _, _ = console
    response = await client.get("/console")
    assert response.status == 200 and str(response.url.path) == "/console/login"


async def test_apis_answer_401_json_without_a_session(console: Console) -> None:
    client, _, _ = console
    response = await client.get("/console/api/me", allow_redirects=False)
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "unauthorized"


async def test_a_forged_session_cookie_is_refused(console: Console) -> None:
    client, _, _ = console
    response = await client.get("/console/api/me", cookies={"console_session": "A" * 43})
    assert response.status == 401


async def test_login_goes_to_the_next_page(console: Console) -> None:
    client, _, _ = console
    response = await log_in(client, next_path="/console/api/me")
    assert response.status == 303 and response.headers["Location"] == "/console/api/me"


@pytest.mark.parametrize(
    "next_path",
    [
        "https://evil.example/",
        "//evil.example/console/",
        "/\\evil.example",
        "/console/../sandbox",
        "/console//evil.example",
        "http:/console/",
        "/sandbox",
        "javascript:alert(1)",
        "/console/\r\nSet-Cookie: x=1",
    ],
)
async def test_login_never_redirects_off_the_console(console: Console, next_path: str) -> None:
    client, _, _ = console
    response = await log_in(client, next_path=next_path)
    assert response.status == 303
    assert response.headers["Location"] == "/console/"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("/console/", "/console/"),
        ("/console/queue?page=2", "/console/queue?page=2"),
        ("/console", "/console"),
        ("/consolex", "/console/"),
        ("/console/login", "/console/"),
        ("", "/console/"),
        (None, "/console/"),
        ("https://evil.example/console/", "/console/"),
    ],
)
def test_safe_next(raw, expected) -> None:
    assert safe_next(raw) == expected


async def test_the_login_form_escapes_what_was_typed(console: Console) -> None:
    client, _, _ = console
    response = await log_in(client, username='"><script>alert(1)</script>')
    html = await response.text()
    assert "<script>alert(1)</script>" not in html
    assert "&quot;&gt;&lt;script&gt;" in html
