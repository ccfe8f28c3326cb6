"""The speed fixes in the rasa process behave exactly like what they replace.

- bot.rasa_plugins.tuning: the compiled action-response check accepts and rejects the same
  responses as Rasa's ``jsonschema.validate`` (Rasa's own check is the oracle).
- bot.rasa_plugins.tracker_store.UrlTrackerStore: writes the same rows and reads the same
  trackers as Rasa's SQLTrackerStore, on SQLite and PostgreSQL, across sessions.
- EnvLockStore refuses several Sanic workers without Redis.
- identify() writes "last active" at most once a minute.
"""
from __future__ import annotations

import asyncio
import copy
import itertools
import json
from typing import Any, Dict, Iterator, List

import jsonschema
import pytest
import sqlalchemy as sa

from bot.rasa_plugins import tuning as rasa_tuning

WRONG_VALUES = ({}, [], 7, 1.5, "text", None, True, [{"x": 1}])


def _valid_events() -> List[Dict[str, Any]]:
    """Every event a Rasa 3.6 action server may send, as it serialises them."""
    from rasa.shared.core import events as e

    samples = [
        e.UserUttered("hello", {"name": "greet", "confidence": 0.9}, [{"entity": "x", "start": 0, "end": 1,
                                                                        "value": "h"}], {"intent": {}},
                      metadata={"partner_id": "rest:ana"}),
        e.BotUttered("hi", {"buttons": [{"title": "a", "payload": "/a"}]}, {"utter_action": "utter_greet"}),
        e.SlotSet("pause_minutes", 30), e.SlotSet("requested_slot", None), e.SlotSet("rules", {"a": [1, 2]}),
        e.ActionExecuted("action_listen", policy="RulePolicy", confidence=1.0),
        e.ActiveLoop("pause_form"), e.ActiveLoop(None), e.FollowupAction("action_resume"),
        e.AllSlotsReset(), e.Restarted(), e.UserUtteranceReverted(), e.ActionReverted(),
        e.ConversationPaused(), e.ConversationResumed(), e.StoryExported("story.yml"),
        e.ReminderScheduled("EXTERNAL_resume", __import__("datetime").datetime(2026, 1, 1), name="r",
                            entities=[{"entity": "x", "value": 1}]),
        e.ReminderCancelled(name="r"), e.ActionExecutionRejected("validate_pause_form", "RulePolicy", 1.0),
        e.LoopInterrupted(True), e.EntitiesAdded([{"entity": "x", "value": 2}]), e.SessionStarted(),
        e.AgentUttered("text", {"k": 1}), e.DefinePrevUserUtteredFeaturization(True),
    ]
    events = [event.as_dict() for event in samples]
    events.append({"event": "form", "name": "pause_form", "timestamp": None})  # legacy Form event
    events.append({"event": "form_validation", "validate": False, "timestamp": None})
    return events


def _invalid_variants(event: Dict[str, Any]) -> Iterator[Dict[str, Any]]:
    """The event with each of its keys removed or given a value of another type, and unknown kinds."""
    for key in event:
        broken = dict(event)
        del broken[key]
        yield broken
        for value in WRONG_VALUES:
            if value != event[key] or type(value) is not type(event[key]):
                yield {**event, key: value}
    yield {**event, "event": event["event"].upper()}
    yield {**event, "unexpected_key": 1}


def _responses() -> Iterator[Any]:
    valid = _valid_events()
    yield {}
    yield {"events": [], "responses": []}
    yield {"events": valid, "responses": [{"text": "hi"}, {"response": "utter_greet", "buttons": []}]}
    for event in valid:
        yield {"events": [event]}
        for broken in _invalid_variants(event):
            yield {"events": [event, broken]}
    for value in WRONG_VALUES:
        yield {"events": value}
        yield {"responses": value}
        yield {"responses": [value]}
        yield {"events": [value]}
    yield ["not", "an", "object"]
    yield "text"
    yield {"events": [{"event": "unknown_kind"}]}
    yield {"events": [{"name": "no kind"}]}


def _rasa_accepts(result: Any) -> bool:
    from rasa.core.actions.action import RemoteAction

    try:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
        return True
    except jsonschema.ValidationError:
        return False


