"""`python -m bot messenger setup|profile`: the page's Messenger profile, from the terminal.

Uses FB_GRAPH_API_URL and FB_PAGE_ACCESS_TOKEN (bot/settings.py). A Graph
error ends the command with a one-line explanation and exit status 1; the
token is never printed.
"""
from __future__ import annotations

import asyncio
import json
import sys
from typing import Awaitable, Callable, Optional, TextIO

from bot.channels.messenger.graph_api import GraphApi, GraphResult
from bot.channels.messenger.profile import (
    SUBSCRIBED_FIELDS,
    describe_profile,
    get_profile,
    profile_body,
    set_profile,
    subscribe_webhooks,
)
from bot.settings import DEMO_SECRET_PREFIX, META_GRAPH_API, Settings, get_settings


def setup(
    dry_run: bool = False, settings: Optional[Settings] = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    """Sets the Get Started button, greetings and persistent menus (default and French) and subscribes the
    page's app to the webhook fields the channel handles; 0 when Meta accepted both."""
    body = profile_body()
    if dry_run:
        print(json.dumps(body, indent=2, ensure_ascii=False), file=out)
        return 0
    settings = settings or get_settings()
    if _demo_token_for_meta(settings):
        print(_DEMO_TOKEN_MESSAGE, file=err)
        return 1
    result = asyncio.run(_with_graph(settings, set_profile))
    if not result.ok:
        print(f"Could not set the Messenger profile at {settings.fb_graph_api_url}: {_explain(result)}", file=err)
        return 1
    print(f"Messenger profile set at {settings.fb_graph_api_url}:", file=out)
    for line in describe_profile(body):
        print(f"  {line}", file=out)
    subscribed = asyncio.run(_with_graph(settings, subscribe_webhooks))
    if not subscribed.ok:
        print(f"Could not subscribe the page's webhook fields: {_explain(subscribed)}", file=err)
        return 1
    print(f"Webhook fields subscribed: {', '.join(SUBSCRIBED_FIELDS)}", file=out)
    return 0


def show_profile(
    as_json: bool = False, settings: Optional[Settings] = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    """Prints the page's Get Started button, greeting and persistent menu as Meta has them."""
    settings = settings or get_settings()
    if _demo_token_for_meta(settings):
        print(_DEMO_TOKEN_MESSAGE, file=err)
        return 1
    result = asyncio.run(_with_graph(settings, get_profile))
    if not result.ok:
        print(f"Could not read the Messenger profile at {settings.fb_graph_api_url}: {_explain(result)}", file=err)
        return 1
    data = result.body.get("data") or [{}]
    if as_json:
        print(json.dumps(data[0], indent=2, ensure_ascii=False), file=out)
        return 0
    print(f"Messenger profile at {settings.fb_graph_api_url}:", file=out)
    for line in describe_profile(data[0]):
        print(f"  {line}", file=out)
    return 0


_DEMO_TOKEN_MESSAGE = (
    "FB_PAGE_ACCESS_TOKEN still has its demo value: set the page's access token "
    "(or point FB_GRAPH_API_URL at the Graph API stand-in)."
)


def _demo_token_for_meta(settings: Settings) -> bool:
    return settings.fb_graph_api_url.startswith(META_GRAPH_API + "/") and settings.fb_page_access_token.startswith(
        DEMO_SECRET_PREFIX
    )


async def _with_graph(settings: Settings, call: Callable[[GraphApi], Awaitable[GraphResult]]) -> GraphResult:
    graph = GraphApi.from_settings(settings)
    try:
        return await call(graph)
    finally:
        await graph.close()


def _explain(result: GraphResult) -> str:
    if result.status is None and result.code is None:
        return f"the Graph API did not answer ({result.error_message or 'no response'}) after {result.attempts} attempt(s)"
    detail = f"HTTP {result.status}"
    if result.code is not None:
        detail += f", Graph error {result.code}"
        if result.subcode is not None:
            detail += f"/{result.subcode}"
        detail += f" ({result.description})"
    if result.error_message:
        detail += f": {result.error_message}"
    return detail
