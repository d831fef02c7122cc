"""The Messenger load generator: N concurrent customers talk to a Rasa server as Meta would.

Each conversation is the same script of realistic turns (greeting, balance behind
a one-time code read from the core bank's dev SMS outbox, transactions, a card
block, and a final webhook that carries two messaging events at once, as Meta
batches them). Every turn is one signed webhook POST (`X-Hub-Signature-256` and
the older `X-Hub-Signature`, both as Meta sends them) to the connector under test.

The replies are caught by a Graph API stand-in running in this process
(`bot.devtools.graph_standin.GraphStandin`, the same app `python -m bot graph-standin`
serves), which tells us of each Send API message the moment it records it, so
nothing is polled.

Counting (per connector): a calibration conversation is played first, one
event per webhook and waiting for the replies to stop, which gives the number
of reply messages each turn brings (sender actions are not replies; the batched
turn's expectation is the sum of its events played one by one). Under load a
turn is complete when that many replies came; the next turn is sent then. A
turn that falls short within `turn_timeout` counts the missing replies as lost;
replies beyond the expectation (counted until the next turn is sent, or for the
last turn until `grace` seconds later) are duplicated. Latency of a reply: from
just before its webhook POST to the stand-in receiving it.

Loopback only, bounded: at most `conversations` conversations, `concurrency`
at once, and a level stops after `level_timeout` seconds (what is missing then
is lost).
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import aiohttp
from aiohttp import web

from bot.channels.messenger.webhook import SIGNATURE_HEADER, sign
from bot.devtools.graph_records import SentRequest
from bot.devtools.graph_standin import GraphStandin
from bot.devtools.messenger_chat import choices_of, messaging_event

from bench.customers import BenchCustomer

PAGE_ID = "bench-page"
LEGACY_SIGNATURE_HEADER = "X-Hub-Signature"  # sha1, still sent by Meta; Rasa's facebook channel reads it


@dataclass(frozen=True)
class Turn:
    """One webhook: typed `texts` (several: one batched POST), a tap on the choice titled like `tap`,
    the customer's number (`identify`), or the code from the SMS outbox (`code`)."""

    texts: Tuple[str, ...] = ()
    tap: str = ""
    identify: bool = False
    code: bool = False

    @property
    def label(self) -> str:
        if self.tap:
            return f"tap {self.tap}"
        if self.identify:
            return "customer number"
        if self.code:
            return "code"
        return " + ".join(self.texts)


SCRIPT: Tuple[Turn, ...] = (
    Turn(texts=("hi",)),
    Turn(texts=("what's my balance?",)),
    Turn(identify=True),
    Turn(code=True),
    Turn(texts=("show me my last transactions",)),
    Turn(texts=("I lost my card",)),
    Turn(tap="Debit"),
    Turn(tap="No"),
    Turn(texts=("thanks, that's all", "bye")),  # two messaging events in one POST
)


# --------------------------------------------------------------------------- the stand-in, in process


class ListeningStandin(GraphStandin):
    """The Graph API stand-in, telling `listener` of each Send API request it accepts."""

    listener: Optional[Callable[[SentRequest], None]] = None

    def record(self, recipient_id: str, body: Dict[str, Any]) -> SentRequest:
        sent = super().record(recipient_id, body)
        if self.listener is not None:
            self.listener(sent)
        return sent


