"""Times in a person's own words, at every hour of the day and across daylight-saving changes.

Every test here sets the product's clock; none depends on when the suite runs.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import clock
from bot.language.timeparse import describe, parse_when

BERLIN, NEW_YORK, SYDNEY = "Europe/Berlin", "America/New_York", "Australia/Sydney"


def local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


@pytest.mark.around_the_clock(zone=BERLIN)
@pytest.mark.parametrize("said", ["in 30 minutes", "half an hour", "in an hour", "give us 20 minutes", "in 45"])
def test_durations_are_counted_from_now_at_any_hour(said: str) -> None:
    moment = parse_when(said, tz=BERLIN)
    assert moment is not None and timedelta(minutes=19) < moment - clock.now() <= timedelta(hours=1)


@pytest.mark.around_the_clock(zone=BERLIN)
def test_tomorrow_morning_is_the_coming_morning() -> None:
    now = local(clock.now(), BERLIN)
    moment = local(parse_when("tomorrow morning", tz=BERLIN), BERLIN)
    assert (moment.hour, moment.minute) == (9, 0)
    # In the small hours "tomorrow" is the day that has just begun; otherwise the next day.
    expected_day = now.date() if now.hour < 5 else now.date() + timedelta(days=1)
    assert moment.date() == expected_day and moment > now


@pytest.mark.around_the_clock(zone=BERLIN)
@pytest.mark.parametrize("said, hour", [("at 8pm", 20), ("tonight", 20), ("this evening", 19), ("at 21:15", 21)])
def test_clock_times_and_parts_of_the_day_are_the_next_such_moment(said: str, hour: int) -> None:
    now = local(clock.now(), BERLIN)
    moment = local(parse_when(said, tz=BERLIN), BERLIN)
    assert moment.hour == hour and now < moment <= now + timedelta(days=1)


def test_tomorrow_at_one_in_the_morning_and_at_noon(test_clock) -> None:  # noqa: ANN001
    test_clock.at("01:00", BERLIN)
    assert local(parse_when("tomorrow at 8", tz=BERLIN), BERLIN).strftime("%d %H:%M") == "16 08:00"
    test_clock.at("12:00", BERLIN)
    assert local(parse_when("tomorrow at 8", tz=BERLIN), BERLIN).strftime("%d %H:%M") == "17 08:00"


@pytest.mark.parametrize("zone, day, before", [
    (BERLIN, "2026-03-29", "01:50"),      # clocks go forward at 02:00
    (BERLIN, "2026-10-25", "02:50"),      # clocks go back at 03:00 (first 02:50)
    (NEW_YORK, "2026-03-08", "01:50"),
    (NEW_YORK, "2026-11-01", "01:50"),
    (SYDNEY, "2026-04-05", "02:50"),      # southern hemisphere: back at 03:00
    (SYDNEY, "2026-10-04", "01:50"),      # forward at 02:00
])
def test_durations_across_a_daylight_saving_change_are_real_minutes(test_clock, zone: str, day: str,  # noqa: ANN001
                                                                    before: str) -> None:
    start = test_clock.at(before, zone, day)
    moment = parse_when("in 30 minutes", tz=zone)
    assert moment.astimezone(ZoneInfo("UTC")) - start.astimezone(ZoneInfo("UTC")) == timedelta(minutes=30)
    assert "in 30 minutes" in describe(moment, tz=zone)


@pytest.mark.parametrize("zone, day", [(BERLIN, "2026-03-28"), (NEW_YORK, "2026-03-07"), (SYDNEY, "2026-04-04")])
def test_tomorrow_morning_across_a_daylight_saving_night_is_nine_local(test_clock, zone: str, day: str) -> None:  # noqa: ANN001
    test_clock.at("22:00", zone, day)
    moment = local(parse_when("tomorrow morning", tz=zone), zone)
    assert (moment.hour, moment.minute) == (9, 0)
    assert moment.date() == datetime.fromisoformat(day).date() + timedelta(days=1)


def test_partners_in_different_zones_get_the_same_moment_for_a_duration(test_clock) -> None:  # noqa: ANN001
    test_clock.at("23:30", BERLIN)
    in_berlin, in_sydney = parse_when("in 40 minutes", tz=BERLIN), parse_when("in 40 minutes", tz=SYDNEY)
    assert in_berlin == in_sydney
    # "at 8pm" means each person's own evening.
    assert local(parse_when("at 8pm", tz=SYDNEY), SYDNEY).hour == 20
    assert local(parse_when("at 8pm", tz=BERLIN), BERLIN).hour == 20


def test_the_clock_can_be_frozen_and_moved(test_clock) -> None:  # noqa: ANN001
    start = test_clock.at("12:00", "UTC")
    assert clock.now() == start
    assert test_clock.advance(minutes=5) == start + timedelta(minutes=5)
    with clock.frozen(start - timedelta(days=1)):
        assert clock.now() == start - timedelta(days=1)
    assert clock.now() == start + timedelta(minutes=5)
