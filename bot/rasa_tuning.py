"""Speed fixes for Rasa 3.6 internals, installed in every rasa server process Kintsugi runs.

Rasa imports ``bot.storage.rasa_stores`` in each server process (``endpoints.yml`` names
its tracker and lock stores), and that module calls :func:`install` once. Set
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
"""
from __future__ import annotations

import logging
import os
from typing import Any, Callable, Dict, Optional, Text

log = logging.getLogger(__name__)

_installed = False


def enabled() -> bool:
    """False when ``KINTSUGI_RASA_TUNING`` is ``off`` (or ``0``/``false``/``no``)."""
    return os.environ.get("KINTSUGI_RASA_TUNING", "on").strip().lower() not in ("off", "0", "false", "no")


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


def _install_action_response_validation() -> bool:
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    validate = compile_action_response_validator()
    if validate is None:
        log.warning("Rasa's action response schema changed shape; keeping its own (slower) validation")
        return False

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

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[assignment]
    return True


def install() -> bool:
    """Install the fixes in this process (once); False when switched off or not applicable."""
    global _installed
    if _installed:
        return True
    if not enabled():
        log.info("KINTSUGI_RASA_TUNING is off: Rasa runs as shipped")
        return False
    _installed = _install_action_response_validation()
    return _installed
