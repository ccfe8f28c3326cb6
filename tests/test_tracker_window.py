"""The tracker store's window (issue 21): bounded reads that forget nothing that matters.

Conversations are saved turn by turn through ``UrlTrackerStore`` with a small window, as
Rasa's processor does (read, add the turn's events, save), so the cut falls in the
middle of each thing that must survive it: the safety hold, an open form, a running
pause, the couple's rules being collected, the partner's identity (the metadata of the
latest message) and the escalation history. After every turn the windowed read is
compared with the whole session read as Rasa reads it (window 0).
"""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

import pytest
from rasa.shared.core import events as e
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa_sdk import Tracker

WINDOW = 3  # turns: small, so the cut falls inside every flow; the product's default is 12
ANA = {"partner_id": "rest:ana", "display_name": "Ana", "chat_type": "group", "timezone": "Europe/London"}
BEN = {**ANA, "partner_id": "rest:ben", "display_name": "Ben"}


def _domain() -> Any:
    from rasa.shared.core.domain import Domain

    return Domain.from_path("domain.yml")


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        self.now += 0.01
        return self.now


def _turn(clock: Clock, text: str, intent: str, meta: Dict[str, Any], *after: e.Event) -> List[e.Event]:
    out: List[e.Event] = [e.UserUttered(text, {"name": intent, "confidence": 0.9}, timestamp=clock(), metadata=meta)]
    for event in after:
        event.timestamp = clock()
        out.append(event)
    out.append(e.ActionExecuted("action_listen", timestamp=clock()))
    return out


def _chatter(clock: Clock, n: int, meta: Dict[str, Any] = ANA, word: str = "talk") -> List[List[e.Event]]:
    return [_turn(clock, f"{word} {i} you never listen", "couple_talk", meta, e.ActionExecuted("action_listen_kindly"),
                  e.BotUttered("I hear you.")) for i in range(n)]


def _session_start(clock: Clock) -> List[e.Event]:
    return [e.ActionExecuted("action_session_start", timestamp=clock()), e.SessionStarted(timestamp=clock()),
            e.ActionExecuted("action_listen", timestamp=clock())]