def test_compiled_check_agrees_with_rasa_on_every_valid_and_broken_response() -> None:
    validate = rasa_tuning.compile_action_response_validator()
    assert validate is not None, "Rasa's event schema no longer has the shape the fast check relies on"
    cases = list(_responses())
    accepted = 0
    for result in cases:
        try:
            validate(copy.deepcopy(result))
            ours = True
        except jsonschema.ValidationError:
            ours = False
        assert ours == _rasa_accepts(result), f"disagree on {json.dumps(result, default=str)[:300]}"
        accepted += ours
    # Both kinds were really exercised.
    assert len(cases) > 300 and 30 < accepted < len(cases) - 100


@pytest.fixture
def tuned(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The fixes installed for one test, and Rasa as shipped again afterwards."""
    monkeypatch.delenv("KINTSUGI_RASA_TUNING", raising=False)
    rasa_tuning.uninstall()
    assert rasa_tuning.install() is True
    yield
    rasa_tuning.uninstall()


def test_install_replaces_rasa_check_and_keeps_its_error_message(tuned: None) -> None:
    from rasa.core.actions.action import RemoteAction

    action = RemoteAction("action_start_pause", None)
    assert action._validate_action_result({"events": [{"event": "slot", "name": "x", "value": 1}]})
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"event": "slot", "value": 1}]})


def test_tuning_can_be_switched_off_and_uninstalled(monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.core.events import Event

    rasa_tuning.uninstall()
    shipped = (RemoteAction.__dict__["_validate_action_result"], DaskGraphRunner.__dict__["run"],
               Event.__dict__["resolve_by_type"])
    monkeypatch.setenv("KINTSUGI_RASA_TUNING", "off")
    assert rasa_tuning.install() is False
    monkeypatch.setenv("KINTSUGI_RASA_TUNING", "on")
    assert rasa_tuning.install() is True
    assert DaskGraphRunner.__dict__["run"] is not shipped[1]
    rasa_tuning.uninstall()
    assert (RemoteAction.__dict__["_validate_action_result"], DaskGraphRunner.__dict__["run"],
            Event.__dict__["resolve_by_type"]) == shipped


def test_event_lookup_gives_rasa_answer_for_every_type(tuned: None) -> None:
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    names = {cls.type_name for cls in all_subclasses(Event)}
    assert len(names) > 20
    expected = {}
    for name in names:
        expected[name] = next(cls for cls in all_subclasses(Event) if cls.type_name == name)
    assert {name: Event.resolve_by_type(name) for name in names} == expected
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", default=Event) is Event
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")


def test_execution_plan_puts_each_node_after_what_it_needs() -> None:
    from types import SimpleNamespace

    def node(**needs: str) -> SimpleNamespace:
        return SimpleNamespace(needs=needs)

    schema = SimpleNamespace(nodes={"a": node(x="__message__"), "b": node(x="a"), "c": node(x="a", y="b"),
                                    "d": node(x="c"), "unused": node(x="a")})
    plan = rasa_tuning.execution_plan(schema, ["d", "b"])
    order = [name for name, _ in plan]
    assert order == ["a", "b", "c", "d"] and dict(plan)["c"] == ("a", "b")
    schema.nodes["a"] = node(x="d")
    with pytest.raises(ValueError, match="cycle"):
        rasa_tuning.execution_plan(schema, ["d"])


@pytest.fixture(scope="module")
def agent() -> Any:
    """Kintsugi's trained model, loaded in this process (no servers)."""
    from rasa.core.agent import Agent

    from bot.stack import train_if_changed

    rasa_tuning.uninstall()
    return Agent.load(str(train_if_changed()))


MESSAGES = ["I'm flooded, I can't think", "we want to set some ground rules", "can I ask him about the affair?",
            "how many times did you sleep with her", "30 minutes", "yes", "no", "🙂🙂", "asdkjh qwe",
            "i don't want to live anymore", "he hit me last night", "Ich brauche eine Pause", "", "x" * 3000]


def _parse_all(agent: Any) -> List[Dict[str, Any]]:
    out = []
    for text in MESSAGES:
        parsed = asyncio.run(agent.parse_message(text))
        parsed.pop("response_selector", None)
        out.append(json.loads(json.dumps(parsed, default=str)))
    return out


def _predict_all(agent: Any) -> List[Any]:
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    out = []
    for text in MESSAGES:
        tracker = DialogueStateTracker("equivalence", agent.domain.slots)
        tracker.update(ActionExecuted("action_listen"))
        parsed = asyncio.run(agent.parse_message(text))
        tracker.update(UserUttered(text, parsed["intent"], parsed["entities"], parsed), agent.domain)
        prediction = agent.processor.predict_next_with_tracker(tracker)
        prediction.pop("tracker")  # holds this run's timestamps
        out.append(json.loads(json.dumps(prediction, default=str)))
    return out


def test_sequential_graph_runner_parses_and_predicts_like_dask(agent: Any) -> None:
    rasa_tuning.uninstall()
    runner = agent.processor.graph_runner
    runner.__dict__.pop("_kintsugi_plans", None)
    shipped = (_parse_all(agent), _predict_all(agent))
    assert "_kintsugi_plans" not in runner.__dict__
    assert rasa_tuning.install() is True
    try:
        tuned = (_parse_all(agent), _predict_all(agent))
    finally:
        rasa_tuning.uninstall()
    assert len(runner.__dict__["_kintsugi_plans"]) == 2  # the NLU targets and the policy targets
    assert tuned[0] == shipped[0]
    assert tuned[1] == shipped[1]
    assert {p["intent"]["name"] for p in tuned[0]} >= {"im_flooded", "set_ground_rules"}


# --- the tracker store -------------------------------------------------------------------------------------------

def _domain() -> Any:
    from rasa.shared.core.domain import Domain

    return Domain.from_path("domain.yml")


def _conversation(sender: str) -> List[Any]:
    """Two sessions: the second one's events are what a tracker read returns."""
    from rasa.shared.core import events as e

    first = [e.ActionExecuted("action_session_start", timestamp=1.0), e.SessionStarted(timestamp=1.0),
             e.ActionExecuted("action_listen", timestamp=1.1),
             e.UserUttered("I'm flooded", {"name": "im_flooded", "confidence": 0.97}, timestamp=2.0,
                           metadata={"partner_id": "rest:ana"}),
             e.ActionExecuted("action_start_pause", timestamp=2.1), e.SlotSet("pause_minutes", 30, timestamp=2.2),
             e.BotUttered("Let's pause.", {"buttons": None}, timestamp=2.3)]
    second = [e.ActionExecuted("action_session_start", timestamp=10.0), e.SessionStarted(timestamp=10.0),
              e.ActionExecuted("action_listen", timestamp=10.1),
              e.UserUttered("rules please", {"name": "set_ground_rules", "confidence": 0.9}, timestamp=11.0),
              e.ActiveLoop("rules_form", timestamp=11.1)]
    return first + second


def _rows(url: str) -> List[tuple]:
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(
                "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events ORDER BY id"))]
    finally:
        engine.dispose()


