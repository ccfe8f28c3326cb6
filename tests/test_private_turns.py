"""Private turns keep no words in Rasa's tracker store (issue 16), on SQLite and PostgreSQL.

A yes/no/maybe list and a reflection are played turn by turn through the real
``UrlTrackerStore`` with a small window (so cuts and snapshots happen inside the private
form); afterwards no stored byte (events rows, window snapshots) holds an answer, a
condition, a button title or payload of the private turns, while the ordinary turns around
them are stored whole and the form state (active loop) still reads back.
"""
from __future__ import annotations

import asyncio
from typing import Any, List

from rasa.shared.core import events as e
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text

from bot.rasa_plugins.private_turns import scrub_events
from bot.storage import transcripts

META = {"partner_id": "rest:ana", "display_name": "Ana", "chat_type": "private", "channel": "rest"}
CONDITION = "only with the lights low 4471"
OWN = "reading aloud in bed 9912"
SECRETS = (CONDITION, OWN, "Maybe, if we go slowly", "k3j4h5k6l7m8", "Holding hands", "Staying and rebuilding",
           "I want us to feel safe at home 5521")


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        self.now += 0.01
        return self.now


def _domain() -> Any:
    from rasa.shared.core.domain import Domain

    return Domain.from_path("domain.yml")


def _user(clock: Clock, text: str, intent: str) -> e.UserUttered:
    return e.UserUttered(text, {"name": intent, "confidence": 0.9}, [{"entity": "private_token", "value": text}]
                         if text.startswith("/private_pick") else [],
                         {"text": text, "intent": {"name": intent, "confidence": 0.9}}, timestamp=clock(),
                         metadata=META)


def _turns(clock: Clock) -> List[List[e.Event]]:
    pick = '/private_pick{"private_token":"k3j4h5k6l7m8"}'
    buttons = {"buttons": [{"title": "Maybe, if we go slowly", "payload": pick}]}
    turns = [[_user(clock, "hello there", "greet"), e.ActionExecuted("utter_greet"), e.BotUttered("Hi, I'm here."),
              e.ActionExecuted("action_listen")],
             [_user(clock, "yes no maybe list", "closeness_list"), e.ActionExecuted("action_closeness_start"),
              e.BotUttered("intro"), e.ActionExecuted("closeness_form"), e.ActiveLoop("closeness_form"),
              e.SlotSet("requested_slot", "closeness_answer"),
              e.BotUttered("Being near each other (1 of 19)\n\nHolding hands", buttons),
              e.ActionExecuted("action_listen")]]
    for said in (pick, "maybe", CONDITION, OWN, pick):
        turns.append([_user(clock, said, "private_pick" if said.startswith("/") else "inform"),
                      e.ActionExecuted("action_extract_slots"), e.SlotSet("closeness_answer", said),
                      e.ActionExecuted("closeness_form"), e.SlotSet("closeness_answer", None),
                      e.BotUttered(f"In a few words, what would make \"Holding hands\" a yes? {said}", buttons),
                      e.ActionExecuted("action_listen")])
    turns.append([_user(clock, "That's all", "inform"), e.ActionExecuted("closeness_form"),
                  e.SlotSet("closeness_answer", "done"), e.ActiveLoop(None), e.SlotSet("requested_slot", None),
                  e.ActionExecuted("action_closeness_wrapup"),
                  e.BotUttered(f"Here is where you both said yes or maybe: Holding hands ({CONDITION})"),
                  e.SlotSet("closeness_answer", None), e.ActionExecuted("action_listen")])
    turns.append([_user(clock, "where are we going", "where_are_we_going"), e.ActionExecuted("action_reflection_start"),
                  e.ActionExecuted("reflection_form"), e.ActiveLoop("reflection_form"),
                  e.BotUttered("Which feels closest today?", {"buttons": [{"title": "Staying and rebuilding",
                                                                           "payload": pick}]}),
                  e.ActionExecuted("action_listen")])
    turns.append([_user(clock, "I want us to feel safe at home 5521", "inform"),
                  e.ActionExecuted("action_extract_slots"),
                  e.SlotSet("reflection_answer", "I want us to feel safe at home 5521"),
                  e.ActionExecuted("reflection_form"), e.SlotSet("reflection_answer", "kept"), e.ActiveLoop(None),
                  e.ActionExecuted("action_reflection_wrapup"), e.BotUttered("Kept just for you."),
                  e.ActionExecuted("action_listen")])
    turns.append([_user(clock, "thank you so much", "thanks"), e.ActionExecuted("utter_thanks"),
                  e.BotUttered("You're welcome."), e.ActionExecuted("action_listen")])
    return turns


