"""The therapist review app, mounted on the gateway under ``/review/``.

Therapists sign in, see their couples, read what each partner chose to share
with the logged events inline, look at ground rules and export. Every look is
written to the audit log. Nothing is built at import time.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from aiohttp import web

from bot.config import Settings

if TYPE_CHECKING:
    from bot.web.review.security import ReviewPolicy

PREFIX = "/review"


def setup_review(app: web.Application, settings: Settings, policy: Optional["ReviewPolicy"] = None) -> None:
    """Mount the review app on the gateway's aiohttp ``app`` under ``/review/``."""
    from bot.web.review import couples, views
    from bot.web.review.render import build_environment, stylesheet
    from bot.web.review.security import JINJA_KEY, POLICY_KEY, SETTINGS_KEY, ReviewPolicy, guarded

    app[SETTINGS_KEY] = settings
    app[POLICY_KEY] = policy or ReviewPolicy()
    app[JINJA_KEY] = build_environment()
    app.router.add_get(PREFIX, _to_review)
    for method, path, handler in (*views.ROUTES, *couples.ROUTES):
        app.router.add_route(method, PREFIX + path, guarded(handler))
    app.router.add_get(PREFIX + "/static/review.css", guarded(stylesheet))
    # Anything else under /review/ gets the app's own 404 page and headers.
    app.router.add_route("*", PREFIX + "/{anything:.*}", guarded(_not_found))


async def _not_found(_request: web.Request) -> web.StreamResponse:
    """Nothing lives here."""
    raise web.HTTPNotFound()


async def _to_review(_request: web.Request) -> web.StreamResponse:
    """``/review`` without the slash goes to the app."""
    raise web.HTTPSeeOther("/review/")
