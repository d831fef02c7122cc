"""A Sanic app served in this process (its own event loop in a thread), with its server listeners run."""
from __future__ import annotations

import asyncio
import socket
import threading
from contextlib import contextmanager
from typing import Any, Iterator

from sanic import Sanic


@contextmanager
def serving(app: Sanic) -> Iterator[str]:
    """`app` on a free loopback port until the block ends; yields its base URL.

    Its `before_server_start` and `after_server_start` listeners run before the block (as under
    `app.run`), its stop listeners after it. Sanic's test mode lets many apps start in one process.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=_run_until_stopped, args=(loop,), name=f"sanic-{port}", daemon=True)
    thread.start()

    async def start() -> Any:
        server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
        await server.startup()
        await server.before_start()
        await server.after_start()
        return server

    async def stop(server: Any) -> None:
        await server.before_stop()
        server.server.close()
        for connection in list(server.connections):
            connection.close()
        await server.server.wait_closed()
        await server.after_stop()

    test_mode, Sanic.test_mode = Sanic.test_mode, True
    try:
        server = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=60)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            asyncio.run_coroutine_threadsafe(stop(server), loop).result(timeout=30)
    finally:
        Sanic.test_mode = test_mode
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        sock.close()


def _run_until_stopped(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()
