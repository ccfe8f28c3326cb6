"""Run ``rasa`` (server or action server) with proposed speed-ups applied: the benchmark's fix levers.

None of these ship with Kintsugi; the benchmark measures what each would give so that
the owners of the code can decide. ``BENCH_PATCHES`` (comma-separated) picks them:

``validation``
    Rasa 3.6 checks every action server response with ``jsonschema.validate``, which
    re-checks the schema itself on every call (the 2020-12 meta-schema) and then tries
    each event against 23 ``oneOf`` alternatives. Compiled once and dispatched on the
    event's ``event`` constant (the alternatives differ exactly there, so this accepts
    the same responses), it costs about 0.6 ms instead of about 50 ms per response.
``lean_events``
    Actions reset every flow slot (``actions.common.clear_flow_slots``: 17 ``SlotSet``
    events) even when the slots are empty. The action server drops a ``SlotSet(x, None)``
    when ``x`` is already empty at that point, which changes no state but halves the events
    each conversation stores, loads and sends to the action server.
``sqlite_normal``
    SQLite in WAL mode with ``synchronous=NORMAL``: commits no longer wait for fsync
    (a power cut may lose the last transactions, never corrupts the file).
``sqlite_pool``
    SQLAlchemy 1.4 gives file SQLite databases a ``NullPool``: every tracker-store and
    storage session opens a connection, runs the three PRAGMAs and closes it again.
    A ``QueuePool`` (``check_same_thread=False``, as ``bot.storage.db`` already sets)
    keeps them open, in the rasa server's tracker store and in ``bot.storage``.

Usage: ``BENCH_PATCHES=validation python -m bench.tuned run --model ...`` (rasa's arguments).
"""
from __future__ import annotations

import os
import sys
from typing import Any, Dict, List, Text


def fast_action_validation() -> None:
    """Replace ``RemoteAction._validate_action_result`` with a compiled, dispatching validator."""
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL
    from rasa.shared.utils.schemas.events import EVENT_SCHEMA

    spec = RemoteAction.action_response_format_spec()
    cls = validator_for(spec)
    full = cls(spec)
    outer = cls({**spec, "properties": {**spec["properties"], "events": {"type": "array"}}})
    base = {key: value for key, value in EVENT_SCHEMA.items() if key != "oneOf"}
    by_type = {sub["properties"]["event"]["const"]: cls({**base, "allOf": [sub]}) for sub in EVENT_SCHEMA["oneOf"]}

    def _validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
        try:
            outer.validate(result)
            for event in result.get("events") or []:
                kind = event.get("event") if isinstance(event, dict) else None
                validator = by_type.get(kind) if isinstance(kind, str) else None
                if validator is None:
                    full.validate(result)  # unknown or malformed: let the original schema say why
                else:
                    validator.validate(event)
            return True
        except ValidationError as e:
            e.message += (
                f". Failed to validate Action server response from API, "
                f"make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise e

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[assignment]


def drop_noop_slot_resets(events: List[Dict[Text, Any]], slots: Dict[Text, Any]) -> List[Dict[Text, Any]]:
    """``events`` without ``SlotSet(x, None)`` where ``x`` is already empty at that point."""
    state = dict(slots or {})
    kept = []
    for event in events:
        kind = event.get("event") if isinstance(event, dict) else None
        if kind == "slot":
            name, value = event.get("name"), event.get("value")
            if value is None and state.get(name) is None:
                continue
            state[name] = value
        elif kind in ("reset_slots", "restart", "session_started"):
            state = {}
        kept.append(event)
    return kept


def lean_events() -> None:
    """Make the action server drop no-op slot resets from every response."""
    from rasa_sdk.executor import ActionExecutor

    original = ActionExecutor.run

    async def run(self: Any, action_call: Dict[Text, Any]) -> Any:
        result = await original(self, action_call)
        # A form's validation action reports a rejected answer as SlotSet(x, None): that one counts.
        if result and result.get("events") and not str(action_call.get("next_action", "")).startswith("validate_"):
            slots = (action_call.get("tracker") or {}).get("slots") or {}
            result["events"] = drop_noop_slot_resets(result["events"], slots)
        return result

    ActionExecutor.run = run  # type: ignore[assignment]


def sqlite_normal() -> None:
    """Add ``PRAGMA synchronous=NORMAL`` to Kintsugi's SQLite connection settings."""
    from bot.storage import db

    original = db._sqlite_pragmas

    def _sqlite_pragmas(dbapi_connection: Any, record: Any) -> None:
        original(dbapi_connection, record)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    db._sqlite_pragmas = _sqlite_pragmas


def sqlite_pool() -> None:
    """Pooled SQLite connections for Kintsugi's engines and, in the rasa server, rasa's SQL tracker store."""
    import sqlalchemy as sa
    from sqlalchemy.pool import QueuePool

    from bot.storage import db

    original_build = db.build_engine

    def build_engine(url: str) -> Any:
        engine = original_build(url)
        if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
            return engine
        engine.dispose()
        pooled = sa.create_engine(url, future=True, poolclass=QueuePool, pool_size=5, max_overflow=10,
                                  connect_args={"check_same_thread": False, "timeout": 10})
        sa.event.listen(pooled, "connect", db._sqlite_pragmas)
        return pooled

    db.build_engine = build_engine
    if sys.argv[1:3] == ["run", "actions"]:
        return
    from bot.storage import rasa_stores

    original_init = rasa_stores.UrlTrackerStore.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            url = str(self.engine.url)
            self.engine.dispose()
            self.engine = build_engine(url)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    rasa_stores.UrlTrackerStore.__init__ = __init__  # type: ignore[assignment]


PATCHES = {"validation": fast_action_validation, "lean_events": lean_events, "sqlite_normal": sqlite_normal,
           "sqlite_pool": sqlite_pool}


ACTION_SERVER_PATCHES = {"lean_events", "sqlite_normal", "sqlite_pool"}
RASA_SERVER_PATCHES = {"validation", "sqlite_normal", "sqlite_pool"}


def main() -> None:
    """Apply the chosen patches that concern this process, then hand over to rasa's own command line."""
    wanted = {name.strip() for name in os.environ.get("BENCH_PATCHES", "").split(",") if name.strip()}
    mine = ACTION_SERVER_PATCHES if sys.argv[1:3] == ["run", "actions"] else RASA_SERVER_PATCHES
    for name in sorted(wanted & mine):
        PATCHES[name]()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
