"""The support-staff console (/console): staff log in; every other page and API needs the login.

For the console's other pages (the queue, take / reply / hand back):
    register routes on the sub-app (`console_app`); they need a login unless marked `@public`;
    `current_agent(request)`        the logged-in Agent (id, username, display_name)
    `login_required`                guards a handler outside the console sub-app
    `csrf_token(request)`           the value of a form's hidden `csrf_token` input (or X-CSRF-Token header)
    `check_csrf(request, form)`     True when the token is right (every POST is checked already)
    `page(request, title, body)`    the console layout; `render(template, **values)` escapes every value
"""
from bot.web.console.app import console_app, mount
from bot.web.console.auth import NotLoggedIn, current_agent, login_required, public
from bot.web.console.csrf import check_csrf, csrf_token
from bot.web.console.keys import PREFIX
from bot.web.console.pages import page
from bot.web.console.templates import SafeHtml, render

__all__ = [
    "PREFIX",
    "NotLoggedIn",
    "SafeHtml",
    "check_csrf",
    "console_app",
    "csrf_token",
    "current_agent",
    "login_required",
    "mount",
    "page",
    "public",
    "render",
]