class Inboxes:
    """The reply messages (not sender actions) each PSID received, with a wake-up per PSID."""

    def __init__(self) -> None:
        self.messages: Dict[str, List[SentRequest]] = {}
        self._events: Dict[str, asyncio.Event] = {}

    def __call__(self, sent: SentRequest) -> None:
        if "message" not in sent.body:
            return
        self.messages.setdefault(sent.recipient_id, []).append(sent)
        self.event(sent.recipient_id).set()

    def event(self, psid: str) -> asyncio.Event:
        return self._events.setdefault(psid, asyncio.Event())

    def count(self, psid: str) -> int:
        return len(self.messages.get(psid, []))

    async def wait_for(self, psid: str, count: int, deadline: float) -> bool:
        """Waits until `psid` has at least `count` messages or `deadline` (loop time) passes."""
        loop = asyncio.get_running_loop()
        while self.count(psid) < count:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            event = self.event(psid)
            event.clear()
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except asyncio.TimeoutError:
                return self.count(psid) >= count
        return True

    async def wait_quiet(self, psid: str, before: int, quiet: float, limit: float) -> None:
        """Waits for a message beyond the first `before`, then until none came for `quiet` seconds
        (at most `limit` in all). The baseline answers its webhook only once the replies are sent:
        they may all be in by the time this is called."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        await self.wait_for(psid, before + 1, deadline)
        while loop.time() < deadline:
            seen = self.count(psid)
            await asyncio.sleep(quiet)
            if self.count(psid) == seen:
                return


# --------------------------------------------------------------------------- one conversation


@dataclass
class Target:
    """A Rasa server's Messenger webhook, and the secret Meta signs with."""

    name: str
    webhook_url: str
    app_secret: str


@dataclass
class ConversationResult:
    acks_ms: List[float] = field(default_factory=list)
    replies_ms: List[float] = field(default_factory=list)
    sent: int = 0  # webhook POSTs
    events: int = 0  # messaging events in them
    replies: int = 0
    expected: int = 0
    lost: int = 0
    duplicated: int = 0
    errors: int = 0
    error_notes: List[str] = field(default_factory=list)
    per_turn: List[int] = field(default_factory=list)  # replies counted for each turn
    first_reply_at: Optional[float] = None  # wall clock
    last_reply_at: Optional[float] = None


