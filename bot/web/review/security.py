"""Security plumbing of the review app: headers, session cookies, sign-in checks and CSRF."""
from __future__ import annotations

import asyncio
import functools
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Awaitable, Callable, Optional

from aiohttp import web

from bot.config import Settings
from bot.storage import ABSOLUTE_LIFETIME, DEFAULT_POLICY, IDLE_TIMEOUT, LoginPolicy, ReviewSession, session_for

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Middleware = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]
SESSION_COOKIE = "kintsugi_review"
FORM_COOKIE = "kintsugi_review_form"  # double-submit token for forms shown before signing in
COOKIE_PATH = "/review"
PUBLIC = ("/review/login", "/review/set-password", "/review/static/")
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")


@dataclass(frozen=True)
class ReviewPolicy:
    """Sign-in and session rules of the review app (tests shorten them)."""

    login: LoginPolicy = DEFAULT_POLICY
    idle: timedelta = IDLE_TIMEOUT
    lifetime: timedelta = ABSOLUTE_LIFETIME


SETTINGS_KEY = web.AppKey("kintsugi.review.settings", Settings)
POLICY_KEY = web.AppKey("kintsugi.review.policy", ReviewPolicy)
JINJA_KEY = web.AppKey("kintsugi.review.jinja", object)


def policy_of(request: web.Request) -> ReviewPolicy:
    """The review app's policy."""
    return request.config_dict[POLICY_KEY]


def guarded(handler: Handler) -> Handler:
    """``handler`` behind the review app's own checks: headers, then sign-in, then CSRF.

    The checks wrap each handler rather than the gateway's whole app, so the
    widget and Telegram parts keep their own rules. (A sub-app would do the same
    but aiohttp 3.9.5 resolves sub-apps through ``request.url``, which the yarl
    installed next to Rasa refuses to build for a Host with a port.)
    """
    chain: Handler = handler
    for middleware in (csrf_middleware, auth_middleware, headers_middleware):
        chain = functools.partial(middleware, handler=chain)
    return chain


def is_secure(request: web.Request) -> bool:
    """Cookies get ``Secure`` when the app is served over https (directly or by its public URL)."""
    public = request.config_dict[SETTINGS_KEY].public_url or ""
    return request.secure or public.lower().startswith("https://")


def client_ip(request: web.Request) -> Optional[str]:
    """The peer address (behind a proxy this is the proxy's)."""
    return request.remote


def set_cookie(response: web.StreamResponse, request: web.Request, name: str, value: str) -> None:
    """A session-lifetime cookie: HttpOnly, SameSite=Strict, Secure over https, only under /review."""
    response.set_cookie(name, value, path=COOKIE_PATH, httponly=True, samesite="Strict",
                        secure=is_secure(request))


def clear_cookie(response: web.StreamResponse, name: str) -> None:
    """Forget a cookie in the browser."""
    response.del_cookie(name, path=COOKIE_PATH)


def current(request: web.Request) -> ReviewSession:
    """The signed-in therapist's session (the auth middleware put it there)."""
    return request["review.session"]


def form_token(request: web.Request) -> str:
    """The CSRF token to put in a form: the session's, or the pre-sign-in cookie's."""
    session: Optional[ReviewSession] = request.get("review.session")
    if session is not None:
        return session.csrf_token
    token = request.get("review.form_token") or request.cookies.get(FORM_COOKIE) or ""
    if len(token) < 32 or len(token) > 100:
        token = secrets.token_urlsafe(32)
    request["review.form_token"] = token
    return token


def remember_form_token(request: web.Request, response: web.StreamResponse) -> None:
    """Send the pre-sign-in form token as a cookie when a page issued one."""
    token = request.get("review.form_token")
    if token and token != request.cookies.get(FORM_COOKIE):
        set_cookie(response, request, FORM_COOKIE, token)


async def headers_middleware(request: web.Request, *, handler: Handler) -> web.StreamResponse:
    """Strict headers on every answer: no scripts, no framing, no caching, no referrer."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status >= 400 and exc.content_type != "text/html":
            from bot.web.review.render import error_page

            response = error_page(request, exc.status)
        else:
            response = exc
        _secure_headers(request, response)
        if isinstance(response, web.HTTPException):
            raise response
        return response
    _secure_headers(request, response)
    return response


def _secure_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if not request.path.startswith("/review/static/"):
        response.headers["Cache-Control"] = "no-store"
    if is_secure(request):
        response.headers["Strict-Transport-Security"] = "max-age=31536000"


async def auth_middleware(request: web.Request, *, handler: Handler) -> web.StreamResponse:
    """Every page but sign-in, set-password and styles needs a live session."""
    token = request.cookies.get(SESSION_COOKIE)
    policy = policy_of(request)
    session = None
    if token:
        session = await asyncio.to_thread(session_for, token, idle=policy.idle, lifetime=policy.lifetime)
    if session is not None:
        request["review.session"] = session
    if session is None and not request.path.startswith(PUBLIC):
        if request.method in ("GET", "HEAD"):
            response = web.HTTPSeeOther("/review/login" + ("?expired=1" if token else ""))
            if token:
                clear_cookie(response, SESSION_COOKIE)
            raise response
        raise web.HTTPForbidden()
    return await handler(request)


async def csrf_middleware(request: web.Request, *, handler: Handler) -> web.StreamResponse:
    """Refuse any form that does not carry this browser's token or comes from another site."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return await handler(request)
    origin = request.headers.get("Origin")
    if origin and origin != "null" and origin.split("://", 1)[-1] != request.host:
        log.info("refused a form from another origin")
        raise web.HTTPForbidden()
    form = await request.post()
    sent = str(form.get("csrf") or "")
    session: Optional[ReviewSession] = request.get("review.session")
    expected = session.csrf_token if session is not None else request.cookies.get(FORM_COOKIE, "")
    if not sent or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        log.info("refused a form without a valid token on %s", request.path)
        raise web.HTTPForbidden()
    return await handler(request)