def _raw(url: str) -> str:
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            rows = [r[0] for r in connection.execute(text("SELECT data FROM events"))]
            windows = [r[0] for r in connection.execute(text("SELECT data FROM tracker_windows"))]
            assert windows, "the window was never cut: the snapshot path is not exercised"
            rows += windows
    finally:
        engine.dispose()
    return "\n".join(rows)


def test_scrubbing_keeps_length_order_and_ordinary_turns() -> None:
    clock = Clock()
    events = [event for turn in _turns(clock) for event in turn]
    stored = scrub_events(events)
    assert [type(a) for a in stored] == [type(b) for b in events]
    dumped = str([s.as_dict() for s in stored])
    for secret in SECRETS:
        assert secret not in dumped, secret
    assert "hello there" in dumped and "thank you so much" in dumped and "You're welcome." in dumped
    assert "yes no maybe list" in dumped  # asking for the list is not an answer


def test_the_tracker_store_keeps_no_private_words(database: str) -> None:
    from bot.rasa_plugins.tracker_store import UrlTrackerStore

    domain = _domain()
    store = UrlTrackerStore(domain=domain, host=database, window=2)
    clock = Clock()
    for turn in _turns(clock):
        tracker = asyncio.run(store.retrieve("rest-ana")) or DialogueStateTracker("rest-ana", domain.slots)
        for event in turn:
            tracker.update(event)
        asyncio.run(store.save(tracker))
        if turn[1:2] and isinstance(turn[1], e.ActionExecuted) and turn[1].action_name == "action_extract_slots" \
                and "reflection" not in str(turn):
            assert tracker.active_loop_name == "closeness_form"
            again = asyncio.run(store.retrieve("rest-ana"))
            assert again.active_loop_name == "closeness_form"  # the form still goes on from stored rows
    raw = _raw(database)
    assert '"active_loop"' in raw or "active_loop" in raw  # a window snapshot was made
    for secret in SECRETS:
        assert secret not in raw, secret
    assert "hello there" in raw and "thank you so much" in raw
    full = asyncio.run(store.retrieve_full_tracker("rest-ana"))
    assert all(secret not in str(full.current_state()) for secret in SECRETS)
    store.engine.dispose()


def test_transcripts_skip_private_turns(database: str) -> None:
    from bot import storage
    from bot.rasa_plugins.tracker_store import UrlTrackerStore

    ana = storage.identify("rest-ana", "rest:ana")
    storage.set_share_consent(ana.partner_id, True)  # even a partner who shares shows no private turn
    domain = _domain()
    store = UrlTrackerStore(domain=domain, host=database, window=0)
    tracker = DialogueStateTracker("rest-ana", domain.slots)
    for turn in _turns(Clock()):
        for event in turn:
            tracker.update(event)
    asyncio.run(store.save(tracker))
    store.engine.dispose()
    items = transcripts.transcript(ana.couple_id).items
    said = [item.text or "" for item in items]
    assert "hello there" in said and "thank you so much" in said
    assert all(secret not in " ".join(said) for secret in SECRETS)
    assert not [item for item in items if item.kind == "message" and not (item.text or "").strip()]