def _store_through(store: Any, sender: str, events: List[Any], domain: Any) -> None:
    """Save ``events`` in three turns, each time reading the tracker back first, as the processor does."""
    from rasa.shared.core.trackers import DialogueStateTracker

    for turn in (events[:4], events[4:9], events[9:]):
        tracker = asyncio.run(store.retrieve(sender)) or DialogueStateTracker(sender, domain.slots)
        for event in turn:
            tracker.update(event)
        asyncio.run(store.save(tracker))


@pytest.mark.parametrize("writer", ["ours", "rasa"])
def test_our_tracker_store_and_rasa_write_and_read_the_same(database: str, writer: str) -> None:
    from rasa.core.tracker_store import SQLTrackerStore

    from bot.rasa_plugins.tracker_store import UrlTrackerStore

    domain = _domain()
    ours = UrlTrackerStore(domain=domain, host=database)
    rasa = SQLTrackerStore(domain=domain, host=database)
    try:
        events = _conversation("couple-1")
        _store_through(ours if writer == "ours" else rasa, "couple-1", events, domain)
        _store_through(ours if writer == "ours" else rasa, "someone-else", events[:6], domain)
        rows = _rows(database)
        assert len(rows) == len(events) + 6
        assert [json.loads(r[5]) for r in rows if r[0] == "couple-1"] == [event.as_dict() for event in events]
        assert ("couple-1", "user", 2.0, "im_flooded", None) in [r[:5] for r in rows]
        for sender in ("couple-1", "someone-else"):
            mine, theirs = asyncio.run(ours.retrieve(sender)), asyncio.run(rasa.retrieve(sender))
            assert list(mine.events) == list(theirs.events)
            assert mine.current_slot_values() == theirs.current_slot_values()
            full_mine = asyncio.run(ours.retrieve_full_tracker(sender))
            assert list(full_mine.events) == list(asyncio.run(rasa.retrieve_full_tracker(sender)).events)
        assert [event.as_dict() for event in asyncio.run(ours.retrieve("couple-1")).events] == \
            [event.as_dict() for event in events[7:]]
        assert asyncio.run(ours.retrieve("nobody")) is None
    finally:
        ours.engine.dispose()
        rasa.engine.dispose()


