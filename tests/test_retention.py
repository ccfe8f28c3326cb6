"""KINTSUGI_RETENTION_DAYS: words older than N days go, once a day, on SQLite and PostgreSQL.

The product's clock is set; Rasa's rows are written through the real tracker store (with a
small window, so a snapshot exists) at times around the cut-off. Old words are gone from
every row and table, new words stay, the conversation's state is what it was, and the audit
log has one entry of the purge with counts and no words.
"""
from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone

import pytest
from rasa.shared.core import events as e
from sqlalchemy import text

from bot import storage
from bot.config import Settings
from bot.storage.audit import audit_trail
from bot.storage.db import session_scope
from bot.storage.models import CheckinPrompt
from bot.storage.retention import RETENTION_PURGE, RetentionJob, purge_messages
from tests.test_tracker_window import WINDOW, _domain, _play, _store

NOW = datetime(2026, 6, 16, 12, 0, tzinfo=timezone.utc)
ANA = {"partner_id": "tg:7", "display_name": "Ana", "chat_type": "private"}
OLD_WORDS = ["first session secret", "first session reply", "old words in this session", "old answer quoting you",
             "old apology draft", "old pause words", "old checkin note", "old apology text", "old setup words",
             "eight-ish tonight", "old sealed reflection"]
NEW_WORDS = ["fresh words today", "fresh reply today", "new pause words", "new checkin note", "new apology text",
             "kiwi"]


class At:
    """Row timestamps from a given moment on, a hundredth of a second apart."""

    def __init__(self, moment: datetime) -> None:
        self.now = moment.timestamp()

    def __call__(self) -> float:
        self.now += 0.01
        return self.now


def _turn(at: At, words: str, *after: e.Event, entities=None):
    out = [e.UserUttered(words, {"name": "couple_talk", "confidence": 0.9}, entities or [], timestamp=at(),
                         metadata=ANA)]
    for event in after:
        event.timestamp = at()
        out.append(event)
    return out + [e.ActionExecuted("action_listen", timestamp=at())]


def _start(at: At):
    return [e.ActionExecuted("action_session_start", timestamp=at()), e.SessionStarted(timestamp=at()),
            e.ActionExecuted("action_listen", timestamp=at())]


def _rows(store) -> str:
    with store.engine.connect() as connection:
        return json.dumps([list(connection.execute(text(f"SELECT data FROM {t}")).scalars())
                           for t in ("events", "tracker_windows")])


def _seed_tables(who) -> None:
    couple, me = who.couple_id, who.partner_id
    storage.schedule_resume(couple, "tg-7", me, NOW - timedelta(days=40, hours=-1), "old pause words",
                            started_at=NOW - timedelta(days=40))
    storage.schedule_resume(couple, "tg-7", me, NOW + timedelta(minutes=30), "new pause words", started_at=NOW)
    old = storage.schedule_reminder(couple, "tg-8", NOW - timedelta(days=40), "apology",
                                    {"text": "old apology text", "from_partner": me})
    storage.mark_reminder_sent(old)
    shared = storage.schedule_reminder(couple, "tg-8", NOW - timedelta(days=40), "reflection",
                                       {"sealed": "old sealed reflection"})
    storage.mark_reminder_sent(shared)
    storage.schedule_reminder(couple, "tg-8", NOW - timedelta(hours=1), "apology",
                              {"text": "new apology text", "from_partner": me})
    storage.set_daily_checkin(couple, me, 21, 0, said="old setup words")
    with session_scope() as session:
        for days, note in ((40, "old checkin note"), (1, "new checkin note")):
            session.add(CheckinPrompt(couple_id=couple, partner_id=me, local_date=f"day-{days}",
                                      due_at=NOW - timedelta(days=days), status="answered", mood=2, note=note,
                                      answered_at=NOW - timedelta(days=days)))