def _scenarios() -> Dict[str, List[List[e.Event]]]:
    """Each scenario: a list of turns; the state that matters opens early and stays open across many cuts."""
    out: Dict[str, List[List[e.Event]]] = {}
    c = Clock()
    out["safety_hold"] = [_session_start(c)] + _chatter(c, 3) + [
        _turn(c, "i want to die", "crisis", ANA, e.ActionExecuted("action_crisis_handoff"),
              e.SlotSet("safety_level", "crisis"), e.SlotSet("crisis_category", "suicide"),
              e.SlotSet("safety_private", True), e.BotUttered("Please call..."))] + _chatter(c, 25, BEN)
    c = Clock()
    out["open_form"] = [_session_start(c)] + _chatter(c, 2) + [
        _turn(c, "we want ground rules", "set_ground_rules", ANA, e.ActionExecuted("rules_form"),
              e.ActiveLoop("rules_form"), e.SlotSet("requested_slot", "rule_pause_signal"),
              e.BotUttered("What is your pause signal?")),
        _turn(c, "timeout", "inform", BEN, e.SlotSet("rule_pause_signal", "timeout"), e.ActionExecuted("rules_form"),
              e.SlotSet("requested_slot", "rule_break_length"), e.BotUttered("How long?")),
        # an answer the form rejects: the loop stays rejected until it runs again
        _turn(c, "what?", "out_of_scope", ANA, e.ActionExecuted("rules_form"),
              e.ActionExecutionRejected("rules_form"), e.ActionExecuted("action_clarify"),
              e.BotUttered("Sorry?")),
    ] + [_turn(c, f"side talk {i}", "couple_talk", BEN if i % 2 else ANA, e.ActionExecuted("action_side_talk"))
         for i in range(30)]
    c = Clock()
    out["running_pause"] = [_session_start(c)] + [
        _turn(c, "I'm flooded", "im_flooded", ANA, e.ActionExecuted("action_start_pause"),
              e.SlotSet("pause_offered", None), e.BotUttered("Let's pause."), e.ActionExecuted("pause_form"),
              e.ActiveLoop("pause_form"), e.SlotSet("requested_slot", "pause_resume_time")),
        _turn(c, "in 30 minutes", "inform", ANA, e.SlotSet("pause_resume_time", "in 30 minutes"),
              e.ActionExecuted("pause_form"), e.ActiveLoop(None), e.SlotSet("requested_slot", None),
              e.ActionExecuted("action_schedule_resume"), e.SlotSet("resume_at", "2026-01-01T20:30:00+00:00"),
              e.BotUttered("Back at 20:30.")),
        _turn(c, "/pause", "pause_request", ANA, e.ActionExecuted("action_pause_signal")),
    ] + _chatter(c, 26, BEN, "still angry")
    c = Clock()
    out["rules_and_identity"] = [_session_start(c)] + [
        _turn(c, "our pause word is pineapple", "inform", ANA, e.SlotSet("pause_signal", "pineapple"),
              e.ActionExecuted("action_confirm_rules"), e.BotUttered("Rules confirmed."))] + [
        _turn(c, f"/confirm_rules {i}", "confirm_rules", BEN if i % 3 else ANA, e.ActionExecuted("action_confirm_rules"))
        for i in range(20)] + _chatter(c, 12, ANA, "heated") + [
        _turn(c, "ok", "affirm", {**BEN, "display_name": "Benjamin", "timezone": "Europe/Berlin"},
              e.ActionExecuted("action_listen_kindly"))]
    c = Clock()
    out["paused_conversation"] = [_session_start(c)] + _chatter(c, 3) + [
        [e.ConversationPaused(timestamp=c())]] + _chatter(c, 25)
    return out


def _store(url: str, window: int) -> Any:
    from bot.rasa_plugins.tracker_store import UrlTrackerStore

    return UrlTrackerStore(domain=_domain(), host=url, window=window)


def _play(store: Any, sender: str, turns: List[List[e.Event]], domain: Any, check: Any = None) -> None:
    for number, turn in enumerate(turns):
        tracker = asyncio.run(store.retrieve(sender)) or DialogueStateTracker(sender, domain.slots)
        for event in turn:
            tracker.update(event)
        asyncio.run(store.save(tracker))
        if check is not None:
            check(number)


def _sdk(tracker: DialogueStateTracker) -> Tracker:
    return Tracker.from_dict(tracker.current_state(EventVerbosity.AFTER_RESTART))


def _what_matters(tracker: DialogueStateTracker, domain: Any) -> Dict[str, Any]:
    from actions.common import metadata
    from actions.feelings import recent_user_messages

    loop = tracker.active_loop
    sdk = _sdk(tracker)
    return {
        "slots": tracker.current_slot_values(),
        "loop": (loop.name, loop.rejected, loop.is_interrupted) if loop else None,
        "paused": tracker.is_paused(),
        # (an empty latest message, before the first one, is stamped when it is made)
        "latest_message": {k: v for k, v in tracker.latest_message.as_dict().items() if k != "timestamp"},
        "latest_action": tracker.latest_action,
        "followup": tracker.followup_action,
        "recent_user_messages": recent_user_messages(sdk),
        "metadata": metadata(sdk),
        # what the policies see: MemoizationPolicy looks 4 states back (the rules' reach is checked below)
        "last_states": tracker.past_states(domain)[-5:],
    }


