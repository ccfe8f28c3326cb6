"""The widget's unconfirmed replies live in the database: a restarted rasa or a second replica sends them.

Each ``ReplyBook`` stands for one rasa process over the shared database (SQLite and PostgreSQL).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List

import pytest

from bot import sealed, storage
from bot.rasa_plugins.widget_replies import ReplyBook
from bot.storage import widget_outbox

WORDS = "I keep checking his phone while he sleeps"


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kept replies are sealed with the deployment's key (KINTSUGI_ENCRYPTION_KEY)."""
    monkeypatch.setenv("KINTSUGI_ENCRYPTION_KEY", sealed.new_key())


class Socket:
    """What one socket received."""

    def __init__(self) -> None:
        self.got: List[Dict[str, Any]] = []

    async def emit(self, message: Dict[str, Any]) -> None:
        self.got.append(message)


async def nothing() -> None:
    return None


async def test_a_reply_kept_by_one_process_reaches_the_socket_of_the_next_once(database, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    before, after = ReplyBook(), ReplyBook()  # rasa before and after a restart (or two replicas)
    lost = Socket()
    first = await before.deliver("web-1", {"text": WORDS}, "m1", lost.emit)
    second = await before.deliver("web-1", {"text": "Two."}, "m1", lost.emit)
    await before.deliver("web-2", {"text": "someone else's"}, None, lost.emit)

    back = Socket()
    assert await after.rejoin("web-1", nothing, back.emit) == 2
    assert [(m["reply_id"], m["text"], m["in_reply_to"]) for m in back.got] == \
        [(first, WORDS, "m1"), (second, "Two.", "m1")]
    assert await after.acknowledge("web-1", [first, "nope", 7]) == 1
    again = Socket()
    await ReplyBook().rejoin("web-1", nothing, again.emit)
    assert [m["reply_id"] for m in again.got] == [second]  # confirmed replies are gone for every process
    await before.acknowledge("web-1", [second])
    assert await ReplyBook().unconfirmed("web-1") == []
    assert [m["text"] for m in await after.unconfirmed("web-2")] == ["someone else's"]
    assert WORDS not in caplog.text
    assert all(WORDS not in payload for payload in stored_payloads())  # sealed: no words in the table


async def test_without_a_key_nothing_is_stored_and_the_process_keeps_the_reply(database, monkeypatch) -> None:
    monkeypatch.delenv("KINTSUGI_ENCRYPTION_KEY", raising=False)
    book, socket = ReplyBook(), Socket()
    reply = await book.deliver("web-1", {"text": WORDS}, "m1", socket.emit)
    assert rows() == 0
    back = Socket()
    assert await book.rejoin("web-1", nothing, back.emit) == 1 and back.got[0]["reply_id"] == reply


async def test_a_message_handled_by_one_process_is_not_handled_again_by_another(database) -> None:
    one, other = ReplyBook(other_process_wait=5), ReplyBook(other_process_wait=5)
    assert await one.claim("web-1", "m1") is True
    waiting = asyncio.ensure_future(other.claim("web-1", "m1"))
    await asyncio.sleep(0.7)
    assert not waiting.done(), "a resend waits while the first handling goes on elsewhere"
    await one.finished("web-1", "m1")
    assert await waiting is False
    assert await ReplyBook().claim("web-1", "m1") is False  # a restarted process knows it too
    assert await other.claim("web-1", "m2") is True


async def test_a_handling_that_never_finished_is_taken_over(database) -> None:
    dead, alive = ReplyBook(), ReplyBook(other_process_wait=1)
    assert await dead.claim("web-1", "m1") is True  # rasa died before it finished
    assert await alive.claim("web-1", "m1") is True  # the resend is answered after all


async def test_the_database_away_the_process_remembers(monkeypatch) -> None:
    def broken(*_: Any) -> None:
        raise RuntimeError("down")

    for name in ("keep", "unconfirmed", "confirm", "start_handling", "finish_handling", "handled"):
        monkeypatch.setattr(widget_outbox, name, broken)
    book, socket = ReplyBook(), Socket()
    reply = await book.deliver("web-1", {"text": "Here."}, "m1", socket.emit)
    back = Socket()
    assert await book.rejoin("web-1", nothing, back.emit) == 1 and back.got[0]["reply_id"] == reply
    assert await book.claim("web-1", "m1") is True
    await book.finished("web-1", "m1")
    assert await book.claim("web-1", "m1") is False
    await book.acknowledge("web-1", [reply])
    assert await book.unconfirmed("web-1") == []


async def test_erasure_and_retention_remove_kept_replies(database, test_clock) -> None:
    from bot.storage.erasure import erase_partner
    from bot.storage.retention import purge_messages
    from tests.test_erasure import _linked_couple

    test_clock.at("12:00")
    _linked_couple()  # Ana (tg-1), Ben (tg-2), their group (tg--9)
    book, socket = ReplyBook(), Socket()
    for chat in ("tg-1", "tg-2", "tg--9"):
        await book.deliver(chat, {"text": WORDS}, None, socket.emit)
    erase_partner("tg:2", own_conversations=["tg-2"])
    assert await ReplyBook().unconfirmed("tg-2") == []
    assert len(await ReplyBook().unconfirmed("tg-1")) == 1

    test_clock.advance(hours=30)
    await book.deliver("tg-1", {"text": "fresh"}, None, socket.emit)
    assert rows() == 3
    purge_messages(1)  # words older than a day go, the fresh reply stays
    assert rows() == 1
    assert [m["text"] for m in await ReplyBook().unconfirmed("tg-1")] == ["fresh"]


def rows() -> int:
    from sqlalchemy import func, select

    with storage.db.session_scope() as session:
        return session.scalar(select(func.count()).select_from(widget_outbox.WidgetReply))


def stored_payloads() -> list:
    from sqlalchemy import select

    with storage.db.session_scope() as session:
        return list(session.scalars(select(widget_outbox.WidgetReply.payload)))
