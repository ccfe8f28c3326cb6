"""Safety actions: help lines first, notices without words, privacy in groups, the hold until safe."""
from __future__ import annotations

import asyncio
import json
import threading
from typing import Any, Dict, List

import pytest
from aiohttp import web

from actions.safety import (ActionAskSafetyAnswer, ActionSafetyHandoff, ActionSafetyRelease, ActionSafetyScreen,
                            ActionShowResources, ValidateSafetyForm)
from bot import storage
from bot.config import get_settings
from bot.storage import events as ev
from tests.action_kit import custom, responses, run, run_validation, slot_events, tracker

CRISIS_ENTITY = lambda category: [{"entity": "crisis_category", "value": category}]  # noqa: E731
GROUP = {"partner_id": "tg:7", "chat_type": "group", "channel": "telegram", "country": "UK", "addressed": False}


class NoticeServer:
    """A local HTTP endpoint standing in for the on-call webhook."""

    def __init__(self) -> None:
        self.received: List[Dict[str, Any]] = []
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()

    async def _handle(self, request: web.Request) -> web.Response:
        self.received.append(await request.json())
        return web.json_response({"ok": True})

    def __enter__(self) -> "NoticeServer":
        def serve() -> None:
            asyncio.set_event_loop(self._loop)
            app = web.Application()
            app.router.add_post("/notice", self._handle)
            runner = web.AppRunner(app)
            self._loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, "127.0.0.1", 0)
            self._loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]
            self._ready.set()
            self._loop.run_forever()

        threading.Thread(target=serve, daemon=True).start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)


@pytest.fixture
def oncall(monkeypatch: pytest.MonkeyPatch):
    with NoticeServer() as server:
        monkeypatch.setenv("KINTSUGI_ONCALL_WEBHOOK_URL", f"http://127.0.0.1:{server.port}/notice")
        get_settings.cache_clear()
        yield server
    get_settings.cache_clear()


def test_crisis_gets_help_lines_of_the_country_and_category(database: str, oncall: NoticeServer) -> None:
    t = tracker("s-1", "i want to end my life", "crisis", metadata={"country": "US"},
                entities=CRISIS_ENTITY("suicide_self_harm"), active_loop="question_form")
    events, messages = run(ActionSafetyHandoff(), t)
    [payload] = custom(messages)
    assert payload["kind"] == "crisis" and payload["category"] == "suicide_self_harm"
    assert "988" in payload["text"] and "911" in payload["text"]
    assert any(e.get("phone") for e in payload["resources"])
    assert {"event": "active_loop", "name": None} in [{k: e.get(k) for k in ("event", "name")} for e in events]
    assert slot_events(events)["safety_level"] == "crisis"
    [logged] = storage.events_for(conversation_id="s-1", types=[ev.CRISIS_ROUTED])
    assert logged.details["category"] == "suicide_self_harm" and logged.details["notified"] == ["webhook"]
    [notice] = oncall.received
    assert notice["category"] == "suicide_self_harm" and notice["conversation_id"] == "s-1"
    assert "end my life" not in json.dumps(notice)  # never the person's words


@pytest.mark.parametrize("country, number", [("UK", "116 123"), ("DE", "0800 111 0 111"), ("AU", "13 11 14"),
                                             ("NZ", "1737"), ("IE", "116 123"), ("CA", "988"), ("ZZ", "findahelpline")])
def test_help_lines_follow_the_country(database: str, country: str, number: str) -> None:
    t = tracker("s-2", "kms", "crisis", metadata={"country": country}, entities=CRISIS_ENTITY("suicide_self_harm"))
    _, messages = run(ActionSafetyHandoff(), t)
    assert number in custom(messages)[0]["text"].lower()


def test_medical_emergency_puts_the_emergency_number_first(database: str) -> None:
    t = tracker("s-3", "i took all my pills", "crisis", metadata={"country": "UK"},
                entities=CRISIS_ENTITY("medical_emergency"))
    _, messages = run(ActionSafetyHandoff(), t)
    text = custom(messages)[0]["text"]
    assert text.index("999") < text.index("111") if "111" in text else "999" in text


def test_abuse_in_a_group_goes_only_to_the_discloser(database: str) -> None:
    t = tracker("tg--9", "he hit me", "crisis", metadata=GROUP, entities=CRISIS_ENTITY("partner_violence"))
    events, messages = run(ActionSafetyHandoff(), t)
    [private] = custom(messages)
    assert private["audience"] == "private" and private["partner_id"] == "tg:7"
    assert "0808 2000 247" in private["text"]
    group_visible = [m for m in messages if not (m.get("custom") or {}).get("kintsugi")]
    assert responses(group_visible) == ["utter_group_neutral_pause"]
    assert slot_events(events)["safety_private"] is True


def test_suicide_risk_in_a_group_is_answered_in_the_group(database: str) -> None:
    t = tracker("tg--9", "i want to die", "crisis", metadata=GROUP, entities=CRISIS_ENTITY("suicide_self_harm"))
    _, messages = run(ActionSafetyHandoff(), t)
    assert "audience" not in custom(messages)[0]


