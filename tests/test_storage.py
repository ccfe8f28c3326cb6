"""bot.storage on SQLite and PostgreSQL: identity, linking, reminders claimed once, forgetting."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from bot import clock, storage
from bot.storage import db as storage_db
from bot.storage import events as ev


def test_a_group_makes_one_couple_of_two_partners(database: str) -> None:
    a = storage.identify("tg--100", "tg:1", chat_type="group", display_name="Ana")
    b = storage.identify("tg--100", "tg:2", chat_type="group", display_name="Ben")
    assert a.couple_id == b.couple_id and a.partner_id != b.partner_id and b.partner_count == 2


def test_a_partner_known_from_a_private_chat_brings_the_couple_into_the_group(database: str) -> None:
    private = storage.identify("tg-1", "tg:1")
    storage.log_event("tg-1", ev.FLOODING_REPORTED, partner_id=private.partner_id)
    group = storage.identify("tg--500", "tg:1", chat_type="group")
    assert group.couple_id in (private.couple_id, storage.couple_of("tg-1"))
    assert storage.couple_of("tg-1") == storage.couple_of("tg--500")
    assert len(storage.events_for(couple_id=group.couple_id)) == 1


@pytest.mark.around_the_clock
def test_link_code_joins_two_private_chats(database: str) -> None:
    a = storage.identify("tg-1", "tg:1")
    b = storage.identify("tg-2", "tg:2")
    storage.propose_rules(b.couple_id, b.partner_id, {"pause_signal": "yellow"})
    code = storage.create_link_code(a.couple_id, a.partner_id)
    assert storage.redeem_link_code(code.lower(), "tg-2") == a.couple_id
    assert sorted(storage.conversations_of(a.couple_id)) == ["tg-1", "tg-2"]
    assert storage.identify("tg-2", "tg:2").partner_count == 2
    assert storage.pending_rules(a.couple_id).rules == {"pause_signal": "yellow"}
    with pytest.raises(ValueError, match="already used"):
        storage.redeem_link_code(code, "tg-2")
    with pytest.raises(ValueError, match="unknown"):
        storage.redeem_link_code("", "tg-2")


@pytest.mark.around_the_clock
def test_a_pause_must_be_between_twenty_minutes_and_a_day(database: str) -> None:
    who = storage.identify("c")
    now = clock.now()
    for bad in (timedelta(minutes=5), timedelta(hours=24), timedelta(hours=30)):
        with pytest.raises(ValueError):
            storage.schedule_resume(who.couple_id, "c", who.partner_id, now + bad, started_at=now)
    storage.schedule_resume(who.couple_id, "c", who.partner_id, now + timedelta(minutes=20), started_at=now)


@pytest.mark.around_the_clock
def test_a_new_pause_replaces_the_old_one(database: str) -> None:
    who = storage.identify("c")
    now = clock.now()
    storage.schedule_resume(who.couple_id, "c", who.partner_id, now + timedelta(minutes=30))
    storage.schedule_resume(who.couple_id, "c", who.partner_id, now + timedelta(hours=2))
    pending = storage.pending_reminders(who.couple_id)
    assert len(pending) == 1 and pending[0].due_at > now + timedelta(hours=1)


def test_due_reminders_are_claimed_once_by_concurrent_workers(database: str) -> None:
    now = clock.now()
    for i in range(30):
        who = storage.identify(f"c{i}")
        storage.schedule_resume(who.couple_id, f"c{i}", who.partner_id, now - timedelta(minutes=1),
                                started_at=now - timedelta(minutes=40))
    claimed: list = []
    lock = threading.Lock()

    def worker(name: str) -> None:
        for _ in range(10):
            got = storage.claim_due_reminders(name, limit=5)
            with lock:
                claimed.extend(r.id for r in got)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(claimed) == 30 and len(set(claimed)) == 30


@pytest.mark.around_the_clock
def test_a_claim_that_was_never_delivered_is_retried_after_the_lease(database: str) -> None:
    who = storage.identify("c")
    now = clock.now()
    storage.schedule_resume(who.couple_id, "c", who.partner_id, now - timedelta(minutes=1),
                            started_at=now - timedelta(minutes=30))
    [first] = storage.claim_due_reminders("crashed-worker")
    assert storage.claim_due_reminders("other", now=now + timedelta(minutes=1)) == []
    [again] = storage.claim_due_reminders("other", now=now + timedelta(minutes=10))
    assert again.id == first.id
    storage.mark_reminder_sent(again.id)
    assert storage.claim_due_reminders("other", now=now + timedelta(hours=1)) == []


def test_forgetting_a_partner_removes_their_data(database: str) -> None:
    a = storage.identify("g", "p:a")
    b = storage.identify("g", "p:b")
    storage.log_event("g", ev.FLOODING_REPORTED, partner_id=a.partner_id)
    storage.log_event("g", ev.QUESTION_STARTED, partner_id=b.partner_id)
    storage.propose_rules(a.couple_id, a.partner_id, {"checkin": "sundays"})
    storage.confirm_rules(a.couple_id, a.partner_id)
    assert storage.forget_partner(a.partner_id) == []  # the group still has Ben
    remaining = storage.events_for(couple_id=a.couple_id)
    assert [e.partner_id for e in remaining] == [b.partner_id]
    assert storage.partner_by_key("p:a") is None
    solo = storage.identify("alone", "p:c")
    assert storage.forget_partner(solo.partner_id) == ["alone"]
    assert storage.couple_of("alone") is None


def test_replayed_updates_are_recognised(database: str) -> None:
    assert storage.first_time_update("tg:1:42") is True
    assert storage.first_time_update("tg:1:42") is False


def test_unknown_event_types_are_refused(database: str) -> None:
    with pytest.raises(ValueError):
        storage.log_event("c", "something_made_up")


def test_every_model_table_exists_after_the_migration(database: str) -> None:
    import sqlalchemy as sa

    from bot.storage.models import Base

    tables = set(sa.inspect(storage_db.get_engine()).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_forgetting_also_erases_rasa_tracker_rows(database: str) -> None:
    import json as _json

    import sqlalchemy as sa

    engine = storage_db.get_engine()
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255),"
                                   " type_name VARCHAR(255), timestamp FLOAT, intent_name VARCHAR(255),"
                                   " action_name VARCHAR(255), data TEXT)"))
        rows = [("solo", "user", {"metadata": {"partner_id": "tg:1"}}),
                ("group", "user", {"metadata": {"partner_id": "tg:1"}}),
                ("group", "user", {"metadata": {"partner_id": "tg:2"}}),
                ("group", "bot", {"text": "hello"})]
        for i, (sender, kind, data) in enumerate(rows, start=1):
            connection.execute(sa.text("INSERT INTO events (id, sender_id, type_name, data) VALUES (:i, :s, :t, :d)"),
                               {"i": i, "s": sender, "t": kind, "d": _json.dumps(data)})
    assert storage.delete_trackers(["solo"]) == 1
    assert storage.delete_partner_messages(["group"], "tg:1") == 1
    with engine.connect() as connection:
        left = connection.execute(sa.text("SELECT sender_id, data FROM events ORDER BY id")).all()
    assert [(s, _json.loads(d).get("metadata", {}).get("partner_id")) for s, d in left] == \
        [("group", "tg:2"), ("group", None)]
