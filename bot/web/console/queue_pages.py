"""The console's queue pages: conversations waiting for a person, take, transcript, reply, hand back.

    GET  /console/                          the queue (waiting, overdue highlighted) and the agent's own conversations,
                                            each with its language and whether the customer is verified
                                            (conversation_facts.py),
                                            under a banner when Meta restricts the Facebook page (page_status.py)
    GET  /console/api/queue                 the same as JSON, for the page's 5-second refresh (static/console/queue.js)
    POST /console/handoffs/{id}/take        303 to the conversation, or back to the queue when someone else has it
    GET  /console/handoffs/{id}             the transcript and the reply form (403 unless the agent holds it)
    POST /console/handoffs/{id}/reply       303 back to the conversation (the page says when it was not delivered)
    POST /console/handoffs/{id}/hand-back   303 to the queue (the customer gets the CSAT survey: bot/handoff/csat.py)
    GET  /console/csat                      customer satisfaction per advisor (average, answers, surveys sent)

A conversation closed because the customer left (`idle_closer`, every minute), or because a person finished it
in Meta's Page Inbox (bot/handoff/thread_control.py), answers 410 with the reason.
The agent is always the logged-in one (`current_agent`), never a value from the form.
Every POST has passed the CSRF middleware before it gets here.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any, AsyncIterator, Dict, List, Optional, Tuple

from aiohttp import web

from bot.handoff.models import CLOSED, PAGE_INBOX_AGENT
from bot.handoff.queue import HandoffView
from bot.handoff.rasa_control import RasaControlError
from bot.handoff.staff_desk import NotYours, StaffDesk
from bot.handoff.thread_control import PAGE_INBOX_DETAIL
from bot.web.console.auth import PAGE_HEADERS, current_agent
from bot.web.console.conversation_facts import UNKNOWN, ConversationFacts, conversation_facts
from bot.web.console.csrf import csrf_token
from bot.web.console.keys import HOME_PATH, PREFIX, SETTINGS, STORE
from bot.web.console.page_status import PAGE_STATUS
from bot.web.console.pages import page
from bot.web.console.templates import SafeHtml, render
from bot.channels.limits import MAX_TEXT

logger = logging.getLogger(__name__)

DESK = web.AppKey("staff_desk", StaffDesk)
# The outcome of an agent's last reply in a conversation, shown once on the conversation page:
# {(username, handoff id): (delivered, reason)}. Kept server side so no text travels in a URL.
REPLY_OUTCOMES = web.AppKey("console_reply_outcomes", dict)

MAX_REPLY = MAX_TEXT  # a reply goes to Messenger or the web chat
POLL_SECONDS = 5
IDLE_CHECK_SECONDS = 60

REASON_LABELS = {
    "customer_asked": "Customer asked for a person",
    "not_understood": "The bot did not understand",
    "escalated": "Escalated",
    "public_comment": "Public comment on the page: answered privately, see it on Facebook",
}
CHANNEL_LABELS = {"messenger": "Messenger", "socketio": "Web chat", "facebook_comment": "Facebook comment"}

NOTICES = {
    "taken_elsewhere": ("error", "Another advisor took that conversation first. It is theirs now."),
    "not_yours": ("error", "That conversation is not yours (any more)."),
    "handed_back": ("ok", "The conversation is back with the bot."),
    "rasa_error": ("error", "The assistant could not be reached; the conversation may not be paused or resumed. "
                   "Try again, or tell the on-call engineer."),
}


# -- the desk's life, one per console app -----------------------------------------------------------

async def own_desk(console: web.Application) -> AsyncIterator[None]:
    desk = StaffDesk.from_settings(console[SETTINGS])
    console[DESK] = desk
    try:
        yield
    finally:
        await desk.close()


async def idle_closer(console: web.Application) -> AsyncIterator[None]:
    """Every minute, closes the handoffs whose customer left (HANDOFF_IDLE_CLOSE_MINUTES); see StaffDesk.close_idle."""
    idle = timedelta(minutes=console[SETTINGS].handoff_idle_close_minutes)

    async def sweep() -> None:
        while True:
            await asyncio.sleep(IDLE_CHECK_SECONDS)
            try:
                closed = await console[DESK].close_idle(idle)
                if closed:
                    logger.info("Closed %d handoff(s) whose customer left", len(closed))
            except Exception:  # noqa: BLE001 - the sweep must outlive one bad round (database down, ...)
                logger.exception("Closing idle handoffs failed; trying again in %s s", IDLE_CHECK_SECONDS)

    task = asyncio.create_task(sweep())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def add_routes(console: web.Application) -> None:
    console[REPLY_OUTCOMES] = {}
    console.router.add_get("/", queue_page)
    console.router.add_get("/api/queue", api_queue)
    console.router.add_post(r"/handoffs/{id:\d+}/take", take)
    console.router.add_get(r"/handoffs/{id:\d+}", conversation_page)
    console.router.add_post(r"/handoffs/{id:\d+}/reply", reply)
    console.router.add_post(r"/handoffs/{id:\d+}/hand-back", hand_back)
    console.router.add_get("/csat", csat_page)


# -- formatting -------------------------------------------------------------------------------------

def waiting_label(seconds: int) -> str:
    """"under 1 min", "12 min", "2 h 05 min"."""
    minutes = max(int(seconds), 0) // 60
    if minutes < 1:
        return "under 1 min"
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def reason_label(reason: str) -> str:
    return REASON_LABELS.get(reason, reason)


def channel_label(channel: str) -> str:
    return CHANNEL_LABELS.get(channel, channel)


def conversation_path(handoff_id: int) -> str:
    return f"{PREFIX}/handoffs/{int(handoff_id)}"


def _as_json(view: HandoffView, facts: Dict[str, ConversationFacts]) -> Dict[str, Any]:
    known = facts.get(view.conversation_id, UNKNOWN)
    return {
        "id": view.id,
        "channel": view.channel,
        "channel_label": channel_label(view.channel),
        "language_label": known.language,
        "identity_label": known.identity,
        "verified": known.verified,
        "reason": view.reason,
        "reason_label": reason_label(view.reason),
        "last_customer_message": view.last_customer_message,
        "requested_at": view.requested_at.isoformat(),
        "waiting_seconds": view.waiting_seconds,
        "waiting": waiting_label(view.waiting_seconds),
        "overdue": view.overdue,
        "status": view.status,
        "url": conversation_path(view.id),
    }


def _time_label(at: Optional[str]) -> str:
    if not at:
        return ""
    try:
        return datetime.fromisoformat(at).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        return at


def _handoff_id(request: web.Request) -> int:
    return int(request.match_info["id"])


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={**PAGE_HEADERS, "Location": location})


def _message_page(request: web.Request, status: int, title: str, message: str) -> web.Response:
    return page(request, title, render("message.html", title=title, message=message), status=status)


def _forbidden_page(request: web.Request) -> web.Response:
    return _message_page(request, 403, "Not your conversation",
                         "Only the advisor who took this conversation can read it or reply in it.")


async def _not_held_page(request: web.Request, handoff_id: int) -> web.Response:
    """403, or 410 with the reason when the conversation was closed because the customer left."""
    view = await request.app[DESK].get(handoff_id)
    if view is not None and view.status == CLOSED:
        audit = await asyncio.to_thread(request.app[DESK].queue.actions, handoff_id)
        if audit and audit[-1].detail == PAGE_INBOX_DETAIL:
            return _message_page(request, 410, "Conversation closed",
                                 "An advisor finished this conversation in Meta's Page Inbox and gave it back to "
                                 "the bot, so it was closed here.")
        minutes = request.app[SETTINGS].handoff_idle_close_minutes
        return _message_page(request, 410, "Conversation closed",
                             f"The customer wrote nothing for {minutes} minutes, so this conversation was closed "
                             "and the bot answers them again if they come back.")
    return _forbidden_page(request)


# -- the queue --------------------------------------------------------------------------------------

def _waiting_rows(request: web.Request, views: List[HandoffView], facts: Dict[str, ConversationFacts]) -> SafeHtml:
    if not views:
        return render("queue_empty.html", columns=7, message="Nobody is waiting.")
    token = csrf_token(request)
    rows = []
    for view in views:
        known = facts.get(view.conversation_id, UNKNOWN)
        rows.append(render(
            "queue_row.html",
            row_class="overdue" if view.overdue else "",
            channel=channel_label(view.channel),
            language=known.language,
            identity=known.identity,
            identity_class="verified" if known.verified else "unverified",
            waiting=waiting_label(view.waiting_seconds),
            overdue=render("overdue_label.html") if view.overdue else SafeHtml(""),
            reason=reason_label(view.reason),
            last_message=view.last_customer_message,
            take_action=f"{conversation_path(view.id)}/take",
            csrf_token=token,
        ))
    return SafeHtml("".join(rows))


def _mine_items(views: List[HandoffView], facts: Dict[str, ConversationFacts]) -> SafeHtml:
    if not views:
        return render("mine_empty.html")
    return SafeHtml("".join(
        render("mine_item.html", url=conversation_path(v.id), channel=channel_label(v.channel),
               language=facts.get(v.conversation_id, UNKNOWN).language,
               identity=facts.get(v.conversation_id, UNKNOWN).identity, reason=reason_label(v.reason),
               last_message=v.last_customer_message)
        for v in views
    ))


async def _page_banners(request: web.Request) -> List[str]:
    status = request.app.get(PAGE_STATUS)
    return await status.banners() if status is not None else []


def _notice(code: Optional[str]) -> SafeHtml:
    if not code or code not in NOTICES:
        return SafeHtml("")
    kind, message = NOTICES[code]
    return render("notice.html", kind=kind, message=message)


async def queue_page(request: web.Request) -> web.Response:
    agent = current_agent(request)
    desk = request.app[DESK]
    waiting = await desk.waiting()
    mine = await desk.mine(agent.username)
    facts = await conversation_facts(desk.rasa, [v.conversation_id for v in waiting + mine])
    banners = SafeHtml("".join(render("page_banner.html", message=m) for m in await _page_banners(request)))
    body = render(
        "queue.html",
        page_status=banners,
        notice=_notice(request.query.get("notice")),
        waiting_count=len(waiting),
        sla_minutes=int(desk.queue.sla.total_seconds() // 60),
        rows=_waiting_rows(request, waiting, facts),
        mine=_mine_items(mine, facts),
        api_url=f"{PREFIX}/api/queue",
        poll_seconds=POLL_SECONDS,
        csrf_token=csrf_token(request),
    )
    return page(request, "Conversations waiting", body)


async def api_queue(request: web.Request) -> web.Response:
    agent = current_agent(request)
    desk = request.app[DESK]
    waiting, mine = await desk.waiting(), await desk.mine(agent.username)
    facts = await conversation_facts(desk.rasa, [v.conversation_id for v in waiting + mine])
    return web.json_response(
        {
            "waiting": [_as_json(v, facts) for v in waiting],
            "mine": [_as_json(v, facts) for v in mine],
            "sla_minutes": int(desk.queue.sla.total_seconds() // 60),
            "page_status": await _page_banners(request),
        },
        headers=PAGE_HEADERS,
    )


# -- one conversation -------------------------------------------------------------------------------

async def take(request: web.Request) -> web.Response:
    agent = current_agent(request).username
    handoff_id = _handoff_id(request)
    desk = request.app[DESK]
    try:
        taken = await desk.take(handoff_id, agent)
    except RasaControlError as exc:
        # The queue says it is this agent's; the bot may still be talking. Their page says so too.
        logger.warning("Handoff %s taken but Rasa could not pause it: %s", handoff_id, exc)
        return _see_other(f"{conversation_path(handoff_id)}?notice=rasa_error")
    if not taken:
        return _see_other(f"{HOME_PATH}?notice=taken_elsewhere")
    return _see_other(conversation_path(handoff_id))


def _transcript_lines(lines: List[Dict[str, Any]]) -> SafeHtml:
    if not lines:
        return render("transcript_empty.html")
    items = []
    for line in lines:
        who = str(line.get("who") or "")
        if who.startswith("agent:"):
            username, name = who[len("agent:"):], line.get("name")
            label, kind = (f"Advisor {name} ({username})" if name else f"Advisor {username}"), "agent"
        elif who == "customer":
            label, kind = "Customer", "customer"
        else:
            label, kind = "Bot", "bot"
        at = line.get("at")
        items.append(render("transcript_line.html", kind=kind, who=label, text=str(line.get("text") or ""),
                            at=str(at or ""), at_label=_time_label(at)))
    return SafeHtml("".join(items))


def _reply_outcome(request: web.Request, agent: str, handoff_id: int) -> SafeHtml:
    outcome: Optional[Tuple[bool, str]] = request.app[REPLY_OUTCOMES].pop((agent, handoff_id), None)
    if outcome is None:
        return SafeHtml("")
    delivered, reason = outcome
    if delivered:
        return render("notice.html", kind="ok", message="Your message was sent.")
    return render("notice.html", kind="error", message=f"Your message was not delivered: {reason or 'unknown reason'}")


async def conversation_page(request: web.Request) -> web.Response:
    agent = current_agent(request).username
    handoff_id = _handoff_id(request)
    desk = request.app[DESK]
    try:
        lines = await desk.transcript(handoff_id, agent)
        transcript = _transcript_lines(lines)
    except NotYours:
        return await _not_held_page(request, handoff_id)
    except RasaControlError as exc:
        logger.warning("Transcript of handoff %s unavailable: %s", handoff_id, exc)
        transcript = render("transcript_error.html")
    view = await desk.get(handoff_id)
    assert view is not None  # transcript() checked it is held
    known = (await conversation_facts(desk.rasa, [view.conversation_id]))[view.conversation_id]
    notices = [_reply_outcome(request, agent, handoff_id), _notice(request.query.get("notice"))]
    body = render(
        "conversation.html",
        notice=SafeHtml("".join(notices)),
        handoff_id=handoff_id,
        channel=channel_label(view.channel),
        language=known.language,
        identity=known.identity,
        identity_class="verified" if known.verified else "unverified",
        reason=reason_label(view.reason),
        transcript=transcript,
        reply_action=f"{conversation_path(handoff_id)}/reply",
        hand_back_action=f"{conversation_path(handoff_id)}/hand-back",
        max_reply=MAX_REPLY,
        csrf_token=csrf_token(request),
    )
    return page(request, f"Conversation {handoff_id}", body)


async def reply(request: web.Request) -> web.Response:
    account = current_agent(request)
    agent = account.username
    handoff_id = _handoff_id(request)
    form = await request.post()
    raw = form.get("text")
    text = raw.strip()[:MAX_REPLY] if isinstance(raw, str) else ""
    desk = request.app[DESK]
    outcomes = request.app[REPLY_OUTCOMES]
    if not text:
        outcomes[(agent, handoff_id)] = (False, "the message was empty")
        return _see_other(conversation_path(handoff_id))
    try:
        result = await desk.reply(handoff_id, agent, text, account.display_name)
    except NotYours:
        return await _not_held_page(request, handoff_id)
    except (RasaControlError, ValueError) as exc:
        logger.warning("Reply in handoff %s failed: %s", handoff_id, exc)
        outcomes[(agent, handoff_id)] = (False, "the assistant could not be reached; try again")
        return _see_other(conversation_path(handoff_id))
    outcomes[(agent, handoff_id)] = (result.delivered, result.reason)
    return _see_other(conversation_path(handoff_id))


async def hand_back(request: web.Request) -> web.Response:
    agent = current_agent(request).username
    handoff_id = _handoff_id(request)
    desk = request.app[DESK]
    try:
        returned = await desk.hand_back(handoff_id, agent)
    except NotYours:
        return await _not_held_page(request, handoff_id)
    except RasaControlError as exc:
        logger.warning("Handoff %s handed back but Rasa could not resume it: %s", handoff_id, exc)
        return _see_other(f"{HOME_PATH}?notice=rasa_error")
    if not returned:
        return _see_other(f"{HOME_PATH}?notice=not_yours")
    return _see_other(f"{HOME_PATH}?notice=handed_back")


async def csat_page(request: web.Request) -> web.Response:
    """Customer satisfaction per advisor; every signed-in member of staff may read it."""
    current_agent(request)
    advisors, not_sent = await request.app[DESK].csat_by_advisor()
    names = {account.username: account.display_name
             for account in await asyncio.to_thread(request.app[STORE].list_accounts)}
    rows = "".join(
        render("csat_row.html", agent=_advisor_label(a.agent, names), average=f"{a.average:.1f}" if a.answers else "–",
               answers=a.answers, sent=a.sent)
        for a in advisors
    ) or render("csat_empty.html")
    return page(request, "Customer satisfaction", render("csat.html", rows=SafeHtml(rows), not_sent=not_sent))


def _advisor_label(agent: Optional[str], names: Optional[Dict[str, str]] = None) -> str:
    """How the console names who had a conversation: the advisor's display name and username when the account is
    known ("Alice Martin (alice)"), else the username as recorded."""
    if agent is None:
        return "Nobody (closed while waiting)"
    if agent == PAGE_INBOX_AGENT:
        return "Page Inbox"
    name = (names or {}).get(agent)
    return f"{name} ({agent})" if name else agent
