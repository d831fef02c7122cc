"""When the page may message a customer on Messenger, and with which messaging type.

Meta's rules (Messenger Platform policy, "standard messaging" and message tags):

- within 24 hours of the customer's last message, the page answers with
  `messaging_type: RESPONSE`, whoever writes (the bot or a member of staff);
- after that, and up to 7 days after the customer's last message, only a human
  agent may write, with `messaging_type: MESSAGE_TAG` and `tag: HUMAN_AGENT`;
- nothing else is sent.

`messaging_fields` is the rule as a pure function. `MessagingWindowStore` is what
the Send API client needs to know (when each customer last wrote);
`MessagingWindows` keeps it in memory, bounded; `state.RedisMessagingWindows`
keeps it in Redis for all instances (production profile).

When no time is known for a customer (the store was restarted, or the entry was
evicted), a bot reply is still sent as RESPONSE: the bot only speaks to answer a
message that just came in, so the window is open by construction. A message
from staff needs a known time, because staff may write days later.
"""
from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Dict, Optional, Protocol

STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)

RESPONSE = "RESPONSE"
MESSAGE_TAG = "MESSAGE_TAG"
HUMAN_AGENT_TAG = "HUMAN_AGENT"

DEFAULT_MAX_CUSTOMERS = 100_000


def messaging_fields(
    last_customer_message: Optional[datetime], now: datetime, from_staff: bool
) -> Optional[Dict[str, str]]:
    """The Send API fields (`messaging_type`, and `tag` if any) for a message, or None when it may not be sent.

    `last_customer_message` is when the customer last wrote (None: not known);
    both times must be timezone-aware.
    """
    _require_aware(now, "now")
    if last_customer_message is None:
        return None if from_staff else {"messaging_type": RESPONSE}
    _require_aware(last_customer_message, "last_customer_message")
    elapsed = max(now - last_customer_message, timedelta(0))  # a clock a little ahead is not "in the future"
    if elapsed <= STANDARD_WINDOW:
        return {"messaging_type": RESPONSE}
    if from_staff and elapsed <= HUMAN_AGENT_WINDOW:
        return {"messaging_type": MESSAGE_TAG, "tag": HUMAN_AGENT_TAG}
    return None


class MessagingWindowStore(Protocol):
    """When each customer (by PSID) last wrote to the page."""

    async def customer_wrote(self, psid: str, at: datetime) -> None:
        """Records a message from the customer at `at` (timezone-aware); an older time never replaces a newer one."""

    async def last_customer_message(self, psid: str) -> Optional[datetime]:
        """When the customer last wrote, or None when not known."""


class MessagingWindows:
    """An in-memory `MessagingWindowStore` for one process, bounded to `max_customers`.

    When full, the customer who wrote least recently is forgotten (a bot reply
    to them is still allowed, see the module's docstring). Its coroutines do not
    suspend, so they need no lock, and one store may serve several event loops.
    """

    def __init__(self, max_customers: int = DEFAULT_MAX_CUSTOMERS) -> None:
        if max_customers <= 0:
            raise ValueError("max_customers must be positive")
        self._max = max_customers
        self._last: "OrderedDict[str, datetime]" = OrderedDict()

    def __len__(self) -> int:
        return len(self._last)

    async def customer_wrote(self, psid: str, at: datetime) -> None:
        _require_aware(at, "at")
        known = self._last.get(psid)
        if known is not None and known >= at:
            return  # webhooks may arrive out of order: keep the latest time
        self._last[psid] = at
        self._last.move_to_end(psid)
        while len(self._last) > self._max:
            self._last.popitem(last=False)

    async def last_customer_message(self, psid: str) -> Optional[datetime]:
        return self._last.get(psid)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
