"""One clock: no product module reads the wall clock except ``bot/clock.py``."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from bot import PROJECT_ROOT, clock

WALL_CLOCK = re.compile(r"\b(datetime\.(now|utcnow|today)|date\.today|time\.time|time\.time_ns)\s*\(")


def test_only_the_clock_module_reads_the_wall_clock() -> None:
    offenders = []
    for folder in ("bot", "actions"):
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            if path == PROJECT_ROOT / "bot" / "clock.py":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if WALL_CLOCK.search(line.split("#", 1)[0]):
                    offenders.append(f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}")
    assert offenders == [], "read the time through bot.clock instead:\n" + "\n".join(offenders)


def test_the_offset_shifts_every_reading(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv(clock.OFFSET_VARIABLE, str(-6 * 3600))
    shifted = clock.now()
    assert timedelta(hours=5, minutes=59) < datetime.now(timezone.utc) - shifted < timedelta(hours=6, minutes=1)
    assert abs(clock.timestamp() - shifted.timestamp()) < 1


def test_a_bad_offset_is_a_clear_error(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv(clock.OFFSET_VARIABLE, "tomorrow")
    try:
        clock.now()
    except ValueError as exc:
        assert clock.OFFSET_VARIABLE in str(exc)
    else:
        raise AssertionError("a bad offset must not be ignored")
