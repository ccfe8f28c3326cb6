"""A partner's own data (``/mydata``, the widget's download), on SQLite and PostgreSQL.

Rasa's rows are written through the real tracker store, as the rasa server writes them;
our tables through the product's storage functions. Ana's export holds everything of hers
and nothing that is only Ben's: not his words, not the replies to him, not what was privately
for him, not his private chat's id, not his unagreed proposal.
"""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from rasa.shared.core import events as e

from bot import storage
from bot.storage.audit import VIEW_CONVERSATION, audit_trail, record_view
from bot.storage.data_export import PARTNER_EXPORT, export_json, export_partner
from bot.storage.db import session_scope
from bot.storage.models import CheckinPrompt, utcnow
from bot.storage.practice import create_practice_code, join_practice
from bot.storage.therapists import create_therapist
from tests.test_erasure import _linked_couple
from tests.test_tracker_window import WINDOW, Clock, _domain, _play, _session_start, _store, _turn

ANA = {"partner_id": "tg:1", "display_name": "Ana", "chat_type": "supergroup"}
BEN = {"partner_id": "tg:2", "display_name": "Ben", "chat_type": "supergroup"}
BENS = ["ben private words", "ben group words", "reply to ben", "private for ben", "ben unagreed proposal",
        "ben pause words", "ben checkin note", "ben apology words", "ben setup words", "ben private list",
        "not_sure", "tg-2", "tg:2", "Ben"]
ANAS = ["ana private words", "ana group words", "reply to ana", "private for ana", "ana rule words",
        "ana pause words", "ana checkin note", "ana apology words", "ana emoji 💛 ok", "ana private list",
        "I will call when I am late", "I'll text before I leave work"]


def _private(text: str, partner: str) -> e.BotUttered:
    return e.BotUttered(None, {"custom": {"kintsugi": {"audience": "private", "partner_id": partner, "text": text,
                                                        "kind": "nudge"}}})


def _conversations(database: str) -> None:
    domain = _domain()
    store = _store(database, WINDOW)
    try:
        c = Clock()
        _play(store, "tg-1", [_session_start(c), _turn(c, "ana private words", "couple_talk",
                                                        {**ANA, "chat_type": "private"},
                                                        e.BotUttered("reply in ana's chat")),
                              _turn(c, "ana emoji 💛 ok", "couple_talk", {**ANA, "chat_type": "private"})], domain)
        _play(store, "tg-2", [_session_start(c), _turn(c, "ben private words", "couple_talk",
                                                        {**BEN, "chat_type": "private"},
                                                        e.BotUttered("reply in ben's chat"))], domain)
        _play(store, "tg--9", [
            _session_start(c),
            _turn(c, "ana group words", "couple_talk", ANA, e.BotUttered("reply to ana",
                                                                         {"buttons": [{"title": "Take a pause",
                                                                                       "payload": "/im_flooded"}]})),
            _turn(c, "ben group words", "couple_talk", BEN, e.BotUttered("reply to ben"),
                  _private("private for ben", "tg:2"), _private("private for ana", "tg:1")),
        ], domain)
    finally:
        store.engine.dispose()


def _tables(ana, ben) -> None:
    from bot.storage.private_notes import write_note
    from bot.storage.promises import add_promise, mark_promise

    couple = ana.couple_id
    mine = add_promise(couple, ana.partner_id, "I will call when I am late")
    theirs = add_promise(couple, ben.partner_id, "I'll text before I leave work")  # made to Ana: she marks it
    assert mark_promise(couple, ana.partner_id, theirs.id, "kept") == "marked"
    assert mark_promise(couple, ben.partner_id, mine.id, "not_sure") == "marked"
    write_note(ana.partner_id, "closeness", {"yes": ["ana private list"]})
    write_note(ben.partner_id, "closeness", {"yes": ["ben private list"]})
    storage.propose_rules(couple, ana.partner_id, {"checkin": "ana rule words"})
    storage.confirm_rules(couple, ana.partner_id)
    storage.confirm_rules(couple, ben.partner_id)
    storage.propose_rules(couple, ben.partner_id, {"checkin": "ben unagreed proposal"})
    now = utcnow()
    storage.schedule_resume(couple, "tg-1", ana.partner_id, now - timedelta(hours=2), "ana pause words",
                            started_at=now - timedelta(hours=3))
    storage.schedule_resume(couple, "tg-2", ben.partner_id, now + timedelta(minutes=30), "ben pause words")
    storage.schedule_reminder(couple, "tg-2", now, "apology", {"text": "ana apology words", "from_partner": ana.partner_id})
    storage.schedule_reminder(couple, "tg-1", now, "apology", {"text": "ben apology words", "from_partner": ben.partner_id})
    storage.set_daily_checkin(couple, ben.partner_id, 21, 0, said="ben setup words")
    with session_scope() as session:
        for partner, note in ((ana.partner_id, "ana checkin note"), (ben.partner_id, "ben checkin note")):
            session.add(CheckinPrompt(couple_id=couple, partner_id=partner, local_date="2026-06-15",
                                      due_at=now - timedelta(days=1), status="answered", mood=3, note=note,
                                      answered_at=now - timedelta(days=1)))
    storage.log_event("tg-1", storage.events.FLOODING_REPORTED, partner_id=ana.partner_id)
    storage.log_event("tg-2", storage.events.FLOODING_REPORTED, partner_id=ben.partner_id)
    therapist = create_therapist("dr.lee@example.org", "a long enough passphrase 42", display_name="Dr Lee")
    join_practice(couple, create_practice_code(therapist.id).shown)
    record_view(therapist.id, couple, VIEW_CONVERSATION, details={"items": 3}, ip="10.0.0.7")


