"""Account pages: signing in and out, choosing a password, and the practice codes page."""
from __future__ import annotations

import asyncio

from aiohttp import web

from bot.storage import (
    MAX_PASSWORD,
    MIN_PASSWORD,
    audit,
    close_all_sessions,
    close_session,
    create_practice_code,
    open_session,
    practice_codes_of,
    revoke_practice_code,
    set_password_with_token,
    therapist_for_password_token,
    verify_login,
)
from bot.web.review.render import reader_locale, reader_zone, render, text, words
from bot.web.review.security import (
    FORM_COOKIE,
    SESSION_COOKIE,
    clear_cookie,
    client_ip,
    current,
    policy_of,
    set_cookie,
)



async def index(request: web.Request) -> web.StreamResponse:
    """The app's front door is the couple list."""
    raise web.HTTPSeeOther("/review/couples")


async def login_form(request: web.Request) -> web.StreamResponse:
    """The sign-in page (signed-in therapists go straight to their couples)."""
    if request.get("review.session") is not None:
        raise web.HTTPSeeOther("/review/couples")
    notices = words(reader_locale(request))["login_notices"]
    notice = next((notices[k] for k in notices if k in request.query), None)
    return render(request, "login.html", notice=notice, problem=None, email="")


async def login(request: web.Request) -> web.StreamResponse:
    """Check the email and password, then start a fresh session."""
    form = await request.post()
    email = str(form.get("email") or "")[:320]
    password = str(form.get("password") or "")[:MAX_PASSWORD + 1]
    ip = client_ip(request)
    policy = policy_of(request)
    result = await asyncio.to_thread(verify_login, email, password, ip=ip, policy=policy.login)
    if not result.ok:
        await asyncio.to_thread(audit.record_view, None, None, audit.SIGN_IN_FAILED,
                                details={"status": result.status}, ip=ip)
        locale = reader_locale(request)
        if result.status == "wrong":
            problem, status = text(locale, "login.wrong"), 401
        elif result.status == "wait":
            problem, status = text(locale, "login.wait", seconds=result.retry_after), 429
        else:
            # retry_after is rounded up by a second: a 15-minute lock says 15 minutes, not 16
            minutes = max(1, round(result.retry_after / 60))
            problem = text(locale, "login.paused_one") if minutes == 1 else text(locale, "login.paused_many",
                                                                                    minutes=minutes)
            status = 429
        response = render(request, "login.html", status=status, notice=None, problem=problem, email=email)
        if result.retry_after:
            response.headers["Retry-After"] = str(result.retry_after)
        return response
    therapist = result.therapist
    new = await asyncio.to_thread(open_session, therapist.id, ip=ip, idle=policy.idle, lifetime=policy.lifetime)
    await asyncio.to_thread(audit.record_view, therapist.id, None, audit.SIGN_IN, ip=ip)
    response = web.HTTPSeeOther("/review/couples")
    set_cookie(response, request, SESSION_COOKIE, new.token)
    clear_cookie(response, FORM_COOKIE)
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    """Sign this browser out."""
    await asyncio.to_thread(close_session, request.cookies.get(SESSION_COOKIE))
    await asyncio.to_thread(audit.record_view, current(request).therapist_id, None, audit.SIGN_OUT,
                            ip=client_ip(request))
    response = web.HTTPSeeOther("/review/login?out=1")
    clear_cookie(response, SESSION_COOKIE)
    raise response


async def logout_everywhere(request: web.Request) -> web.StreamResponse:
    """Sign this therapist out on every device."""
    therapist_id = current(request).therapist_id
    count = await asyncio.to_thread(close_all_sessions, therapist_id)
    await asyncio.to_thread(audit.record_view, therapist_id, None, audit.SIGN_OUT_EVERYWHERE,
                            details={"sessions": count}, ip=client_ip(request))
    response = web.HTTPSeeOther("/review/login?everywhere=1")
    clear_cookie(response, SESSION_COOKIE)
    raise response


async def set_password_form(request: web.Request) -> web.StreamResponse:
    """The page a one-time set-password link opens."""
    token = request.query.get("token", "")[:200]
    therapist = await asyncio.to_thread(therapist_for_password_token, token)
    if therapist is None:
        return _expired(request)
    return render(request, "set_password.html", token=token, email=therapist.email, problem=None,
                  minimum=MIN_PASSWORD)


def _expired(request: web.Request) -> web.Response:
    locale = reader_locale(request)
    return render(request, "message.html", status=404, title=text(locale, "password.expired_title"),
                  body=text(locale, "password.expired_body"))


async def set_password(request: web.Request) -> web.StreamResponse:
    """Store the chosen password and send the therapist to sign in."""
    form = await request.post()
    token = str(form.get("token") or "")[:200]
    password = str(form.get("password") or "")
    locale = reader_locale(request)
    if password != str(form.get("again") or ""):
        problem = text(locale, "password.different")
    elif len(password) < MIN_PASSWORD:
        problem = text(locale, "password.too_short", minimum=MIN_PASSWORD)
    elif len(password) > MAX_PASSWORD:
        problem = text(locale, "password.too_long")
    else:
        try:
            await asyncio.to_thread(set_password_with_token, token, password)
        except ValueError:
            return _expired(request)  # the link was used or the account closed meanwhile
        else:
            raise web.HTTPSeeOther("/review/login?password=1")
    therapist = await asyncio.to_thread(therapist_for_password_token, token)
    if therapist is None:
        return _expired(request)
    return render(request, "set_password.html", status=400, token=token, email=therapist.email,
                  problem=problem, minimum=MIN_PASSWORD)


async def practice(request: web.Request) -> web.StreamResponse:
    """The practice codes a therapist hands to couples."""
    codes = await asyncio.to_thread(practice_codes_of, current(request).therapist_id)
    notices = words(reader_locale(request))["practice_notices"]
    notice = next((notices[k] for k in notices if k in request.query), None)
    return render(request, "practice.html", codes=codes, notice=notice, zone=reader_zone(request))


async def practice_create(request: web.Request) -> web.StreamResponse:
    """Make a new practice code."""
    form = await request.post()
    await asyncio.to_thread(create_practice_code, current(request).therapist_id, str(form.get("label") or ""))
    raise web.HTTPSeeOther("/review/practice?created=1")


async def practice_revoke(request: web.Request) -> web.StreamResponse:
    """Stop a code from linking new couples."""
    form = await request.post()
    done = await asyncio.to_thread(revoke_practice_code, current(request).therapist_id, str(form.get("code") or ""))
    if not done:
        raise web.HTTPNotFound()
    raise web.HTTPSeeOther("/review/practice?revoked=1")


ROUTES = [
    ("GET", "/", index),
    ("GET", "/login", login_form),
    ("POST", "/login", login),
    ("POST", "/logout", logout),
    ("POST", "/logout-everywhere", logout_everywhere),
    ("GET", "/set-password", set_password_form),
    ("POST", "/set-password", set_password),
    ("GET", "/practice", practice),
    ("POST", "/practice", practice_create),
    ("POST", "/practice/revoke", practice_revoke),
]
