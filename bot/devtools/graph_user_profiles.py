"""The Graph API stand-in's User Profile API: `GET /{version}/{PSID}?fields=first_name,locale,...`.

Like Meta: `first_name`, `last_name`, `profile_pic` (and `id`, `name`) for any customer; `locale`, `timezone`
and `gender` only while the page has Meta's "Business Asset User Profile Access" (`user_profile_access`),
otherwise the call is refused (Graph error 10, a permission error); an unknown field is error 100. The
customer's locale is the one set for that PSID, else `default_user_locale` (en_US).

    POST /_standin/user_profile   {"recipient": PSID, "locale": "fr_FR"}   this customer's Facebook is in French
                                  {"locale": "fr_FR"}                      every other customer's
                                  {"access": false}                        the page may not read locales
"""
from __future__ import annotations

import re
from typing import Any, Dict

from aiohttp import web

from bot.devtools.graph_records import graph_error

PUBLIC_FIELDS = frozenset({"id", "name", "first_name", "last_name", "profile_pic"})
RESTRICTED_FIELDS = frozenset({"locale", "timezone", "gender"})  # Business Asset User Profile Access
_LOCALE = re.compile(r"[a-z]{2,3}_[A-Z]{2}")


class UserProfiles:
    """Mixed into GraphStandin, whose fields hold `user_locales`, `default_user_locale`, `user_profile_access`."""

    user_locales: Dict[str, str]
    default_user_locale: str
    user_profile_access: bool

    def user_profile(self, psid: str) -> Dict[str, Any]:
        return {"id": psid, "first_name": "Alex", "last_name": "Martin", "name": "Alex Martin",
                "profile_pic": "https://example.invalid/profile.png",
                "locale": self.user_locales.get(psid, self.default_user_locale), "timezone": 1, "gender": "neutral"}

    async def _read_user_profile(self, request: web.Request) -> web.Response:
        psid = request.match_info["psid"]
        refused = self._check_request(request)  # type: ignore[attr-defined]
        if refused is None:
            refused = await self._fault_for(psid)  # type: ignore[attr-defined]
        if refused is None:
            refused = self._profile_refusal(request.query.get("fields", ""))
        if refused is not None:
            return self._answered(request, "user_profile", psid, refused)  # type: ignore[attr-defined]
        fields = [name for name in request.query.get("fields", "").split(",") if name] or ["first_name", "last_name",
                                                                                             "profile_pic"]
        profile = self.user_profile(psid)
        return self._answered(request, "user_profile", psid,  # type: ignore[attr-defined]
                              web.json_response({name: profile[name] for name in fields} | {"id": psid}))

    def _profile_refusal(self, fields_param: str) -> "web.Response | None":
        fields = {name for name in fields_param.split(",") if name}
        unknown = sorted(fields - PUBLIC_FIELDS - RESTRICTED_FIELDS)
        if unknown:
            return graph_error(400, 100, f"(#100) Tried accessing nonexisting field ({unknown[0]}) on node type (User)")
        if fields & RESTRICTED_FIELDS and not self.user_profile_access:
            return graph_error(400, 10, "(#10) Requires Business Asset User Profile Access (stand-in)")
        return None

    async def _set_user_profile(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not set(body) <= {"recipient", "locale", "access"} or not body:
            return _bad("expected {\"recipient\": PSID, \"locale\": \"fr_FR\"} or {\"access\": bool}")
        recipient, locale, access = body.get("recipient"), body.get("locale"), body.get("access")
        if access is not None and not isinstance(access, bool):
            return _bad("access must be true or false")
        if recipient is not None and (not isinstance(recipient, str) or not recipient):
            return _bad("recipient must be a PSID")
        if locale is not None and (not isinstance(locale, str) or not _LOCALE.fullmatch(locale)):
            return _bad("locale must look like fr_FR")
        if access is not None:
            self.user_profile_access = access
        if locale is not None:
            if recipient:
                self.user_locales[recipient] = locale
            else:
                self.default_user_locale = locale
        return web.json_response({"access": self.user_profile_access, "default_locale": self.default_user_locale,
                                  "locales": dict(self.user_locales)})


def _bad(message: str) -> web.Response:
    return web.json_response({"error": {"message": message}}, status=400)
