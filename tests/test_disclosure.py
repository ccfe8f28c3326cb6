"""AI disclosure: each trigger with the product's clock, through the channel wrapper rasa's channels use."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot import content, disclosure

LINES = content.load("disclosure")["lines"]


class Chat:
    """One conversation through ``disclosure.wrap`` around a stand-in for rasa."""

    def __init__(self, sender: str = "tg-1", replies: Optional[Dict[str, List[str]]] = None) -> None:
        self.sender = sender
        self.replies = replies or {}
        self.disclosures = disclosure.Disclosures()

        async def rasa(message: UserMessage) -> None:
            for text in self.replies.get(message.text, ["ok"]):
                await message.output_channel.send_text_message(message.sender_id, text)

        self.handle = disclosure.wrap(rasa, self.disclosures)

    async def say(self, text: str, **metadata: Any) -> List[str]:
        output = CollectingOutputChannel()
        await self.handle(UserMessage(text, output, self.sender, metadata={"language": "en", **metadata}))
        return [m["text"] for m in output.messages]


async def test_first_message_on_each_channel(test_clock) -> None:
    test_clock.at("12:00")
    chat = Chat()
    assert await chat.say("hello") == ["ok", LINES["en"]]
    assert await chat.say("we want some ground rules") == ["ok"]
    other_channel = Chat("widget-abc")
    other_channel.disclosures = chat.disclosures
    other_channel.handle = disclosure.wrap(lambda m: _ok(m), chat.disclosures)
    output = CollectingOutputChannel()
    await other_channel.handle(UserMessage("hi", output, "widget-abc", metadata={"language": "de"}))
    assert [m["text"] for m in output.messages] == ["ok", LINES["de"]]


async def _ok(message: UserMessage) -> None:
    await message.output_channel.send_text_message(message.sender_id, "ok")


@pytest.mark.parametrize("language,question", [
    ("en", "are you a real person?"), ("en", "Is this a bot?"), ("en", "am I talking to a human"),
    ("de", "Bist du ein Mensch?"), ("es", "¿eres una persona real?"), ("fr", "Est-ce que je parle à un humain ?"),
])
async def test_whenever_asked_in_the_persons_language(test_clock, language, question) -> None:
    test_clock.at("12:00")
    chat = Chat()
    await chat.say("hello", language=language)
    test_clock.advance(minutes=5)
    assert await chat.say("ok let's talk", language=language) == ["ok"]
    test_clock.advance(minutes=1)
    assert await chat.say(question, language=language) == ["ok", LINES[language]]
    assert await chat.say("is this a bottle of wine", language="en") == ["ok"]  # a word, not the question


async def test_after_seven_days_without_use(test_clock) -> None:
    test_clock.at("12:00")
    chat = Chat()
    await chat.say("hello")
    test_clock.advance(days=6, hours=23)
    assert await chat.say("we're back") == ["ok"]
    test_clock.advance(days=6, hours=23, minutes=59)
    assert await chat.say("still here") == ["ok"]
    test_clock.advance(days=7)
    assert await chat.say("it's been a while") == ["ok", LINES["en"]]


async def test_every_three_hours_of_continuous_conversation(test_clock) -> None:
    test_clock.at("09:00")
    chat = Chat()
    await chat.say("hello")
    shown = []
    for minute in range(10, 6 * 60 + 1, 10):  # a message every ten minutes for six hours
        test_clock.advance(minutes=10)
        if LINES["en"] in await chat.say(f"message at minute {minute}"):
            shown.append(minute)
    assert shown == [180, 360]


async def test_a_crisis_first_gets_help_first_and_the_disclosure_right_after(test_clock) -> None:
    test_clock.at("23:30", "Europe/Berlin")
    help_card = "You matter. Please call Samaritans on 116 123 now."
    chat = Chat(replies={"i want to kill myself": [help_card, "Are you safe right now?"]})
    assert await chat.say("i want to kill myself", language="en-GB") == [help_card, "Are you safe right now?",
                                                                         LINES["en"]]


async def test_group_talk_not_addressed_to_the_bot_gets_no_line(test_clock) -> None:
    test_clock.at("12:00")
    chat = Chat(replies={"we argued again": []})
    assert await chat.say("we argued again", addressed=False) == []
    assert await chat.say("hello", addressed=True) == ["ok", LINES["en"]]


def test_the_rules_name_a_law_for_every_trigger_and_a_line_for_every_language() -> None:
    rules = content.load("disclosure")
    named = {t for j in rules["jurisdictions"].values() for t in j["triggers"]}
    assert named == {"first_message", "asked", "idle_days", "every_hours"} == set(rules["triggers"]) - {
        "continuous_gap_minutes"}
    assert rules["triggers"]["idle_days"] == 7 and rules["triggers"]["every_hours"] == 3
    assert set(rules["lines"]) == set(disclosure.LANGUAGES) == set(rules["asked"])
    assert all(len(text) <= 100 for text in rules["lines"].values())  # one short line


async def test_a_silence_ends_continuous_conversation(test_clock) -> None:
    test_clock.at("09:00")
    chat = Chat()
    await chat.say("hello")
    test_clock.advance(hours=2, minutes=50)
    assert await chat.say("back after lunch") == ["ok"]  # a new continuous conversation starts here
    test_clock.advance(minutes=20)
    assert await chat.say("still talking") == ["ok"]
    for _ in range(16):  # ten-minute steps: 3 h after "back after lunch"
        test_clock.advance(minutes=10)
        replies = await chat.say("and more")
    assert replies == ["ok", LINES["en"]]


@pytest.mark.stack
def test_the_real_rest_channel_discloses_after_the_crisis_help(rasa_stack) -> None:
    from tests.stack import new_sender

    sender = new_sender("rest")
    first = rasa_stack.send(sender, "i don't want to live anymore, i want to kill myself", {"country": "GB"})
    texts = [r.get("text") or ((r.get("custom") or {}).get("kintsugi") or {}).get("text") or "" for r in first]
    helped = next(i for i, t in enumerate(texts) if "116 123" in t)
    assert texts.index(LINES["en"]) > helped and texts.count(LINES["en"]) == 1
    again = rasa_stack.send(sender, "is this a bot?", {"country": "GB", "language": "de"})
    assert LINES["de"] in [r.get("text") for r in again]


async def test_a_spanish_crisis_first_gets_the_line_in_spanish_when_the_client_names_no_language(test_clock) -> None:
    test_clock.at("23:30", "Europe/Madrid")
    card = "Me alegra mucho que me lo hayas dicho. Llama al 024."
    chat = Chat(replies={"ya no aguanto más, me quiero morir": [card]})
    assert await chat.say("ya no aguanto más, me quiero morir", language=None) == [card, LINES["es"]]
    test_clock.advance(minutes=2)
    assert await chat.say("¿eres un bot?", language=None) == ["ok", LINES["es"]]


@pytest.mark.parametrize("language,question", [
    ("es", "¿eres un bot?"), ("fr", "es-tu un robot ?"), ("de", "bist du ein Mensch?"),
    ("en", "are you a real person?"), ("en", "is this a bot?"), ("fr", "Êtes-vous une personne ?"),
])
async def test_asked_without_a_client_language_answers_in_the_questions_language(test_clock, language,
                                                                                 question) -> None:
    test_clock.at("12:00")
    chat = Chat()
    await chat.say("hello", language=None)
    test_clock.advance(minutes=3)
    assert await chat.say(question, language=None) == ["ok", LINES[language]]


async def test_the_client_language_wins_and_an_unclear_message_keeps_the_conversations_language(test_clock) -> None:
    test_clock.at("12:00")
    chat = Chat()
    assert await chat.say("ich kann nicht mehr, ich will nur noch weg", language=None) == ["ok", LINES["de"]]
    test_clock.advance(days=8)
    assert await chat.say("ok", language=None) == ["ok", LINES["de"]]  # idle: the language it last showed
    test_clock.advance(minutes=1)
    assert await chat.say("¿eres un bot?", language="fr") == ["ok", LINES["fr"]]  # the client said French
    test_clock.advance(minutes=1)
    assert await chat.say("is this a bot?", language="it") == ["ok", LINES["en"]]  # not one of ours: the question's


async def test_a_command_opening_the_conversation_gets_the_line_and_later_commands_do_not(test_clock) -> None:
    test_clock.at("08:00")
    chat = Chat()
    assert await chat.say("/greet") == ["ok", LINES["en"]]  # Telegram's /start
    test_clock.advance(minutes=1)
    assert await chat.say("/im_flooded") == ["ok"]
    test_clock.advance(days=7, minutes=1)
    assert await chat.say("/show_rules") == ["ok"]  # a button press is a use, but tells nothing again
    test_clock.advance(days=7, minutes=1)
    assert await chat.say("we're back") == ["ok", LINES["en"]]


async def test_empty_huge_and_emoji_messages_lose_nothing(test_clock) -> None:
    test_clock.at("12:00")
    chat = Chat()
    assert await chat.say("", language=None) == ["ok", LINES["en"]]
    for text in ("🙂" * 5000, "x" * 100_000, "   ", "/"):
        test_clock.advance(minutes=1)
        assert await chat.say(text, language=None) == ["ok"]


@pytest.mark.stack
def test_the_real_rest_channel_discloses_in_the_messages_language_after_a_spanish_crisis(rasa_stack) -> None:
    from tests.stack import new_sender

    sender = new_sender("rest")
    replies = rasa_stack.send(sender, "ya no aguanto más, me quiero morir")  # no metadata at all, as curl sends
    texts = [r.get("text") or ((r.get("custom") or {}).get("kintsugi") or {}).get("text") or "" for r in replies]
    helped = next(i for i, t in enumerate(texts) if "024" in t)
    assert helped == 0 and texts.index(LINES["es"]) > helped and LINES["en"] not in texts
