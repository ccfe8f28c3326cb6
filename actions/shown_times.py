"""Times in replies, for whoever reads them: the person's own zone, and in a couple's group the
other partner's too when it differs (``bot/language/local_times.py``)."""
from __future__ import annotations

from datetime import datetime
from typing import List, Optional

from rasa_sdk import Tracker

from actions.common import is_group, timezone_of
from bot import storage
from bot.language.local_times import couple_zones, each_own, moment_for, slot_for


def readers(tracker: Tracker, person: Optional[storage.Who]) -> List[str]:
    """The zones of the people who read this reply, the writer's first."""
    return couple_zones(person.couple_id if person else None, timezone_of(tracker, person), group=is_group(tracker))


def checkin_time(tracker: Tracker, person: Optional[storage.Who], hour: int, minute: int,
                 language: Optional[str] = None) -> str:
    """A check-in's time: the same hour in each reader's own zone (in ``language``, English when None)."""
    return each_own(hour, minute, readers(tracker, person), language)


def slot_time(tracker: Tracker, person: Optional[storage.Who], hour: int, minute: int, zone: Optional[str],
              weekday: Optional[int] = None, language: Optional[str] = None) -> str:
    """A shared moment set in ``zone`` (weekly talk, money date), then in the other readers' zones."""
    return slot_for(hour, minute, zone, readers(tracker, person), weekday, language=language)


def moment_time(tracker: Tracker, person: Optional[storage.Who], moment: datetime) -> str:
    """A moment (a pause's end) in each reader's zone, with how long until then."""
    return moment_for(moment, readers(tracker, person))
