"""Private notes (issue 16): sealed at rest, a clear error without a key, gone with the partner.

Storage runs on SQLite and PostgreSQL; the raw rows must hold ciphertext only.
"""
from __future__ import annotations


import pytest
from sqlalchemy import text

from bot import closeness, sealed, storage
from bot.config import get_settings
from bot.storage import private_notes
from bot.storage.db import session_scope

SECRET = "only-if-we-whisper-7731"


def test_a_missing_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KINTSUGI_ENCRYPTION_KEY", raising=False)
    get_settings.cache_clear()
    try:
        with pytest.raises(sealed.MissingKey, match="KINTSUGI_ENCRYPTION_KEY is not set"):
            sealed.seal({"a": 1})
        with pytest.raises(sealed.MissingKey, match="not a valid key"):
            sealed.seal({"a": 1}, key="short")
    finally:
        get_settings.cache_clear()


def test_sealing_round_trips_and_another_key_cannot_open_it() -> None:
    one, two = sealed.new_key(), sealed.new_key()
    token = sealed.seal({"w": SECRET, "emoji": "🤝", "de": "Händchen halten"}, key=one)
    assert SECRET not in token and "Händchen" not in token
    assert sealed.unseal(token, key=one)["emoji"] == "🤝"
    with pytest.raises(sealed.Unreadable):
        sealed.unseal(token, key=two)
    with pytest.raises(sealed.Unreadable):
        sealed.unseal(token[:-4] + "AAAA", key=one)


def test_opaque_ids_name_nothing_without_the_key() -> None:
    one, two = sealed.new_key(), sealed.new_key()
    ids = {sealed.opaque_id("closeness", "salt", "sex", code, key=one) for code in ("yes", "no", "maybe:own")}
    assert len(ids) == 3 and all(len(i) == 12 and i.isalnum() for i in ids)
    assert sealed.opaque_id("closeness", "salt", "sex", "yes", key=two) not in ids


def test_notes_are_ciphertext_in_the_database(key: str) -> None:
    ana = storage.identify("tg-101", "tg:101")
    note = closeness.new_note()
    closeness.answer(note, "hold_hands", "maybe:own")
    closeness.add_condition(note, SECRET)
    private_notes.write_note(ana.partner_id, private_notes.CLOSENESS, note)
    with session_scope() as session:
        raw = session.execute(text("SELECT partner_id, kind, sealed FROM private_notes")).all()
    assert len(raw) == 1 and raw[0].kind == "closeness"
    for word in (SECRET, "hold_hands", "maybe", "answers"):
        assert word not in raw[0].sealed
    assert private_notes.read_note(ana.partner_id, "closeness")["answers"]["hold_hands"] == {"a": "maybe", "w": SECRET}


def test_redo_replaces_and_delete_removes(key: str) -> None:
    ana = storage.identify("tg-101", "tg:101")
    private_notes.write_note(ana.partner_id, "closeness", {"v": 1})
    private_notes.write_note(ana.partner_id, "closeness", {"v": 2})
    private_notes.write_note(ana.partner_id, "reflection", {"v": 3})
    assert private_notes.read_note(ana.partner_id, "closeness") == {"v": 2}
    assert private_notes.delete_note(ana.partner_id, "closeness") is True
    assert private_notes.delete_note(ana.partner_id, "closeness") is False
    assert private_notes.read_note(ana.partner_id, "closeness") is None
    assert private_notes.read_note(ana.partner_id, "reflection") == {"v": 3}


def test_a_linked_couple_and_forget(key: str) -> None:
    ana = storage.identify("tg-101", "tg:101")
    ben = storage.identify("tg-102", "tg:102")
    private_notes.write_note(ben.partner_id, "closeness", {"who": "ben"})  # written before the link
    storage.redeem_link_code(storage.create_link_code(ana.couple_id, ana.partner_id), "tg-102")
    private_notes.write_note(ana.partner_id, "closeness", {"who": "ana"})
    notes = private_notes.couple_notes(ana.couple_id, "closeness")
    assert sorted(n["who"] for n in notes.values()) == ["ana", "ben"]
    from bot.storage.erasure import erase_partner

    erase_partner("tg:102", ["tg-102"])
    assert [n["who"] for n in private_notes.couple_notes(ana.couple_id, "closeness").values()] == ["ana"]
    with session_scope() as session:
        assert session.execute(text("SELECT count(*) FROM private_notes")).scalar_one() == 1


def test_reading_without_the_key_is_refused(key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ana = storage.identify("tg-101", "tg:101")
    private_notes.write_note(ana.partner_id, "closeness", {"v": 1})
    monkeypatch.delenv("KINTSUGI_ENCRYPTION_KEY")
    get_settings.cache_clear()
    with pytest.raises(sealed.MissingKey):
        private_notes.read_note(ana.partner_id, "closeness")
    monkeypatch.setenv("KINTSUGI_ENCRYPTION_KEY", sealed.new_key())
    get_settings.cache_clear()
    with pytest.raises(sealed.Unreadable):
        private_notes.read_note(ana.partner_id, "closeness")


def test_a_note_sealed_with_an_earlier_key_counts_as_none(key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ana = storage.identify("tg-101", "tg:101")
    private_notes.write_note(ana.partner_id, "closeness", {"v": 1})
    monkeypatch.setenv("KINTSUGI_ENCRYPTION_KEY", sealed.new_key())
    get_settings.cache_clear()
    assert private_notes.readable_note(ana.partner_id, "closeness") is None
    assert private_notes.couple_notes(ana.couple_id, "closeness") == {}
    private_notes.write_note(ana.partner_id, "closeness", {"v": 2})  # starting afresh overwrites it
    assert private_notes.readable_note(ana.partner_id, "closeness") == {"v": 2}
