"""The AI disclosure remembers in the database: a restarted rasa, a new process or a second replica agrees.

Each test runs on SQLite and on PostgreSQL (the ``database`` fixture), with the product's clock.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from typing import List, Optional

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot import content, disclosure
from bot.config import PROJECT_ROOT
from bot.storage import dispose_engines

LINES = content.load("disclosure")["lines"]


def replica() -> disclosure.Disclosures:
    """What one rasa process holds: its own object over the shared database."""
    return disclosure.Disclosures(disclosure.DatabaseStore())


async def say(replica_: disclosure.Disclosures, sender: str, text: str, language: Optional[str] = "en") -> List[str]:
    async def rasa(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, "ok")

    output = CollectingOutputChannel()
    await disclosure.wrap(rasa, replica_)(UserMessage(text, output, sender, metadata={"language": language}))
    return [m["text"] for m in output.messages]


async def test_a_restart_does_not_show_the_line_again(database, test_clock) -> None:
    test_clock.at("09:00")
    assert await say(replica(), "tg-1", "hello") == ["ok", LINES["en"]]
    dispose_engines()  # the restarted server opens new connections and holds nothing in memory
    test_clock.advance(minutes=5)
    assert await say(replica(), "tg-1", "we're back") == ["ok"]


async def test_idle_and_continuous_times_survive_restarts(database, test_clock) -> None:
    test_clock.at("09:00")
    await say(replica(), "tg-2", "hallo", "de")
    shown = []
    for minute in range(10, 3 * 60 + 1, 10):  # a message every ten minutes, each to a freshly started server
        test_clock.advance(minutes=10)
        if LINES["de"] in await say(replica(), "tg-2", "weiter", None):
            shown.append(minute)
    assert shown == [180]  # three hours of continuous use counted across restarts, in the language it showed
    test_clock.advance(days=7)
    dispose_engines()
    assert await say(replica(), "tg-2", "wir sind wieder da", "de") == ["ok", LINES["de"]]


async def test_two_replicas_sharing_one_database_agree(database, test_clock) -> None:
    test_clock.at("12:00")
    one, two = replica(), replica()
    assert await say(one, "widget-x", "hi") == ["ok", LINES["en"]]
    assert await say(two, "widget-x", "hi again") == ["ok"]
    test_clock.advance(minutes=1)
    assert await say(two, "widget-x", "is this a bot?") == ["ok", LINES["en"]]
    assert await say(one, "widget-x", "ok thanks") == ["ok"]


def test_replicas_deciding_at_the_same_moment_show_the_line_once(database, test_clock) -> None:
    test_clock.at("12:00")
    replicas = [replica() for _ in range(4)]
    results: List[object] = []
    start = threading.Barrier(len(replicas))

    def first_message(r: disclosure.Disclosures) -> None:
        start.wait()
        results.append(r.check("tg-race", "hello", {"language": "en"}, now=test_clock.now()))

    threads = [threading.Thread(target=first_message, args=(r,)) for r in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(str(why) for why, _ in results) == ["None", "None", "None", "first_message"]


async def test_a_new_process_on_the_same_database_agrees(database, test_clock) -> None:
    when = test_clock.at("12:00")
    assert await say(replica(), "tg-3", "hello") == ["ok", LINES["en"]]
    script = ("import json, sys; from datetime import datetime; from bot import disclosure; "
              "d = disclosure.Disclosures(disclosure.DatabaseStore()); now = datetime.fromisoformat(sys.argv[1]); "
              "print(json.dumps([d.check('tg-3', 'again', {'language': 'en'}, now=now)[0], "
              "d.check('tg-4', 'necesito hablar, estoy muy triste', {}, now=now)]))")
    out = subprocess.run([sys.executable, "-c", script, when.isoformat()], cwd=PROJECT_ROOT, check=True,
                         capture_output=True, text=True, env={**os.environ, "KINTSUGI_DATABASE_URL": database})
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [None, ["first_message", "es"]]
    test_clock.advance(minutes=1)
    assert await say(replica(), "tg-4", "¿eres un bot?", "es") == ["ok", LINES["es"]]  # asked: shown again
    assert await say(replica(), "tg-4", "gracias", "es") == ["ok"]


async def test_the_database_down_still_discloses_once(monkeypatch, tmp_path, test_clock) -> None:
    from bot.config import get_settings

    monkeypatch.setenv("KINTSUGI_DATABASE_URL", "postgresql+psycopg2://nobody@127.0.0.1:1/none")
    get_settings.cache_clear()
    dispose_engines()
    try:
        test_clock.at("12:00")
        down = replica()
        assert await say(down, "tg-5", "hello") == ["ok", LINES["en"]]
        assert await say(down, "tg-5", "still there?") == ["ok"]  # this process remembers meanwhile
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        dispose_engines()


@pytest.mark.parametrize("language,said,expected", [
    ("en", True, ["I'm Kintsugi, an AI program"]),  # rasa's answer says it already: one message, not two
    ("de", True, ["I'm Kintsugi, an AI program", LINES["de"]]),  # in another language the line still comes
    ("en", False, ["ok", LINES["en"]]),
])
async def test_a_reply_that_already_says_it_is_not_repeated(test_clock, language, said, expected) -> None:
    test_clock.at("12:00")
    memory = disclosure.Disclosures()

    async def rasa(message: UserMessage) -> None:
        if said:
            await message.output_channel.send_response(
                message.sender_id, {"text": "I'm Kintsugi, an AI program", "utter_action": "utter_bot_challenge"})
        else:
            await message.output_channel.send_text_message(message.sender_id, "ok")

    handle = disclosure.wrap(rasa, memory)
    await handle(UserMessage("hello", CollectingOutputChannel(), "tg-6", metadata={"language": language}))
    test_clock.advance(minutes=2)
    output = CollectingOutputChannel()
    await handle(UserMessage("are you a bot?", output, "tg-6", metadata={"language": language}))
    assert [m["text"] for m in output.messages] == expected
    assert "send_response" not in vars(output)  # the channel is left as it was
    test_clock.advance(minutes=2)
    assert await say(memory, "tg-6", "ok", language) == ["ok"]  # either way, it counts as told


async def test_an_erased_partners_own_chat_starts_afresh_and_the_others_keep_theirs(database, test_clock) -> None:
    from bot.storage.erasure import erase_partner
    from tests.test_erasure import _linked_couple

    test_clock.at("12:00")
    _linked_couple()  # Ana (tg-1), Ben (tg-2), their group (tg--9)
    for chat in ("tg-1", "tg-2", "tg--9"):
        assert await say(replica(), chat, "hello") == ["ok", LINES["en"]]
    erase_partner("tg:2", own_conversations=["tg-2"])
    test_clock.advance(minutes=5)
    assert await say(replica(), "tg-2", "hello?") == ["ok", LINES["en"]]  # a first contact again
    assert await say(replica(), "tg-1", "hello?") == ["ok"]
    assert await say(replica(), "tg--9", "hello?") == ["ok"]
