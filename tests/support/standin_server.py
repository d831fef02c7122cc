"""The Graph API stand-in on a free loopback port, in the test's event loop or in a thread of its own."""
from __future__ import annotations

import asyncio
import socket
import threading
from contextlib import asynccontextmanager, contextmanager
from typing import AsyncIterator, Iterator, Optional

from aiohttp import web

from bot.devtools.graph_standin import GraphStandin
from bot.settings import GRAPH_API_VERSION

PAGE_TOKEN = "test-page-token"
VERSION = GRAPH_API_VERSION


def _loopback_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


@asynccontextmanager
async def standin_in_loop(standin: Optional[GraphStandin] = None) -> AsyncIterator["tuple[GraphStandin, str]"]:
    """Serves a stand-in from the running event loop; yields it and its Graph URL (`http://127.0.0.1:PORT/{VERSION}`)."""
    standin = standin or GraphStandin(page_access_token=PAGE_TOKEN)
    # access_log=None like `serve`: URLs may carry a token. handler_cancellation as aiohttp's own test server: a
    # handler held by an injected delay stops when its client gave up, rather than outlive the test's event loop
    runner = web.AppRunner(standin.app(), access_log=None, handler_cancellation=True)
    await runner.setup()
    sock = _loopback_socket()
    site = web.SockSite(runner, sock)
    await site.start()
    try:
        yield standin, f"http://127.0.0.1:{sock.getsockname()[1]}/{VERSION}"
    finally:
        await runner.cleanup()


@contextmanager
def standin_in_thread(standin: Optional[GraphStandin] = None) -> Iterator["tuple[GraphStandin, str]"]:
    """Serves a stand-in from a thread with its own event loop (for code that runs `asyncio.run` itself)."""
    standin = standin or GraphStandin(page_access_token=PAGE_TOKEN)
    loop = asyncio.new_event_loop()
    started = threading.Event()
    stop: "asyncio.Future[None]"
    url: list = []

    async def serve() -> None:
        nonlocal stop
        stop = loop.create_future()
        async with standin_in_loop(standin) as (_, graph_url):
            url.append(graph_url)
            started.set()
            await stop

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    if not started.wait(10):
        raise RuntimeError("the Graph API stand-in did not start")
    try:
        yield standin, url[0]
    finally:
        loop.call_soon_threadsafe(stop.set_result, None)
        thread.join(10)
        loop.close()
