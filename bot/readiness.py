"""The gateway's readiness checks: each part adds its own, ``/readyz`` runs them all."""
from __future__ import annotations

from typing import Awaitable, Callable

from aiohttp import web

READY_CHECKS = "kintsugi.ready_checks"  # app key: a list of (name, async check) pairs
ReadyCheck = Callable[[], Awaitable[bool]]


def add_ready_check(app: web.Application, name: str, check: ReadyCheck) -> None:
    """Make ``/readyz`` report ``name`` as a problem while ``check()`` is not true."""
    app.setdefault(READY_CHECKS, []).append((name, check))
