"""Customers' public comments on the page's posts, answered privately.

A bank never discusses an account in public, but must answer. Meta posts the page's `feed`
webhook field next to `messaging`, in `entry[].changes[]`:

    {"field": "feed", "value": {"item": "comment", "verb": "add", "comment_id": "...", "post_id": "...",
                                "parent_id": "...", "from": {"id": "...", "name": "..."}, "message": "...",
                                "created_time": 1767225600}}

For a customer's new comment (`item` comment, `verb` add), the responder:

1. archives it (inbound, channel `facebook_comment`, text masked);
2. sends exactly one **private reply** through the Send API, `recipient: {"comment_id": ...}`: one fixed,
   vetted text (PRIVATE_REPLY) that moves the conversation into Messenger and carries no account data.
   Meta allows one private reply per comment, within 7 days of the comment: an older comment gets none
   (staff still see it). The customer's answer arrives as an ordinary Messenger message;
3. archives the private reply (outbound);
4. optionally (FB_COMMENT_PUBLIC_ACK, off by default) answers in public with one vetted template
   (PUBLIC_ACK, `POST /{comment_id}/comments`), whose id is remembered as the page's own;
5. queues it for staff as a "public comment" (`request_handoff`, reason `public_comment`, the normal SLA),
   as conversation `comment:{comment_id}`.

Ignored: the page's own comments (`from.id` is the page; their ids are remembered), replies to the
page's own comments, edits and removals (`verb` edited / remove, hide, ...), other items (posts,
reactions, shares), and repeat deliveries (the comment id goes through the channel's seen store, Redis
in production, before anything is done: a retry by Meta does nothing more).

Nothing here ever raises into the webhook: each step is logged when it fails and the next still runs.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any, Awaitable, Callable, Dict, List, Optional

from bot import messages
from bot.archive.chain import NewEntry
from bot.archive.models import INBOUND, OUTBOUND
from bot.channels.messenger.graph_api import GraphResult
from bot.channels.messenger.state import SeenStore, first_time
from bot.clock import Clock, utc_now
from bot.privacy.masking import mask_sensitive
from bot.privacy.pseudonyms import pseudonym

logger = logging.getLogger(__name__)

CHANNEL = "facebook_comment"
REASON = "public_comment"
CONVERSATION_PREFIX = "comment:"
SEEN_PREFIX = "comment:"  # the key of a comment id in the channel's seen store
# Meta: one private reply per comment, within 7 days of the comment.
PRIVATE_REPLY_WINDOW = timedelta(days=7)
# The page's own comments, remembered so that replies to them are ignored.
OWN_COMMENT_TTL_SECONDS = 90 * 24 * 3600

# Vetted texts: fixed, never built from the comment, never carrying account data (bot/messages/<language>.yml).
# The commenter's language is not known: both languages, French first.
PRIVATE_REPLY = messages.every_language("page_comment.private_reply")
PUBLIC_ACK = messages.every_language("page_comment.public_ack")


@dataclass(frozen=True)
class PageComment:
    """One `feed` change about a comment, as Meta sent it."""

    page_id: str
    comment_id: str
    verb: str
    post_id: str = ""
    parent_id: str = ""
    from_id: str = ""
    message: str = ""
    created_time: int = 0  # seconds since the epoch (0: Meta did not say)

    @property
    def is_new(self) -> bool:
        return self.verb == "add"

    @property
    def conversation_id(self) -> str:
        return CONVERSATION_PREFIX + self.comment_id

    @property
    def is_reply(self) -> bool:
        """A reply to another comment (a top-level comment's parent is the post)."""
        return bool(self.parent_id) and self.parent_id != self.post_id

    def created_at(self, now: datetime) -> datetime:
        if self.created_time <= 0:
            return now
        try:
            return min(datetime.fromtimestamp(self.created_time, timezone.utc), now)
        except (OverflowError, OSError, ValueError):
            return now


def page_comments(body: Any) -> List[PageComment]:
    """The comments in a page webhook batch's `entry[].changes[]` (field `feed`, item `comment`), in order.

    Lenient: a change that is not a comment, or not shaped as Meta documents it, is skipped (and logged),
    so a surprise in `changes` never costs the `messaging` events of the same batch.
    """
    found: List[PageComment] = []
    entries = body.get("entry") if isinstance(body, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("changes"), list):
            continue
        page_id = str(entry.get("id") or "")
        for change in entry["changes"]:
            if not isinstance(change, dict) or change.get("field") != "feed":
                continue
            value = change.get("value")
            if not isinstance(value, dict) or value.get("item") != "comment":
                continue
            comment_id = _text(value.get("comment_id"))
            if not comment_id or not page_id:
                logger.warning("Page feed comment change without a comment id or page id; skipped")
                continue
            sender = value.get("from") if isinstance(value.get("from"), dict) else {}
            message = value.get("message")
            found.append(PageComment(
                page_id=page_id, comment_id=comment_id, verb=_text(value.get("verb")),
                post_id=_text(value.get("post_id")), parent_id=_text(value.get("parent_id")),
                from_id=_text(sender.get("id")), message=message if isinstance(message, str) else "",
                created_time=_seconds(value.get("created_time")),
            ))
    return found


class OwnComments:
    """The ids of the page's own comments (public acknowledgements, staff comments): in memory, or in Redis
    (production, shared by every instance) when given a client."""

    def __init__(self, redis: Any = None, prefix: str = "", ttl_seconds: int = OWN_COMMENT_TTL_SECONDS,
                 max_entries: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._redis = redis
        self._prefix = prefix
        self._ttl = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._ids: "OrderedDict[str, float]" = OrderedDict()

    def _key(self, comment_id: str) -> str:
        return f"{self._prefix}own-comment:{comment_id}"

    async def remember(self, comment_id: str) -> None:
        if self._redis is not None:
            await self._redis.set(self._key(comment_id), "1", ex=self._ttl)
            return
        self._ids.pop(comment_id, None)
        self._ids[comment_id] = self._clock() + self._ttl
        while len(self._ids) > self._max:
            self._ids.popitem(last=False)

    async def is_ours(self, comment_id: str) -> bool:
        if self._redis is not None:
            return bool(await self._redis.exists(self._key(comment_id)))
        expires = self._ids.get(comment_id)
        return expires is not None and expires > self._clock()


class Outcome(str, Enum):
    ANSWERED = "answered"  # private reply sent (and queued for staff, archived)
    NOT_REPLIED = "not_replied"  # queued and archived, but no private reply (too old, refused, page restricted)
    OWN = "own"  # the page's own comment
    REPLY_TO_OURS = "reply_to_ours"
    NOT_NEW = "not_new"  # edited, removed, hidden...
    REPEAT = "repeat"  # delivered before


# (conversation id, channel, reason, masked text) -> handoff id; run in a worker thread (a database call).
RequestHandoff = Callable[[str, str, str, str], int]
Archive = Callable[[NewEntry], None]
Post = Callable[[str, Dict[str, Any]], Awaitable[GraphResult]]


class CommentResponder:
    """What the page does with each comment (see the module's docstring)."""

    def __init__(
        self,
        post: Post,
        seen: SeenStore,
        own: OwnComments,
        *,
        request_handoff: Optional[RequestHandoff] = None,
        archive: Optional[Archive] = None,
        public_ack: bool = False,
        sending_paused: Callable[[], bool] = lambda: False,
        clock: Clock = utc_now,
    ) -> None:
        self._post = post
        self._seen = seen
        self.own = own
        self._request_handoff = request_handoff
        self._archive = archive
        self.public_ack = public_ack
        self._sending_paused = sending_paused
        self._clock = clock

    @classmethod
    def for_server(cls, settings: Any, graph: Any, seen: SeenStore, own: OwnComments,
                   sending_paused: Callable[[], bool]) -> "CommentResponder":
        """The Rasa server's responder: the branch database's staff queue, the archive broker's writer."""
        from bot.archive.service import writer_for
        from bot.handoff.queue import default_queue

        def request_handoff(conversation_id: str, channel: str, reason: str, text: str) -> int:
            return default_queue().request_handoff(conversation_id, channel, reason, text)

        return cls(graph.post, seen, own, request_handoff=request_handoff,
                   archive=writer_for(settings.archive_database_url).put,
                   public_ack=settings.fb_comment_public_ack, sending_paused=sending_paused)

    async def handle(self, comment: PageComment) -> Outcome:
        who = pseudonym(comment.from_id) if comment.from_id else "someone"
        if not comment.is_new:
            logger.info("Page comment %s %s by %s: not a new comment; ignored", comment.comment_id, comment.verb, who)
            return Outcome.NOT_NEW
        if comment.from_id and comment.from_id == comment.page_id:
            await self._remember_own(comment.comment_id)
            return Outcome.OWN
        if comment.is_reply and await self._is_ours(comment.parent_id):
            logger.info("Page comment %s by %s replies to the page's own comment; ignored", comment.comment_id, who)
            return Outcome.REPLY_TO_OURS
        if not await first_time(self._seen, SEEN_PREFIX + comment.comment_id):
            logger.info("Page comment %s by %s delivered before; skipped", comment.comment_id, who)
            return Outcome.REPEAT

        now = self._clock()
        created = comment.created_at(now)
        masked = mask_sensitive(comment.message)
        self._archived(NewEntry(at=created, channel=CHANNEL, conversation_id=comment.conversation_id,
                                direction=INBOUND, kind="public_comment", text=masked,
                                reference=comment.post_id or None))
        replied = await self._private_reply(comment, created, now, who)
        if self.public_ack:
            await self._acknowledge_publicly(comment)
        await self._queue_for_staff(comment, masked)
        return Outcome.ANSWERED if replied else Outcome.NOT_REPLIED

    async def _private_reply(self, comment: PageComment, created: datetime, now: datetime, who: str) -> bool:
        if now - created > PRIVATE_REPLY_WINDOW:
            logger.warning("Page comment %s by %s is over 7 days old: Meta allows no private reply; staff see it",
                           comment.comment_id, who)
            return False
        if self._sending_paused():
            logger.warning("Page comment %s by %s: no private reply, the page is restricted from sending",
                           comment.comment_id, who)
            return False
        body = {"recipient": {"comment_id": comment.comment_id}, "messaging_type": "RESPONSE",
                "message": {"text": PRIVATE_REPLY}}
        try:
            result = await self._post("me/messages", body)
        except Exception:  # noqa: BLE001 - the queue entry must still be made
            logger.exception("Private reply to page comment %s failed", comment.comment_id)
            return False
        if not result.ok:
            logger.warning("Private reply to page comment %s by %s not sent: %s", comment.comment_id, who,
                           result.description)
            return False
        logger.info("Private reply sent to page comment %s by %s", comment.comment_id, who)
        self._archived(NewEntry(at=self._clock(), channel=CHANNEL, conversation_id=comment.conversation_id,
                                direction=OUTBOUND, kind="private_reply", text=PRIVATE_REPLY,
                                reference=result.message_id))
        return True

    async def _acknowledge_publicly(self, comment: PageComment) -> None:
        try:
            result = await self._post(f"{comment.comment_id}/comments", {"message": PUBLIC_ACK})
        except Exception:  # noqa: BLE001
            logger.exception("Public acknowledgement of page comment %s failed", comment.comment_id)
            return
        if not result.ok:
            logger.warning("Public acknowledgement of page comment %s not posted: %s", comment.comment_id,
                           result.description)
            return
        ack_id = result.body.get("id")
        if ack_id:
            await self._remember_own(str(ack_id))
        self._archived(NewEntry(at=self._clock(), channel=CHANNEL, conversation_id=comment.conversation_id,
                                direction=OUTBOUND, kind="public_reply", text=PUBLIC_ACK,
                                reference=str(ack_id) if ack_id else None))

    async def _queue_for_staff(self, comment: PageComment, masked: str) -> None:
        if self._request_handoff is None:
            return
        try:
            handoff_id = await asyncio.to_thread(self._request_handoff, comment.conversation_id, CHANNEL, REASON,
                                                 masked)
        except Exception:  # noqa: BLE001 - the private reply went; the log says staff did not get it
            logger.exception("Page comment %s could not be queued for staff", comment.comment_id)
            return
        logger.info("Page comment %s queued for staff (handoff %s)", comment.comment_id, handoff_id)

    def _archived(self, entry: NewEntry) -> None:
        if self._archive is None:
            return
        try:
            self._archive(entry)
        except Exception:  # noqa: BLE001 - archiving never fails the answer
            logger.exception("ARCHIVE: page comment row for %s not archived", entry.conversation_id)

    async def _remember_own(self, comment_id: str) -> None:
        try:
            await self.own.remember(comment_id)
        except Exception:  # noqa: BLE001
            logger.exception("The page's own comment %s could not be remembered", comment_id)

    async def _is_ours(self, comment_id: str) -> bool:
        try:
            return await self.own.is_ours(comment_id)
        except Exception:  # noqa: BLE001 - when unsure, answer: a customer must not go unanswered
            logger.exception("Could not tell whether comment %s is the page's own", comment_id)
            return False


def _text(value: Any) -> str:
    return "" if value is None or isinstance(value, (dict, list)) else str(value)


def _seconds(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0