@pytest.fixture
def sealing_key(monkeypatch: pytest.MonkeyPatch):
    from bot.config import get_settings
    from bot.sealed import new_key

    monkeypatch.setenv("KINTSUGI_ENCRYPTION_KEY", new_key())
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("KINTSUGI_ENCRYPTION_KEY")
    get_settings.cache_clear()


def test_a_partner_gets_everything_of_theirs_and_nothing_only_the_other_partners(database: str,
                                                                                  sealing_key: None) -> None:
    ana, ben = _linked_couple()
    _conversations(database)
    _tables(ana, ben)

    data = export_partner("tg:1")
    dump = json.dumps(data, ensure_ascii=False)
    for words in ANAS:
        assert words in dump, words
    for words in BENS:
        assert words not in dump, words
    assert "10.0.0.7" not in dump  # the therapist's address is not the partner's data

    assert data["you"]["id"] == "tg:1" and data["you"]["name"] == "Ana"
    assert data["consent"]["share_with_therapist"] is False
    assert data["couple"]["linked_with_a_partner"] is True and data["couple"]["practice"] == "Dr Lee"
    assert [c["id"] for c in data["couple"]["conversations"]] == ["tg--9", "tg-1"]
    assert [(r["version"], r["you_confirmed"], r["proposed_by_you"]) for r in data["ground_rules"]] == [(1, True, True)]
    assert [p["your_words"] for p in data["pauses"]] == ["ana pause words"]
    assert [a["text"] for a in data["apologies"]] == ["ana apology words"]
    assert any(r.get("from") == "your partner" and r["kind"] == "apology" for r in data["reminders"])
    assert [a["note"] for a in data["checkins"]["answers"]] == ["ana checkin note"]
    assert data["checkins"]["schedule"]["your_words"] is None and data["checkins"]["schedule"]["hour"] == 21
    assert [ev["type"] for ev in data["events"]] == ["flooding_reported"]
    assert [p["text"] for p in data["promises"]["made"]] == ["I will call when I am late"]
    assert [(m["promise"], m["mark"]) for m in data["promises"]["your_marks"]] == \
        [("I'll text before I leave work", "kept")]
    assert [(n["kind"], n["note"]) for n in data["private_notes"]] == [("closeness", {"yes": ["ana private list"]})]
    assert [(v["action"], v["by"]) for v in data["therapist_views"]] == [(VIEW_CONVERSATION, "Dr Lee")]
    said = [(m["conversation"], m["from"], m["text"]) for m in data["messages"]]
    assert ("tg-1", "you", "ana private words") in said and ("tg-1", "kintsugi", "reply in ana's chat") in said
    assert ("tg--9", "you", "ana group words") in said and ("tg--9", "kintsugi", "private for ana") in said
    assert next(m for m in data["messages"] if m["text"] == "reply to ana")["buttons"] == ["Take a pause"]

    # Ben's own export is the mirror image
    ben_dump = json.dumps(export_partner("tg:2"), ensure_ascii=False)
    assert "ben private words" in ben_dump and "private for ben" in ben_dump and "ben checkin note" in ben_dump
    assert "ben unagreed proposal" in ben_dump and "ben setup words" in ben_dump and "ben private list" in ben_dump
    assert not any(words in ben_dump for words in ("ana private words", "private for ana", "ana checkin note",
                                                   "ana pause words", "ana apology words", "tg-1", "reply to ana"))


def test_the_export_is_audited_without_words_and_unknown_people_get_nothing(database: str) -> None:
    ana, ben = _linked_couple()
    _conversations(database)
    raw = export_json("tg:1", "telegram")
    assert raw is not None and "ana private words" in raw.decode("utf-8")
    assert json.loads(raw)["format"] == "kintsugi-partner-data"
    entry = next(a for a in audit_trail(couple_id=ana.couple_id) if a["action"] == PARTNER_EXPORT)
    assert entry["therapist_id"] is None and entry["details"]["channel"] == "telegram"
    assert "words" not in json.dumps(entry["details"])
    assert export_partner("tg:999") is None and export_json("tg:999", "telegram") is None
    assert export_partner("") is None