class Conversation:
    """One customer's conversation with one Rasa server."""

    _mids = itertools.count(1)

    def __init__(
        self, http: aiohttp.ClientSession, target: Target, inboxes: Inboxes, core_bank_url: str,
        customer: BenchCustomer, psid: str,
    ) -> None:
        self.http, self.target, self.inboxes = http, target, inboxes
        self.core_bank_url, self.customer, self.psid = core_bank_url, customer, psid
        self.result = ConversationResult()

    async def play(
        self, script: Sequence[Turn], expected: Sequence[int], turn_timeout: float, grace: float,
        deadline: float, slot: Optional[asyncio.Semaphore] = None,
    ) -> ConversationResult:
        """Plays the script; with a `slot`, holds it until the last turn is sent.

        The last turn's replies are awaited outside the slot: a connector that loses
        them (the baseline, on the batched turn) would otherwise hold N=1's next
        conversation back by `turn_timeout`.
        """
        loop = asyncio.get_running_loop()
        result = self.result
        if slot is not None:
            await slot.acquire()
        try:
            for index, turn in enumerate(script):
                result.expected += expected[index]
                if loop.time() >= deadline:
                    result.lost += expected[index]
                    result.per_turn.append(0)
                    continue
                before = self.inboxes.count(self.psid)
                started = await self.send(turn)
                if started is None:
                    result.lost += expected[index]
                    result.per_turn.append(0)
                    continue
                if index == len(script) - 1 and slot is not None:
                    slot.release()
                    slot = None
                await self.inboxes.wait_for(
                    self.psid, before + expected[index], min(deadline, loop.time() + turn_timeout),
                )
                if index == len(script) - 1 or expected[index] == 0:
                    await asyncio.sleep(grace)  # extras of the last turn; or nothing to wait for
                self._count_turn(before, started, expected[index])
        finally:
            if slot is not None:
                slot.release()
        return result

    def _count_turn(self, before: int, started: float, expected: int) -> None:
        result = self.result
        got = self.inboxes.messages.get(self.psid, [])[before:]
        result.per_turn.append(len(got))
        result.replies += len(got)
        result.lost += max(0, expected - len(got))
        result.duplicated += max(0, len(got) - expected)
        for sent in got:
            result.replies_ms.append((sent.received_at - started) * 1000.0)
            if result.first_reply_at is None:
                result.first_reply_at = sent.received_at
            result.last_reply_at = sent.received_at

    async def send(self, turn: Turn) -> Optional[float]:
        """Posts the turn's webhook; returns the wall-clock time just before the POST (None: not sent)."""
        try:
            events = await self._events(turn)
        except Exception as exc:  # the turn cannot be built (e.g. no code in the outbox): an error
            self._error(f"{turn.label}: {exc}")
            return None
        now_ms = int(time.time() * 1000)
        body = {"object": "page", "entry": [{"id": PAGE_ID, "time": now_ms, "messaging": events}]}
        raw = json.dumps(body).encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(raw, self.target.app_secret),
            LEGACY_SIGNATURE_HEADER: "sha1=" + hmac.new(self.target.app_secret.encode(), raw, hashlib.sha1).hexdigest(),
        }
        self.result.sent += 1
        self.result.events += len(events)
        started = time.time()
        try:
            async with self.http.post(self.target.webhook_url, data=raw, headers=headers) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            self._error(f"{turn.label}: {type(exc).__name__}")
            return started  # Meta would retry; the replies may still come
        self.result.acks_ms.append((time.time() - started) * 1000.0)
        if status != 200:
            self._error(f"{turn.label}: HTTP {status}")
        return started

    def _error(self, note: str) -> None:
        self.result.errors += 1
        if len(self.result.error_notes) < 5:
            self.result.error_notes.append(note)

    async def _events(self, turn: Turn) -> List[Dict[str, Any]]:
        if turn.tap:
            title, payload, postback = self._choice(turn.tap)
            return [self._event(title, payload, postback)]
        if turn.identify:
            return [self._event(self.customer.customer_number)]
        if turn.code:
            return [self._event(await self._latest_code())]
        return [self._event(text) for text in turn.texts]

    def _event(self, text: str, payload: str = "", postback: bool = False) -> Dict[str, Any]:
        return messaging_event(self.psid, PAGE_ID, f"m_bench_{next(self._mids)}_{time.time_ns()}", text, payload,
                               postback)

    def _choice(self, title_start: str) -> Tuple[str, str, bool]:
        """The latest offered quick reply or button whose title starts with `title_start`."""
        for sent in reversed(self.inboxes.messages.get(self.psid, [])):
            for title, payload, postback in choices_of(sent.body):
                if title.startswith(title_start):
                    return title, payload, postback
        raise LookupError(f"no choice titled {title_start!r} was offered")

    async def _latest_code(self) -> str:
        async with self.http.get(
            f"{self.core_bank_url}/dev/sms-outbox", params={"to": self.customer.phone}
        ) as response:
            response.raise_for_status()
            messages = (await response.json())["messages"]
        for message in messages:  # newest first
            for word in message["text"].split():
                word = word.strip(".,")
                if word.isdigit() and len(word) == 6:
                    return word
        raise LookupError("no code in the SMS outbox")


# --------------------------------------------------------------------------- calibration and levels


async def calibrate(
    http: aiohttp.ClientSession, target: Target, inboxes: Inboxes, core_bank_url: str,
    customer: BenchCustomer, psid: str, quiet: float = 2.0, limit: float = 60.0,
) -> Tuple[List[int], List[str], Optional[float]]:
    """Plays the script once, one event per webhook, waiting for silence after each turn.

    Returns the replies each turn brought, a transcript for the report, and the
    wall-clock time of the first reply.
    """
    conversation = Conversation(http, target, inboxes, core_bank_url, customer, psid)
    counts: List[int] = []
    transcript: List[str] = []
    for turn in SCRIPT:
        parts = [Turn(texts=(text,)) for text in turn.texts] if len(turn.texts) > 1 else [turn]
        total = 0
        for part in parts:
            before = inboxes.count(psid)
            started = time.time()
            await conversation.send(part)
            await inboxes.wait_quiet(psid, before, quiet, limit)
            got = inboxes.messages.get(psid, [])[before:]
            print(f"calibration {target.name}: {part.label}: {len(got)} replies in {time.time() - started:.1f} s, "
                  f"acks {[round(a) for a in conversation.result.acks_ms]}, errors {conversation.result.error_notes}",
                  flush=True)
            total += len(got)
            transcript.append(f"> {part.label}")
            transcript += [f"< {_visible(sent.body)}" for sent in got]
            if conversation.result.errors:
                break
        if conversation.result.errors:
            break
        counts.append(total)
    first = inboxes.messages.get(psid, [None])[0]
    if conversation.result.errors:
        raise RuntimeError(
            f"calibration against {target.name} failed: {conversation.result.error_notes}\n" + "\n".join(transcript)
        )
    return counts, transcript, first.received_at if first is not None else None