def test_saving_an_unchanged_tracker_writes_nothing(sqlite_database: str) -> None:
    from bot.rasa_plugins.tracker_store import UrlTrackerStore

    domain = _domain()
    store = UrlTrackerStore(domain=domain, host=sqlite_database)
    _store_through(store, "c", _conversation("c"), domain)
    before = _rows(sqlite_database)
    asyncio.run(store.save(asyncio.run(store.retrieve("c"))))
    assert _rows(sqlite_database) == before
    store.engine.dispose()


# --- the lock store ------------------------------------------------------------------------------------------------

@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    from bot.config import get_settings

    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_several_workers_without_redis_are_refused(settings_env: pytest.MonkeyPatch) -> None:
    from rasa.core.lock_store import InMemoryLockStore

    from bot.rasa_plugins.lock_store import EnvLockStore

    settings_env.delenv("KINTSUGI_REDIS_URL", raising=False)
    settings_env.setenv("SANIC_WORKERS", "1")
    assert isinstance(EnvLockStore(), InMemoryLockStore)
    settings_env.setenv("SANIC_WORKERS", "2")
    with pytest.raises(ValueError, match="KINTSUGI_REDIS_URL"):
        EnvLockStore()


def test_several_workers_with_redis_share_one_lock(settings_env: pytest.MonkeyPatch) -> None:
    from bot.rasa_plugins.lock_store import EnvLockStore
    from bot.rasa_plugins.lock_store import AtomicRedisLockStore

    settings_env.setenv("KINTSUGI_REDIS_URL", "redis://127.0.0.1:6379/3")
    settings_env.setenv("SANIC_WORKERS", "2")
    store = EnvLockStore()
    assert isinstance(store, AtomicRedisLockStore)


# --- fewer writes per turn -----------------------------------------------------------------------------------------

def test_last_active_is_written_at_most_once_a_minute(database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import datetime, timedelta, timezone

    from bot import storage
    from bot.storage import db as storage_db
    from bot.storage import couples
    from bot.storage.models import Conversation

    clock = itertools.count()
    start = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
    times = {0: start, 1: start + timedelta(seconds=30), 2: start + timedelta(seconds=61)}
    monkeypatch.setattr(couples, "utcnow", lambda: times[min(next(clock), 2)])

    def last_active() -> datetime:
        with storage_db.session_scope() as session:
            return session.get(Conversation, "c-1").last_active_at

    storage.identify("c-1", "rest:ana")
    assert last_active() == start
    storage.identify("c-1", "rest:ana")
    assert last_active() == start  # 30 s later: not written
    storage.identify("c-1", "rest:ana")
    assert last_active() == start + timedelta(seconds=61)


def test_action_calls_reuse_one_connection(tuned: None) -> None:
    from aiohttp import web
    from rasa.utils.endpoints import EndpointConfig

    from bot.stack import free_port

    async def scenario() -> List[Any]:
        peers: List[Any] = []

        async def webhook(request: web.Request) -> web.Response:
            peers.append(request.transport.get_extra_info("peername"))
            body = await request.json()
            return web.json_response({"events": [], "responses": [{"text": body["n"]}]})

        app = web.Application()
        app.router.add_post("/webhook", webhook)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
            answers = [await endpoint.request(json={"n": str(i)}, method="post") for i in range(3)]
            kept = endpoint.__dict__["_kintsugi_sessions"]
            for session in kept.values():  # a closed session is replaced, not reused
                await session.close()
            answers.append(await endpoint.request(json={"n": "after close"}, method="post"))
            return [answers, peers]
        finally:
            await runner.cleanup()

    answers, peers = asyncio.run(scenario())
    assert [a["responses"][0]["text"] for a in answers] == ["0", "1", "2", "after close"]
    assert len(set(peers[:3])) == 1, f"three calls, connections from {peers[:3]}"
    assert peers[3] != peers[0]


def test_tracker_store_database_work_runs_off_the_event_loop(sqlite_database: str) -> None:
    import threading

    from bot.rasa_plugins.tracker_store import UrlTrackerStore

    domain = _domain()
    store = UrlTrackerStore(domain=domain, host=sqlite_database)
    seen = []
    original = store._read

    def spy(*args: Any) -> Any:
        seen.append(threading.current_thread().name)
        return original(*args)

    store._read = spy  # type: ignore[assignment]
    _store_through(store, "c", _conversation("c"), domain)
    assert seen and all(name.startswith("tracker-store") for name in seen)
    store.engine.dispose()