def test_a_failing_notice_never_costs_the_reply(database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KINTSUGI_ONCALL_WEBHOOK_URL", "http://127.0.0.1:9/unreachable")
    get_settings.cache_clear()
    _, messages = run(ActionSafetyHandoff(), tracker("s-4", "he choked me", "crisis",
                                                     entities=CRISIS_ENTITY("partner_violence")))
    get_settings.cache_clear()
    assert custom(messages)[0]["kind"] == "crisis"


def test_screening_asks_one_direct_question(database: str) -> None:
    t = tracker("s-5", "what's the point of going on", "safety_check", slots={"rule_pause_signal": "yellow"},
                entities=CRISIS_ENTITY("suicide_self_harm"), active_loop="rules_form")
    events, _ = run(ActionSafetyScreen(), t)
    slots = slot_events(events)
    assert slots["safety_level"] == "check" and slots["rule_pause_signal"] is None
    _, asked = run(ActionAskSafetyAnswer(), tracker("s-5", "", slots=slots))
    assert responses(asked) == ["utter_screen_suicide_self_harm"]
    assert [e.type for e in storage.events_for(conversation_id="s-5")] == [ev.SAFETY_CHECK]


@pytest.mark.parametrize("answer", ["yes", "yeah kind of", "maybe", "i don't know", "idk", "whatever",
                                    "🙂", "", "x" * 10_000])
def test_yes_or_unclear_to_the_screening_question_escalates(database: str, answer: str) -> None:
    slots = {"safety_level": "check", "crisis_category": "suicide_self_harm"}
    result, messages = run_validation(ValidateSafetyForm(), "safety_answer", answer,
                                      tracker("s-6", answer, "affirm", slots=slots))
    assert result["safety_answer"] is None and result["safety_level"] == "crisis"
    assert custom(messages)[0]["kind"] == "crisis"


@pytest.mark.parametrize("answer, intent", [("no, nothing like that", "deny"), ("I'm not suicidal", "safety_check"),
                                            ("i would never hurt myself", "safety_check")])
def test_no_to_the_screening_question_still_leaves_help_and_an_offer(database: str, answer: str,
                                                                    intent: str) -> None:
    slots = {"safety_level": "check", "crisis_category": "suicide_self_harm"}
    result, messages = run_validation(ValidateSafetyForm(), "safety_answer", answer,
                                      tracker("s-7", answer, intent, slots=slots, metadata={"country": "US"}))
    assert result == {"safety_answer": "no"}
    [payload] = custom(messages)
    assert "988" in payload["text"] and "keep talking" in payload["text"]


def test_after_a_crisis_flows_wait_until_the_person_is_safe(database: str) -> None:
    slots = {"safety_level": "crisis", "crisis_category": "suicide_self_harm"}
    result, messages = run_validation(ValidateSafetyForm(), "safety_answer", "let's do the ground rules",
                                      tracker("s-8", "let's do the ground rules", "set_ground_rules", slots=slots))
    assert result == {"safety_answer": None} and responses(messages) == ["utter_safety_still_here"]
    result, messages = run_validation(ValidateSafetyForm(), "safety_answer", "no",
                                      tracker("s-8", "no", "deny", slots=slots))
    assert result == {"safety_answer": None} and custom(messages)[0]["kind"] == "crisis"
    result, messages = run_validation(ValidateSafetyForm(), "safety_answer", "I'm safe now",
                                      tracker("s-8", "I'm safe now", "im_safe", slots=slots))
    assert result == {"safety_answer": "safe"} and responses(messages) == ["utter_safety_glad"]
    events, _ = run(ActionSafetyRelease(), tracker("s-8", "", slots=slots))
    assert all(v is None for v in slot_events(events).values())


def test_help_lines_on_request(database: str) -> None:
    _, messages = run(ActionShowResources(), tracker("s-9", "who can I call", "get_resources",
                                                     metadata={"country": "DE"}))
    [payload] = custom(messages)
    assert payload["kind"] == "resources" and "116 016" in payload["text"] and "112" in payload["text"]


@pytest.mark.parametrize("text, language, number, not_english", [
    ("me quiero morir, ya no aguanto más", "es", "024", "You don't have to"),
    ("je veux mourir, je n'en peux plus", "fr", "3114", "You don't have to"),
    ("ich will nicht mehr leben", "de", "0800 111 0 111", "You don't have to"),
])
def test_a_crisis_without_client_language_is_answered_in_the_messages_language(
        database: str, text: str, language: str, number: str, not_english: str) -> None:
    """No metadata: the reply, its lead-in and the help lines follow the message's own language."""
    events, messages = run(ActionSafetyHandoff(), tracker(f"lang-{language}", text, "crisis",
                                                          entities=CRISIS_ENTITY("suicide_self_harm")))
    card = custom(messages)[0]
    assert number in card["text"] and not_english not in card["text"] and "(free)" not in card["text"]
    assert slot_events(events)["crisis_language"] == language
    # the hold's question comes in the same language
    t = tracker(f"lang-{language}", "...", "crisis", slots={"safety_level": "crisis", "crisis_language": language})
    _, asked = run(ActionAskSafetyAnswer(), t)
    assert asked[0].get("text") and "Are you safe" not in asked[0]["text"]
