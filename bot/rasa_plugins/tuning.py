"""Speed fixes for Rasa 3.6 internals, installed in every rasa server process Kintsugi runs.

Rasa builds the tracker and lock stores that ``endpoints.yml`` names
(``bot.rasa_plugins``) in each server process, and they call :func:`install` once. Set
``KINTSUGI_RASA_TUNING=off`` to run Rasa exactly as shipped (the benchmark does, to
report what the fixes give).

Action-server responses
    Rasa checks every response of the action server with ``jsonschema.validate``.
    That call re-checks the schema itself against the 2020-12 meta-schema, then tries
    each event against 23 ``oneOf`` alternatives, resolving ``$ref`` URLs as it goes:
    about 50 ms of CPU per response here, two thirds of the rasa server's time under
    load. The alternatives differ exactly in their ``event`` constant, so a validator
    compiled once per alternative and picked by that constant accepts and rejects the
    same responses (``tests/test_rasa_tuning.py`` checks both) in well under a millisecond.

Running the model's graph
    For every message Rasa hands the NLU graph and the policy graph to ``dask.get``,
    after working out again which nodes the targets need. A plan (the needed nodes in
    dependency order) made once per set of targets, run node by node, gives the same
    outputs without the scheduler's bookkeeping.

Calling the action server
    ``EndpointConfig.request`` opens a new ``aiohttp.ClientSession``, and so a new TCP
    connection, for every action call, and closes it afterwards. One session per
    endpoint and event loop, kept open, reuses its connections, and writes the request
    body (the whole tracker) with ujson, which Rasa already installs.

Reading events
    ``Event.resolve_by_type`` walks every subclass of ``Event`` (recursively, checking
    each for abstractness) for every stored event of every tracker read. The walk's
    answer is kept, keyed by type name, and walked again only for a name it lacks.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Callable, Dict, List, Optional, Text, Tuple

log = logging.getLogger(__name__)

_installed = False
_undo: List[Tuple[Any, str, Any]] = []  # (owner, attribute, original) for uninstall()


def _replace(owner: Any, name: str, value: Any) -> None:
    _undo.append((owner, name, owner.__dict__[name]))
    setattr(owner, name, value)


def enabled() -> bool:
    """False when ``KINTSUGI_RASA_TUNING`` is ``off`` (or ``0``/``false``/``no``)."""
    from bot.config import Settings

    return Settings.from_env().rasa_tuning  # read now: tests switch it while the process runs


def compile_action_response_validator() -> Optional[Callable[[Dict[Text, Any]], None]]:
    """A function that raises ``jsonschema.ValidationError`` exactly when Rasa's own check would.

    None when Rasa's event schema is not the shape this relies on (a ``oneOf`` whose
    alternatives each fix a different ``event`` constant): then Rasa's check stays.
    """
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.utils.schemas.events import EVENT_SCHEMA

    spec = RemoteAction.action_response_format_spec()
    alternatives = EVENT_SCHEMA.get("oneOf") or []
    kinds = [((alt.get("properties") or {}).get("event") or {}).get("const") for alt in alternatives]
    if (not alternatives or not all(isinstance(kind, str) for kind in kinds) or len(set(kinds)) != len(kinds)
            or spec.get("properties", {}).get("events", {}).get("items") is not EVENT_SCHEMA):
        return None
    cls = validator_for(spec)
    cls.check_schema(spec)  # once, instead of on every response
    whole = cls(spec)
    outer = cls({**spec, "properties": {**spec["properties"], "events": {"type": "array"}}})
    common = {key: value for key, value in EVENT_SCHEMA.items() if key != "oneOf"}
    by_kind = {kind: cls({**common, "allOf": [alt]}) for kind, alt in zip(kinds, alternatives)}

    def validate(result: Dict[Text, Any]) -> None:
        outer.validate(result)
        events = result.get("events") if isinstance(result, dict) else None
        for event in events or []:
            kind = event.get("event") if isinstance(event, dict) else None
            validator = by_kind.get(kind) if isinstance(kind, str) else None
            if validator is None:
                whole.validate(result)  # not one of the known kinds: Rasa's schema says why
            else:
                validator.validate(event)

    return validate


def _install_action_response_validation() -> None:
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    validate = compile_action_response_validator()
    if validate is None:
        log.warning("Rasa's action response schema changed shape; keeping its own (slower) validation")
        return

    def _validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
        try:
            validate(result)
            return True
        except ValidationError as e:  # the same message Rasa gives
            e.message += (
                f". Failed to validate Action server response from API, "
                f"make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise e

    _replace(RemoteAction, "_validate_action_result", _validate_action_result)


def execution_plan(schema: Any, targets: List[Text]) -> List[Tuple[Text, Tuple[Text, ...]]]:
    """The nodes ``targets`` need, each after the nodes it needs: ``[(node, (needed key, ...)), ...]``."""
    plan: List[Tuple[Text, Tuple[Text, ...]]] = []
    placed: set = set()

    def place(name: Text, path: Tuple[Text, ...]) -> None:
        if name in placed or name not in schema.nodes:  # done, or an input placeholder
            return
        if name in path:
            raise ValueError(f"the graph has a cycle through '{name}'")
        needs = tuple(schema.nodes[name].needs.values())
        for need in needs:
            place(need, path + (name,))
        placed.add(name)
        plan.append((name, needs))

    for target in targets:
        place(target, ())
    return plan


def _install_sequential_graph_runner() -> None:
    from rasa.engine.exceptions import GraphRunError
    from rasa.engine.runner.dask import DaskGraphRunner

    def run(self: Any, inputs: Optional[Dict[Text, Any]] = None, targets: Optional[List[Text]] = None
            ) -> Dict[Text, Any]:
        run_targets = list(targets) if targets else list(self._graph_schema.target_names)
        plans = self.__dict__.setdefault("_kintsugi_plans", {})
        key = tuple(run_targets)
        if key not in plans:
            plans[key] = execution_plan(self._graph_schema, run_targets)
        plan = plans[key]
        results: Dict[Text, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and value in self._graph_schema.nodes:
                raise GraphRunError(
                    f"Input value '{value}' clashes with a node name. Make sure "
                    f"that none of the input names passed to the `run` method are the "
                    f"same as node names in the graph schema.")
            results[name] = (name, value)
        try:
            for name, needs in plan:
                if name not in results:  # an input of the same name stands in for the node, as with dask
                    results[name] = self._instantiated_nodes[name](*(results.get(need, need) for need in needs))
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e
        return dict(results[target] for target in run_targets)

    _replace(DaskGraphRunner, "run", run)


def _install_event_type_lookup() -> None:
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    original = Event.resolve_by_type
    known: Dict[Text, Any] = {}

    def resolve_by_type(type_name: Text, default: Optional[Any] = None) -> Optional[Any]:
        found = known.get(type_name)
        if found is None:
            for cls in all_subclasses(Event):  # Rasa's order: the first class with the name wins
                known.setdefault(cls.type_name, cls)
            found = known.get(type_name)
        return found if found is not None else original(type_name, default)

    _replace(Event, "resolve_by_type", staticmethod(resolve_by_type))


class _KeptSession:
    """``async with`` yields the kept session and leaves it open."""

    def __init__(self, session: Any) -> None:
        self.session = session

    async def __aenter__(self) -> Any:
        return self.session

    async def __aexit__(self, *exc: Any) -> bool:
        return False


def _dumps(value: Any) -> str:
    """ujson (about 3x faster than json) for what Rasa sends the action server; json where ujson refuses."""
    import ujson  # installed with Rasa, like everything else this module touches

    try:
        return ujson.dumps(value, ensure_ascii=False, escape_forward_slashes=False)
    except (TypeError, ValueError, OverflowError):
        return json.dumps(value)


def _install_kept_action_sessions() -> None:
    import asyncio

    import aiohttp
    from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
    from rasa.utils.endpoints import EndpointConfig

    original = EndpointConfig.session

    def session(self: Any) -> Any:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return original(self)  # no loop to keep it for: Rasa's own, closed after use
        kept = self.__dict__.setdefault("_kintsugi_sessions", {})
        current = kept.get(id(loop))
        if current is None or current.closed or current._loop is not loop:
            # As Rasa's EndpointConfig.session() makes it, plus ujson for the (large) request bodies.
            auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) \
                if self.basic_auth else None
            current = kept[id(loop)] = aiohttp.ClientSession(
                headers=self.headers, auth=auth, timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                json_serialize=_dumps)
        return _KeptSession(current)

    _replace(EndpointConfig, "session", session)


def install() -> bool:
    """Install the fixes in this process (once); False when switched off or not applicable."""
    global _installed
    if _installed:
        return True
    if not enabled():
        log.info("KINTSUGI_RASA_TUNING is off: Rasa runs as shipped")
        return False
    _install_action_response_validation()
    _install_sequential_graph_runner()
    _install_event_type_lookup()
    _install_kept_action_sessions()
    _installed = True
    return True


def uninstall() -> None:
    """Put Rasa back as shipped (tests compare both)."""
    global _installed
    while _undo:
        owner, name, original = _undo.pop()
        setattr(owner, name, original)
    _installed = False