@pytest.mark.parametrize("scenario", sorted(_scenarios()))
def test_a_window_cut_in_the_middle_forgets_nothing_that_matters(sqlite_database: str, scenario: str) -> None:
    domain = _domain()
    turns = _scenarios()[scenario]
    windowed, whole = _store(sqlite_database, WINDOW), _store(sqlite_database, 0)
    sender = f"w-{scenario}"
    cuts = []

    def check(number: int) -> None:
        a, b = asyncio.run(windowed.retrieve(sender)), asyncio.run(whole.retrieve(sender))
        assert _what_matters(a, domain) == _what_matters(b, domain), f"after turn {number}"
        cuts.append(len(a.events) < len(b.events))

    try:
        _play(windowed, sender, turns, domain, check)
        assert any(cuts), "the window never cut this conversation"
        # bounded: the windowed read holds a few turns, the whole session all of them
        a, b = asyncio.run(windowed.retrieve(sender)), asyncio.run(whole.retrieve(sender))
        assert sum(isinstance(x, e.UserUttered) for x in a.events) <= 2 * WINDOW + 6
        assert sum(isinstance(x, e.UserUttered) for x in b.events) == len(turns) - 1 - (scenario == "paused_conversation")
        # the rows are untouched: the full tracker still holds every event
        full = asyncio.run(windowed.retrieve_full_tracker(sender))
        assert [x.as_dict() for x in full.events] == [x.as_dict() for turn in turns for x in turn]
    finally:
        windowed.engine.dispose()


def test_the_default_window_holds_the_escalation_history_and_every_rule() -> None:
    import glob

    import yaml

    from actions.feelings import RECENT_TURNS
    from bot.config import Settings
    from bot.rasa_plugins.tracker_store import UrlTrackerStore

    assert UrlTrackerStore.ESCALATION_TEXTS >= RECENT_TURNS
    # a rule step is a user message or an action; the window keeps at least this many whole turns
    longest = max(len(rule.get("steps", [])) + len(rule.get("condition", []))
                  for path in glob.glob("data/rules/*.yml") for rule in (yaml.safe_load(open(path)).get("rules") or []))
    assert Settings.from_env({}).tracker_window >= longest + 4  # MemoizationPolicy: max_history 4


def test_the_window_is_per_session_and_a_new_session_starts_clean(sqlite_database: str) -> None:
    domain = _domain()
    store = _store(sqlite_database, WINDOW)
    c = Clock()
    first = [_session_start(c)] + [
        _turn(c, "rules", "set_ground_rules", ANA, e.ActionExecuted("rules_form"), e.ActiveLoop("rules_form"))
    ] + _chatter(c, 12)
    second = [_session_start(c) + [e.SlotSet("pause_signal", "kiwi", timestamp=c())]] + _chatter(c, 3)
    try:
        _play(store, "s", first, domain)
        assert asyncio.run(store.retrieve("s")).active_loop_name == "rules_form"
        _play(store, "s", second, domain)
        tracker = asyncio.run(store.retrieve("s"))
        assert tracker.active_loop_name is None and tracker.get_slot("pause_signal") == "kiwi"
        assert sum(isinstance(x, e.UserUttered) for x in tracker.events) == 3
    finally:
        store.engine.dispose()


def test_both_databases_read_the_same_window(database: str) -> None:
    domain = _domain()
    turns = _scenarios()["open_form"]
    windowed, whole = _store(database, WINDOW), _store(database, 0)
    try:
        _play(windowed, "pg", turns, domain)
        a, b = asyncio.run(windowed.retrieve("pg")), asyncio.run(whole.retrieve("pg"))
        assert _what_matters(a, domain) == _what_matters(b, domain)
        assert len(a.events) < len(b.events) / 3
    finally:
        windowed.engine.dispose()
        whole.engine.dispose()


def test_erasing_a_conversation_erases_its_snapshot(sqlite_database: str) -> None:
    import sqlalchemy as sa

    from bot.storage.erasure import delete_trackers

    domain = _domain()
    store = _store(sqlite_database, WINDOW)
    try:
        _play(store, "gone", _scenarios()["safety_hold"], domain)
        with store.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM tracker_windows")).scalar() == 1
        delete_trackers(["gone"])
        with store.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM tracker_windows")).scalar() == 0
        assert asyncio.run(store.retrieve("gone")) is None
    finally:
        store.engine.dispose()
