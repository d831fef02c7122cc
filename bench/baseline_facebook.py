"""The baseline: Rasa's built-in `facebook` channel, unchanged, sending to the local Graph API stand-in.

`fbmessenger.MessengerClient` (which the built-in channel uses for every Send
API call) posts to https://graph.facebook.com/v{version}. The only change here
is that base URL: `FB_GRAPH_API_URL` (the stand-in, e.g.
http://127.0.0.1:PORT/v25.0), exactly as our own connector is configured. The
channel's webhook, signature check, event handling and Send API calls are
Rasa's own code.

bench/credentials.yml registers it as `bench.baseline_facebook.BaselineFacebookInput`
with the same `verify` / `secret` / `page-access-token` keys as `facebook:`; its
webhook is /webhooks/facebook/webhook.
"""
from __future__ import annotations

import os
from typing import Any

from fbmessenger import MessengerClient
from rasa.core.channels import facebook
from rasa.core.channels.facebook import FacebookInput


class StandinMessengerClient(MessengerClient):
    """fbmessenger's client, with the Graph API base URL taken from FB_GRAPH_API_URL."""

    def __init__(self, page_access_token: str, **kwargs: Any) -> None:
        super().__init__(page_access_token, **kwargs)
        base = os.environ.get("FB_GRAPH_API_URL", "").rstrip("/")
        if base:
            self.graph_url = base


# The channel module builds its clients by this name (in Messenger and in get_output_channel).
facebook.MessengerClient = StandinMessengerClient  # type: ignore[misc]


class BaselineFacebookInput(FacebookInput):
    """Rasa's FacebookInput as it is (name `facebook`), its clients pointed at FB_GRAPH_API_URL."""
