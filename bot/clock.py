"""The product's one clock: every "now" in Kintsugi comes from here.

Pauses, questions, reminders, link codes, sessions and lockouts all depend on
the time of day, so none of them reads the wall clock itself. Tests set this
clock (``set_now`` / ``frozen``) to any moment, and whole processes can be
shifted with ``KINTSUGI_CLOCK_OFFSET_SECONDS`` (the test suite uses it so the
rasa and action servers it starts agree with the tests about what time it is).
Elapsed-time measurements (timeouts, benchmarks) use ``time.monotonic`` and are
not affected.
"""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Iterator, Optional

OFFSET_VARIABLE = "KINTSUGI_CLOCK_OFFSET_SECONDS"

_frozen: Optional[datetime] = None
_anchor: Optional[tuple[datetime, float]] = None  # (moment, monotonic reading when it was set)


def _offset() -> timedelta:
    raw = os.environ.get(OFFSET_VARIABLE, "").strip()
    if not raw:
        return timedelta(0)
    try:
        return timedelta(seconds=float(raw))
    except ValueError as exc:
        raise ValueError(f"{OFFSET_VARIABLE} must be a number of seconds, got {raw!r}") from exc


def now() -> datetime:
    """The current moment, timezone-aware UTC."""
    if _frozen is not None:
        return _frozen
    if _anchor is not None:
        moment, began = _anchor
        return moment + timedelta(seconds=time.monotonic() - began)
    return datetime.now(timezone.utc) + _offset()


def as_utc(moment: Optional[datetime]) -> Optional[datetime]:
    """``moment`` as timezone-aware UTC; a naive one is taken to be UTC already (as we store them)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def timestamp() -> float:
    """The current moment as seconds since the epoch (for stores that keep numbers)."""
    return now().timestamp()


def set_now(moment: datetime, *, ticking: bool = False) -> None:
    """Make ``moment`` the current time: frozen, or ``ticking`` forward from it."""
    global _frozen, _anchor
    if moment.tzinfo is None:
        raise ValueError("the clock needs an aware datetime")
    moment = moment.astimezone(timezone.utc)
    if ticking:
        _frozen, _anchor = None, (moment, time.monotonic())
    else:
        _frozen, _anchor = moment, None


def advance(delta: timedelta) -> None:
    """Move a set clock forward (or back) by ``delta``."""
    set_now(now() + delta, ticking=_anchor is not None)


def reset() -> None:
    """Back to the real time (plus any configured offset)."""
    global _frozen, _anchor
    _frozen, _anchor = None, None


@contextmanager
def frozen(moment: datetime, *, ticking: bool = False) -> Iterator[None]:
    """The clock reads ``moment`` inside the block, and what it read before afterwards."""
    global _frozen, _anchor
    saved = (_frozen, _anchor)
    set_now(moment, ticking=ticking)
    try:
        yield
    finally:
        _frozen, _anchor = saved
