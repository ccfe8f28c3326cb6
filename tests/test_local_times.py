"""Times shown with zones (bot/language/local_times.py): the reader's own, and the other partner's when it differs."""
from __future__ import annotations

from datetime import datetime, timezone

from bot.language.local_times import clock_in, couple_zones, each_own, moment_for, slot_for

BERLIN, NEW_YORK, TOKYO = "Europe/Berlin", "America/New_York", "Asia/Tokyo"
WINTER = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
MARCH = datetime(2027, 3, 18, 12, 0, tzinfo=timezone.utc)  # New York has moved its clocks, Berlin not yet


def test_one_moment_is_shown_in_each_readers_zone() -> None:
    assert slot_for(20, 0, BERLIN, [BERLIN, NEW_YORK], 6, WINTER) == "8:00 pm Berlin time (2:00 pm New York time)"
    assert slot_for(20, 0, BERLIN, [BERLIN, NEW_YORK], 6, MARCH) == "8:00 pm Berlin time (3:00 pm New York time)"
    assert slot_for(20, 0, BERLIN, [BERLIN, TOKYO], 6, WINTER) == "8:00 pm Berlin time (Monday 4:00 am Tokyo time)"
    assert slot_for(20, 0, BERLIN, [BERLIN, BERLIN], 6, WINTER) == "8:00 pm Berlin time"
    assert slot_for(9, 30, None, [], None, WINTER) == "9:30 am UTC"


def test_a_checkin_is_the_same_hour_in_each_own_zone() -> None:
    assert each_own(21, 0, [BERLIN, NEW_YORK]) == "9:00 pm Berlin time and 9:00 pm New York time"
    assert each_own(21, 0, [NEW_YORK, None]) == "9:00 pm New York time"
    assert clock_in(7, 0, NEW_YORK) == "7:00 am New York time"


def test_a_pause_end_for_two_readers() -> None:
    end = datetime(2026, 11, 30, 12, 40, tzinfo=timezone.utc)
    assert moment_for(end, [BERLIN], WINTER) == "at 1:40 pm Berlin time (in 40 minutes)"
    assert moment_for(end, [BERLIN, NEW_YORK], WINTER) == "at 1:40 pm Berlin time, 7:40 am New York time (in 40 minutes)"
    late = datetime(2026, 11, 30, 16, 30, tzinfo=timezone.utc)  # still today in Berlin, tomorrow in Tokyo
    assert moment_for(late, [BERLIN, TOKYO], WINTER) == \
        "at 5:30 pm Berlin time, 1:30 am Tokyo time tomorrow (in about 4.5 hours)"


def test_in_a_group_the_other_partners_zone_follows(sqlite_database: str) -> None:
    from bot import storage
    from bot.storage.couples import set_partner_timezone

    ana = storage.identify("tg--5", "tg:1", channel="telegram", chat_type="supergroup", display_name="Ana")
    ben = storage.identify("tg--5", "tg:2", channel="telegram", chat_type="supergroup", display_name="Ben")
    set_partner_timezone(ana.partner_id, BERLIN)
    set_partner_timezone(ben.partner_id, NEW_YORK)
    assert couple_zones(ana.couple_id, BERLIN, group=True) == [BERLIN, NEW_YORK]
    assert couple_zones(ana.couple_id, NEW_YORK, group=True) == [NEW_YORK, BERLIN]
    assert couple_zones(ana.couple_id, BERLIN, group=False) == [BERLIN]


def test_a_past_moment_is_shown_in_the_readers_zone() -> None:
    from bot.language.local_times import seen_at

    moment = datetime(2026, 11, 30, 23, 15, tzinfo=timezone.utc)
    assert seen_at(moment, BERLIN) == "01 Dec 2026, 12:15 am Berlin time"
    assert seen_at(moment, NEW_YORK) == "30 Nov 2026, 6:15 pm New York time"
