"""A local stand-in for Meta's Graph API (Messenger Platform), for development and tests.

It answers like Meta does: it checks the page access token and the shape of
each request, refuses what Meta would refuse with a Graph-style error, and
records what it accepted so a developer (`python -m bot messenger chat`) or a
test can read the replies a customer would have seen.

Meta's endpoints (every one needs `?access_token=` or a Bearer header):

    POST   /{version}/me/messages                 the Send API (also private replies: recipient.comment_id);
                                                  as JSON, or as a multipart form with the file as `filedata`
                                                  (recipient, message, messaging_type as JSON-encoded fields)
    POST   /{version}/{comment_id}/comments       the page replies to a comment in public
    POST   /{version}/me/messenger_profile        set Get Started, greeting, persistent menu...
    GET    /{version}/me/messenger_profile?fields=get_started,greeting,...
    DELETE /{version}/me/messenger_profile        {"fields": [...]}
    POST   /{version}/me/pass_thread_control      thread control (Conversation Routing)
    POST   /{version}/me/take_thread_control
    POST   /{version}/me/request_thread_control
    POST   /{version}/me/release_thread_control
    POST   /{version}/me/personas                 an advisor's persona (name, picture); GET lists them,
    DELETE /{version}/{persona_id}                deletes one (graph_personas.py); a message's `persona_id`
                                                  must be one of them

The stand-in's own endpoints (for tests and the sandbox; no token):

    GET    /_standin/messages?recipient=PSID&after=N    what was sent, in order (a message sent with its
                                                  file: `filedata` {attachment_id, content_type, size, filename};
                                                  under a persona: `persona` {id, name})
    GET    /_standin/attachments/{attachment_id}    the bytes of a file sent with a message
    GET    /_standin/thread_owner?recipient=PSID        the app that owns the conversation (null: idle)
    GET    /_standin/comments?comment_id=ID    the private replies and the page's public replies to a comment
    POST   /_standin/inbound   {"recipient": PSID, "timestamp": ms}   the customer wrote (opens the windows)
    POST   /_standin/faults    {"recipient": PSID, "responses": [{"status": 500, "code": 2}, ...]}
    DELETE /_standin/faults
    GET    /_standin/page      the page's condition: {"restricted": false, "handover_apis": true, "feedback_template": true}
    POST   /_standin/page      {"restricted": true}: Meta restricts the page from sending (error 10/1893063);
                               {"handover_apis": false}: its Conversation Routing refuses thread control;
                               {"feedback_template": false}: the customer feedback template is refused (error 100),
                               as Meta may for a page it has not opened the template to
    POST   /_standin/page_inbox  {"recipient": PSID, "action": "pass_back" | "release" | "take"}
                               a person in the Page Inbox moves the thread; answers {"webhook": batch}, the
                               `messaging_handovers` notification Meta would post to the bot (unsigned)
    GET    /{version}/{PSID}?fields=locale          the User Profile API (graph_user_profiles.py)
    POST   /_standin/user_profile  {"recipient": PSID, "locale": "fr_FR"} | {"locale": ...} | {"access": false}
    GET    /health

Versions and tags, as Meta has them in late 2026: a version before v24.0 is refused
with Graph error 12 (graph_rules.OLDEST_SERVED_VERSION), and a message tag other than
HUMAN_AGENT with error 100 (ACCOUNT_UPDATE, CONFIRMED_EVENT_UPDATE and
POST_PURCHASE_UPDATE were retired on 2026-04-27).

Messaging windows: once the stand-in knows when a customer last wrote
(`/_standin/inbound` or `customer_wrote`), it refuses like Meta (code 10, subcode
2018278) a RESPONSE or UPDATE more than 24 hours later and a HUMAN_AGENT message
more than 7 days later. While it does not know, it accepts them.

Private replies (Send API, `recipient: {"comment_id": ...}`): one per comment; a second is refused with
Graph error 10 ("Activity already replied to", graph_rules.ALREADY_REPLIED), and once the stand-in knows
when the comment was posted (`comment_posted`), a reply more than 7 days later with code 10, subcode 2018278.
A private reply is recorded as sent to the comment id (`messages_for(comment_id)`, `private_replies`).

Faults: each response given to `/_standin/faults` answers, in order, one of the
next Graph requests about that recipient (any request when `recipient` is left
out) instead of the real handling: `status` (default 500), Graph error `code`,
`subcode`, `message`, `retry_after` (a Retry-After header, seconds), and
`delay` (seconds to wait first; with a delay and no status, the request is then
handled normally). A faulted request is not recorded as sent.

`GraphStandin().app()` is a self-contained aiohttp application: it can be run
alone (`serve`) or mounted as a sub-application.
"""
from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Deque, Dict, List, Optional

