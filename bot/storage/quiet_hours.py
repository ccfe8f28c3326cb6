"""Each partner's quiet hours: no ritual message reaches them inside, it waits for the end.

Quiet hours are kept per partner in local minutes after midnight (``checkin_partners``), so they
follow the partner's own zone and its daylight-saving changes. A window may cross midnight
(22:00-07:00). ``after_quiet`` moves a moment that falls inside to the window's end.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Optional
from zoneinfo import ZoneInfo

from bot import content
from bot.storage.db import session_scope
from bot.storage.models import CheckinPartner


@dataclass(frozen=True)
class QuietHours:
    """A partner's quiet window in local minutes after midnight (``start`` may be after ``end``)."""

    start: int
    end: int

    def contains(self, minute: int) -> bool:
        """True when ``minute`` (after local midnight) is inside the window."""
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end


def minutes(hhmm: str) -> int:
    """ "22:30" → 1350."""
    hour, minute = (int(part) for part in str(hhmm).split(":", 1))
    return hour * 60 + minute


def defaults() -> QuietHours:
    """The window used when only one end is named (``content/rituals.yml``)."""
    words = content.load("rituals")["quiet_hours"]
    return QuietHours(minutes(words["default_start"]), minutes(words["default_end"]))


def quiet_hours_of(partner_id: int) -> Optional[QuietHours]:
    """This partner's quiet hours, or None."""
    with session_scope() as session:
        side = session.get(CheckinPartner, partner_id)
        return window_of(side)


def window_of(side: Optional[CheckinPartner]) -> Optional[QuietHours]:
    """The quiet hours kept on a partner's check-in row."""
    if side is None or side.quiet_start is None or side.quiet_end is None:
        return None
    return QuietHours(int(side.quiet_start), int(side.quiet_end))


def after_quiet(moment: datetime, zone: ZoneInfo, quiet: Optional[QuietHours]) -> datetime:
    """``moment`` itself, or the end of the quiet window it falls in (in ``zone``'s local time)."""
    if quiet is None:
        return moment
    local = moment.astimezone(zone)
    if not quiet.contains(local.hour * 60 + local.minute):
        return moment
    day = local.date()
    if local.hour * 60 + local.minute >= quiet.end:
        day += timedelta(days=1)  # the window crossed midnight: it ends tomorrow morning
    end = datetime.combine(day, time(quiet.end // 60, quiet.end % 60), tzinfo=zone)
    return end.astimezone(ZoneInfo("UTC")).astimezone(zone)  # a wall time skipped by DST: the moment after