def test_words_older_than_the_retention_go_and_everything_else_stays(database: str, test_clock) -> None:
    test_clock.at("12:00", "UTC", day="2026-05-07")  # 40 days before NOW: the old rows are written then
    who = storage.identify("tg-7", "tg:7", channel="telegram", display_name="Ana")
    _seed_tables(who)
    domain = _domain()
    store, whole = _store(database, WINDOW), _store(database, 0)
    try:
        old, older = At(NOW - timedelta(days=40)), At(NOW - timedelta(days=60))
        fresh = At(NOW - timedelta(hours=2))
        _play(store, "tg-7", [_start(older), _turn(older, "first session secret", e.BotUttered("first session reply"))],
              domain)
        _play(store, "tg-7", [_start(old),
                              _turn(old, "old words in this session", e.BotUttered("old answer quoting you"),
                                    e.SlotSet("pause_signal", "kiwi"), e.SlotSet("apology_what", "old apology draft"),
                                    entities=[{"entity": "time", "value": "eight-ish tonight", "start": 0, "end": 3}]),
                              _turn(old, "never mind", e.SlotSet("apology_what", None))]
              + [_turn(old, f"old chatter {i}", e.BotUttered(f"old reply {i}")) for i in range(2 * WINDOW + 1)]
              + [_turn(fresh, "fresh words today", e.BotUttered("fresh reply today"))], domain)
        with store.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM tracker_windows")).scalar() == 1
        before = asyncio.run(whole.retrieve("tg-7"))
        dump = _rows(store)
        assert all(words in dump for words in OLD_WORDS[:5] + ["eight-ish tonight"])

        test_clock.at("12:00", "UTC", day="2026-06-16")
        purged = RetentionJob(30).run_if_due()

        assert purged is not None and purged.tracker_rows_deleted > 0 and purged.tracker_rows_emptied > 0
        assert purged.snapshots_dropped == 1
        dump = _rows(store)
        assert not [words for words in OLD_WORDS + ["old chatter", "old reply"] if words in dump]
        assert all(words in dump for words in ("fresh words today", "fresh reply today", "kiwi"))
        after = asyncio.run(whole.retrieve("tg-7"))  # the session's state is what it was
        assert after.current_slot_values() == before.current_slot_values()
        assert after.get_slot("pause_signal") == "kiwi" and after.latest_message.text == "fresh words today"
        assert [x.intent_name for x in after.events if isinstance(x, e.UserUttered)] == \
            [x.intent_name for x in before.events if isinstance(x, e.UserUttered)]
        windowed = asyncio.run(store.retrieve("tg-7"))
        assert windowed.get_slot("pause_signal") == "kiwi"
        # what people are shown afterwards: the therapist's transcript and the partner's own copy, no empty lines
        from bot.storage.data_export import export_partner
        from bot.storage.transcripts import transcript

        storage.set_share_consent(who.partner_id, True)
        shown = [i.text for i in transcript(who.couple_id).items if i.kind == "message"]
        assert shown == ["fresh words today", "fresh reply today"]
        assert [m["text"] for m in export_partner("tg:7")["messages"]] == ["fresh words today", "fresh reply today"]

        tables = json.dumps(_table_words(who.couple_id))
        assert not [words for words in OLD_WORDS if words in tables]
        assert all(words in tables for words in ("new pause words", "new checkin note", "new apology text"))

        entries = [a for a in audit_trail() if a["action"] == RETENTION_PURGE]
        assert len(entries) == 1 and entries[0]["details"]["days"] == 30 and entries[0]["couple_id"] is None
        details = json.dumps(entries[0]["details"])
        assert "tg-7" not in details and not [w for w in OLD_WORDS + NEW_WORDS if w in details]
    finally:
        store.engine.dispose()
        whole.engine.dispose()


def _table_words(couple_id: int):
    from bot.storage.models import DailyCheckin, Pause, Reminder

    with session_scope() as session:
        return {"pauses": [p.resume_text for p in session.query(Pause).filter_by(couple_id=couple_id)],
                "reminders": [r.details for r in session.query(Reminder).filter_by(couple_id=couple_id)],
                "notes": [c.note for c in session.query(CheckinPrompt).filter_by(couple_id=couple_id)],
                "setup": [d.said for d in session.query(DailyCheckin).filter_by(couple_id=couple_id)]}


def test_the_purge_runs_once_a_day_across_gateways(database: str, test_clock) -> None:
    test_clock.at("03:00", "UTC")
    first, second = RetentionJob(30), RetentionJob(30)  # two gateways
    assert first.run_if_due() is not None
    assert first.run_if_due() is None  # asked again at once
    assert second.run_if_due() is None  # the other gateway sees today's purge
    test_clock.advance(hours=23)
    assert second.run_if_due() is None
    test_clock.advance(hours=1, minutes=1)
    assert second.run_if_due() is not None
    assert len([a for a in audit_trail() if a["action"] == RETENTION_PURGE]) == 2


def test_retention_is_off_by_default_and_read_as_typed_settings(database: str) -> None:
    assert Settings.from_env({}).retention_days == 0
    assert Settings.from_env({"KINTSUGI_RETENTION_DAYS": "off"}).retention_days == 0
    assert Settings.from_env({"KINTSUGI_RETENTION_DAYS": " 90 "}).retention_days == 90
    for wrong in ("-3", "ninety", "1.5"):
        with pytest.raises(ValueError, match="KINTSUGI_RETENTION_DAYS"):
            Settings.from_env({"KINTSUGI_RETENTION_DAYS": wrong})
    assert RetentionJob(0).run_if_due() is None
    assert not [a for a in audit_trail() if a["action"] == RETENTION_PURGE]
    with pytest.raises(ValueError):
        purge_messages(0)


async def test_the_reminder_loop_runs_the_purge(database: str, test_clock) -> None:
    from aiohttp import web

    from bot.reminders import ReminderLoop

    test_clock.at("04:00", "UTC")
    loop = ReminderLoop(web.Application(), Settings(database_url=database, retention_days=7))
    await loop._purge_old_messages()  # noqa: SLF001 - the step tick() runs after delivering reminders
    assert [a["details"]["days"] for a in audit_trail() if a["action"] == RETENTION_PURGE] == [7]
