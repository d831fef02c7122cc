"""Sign-in: asking for a code, checking it, signing out."""
from __future__ import annotations

import asyncio

from sanic import Request
from sanic.response import HTTPResponse, empty

from pydantic import ValidationError

from bot.core_bank.contract import otp as contract
from bot.core_bank.contract.wire import explain
from bot.core_bank.errors import InvalidRequest
from bot.core_bank.otp import ByCustomerNumber, ByPhone, ChannelUser, CustomerIdentifier, Requester
from bot.core_bank.routes.http import body, json_response, require_the_channel, required_token


def customer_identifier(asked: contract.ChallengeRequest) -> CustomerIdentifier:
    if asked.customer_number is not None:
        return ByCustomerNumber(asked.customer_number)
    if asked.phone is not None:
        return ByPhone(asked.phone)
    assert asked.channel is not None and asked.channel_user_id is not None
    return ChannelUser(channel=asked.channel, channel_user_id=asked.channel_user_id)


def requester(request: Request) -> Requester:
    """Who asks: the channel user the channel vouches for (X-Channel-User, with its service token), else the client's
    IP address (the TCP peer: X-Forwarded-For is not trusted)."""
    raw = request.headers.get(contract.CHANNEL_USER_HEADER.lower())
    if raw is None:
        return Requester.at_address(request.ip)
    require_the_channel(request, f"Naming the requester ({contract.CHANNEL_USER_HEADER}) is something")
    try:
        user = contract.ChannelUserHeader.read(raw)
    except ValidationError as exc:
        raise InvalidRequest(explain(exc)) from None
    return Requester.of_channel_user(ChannelUser(user.channel, user.channel_user_id))


async def start_challenge(request: Request) -> HTTPResponse:
    asked = body(request, contract.ChallengeRequest)
    who = customer_identifier(asked)
    if isinstance(who, ChannelUser):
        require_the_channel(request, "Asking a code for a channel user is something")
    issued = await asyncio.to_thread(request.app.ctx.otp.start_challenge, who, requester(request), asked.language)
    return json_response(contract.Challenge.from_orm(issued), status=201)


async def verify_challenge(request: Request, challenge_id: str) -> HTTPResponse:
    asked = body(request, contract.VerifyRequest)
    if asked.link is not None:  # refused before the code is looked at: nothing judged, nothing linked
        require_the_channel(request, "Linking a channel user to a customer is something")
    link = ChannelUser(asked.link.channel, asked.link.channel_user_id) if asked.link is not None else None
    verified = await asyncio.to_thread(request.app.ctx.otp.verify, challenge_id, asked.code, link, requester(request))
    return json_response(
        contract.Session(
            access_token=verified.access_token,
            token_type="Bearer",
            expires_at=verified.expires_at,
            customer=contract.SessionCustomer.from_orm(verified),
        )
    )


async def end_session(request: Request) -> HTTPResponse:
    await asyncio.to_thread(request.app.ctx.tokens.revoke, required_token(request))
    return empty(status=204)


HANDLERS = {"startOtpChallenge": start_challenge, "verifyOtpChallenge": verify_challenge, "endSession": end_session}