def _visible(body: Dict[str, Any]) -> str:
    from bot.devtools.graph_rules import visible_text

    text = visible_text(body).replace("\n", " / ")
    return text if len(text) <= 110 else text[:107] + "..."


@dataclass
class LevelResult:
    concurrency: int
    conversations: List[ConversationResult]
    seconds: float

    def figures(self) -> Dict[str, Any]:
        from bot.nlu.evaluation import percentile

        acks = [ms for c in self.conversations for ms in c.acks_ms]
        replies = [ms for c in self.conversations for ms in c.replies_ms]
        count = sum(c.replies for c in self.conversations)
        firsts = [c.first_reply_at for c in self.conversations if c.first_reply_at]
        lasts = [c.last_reply_at for c in self.conversations if c.last_reply_at]
        span = (max(lasts) - min(firsts)) if firsts and lasts else 0.0
        return {
            "ack_p50_ms": round(percentile(acks, 50), 2),
            "ack_p99_ms": round(percentile(acks, 99), 2),
            "reply_p50_ms": round(percentile(replies, 50), 1),
            "reply_p95_ms": round(percentile(replies, 95), 1),
            "reply_p99_ms": round(percentile(replies, 99), 1),
            "replies_per_s": round(count / span, 2) if span > 0 else 0.0,
            "sent": sum(c.sent for c in self.conversations),
            "lost": sum(c.lost for c in self.conversations),
            "duplicated": sum(c.duplicated for c in self.conversations),
            "errors": sum(c.errors for c in self.conversations),
            "events": sum(c.events for c in self.conversations),
            "replies": count,
            "expected_replies": sum(c.expected for c in self.conversations),
            "conversations": len(self.conversations),
            "seconds": round(self.seconds, 1),
            "error_notes": sorted({n for c in self.conversations for n in c.error_notes})[:5],
        }


async def run_level(
    http: aiohttp.ClientSession, target: Target, inboxes: Inboxes, core_bank_url: str,
    customers: Sequence[BenchCustomer], concurrency: int, expected: Sequence[int], psid_prefix: str,
    turn_timeout: float = 30.0, grace: float = 1.0, level_timeout: float = 300.0,
    script: Sequence[Turn] = SCRIPT,
) -> LevelResult:
    """Plays one conversation per customer, `concurrency` at a time, within `level_timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + level_timeout
    slots = asyncio.Semaphore(concurrency)

    async def one(index: int, customer: BenchCustomer) -> ConversationResult:
        conversation = Conversation(http, target, inboxes, core_bank_url, customer, f"{psid_prefix}-{index:03d}")
        return await conversation.play(script, expected, turn_timeout, grace, deadline, slots)

    started = time.perf_counter()
    results = await asyncio.gather(*(one(i, c) for i, c in enumerate(customers)))
    return LevelResult(concurrency, list(results), time.perf_counter() - started)


async def start_standin(page_access_token: str, port: int, inboxes: Inboxes) -> web.AppRunner:
    """Serves the stand-in on 127.0.0.1:`port` in this event loop."""
    standin = ListeningStandin(page_access_token=page_access_token)
    standin.listener = inboxes
    runner = web.AppRunner(standin.app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner
