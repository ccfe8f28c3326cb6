"""/forget for one partner of a linked couple, on SQLite and PostgreSQL (issue 14, item 7).

Rasa's tracker rows are written through the real tracker store (``UrlTrackerStore``, with a
small window so the group's snapshot exists), as the rasa server writes them.
"""
from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from rasa.shared.core import events as e

from bot import storage
from bot.storage import events as ev
from bot.storage.erasure import erase_partner
from bot.storage.models import utcnow
from tests.test_tracker_window import WINDOW, Clock, _chatter, _domain, _play, _session_start, _store, _turn

ANA = {"partner_id": "tg:1", "display_name": "Ana", "chat_type": "supergroup"}
BEN = {"partner_id": "tg:2", "display_name": "Ben", "chat_type": "supergroup"}
BEN_WORDS = "she hit me again and I'm scared to go home"


def _linked_couple():
    ana = storage.identify("tg-1", "tg:1", channel="telegram", display_name="Ana")
    code = storage.create_link_code(ana.couple_id, ana.partner_id)
    storage.identify("tg-2", "tg:2", channel="telegram", display_name="Ben")
    storage.redeem_link_code(code, "tg-2")
    ben = storage.identify("tg-2", "tg:2", channel="telegram", display_name="Ben")
    storage.identify("tg--9", "tg:1", channel="telegram", chat_type="supergroup", display_name="Ana")
    storage.identify("tg--9", "tg:2", channel="telegram", chat_type="supergroup", display_name="Ben")
    ana = storage.identify("tg-1", "tg:1", channel="telegram", display_name="Ana")
    assert ana.couple_id == ben.couple_id and ana.partner_count == 2
    return ana, ben


def _group_turns(c: Clock):
    return [_session_start(c)] + _chatter(c, 3, ANA, "ana") + [
        _turn(c, BEN_WORDS, "crisis", BEN, e.ActionExecuted("action_crisis_handoff"),
              e.SlotSet("safety_level", "crisis"), e.SlotSet("crisis_category", "partner_violence"),
              e.BotUttered("Ben, you deserve to be safe. Please call 0808 2000 247."))] + \
        _chatter(c, 2, BEN, "ben") + _chatter(c, 2 * WINDOW + 2, ANA, "later")


def test_forget_erases_one_partner_and_leaves_the_other_whole(database: str) -> None:
    domain = _domain()
    ana, ben = _linked_couple()
    couple = ana.couple_id
    storage.propose_rules(couple, ana.partner_id, {"checkin": "sundays"})
    storage.confirm_rules(couple, ana.partner_id)
    storage.confirm_rules(couple, ben.partner_id)
    storage.propose_rules(couple, ben.partner_id, {"checkin": "every evening, Ben's idea"})
    storage.set_share_consent(ben.partner_id, True)
    storage.log_event("tg-2", ev.FLOODING_REPORTED, partner_id=ben.partner_id)
    storage.log_event("tg-1", ev.FLOODING_REPORTED, partner_id=ana.partner_id)
    now = utcnow()
    storage.schedule_resume(couple, "tg-2", ben.partner_id, now + timedelta(minutes=40), "in 40 minutes")

    store = _store(database, WINDOW)
    whole = _store(database, 0)
    try:
        c = Clock()
        _play(store, "tg-2", [_session_start(c), _turn(c, "I'm Ben and I feel flooded", "im_flooded", {
            **BEN, "chat_type": "private"}, e.SlotSet("safety_level", "check"))], domain)
        _play(store, "tg-1", [_session_start(c)] + _chatter(c, 2, {**ANA, "chat_type": "private"}, "mine"), domain)
        _play(store, "tg--9", _group_turns(c), domain)
        with store.engine.connect() as connection:
            from sqlalchemy import text

            assert connection.execute(text("SELECT count(*) FROM tracker_windows WHERE sender_id = 'tg--9'")
                                      ).scalar() == 1
        ana_private_before = [x.as_dict() for x in asyncio.run(whole.retrieve_full_tracker("tg-1")).events]

        erased = erase_partner("tg:2", ["tg-2"])

        assert erased is not None and erased.own == ["tg-2"] and erased.stayed == ["tg:1"]
        assert sorted(erased.shared) == ["tg--9", "tg-1"]
        # our tables: no partner, no consent, no unagreed proposal, no chat in the couple, no reminder for them
        assert storage.partner_by_key("tg:2") is None
        assert storage.couple_of("tg-2") is None
        assert sorted(storage.conversations_of(couple)) == ["tg--9", "tg-1"]
        assert all(r.conversation_id != "tg-2" for r in storage.pending_reminders(couple))
        assert {e_.conversation_id for e_ in storage.events_for(couple_id=couple)} == {"tg-1"}
        assert storage.current_rules(couple).rules == {"checkin": "sundays"}  # Ana's agreed history stays
        assert storage.pending_rules(couple) is None
        assert all("Ben" not in json.dumps(v.rules) for v in storage.rules_history(couple))

        # Rasa: Ben's private tracker is gone, his turns left the group, Ana's chat is untouched
        assert asyncio.run(store.retrieve("tg-2")) is None
        assert asyncio.run(whole.retrieve_full_tracker("tg-2")) is None or \
            not asyncio.run(whole.retrieve_full_tracker("tg-2")).events
        assert [x.as_dict() for x in asyncio.run(whole.retrieve_full_tracker("tg-1")).events] == ana_private_before
        for reader in (store, whole):
            group = asyncio.run(reader.retrieve_full_tracker("tg--9"))
            dump = json.dumps([x.as_dict() for x in group.events])
            assert "Ben" not in dump and "tg:2" not in dump and "scared" not in dump and "ben " not in dump
            assert group.get_slot("safety_level") is None and group.get_slot("crisis_category") is None
            texts = [x.text for x in group.events if isinstance(x, e.UserUttered)]
            assert texts == [f"ana {i} you never listen" for i in range(3)] + \
                [f"later {i} you never listen" for i in range(2 * WINDOW + 2)]
        windowed = asyncio.run(store.retrieve("tg--9"))
        assert windowed.get_slot("safety_level") is None
        assert "Ben" not in json.dumps([x.as_dict() for x in windowed.events])
        # the group goes on: the next turns are stored and a new snapshot is cut from Ana's turns only
        _play(store, "tg--9", _chatter(c, 2 * WINDOW, ANA, "again"), domain)
        with store.engine.connect() as connection:
            snapshot = connection.execute(text("SELECT data FROM tracker_windows WHERE sender_id = 'tg--9'")).scalar()
        assert snapshot and "Ben" not in snapshot and "tg:2" not in snapshot

        # a later message from Ben starts a new, unlinked partner with no rules
        again = storage.identify("tg-2", "tg:2", channel="telegram", display_name="Ben")
        assert again.couple_id != couple and again.partner_count == 1
        assert storage.current_rules(again.couple_id) is None and storage.pending_rules(again.couple_id) is None
        # a pause Ana starts now reminds her chats only
        pause = storage.schedule_resume(couple, "tg-1", ana.partner_id, utcnow() + timedelta(minutes=30))
        assert "tg-2" not in pause.reminder_conversations
        # and not in the group any more: Ben, who left, may still read it
        assert {r.conversation_id for r in storage.pending_reminders(couple)} == {"tg-1"}
    finally:
        store.engine.dispose()
        whole.engine.dispose()


def test_forgetting_the_last_partner_removes_the_couple_and_its_trackers(database: str) -> None:
    domain = _domain()
    storage.identify("tg-5", "tg:5", channel="telegram", display_name="Cleo")
    store = _store(database, WINDOW)
    try:
        c = Clock()
        _play(store, "tg-5", [_session_start(c)] + _chatter(c, 2 * WINDOW + 2, {"partner_id": "tg:5"}), domain)
        erased = erase_partner("tg:5", ["tg-5"])
        assert erased.own == ["tg-5"] and erased.stayed == [] and erased.shared == []
        assert storage.couple_of("tg-5") is None and storage.partner_by_key("tg:5") is None
        assert asyncio.run(store.retrieve("tg-5")) is None
        assert erase_partner("tg:5", ["tg-5"]) is None
    finally:
        store.engine.dispose()