from aiohttp import web

from bot.devtools.graph_page_inbox import PageInboxMoves
from bot.devtools.graph_personas import GraphPersonas
from bot.devtools.graph_records import Fault, GraphCall, SentRequest, bearer, graph_error, json_or_none
from bot.devtools.graph_rules import (
    ALREADY_REPLIED,
    MAX_UPLOAD_BYTES,
    DEFAULT_APP_ID,
    FEEDBACK_TEMPLATE_UNAVAILABLE,
    HANDOVER_APIS_DISABLED,
    HUMAN_AGENT_WINDOW,
    PAGE_RESTRICTED,
    PRIVATE_REPLY_TOO_LATE,
    PRIVATE_REPLY_WINDOW,
    STANDARD_WINDOW,
    THREAD_CONTROL_EDGES,
    comment_of,
    comment_problem,
    profile_fields,
    profile_problem,
    recipient_of,
    request_problem,
    template_of,
    thread_control_problem,
    upload_problem,
    version_problem,
    visible_text,
)
from bot.devtools.graph_subscriptions import SubscribedApps
from bot.devtools.graph_user_profiles import UserProfiles
from bot.web.body_limits import MULTIPART_ALLOWED

_ANY_RECIPIENT = "*"


@dataclass
class GraphStandin(PageInboxMoves, SubscribedApps, UserProfiles, GraphPersonas):
    """The stand-in's state: the page token it accepts and what it was sent."""

    page_access_token: str
    sent: List[SentRequest] = field(default_factory=list)
    _seq: "itertools.count[int]" = field(default_factory=lambda: itertools.count(1))
    app_id: str = DEFAULT_APP_ID
    profile: Dict[str, Any] = field(default_factory=dict)
    thread_owners: Dict[str, str] = field(default_factory=dict)  # PSID -> app id; absent: idle
    handovers: List[Dict[str, Any]] = field(default_factory=list)  # thread control requests accepted, in order
    calls: List[GraphCall] = field(default_factory=list)
    last_inbound: Dict[str, datetime] = field(default_factory=dict)
    _faults: Dict[str, Deque[Fault]] = field(default_factory=dict)
    page_id: str = "standin-page"
    restricted: bool = False  # Meta restricts the page from sending messages
    handover_apis: bool = True  # False: the page's Conversation Routing refuses this app thread control
    private_replies: Dict[str, SentRequest] = field(default_factory=dict)  # comment id -> its one private reply
    public_replies: List[Dict[str, Any]] = field(default_factory=list)  # {"id", "parent_id", "message"}, in order
    comments_posted: Dict[str, datetime] = field(default_factory=dict)  # comment id -> when it was posted
    subscribed_fields: List[str] = field(default_factory=list)  # the app's webhook fields (subscribed_apps)
    feedback_template: bool = True  # False: the customer feedback template is refused (a well-formed one too)
    # The User Profile API (graph_user_profiles.py): each customer's Facebook locale, and whether the page may read it.
    user_locales: Dict[str, str] = field(default_factory=dict)
    default_user_locale: str = "en_US"
    user_profile_access: bool = True
    uploads: Dict[str, Any] = field(default_factory=dict)  # attachment id -> (content type, bytes), files sent
    personas: Dict[str, Dict[str, str]] = field(default_factory=dict)  # the page's personas (graph_personas.py)
    sent_personas: Dict[int, Dict[str, str]] = field(default_factory=dict)

    # --- reading what happened -------------------------------------------------

    def messages_for(self, recipient_id: str, after: int = 0) -> List[SentRequest]:
        return [s for s in self.sent if s.recipient_id == recipient_id and s.seq > after]

    def texts_for(self, recipient_id: str) -> List[str]:
        """The visible text of each message sent to `recipient_id` (sender actions left out)."""
        return [visible_text(s.body) for s in self.messages_for(recipient_id) if "message" in s.body]

    async def wait_for_messages(self, recipient_id: str, count: int, timeout: float = 30) -> List[SentRequest]:
        """Waits until at least `count` messages (not sender actions) went to `recipient_id`."""
        deadline = time.monotonic() + timeout
        while True:
            messages = [s for s in self.messages_for(recipient_id) if "message" in s.body]
            if len(messages) >= count or time.monotonic() > deadline:
                return messages
            await asyncio.sleep(0.05)

    def calls_for(self, recipient_id: Optional[str], edge: Optional[str] = None) -> List[GraphCall]:
        """The Graph requests answered about `recipient_id` (None: page-level ones such as the profile)."""
        return [c for c in self.calls if c.recipient_id == recipient_id and (edge is None or c.edge == edge)]

    def thread_owner(self, recipient_id: str) -> Optional[str]:
        """The app id that controls the conversation, or None when it is idle."""
        return self.thread_owners.get(recipient_id)

    def public_replies_to(self, comment_id: str) -> List[Dict[str, Any]]:
        return [c for c in self.public_replies if c["parent_id"] == comment_id]

    # --- arranging what happens ------------------------------------------------

    def comment_posted(self, comment_id: str, at: datetime) -> None:
        """A customer posted `comment_id` at `at` (aware): private replies are refused 7 days later."""
        if at.tzinfo is None:
            raise ValueError("at must be timezone-aware")
        self.comments_posted[comment_id] = at

    def record(self, recipient_id: str, body: Dict[str, Any]) -> SentRequest:
        sent = SentRequest(next(self._seq), recipient_id, body, time.time())
        self.sent.append(sent)
        return sent

    def customer_wrote(self, recipient_id: str, at: Optional[datetime] = None) -> None:
        """The customer sent the page a message at `at` (aware; default now): the messaging windows start then."""
        at = at or datetime.now(timezone.utc)
        if at.tzinfo is None:
            raise ValueError("at must be timezone-aware")
        known = self.last_inbound.get(recipient_id)
        if known is None or at > known:
            self.last_inbound[recipient_id] = at

    def inject_faults(self, recipient_id: Optional[str], responses: List[Dict[str, Any]]) -> int:
        """Queues failures for the next Graph requests about `recipient_id` (None: any request)."""
        faults = [Fault.from_json(raw) for raw in responses]
        self._faults.setdefault(recipient_id or _ANY_RECIPIENT, deque()).extend(faults)
        return len(faults)

    def clear_faults(self) -> None:
        self._faults.clear()

    # --- the application -------------------------------------------------------

    def app(self) -> web.Application:
        application = web.Application(client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)  # a 25 MB file and its form
        application[MULTIPART_ALLOWED] = True  # Send API uploads, when the sandbox's web service hosts the stand-in
        application.router.add_post("/{version}/me/messages", self._send_api)
        application.router.add_post("/{version}/me/messenger_profile", self._set_profile)
        application.router.add_get("/{version}/me/messenger_profile", self._get_profile)
        application.router.add_delete("/{version}/me/messenger_profile", self._delete_profile)
        application.router.add_post("/{version}/me/subscribed_apps", self._subscribe)
        application.router.add_get("/{version}/me/subscribed_apps", self._read_subscriptions)
        for edge in THREAD_CONTROL_EDGES:
            application.router.add_post(f"/{{version}}/me/{edge}", self._thread_control)
        application.router.add_get("/_standin/messages", self._read_messages)
        application.router.add_get("/_standin/attachments/{attachment_id}", self._read_attachment)
        application.router.add_get("/_standin/thread_owner", self._read_thread_owner)
        application.router.add_get("/_standin/comments", self._read_comment_replies)
        application.router.add_post("/{version}/{comment_id}/comments", self._public_reply)
        application.router.add_post("/_standin/inbound", self._inbound)
        application.router.add_post("/_standin/faults", self._add_faults)
        application.router.add_delete("/_standin/faults", self._delete_faults)
        application.router.add_get("/_standin/page", self._read_page)
        application.router.add_post("/_standin/page", self._set_page)
        application.router.add_post("/_standin/page_inbox", self._page_inbox)
        application.router.add_post("/_standin/user_profile", self._set_user_profile)
        application.router.add_get("/health", self._health)
        application.router.add_post("/{version}/{page}/personas", self._create_persona)
        application.router.add_get("/{version}/me/personas", self._list_personas)
        # last: these match any two segments
        application.router.add_delete("/{version}/{node}", self._delete_persona)
        application.router.add_get("/{version}/{psid}", self._read_user_profile)
        return application

    async def _health(self, _: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _read_messages(self, request: web.Request) -> web.Response:
        recipient = request.query.get("recipient", "")
        try:
            after = int(request.query.get("after", "0"))
        except ValueError:
            return web.json_response({"error": {"message": "after must be a whole number"}}, status=400)
        messages = [{**s.as_json(), **self.persona_of(s)} for s in self.messages_for(recipient, after)]
        return web.json_response({"messages": messages})

    async def _read_attachment(self, request: web.Request) -> web.Response:
        found = self.uploads.get(request.match_info["attachment_id"])
        if found is None:
            return web.json_response({"error": {"message": "no such attachment"}}, status=404)
        content_type, data = found
        return web.Response(body=data, content_type=content_type)

    def attachment(self, attachment_id: str) -> Optional[bytes]:
        """The bytes of a file sent with a message (`filedata.attachment_id` in what was recorded)."""
        found = self.uploads.get(attachment_id)
        return found[1] if found is not None else None

    async def _read_thread_owner(self, request: web.Request) -> web.Response:
        recipient = request.query.get("recipient", "")
        if not recipient:
            return web.json_response({"error": {"message": "recipient is required"}}, status=400)
        owner = self.thread_owner(recipient)
        return web.json_response({"recipient": recipient, "thread_owner": {"app_id": owner} if owner else None})

    async def _read_comment_replies(self, request: web.Request) -> web.Response:
        comment_id = request.query.get("comment_id", "")
        if not comment_id:
            return web.json_response({"error": {"message": "comment_id is required"}}, status=400)
        private = self.private_replies.get(comment_id)
        return web.json_response({"comment_id": comment_id,
                                  "private_replies": [private.as_json()] if private is not None else [],
                                  "public_replies": self.public_replies_to(comment_id)})

    async def _inbound(self, request: web.Request) -> web.Response:
        body = await json_or_none(request)
        recipient = body.get("recipient") if isinstance(body, dict) else None
        timestamp = body.get("timestamp") if isinstance(body, dict) else None
        if not isinstance(recipient, str) or not recipient:
            return web.json_response({"error": {"message": "recipient (a PSID) is required"}}, status=400)
        if timestamp is not None and not isinstance(timestamp, (int, float)):
            return web.json_response({"error": {"message": "timestamp must be milliseconds since the epoch"}}, status=400)
        at = datetime.fromtimestamp(timestamp / 1000, timezone.utc) if timestamp is not None else None
        self.customer_wrote(recipient, at)
        return web.json_response({"recipient": recipient, "last_inbound": self.last_inbound[recipient].isoformat()})

    async def _add_faults(self, request: web.Request) -> web.Response:
        body = await json_or_none(request)
        if not isinstance(body, dict) or not isinstance(body.get("responses"), list):
            return web.json_response({"error": {"message": "expected {\"recipient\": ..., \"responses\": [...]}"}}, status=400)
        recipient = body.get("recipient")
        if recipient is not None and not isinstance(recipient, str):
            return web.json_response({"error": {"message": "recipient must be a string"}}, status=400)
        try:
            queued = self.inject_faults(recipient, body["responses"])
        except (TypeError, ValueError) as exc:
            return web.json_response({"error": {"message": str(exc)}}, status=400)
        return web.json_response({"queued": queued})

    async def _delete_faults(self, _: web.Request) -> web.Response:
        self.clear_faults()
        return web.json_response({"cleared": True})

    # --- Meta's endpoints --------------------------------------------------------

    async def _send_api(self, request: web.Request) -> web.Response:
        refused = self._check_request(request)
        if refused is not None:
            return self._answered(request, "messages", None, refused)
        upload: Optional[Dict[str, Any]] = None
        if request.content_type == "multipart/form-data":
            body, upload = await _form_body(request)
        else:
            body = await json_or_none(request)
        if body is None:
            return self._answered(request, "messages", None, graph_error(400, 100, "Invalid JSON body"))
        comment_id = comment_of(body)
        if comment_id is not None:
            return await self._private_reply(request, body, comment_id)
        recipient_id = recipient_of(body)
        faulted = await self._fault_for(recipient_id)
        if faulted is not None:
            return self._answered(request, "messages", recipient_id, faulted)
        problem = request_problem(body) or self.persona_problem(body)
        if problem is None and upload is not None:
            problem = upload_problem(body.get("message"), upload["content_type"], len(upload["data"]))
        if problem:
            return self._answered(request, "messages", recipient_id, graph_error(400, 100, f"(#100) {problem}"))
        assert recipient_id is not None  # request_problem checked it
        if self.restricted:
            code, subcode, text = PAGE_RESTRICTED
            return self._answered(request, "messages", recipient_id, graph_error(400, code, text, subcode=subcode))
        if not self.feedback_template and template_of(body.get("message")).get("template_type") == "customer_feedback":
            code, text = FEEDBACK_TEMPLATE_UNAVAILABLE
            return self._answered(request, "messages", recipient_id, graph_error(400, code, text))
        refused = self._window_refusal(recipient_id, body)
        if refused is None:
            refused = self._owner_refusal(recipient_id)
        if refused is not None:
            return self._answered(request, "messages", recipient_id, refused)
        if upload is not None:
            attachment_id = f"standin_attachment_{len(self.uploads) + 1}"
            self.uploads[attachment_id] = (upload["content_type"], upload["data"])
            body["filedata"] = {"attachment_id": attachment_id, "content_type": upload["content_type"],
                                "size": len(upload["data"]), "filename": upload["filename"]}
        sent = self.record(recipient_id, body)
        self.sent_under_persona(sent)
        answer: Dict[str, Any] = {"recipient_id": recipient_id}
        if "message" in body:
            answer["message_id"] = f"m_standin_{sent.seq}"
        if upload is not None and ((body["message"].get("attachment") or {}).get("payload") or {}).get("is_reusable"):
            answer["attachment_id"] = body["filedata"]["attachment_id"]  # Meta gives one for a reusable asset only
        return self._answered(request, "messages", recipient_id, web.json_response(answer))

    async def _private_reply(self, request: web.Request, body: Dict[str, Any], comment_id: str) -> web.Response:
        """The Send API answering a comment privately: one reply per comment, within 7 days of it."""
        faulted = await self._fault_for(comment_id)
        if faulted is not None:
            return self._answered(request, "messages", comment_id, faulted)
        problem = request_problem(body)
        if problem:
            return self._answered(request, "messages", comment_id, graph_error(400, 100, f"(#100) {problem}"))
        if self.restricted:
            code, subcode, text = PAGE_RESTRICTED
            return self._answered(request, "messages", comment_id, graph_error(400, code, text, subcode=subcode))
        if comment_id in self.private_replies:
            return self._answered(request, "messages", comment_id, graph_error(400, *ALREADY_REPLIED))
        posted = self.comments_posted.get(comment_id)
        if posted is not None and datetime.now(timezone.utc) - posted > PRIVATE_REPLY_WINDOW:
            code, subcode, text = PRIVATE_REPLY_TOO_LATE
            return self._answered(request, "messages", comment_id, graph_error(400, code, text, subcode=subcode))
        sent = self.private_replies[comment_id] = self.record(comment_id, body)
        # Meta answers with the PSID of the person the private reply opened a conversation with.
        answer = {"recipient_id": f"psid-of-{comment_id}", "message_id": f"m_standin_{sent.seq}"}
        return self._answered(request, "messages", comment_id, web.json_response(answer))

    async def _public_reply(self, request: web.Request) -> web.Response:
        """`POST /{comment_id}/comments`: the page replies to a comment in public."""
        comment_id = request.match_info["comment_id"]
        refused = self._check_request(request)
        if refused is not None:
            return self._answered(request, "comments", comment_id, refused)
        body = await json_or_none(request)
        if body is None:
            return self._answered(request, "comments", comment_id, graph_error(400, 100, "Invalid JSON body"))
        faulted = await self._fault_for(comment_id)
        if faulted is not None:
            return self._answered(request, "comments", comment_id, faulted)
        problem = comment_problem(body)
        if problem:
            return self._answered(request, "comments", comment_id, graph_error(400, 100, f"(#100) {problem}"))
        reply_id = f"{comment_id}_standin{next(self._seq)}"
        self.public_replies.append({"id": reply_id, "parent_id": comment_id, "message": body["message"]})
        return self._answered(request, "comments", comment_id, web.json_response({"id": reply_id}))

    async def _set_profile(self, request: web.Request) -> web.Response:
        refused = await self._page_refusal(request)
        if refused is not None:
            return self._answered(request, "messenger_profile", None, refused)
        body = await json_or_none(request)
        if body is None:
            return self._answered(request, "messenger_profile", None, graph_error(400, 100, "Invalid JSON body"))
        problem = profile_problem(body, self.profile)
        if problem:
            return self._answered(request, "messenger_profile", None, graph_error(400, 100, f"(#100) {problem}"))
        self.profile.update(body)
        return self._answered(request, "messenger_profile", None, web.json_response({"result": "success"}))

    async def _get_profile(self, request: web.Request) -> web.Response:
        refused = await self._page_refusal(request)
        if refused is not None:
            return self._answered(request, "messenger_profile", None, refused)
        fields, problem = profile_fields(request.query.get("fields", "").split(","))
        if problem:
            return self._answered(request, "messenger_profile", None, graph_error(400, 100, f"(#100) {problem}"))
        found = {name: self.profile[name] for name in fields if name in self.profile}
        return self._answered(request, "messenger_profile", None, web.json_response({"data": [found] if found else []}))

    async def _delete_profile(self, request: web.Request) -> web.Response:
        refused = await self._page_refusal(request)
        if refused is not None:
            return self._answered(request, "messenger_profile", None, refused)
        body = await json_or_none(request)
        raw_fields = body.get("fields") if isinstance(body, dict) else request.query.get("fields", "").split(",")
        if not isinstance(raw_fields, list):
            raw_fields = []
        fields, problem = profile_fields(raw_fields)
        if problem:
            return self._answered(request, "messenger_profile", None, graph_error(400, 100, f"(#100) {problem}"))
        for name in fields:
            self.profile.pop(name, None)
        return self._answered(request, "messenger_profile", None, web.json_response({"result": "success"}))

    async def _thread_control(self, request: web.Request) -> web.Response:
        edge = request.path.rsplit("/", 1)[-1]
        refused = self._check_request(request)
        if refused is not None:
            return self._answered(request, edge, None, refused)
        body = await json_or_none(request)
        if body is None:
            return self._answered(request, edge, None, graph_error(400, 100, "Invalid JSON body"))
        recipient_id = recipient_of(body)
        faulted = await self._fault_for(recipient_id)
        if faulted is not None:
            return self._answered(request, edge, recipient_id, faulted)
        problem = thread_control_problem(edge, body)
        if problem:
            return self._answered(request, edge, recipient_id, graph_error(400, 100, f"(#100) {problem}"))
        assert recipient_id is not None
        if not self.handover_apis:
            return self._answered(request, edge, recipient_id, graph_error(400, *HANDOVER_APIS_DISABLED))
        metadata = body.get("metadata") or ""
        if edge == "pass_thread_control":
            self.thread_owners[recipient_id] = str(body["target_app_id"])
        elif edge == "take_thread_control":
            self.thread_owners[recipient_id] = self.app_id
        elif edge == "release_thread_control":
            if self.thread_owners.get(recipient_id, self.app_id) != self.app_id:
                return self._answered(request, edge, recipient_id, graph_error(
                    400, 10, "(#10) Only the app that controls the thread can release it"))
            self.thread_owners.pop(recipient_id, None)
        self.handovers.append({"edge": edge, "recipient_id": recipient_id, "metadata": metadata,
                               "target_app_id": body.get("target_app_id")})
        return self._answered(request, edge, recipient_id, web.json_response({"success": True}))

    # --- checks ---------------------------------------------------------------------

    def _check_request(self, request: web.Request) -> Optional[web.Response]:
        wrong_version = version_problem(request.match_info["version"])
        if wrong_version is not None:
            return graph_error(400, *wrong_version)
        token = request.query.get("access_token") or bearer(request)
        if token != self.page_access_token:
            return graph_error(400, 190, "Invalid OAuth access token - Cannot parse access token", "OAuthException")
        return None

    async def _page_refusal(self, request: web.Request) -> Optional[web.Response]:
        # (An aiohttp response is falsy: always compare with None.)
        refused = self._check_request(request)
        return refused if refused is not None else await self._fault_for(None)

    async def _fault_for(self, recipient_id: Optional[str]) -> Optional[web.Response]:
        fault = None
        for key in ([recipient_id] if recipient_id else []) + [_ANY_RECIPIENT]:
            queue = self._faults.get(key)
            if queue:
                fault = queue.popleft()
                break
        if fault is None:
            return None
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.status is None:
            return None
        response = graph_error(fault.status, fault.code, fault.message, subcode=fault.subcode)
        if fault.retry_after is not None:
            response.headers["Retry-After"] = f"{fault.retry_after:g}"
        return response

    def _window_refusal(self, recipient_id: str, body: Dict[str, Any]) -> Optional[web.Response]:
        last = self.last_inbound.get(recipient_id)
        if last is None:
            return None
        elapsed = datetime.now(timezone.utc) - last
        if body.get("messaging_type") == "MESSAGE_TAG":
            limit = HUMAN_AGENT_WINDOW if body.get("tag") == "HUMAN_AGENT" else None
        else:
            limit = STANDARD_WINDOW  # RESPONSE, UPDATE and sender actions
        if limit is None or elapsed <= limit:
            return None
        return graph_error(
            400, 10, "(#10) This message is sent outside of allowed window.", subcode=2018278
        )

    def _owner_refusal(self, recipient_id: str) -> Optional[web.Response]:
        # In the handover protocol only the app that controls a conversation may send in it.
        owner = self.thread_owners.get(recipient_id)
        if owner is None or owner == self.app_id:
            return None
        return graph_error(400, 10, "(#10) This app is not the owner of the thread (stand-in)")

    def _answered(
        self, request: web.Request, edge: str, recipient_id: Optional[str], response: web.Response
    ) -> web.Response:
        self.calls.append(GraphCall(request.method, edge, recipient_id, response.status))
        return response


async def _form_body(request: web.Request) -> "tuple[Optional[Dict[str, Any]], Optional[Dict[str, Any]]]":
    """A Send API request sent as a form: its fields as the JSON body they stand for, and the file (`filedata`)."""
    import json

    try:
        form = await request.post()
    except ValueError:
        return None, None
    body: Dict[str, Any] = {}
    for name, value in form.items():
        if name in ("filedata", "access_token") or not isinstance(value, str):
            continue
        try:
            body[name] = json.loads(value) if name in ("recipient", "message") else value
        except ValueError:
            return None, None
    filedata = form.get("filedata")
    if not isinstance(filedata, web.FileField):
        return body, {"content_type": None, "data": b"", "filename": ""}
    return body, {"content_type": filedata.content_type, "data": filedata.file.read(), "filename": filedata.filename}



def serve(host: str, port: int) -> None:
    from bot.settings import get_settings

    standin = GraphStandin(page_access_token=get_settings().fb_page_access_token)
    web.run_app(standin.app(), host=host, port=port, print=None, access_log=None)  # URLs carry the page token
