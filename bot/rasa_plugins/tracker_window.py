"""The tracker store's window (issue 21): where a session is cut, and the snapshot that restores its state.

Pure functions on Rasa's events, used by ``UrlTrackerStore`` (``tracker_store.py``) when it saves.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.shared.core.events import (ActionExecuted, ActionExecutionRejected, ActiveLoop, ConversationPaused, Event,
                                     LoopInterrupted, SessionStarted, SlotSet, UserUttered)
from rasa.shared.core.trackers import DialogueStateTracker

ACTION_LISTEN = "action_listen"


def cut_position(events: List[Event], users: List[int], window: int, slots: Any = None) -> Optional[int]:
    """Where to cut: at the ``action_listen`` before the ``window``-th last user message, or earlier.

    ``users``: positions of the user events after the current cut. Rasa folds a form's
    happy path (each turn that only answers the form) into the form's first turn when it
    builds the policies' states (``DialogueStateTracker.applied_events``); a cut inside
    such a run would change those states, so the cut moves back to a user message that
    opens no such turn: one with no form open, or one the form does not answer next.
    None when there is none (a form answered turn after turn since the last cut).
    """
    candidates = users[:len(users) - window + 1]
    loops: Dict[int, Optional[str]] = {}
    state = DialogueStateTracker("cut", slots or [])
    wanted = set(candidates)
    for index, event in enumerate(events[:candidates[-1] + 1]):
        if index in wanted:
            loops[index] = state.active_loop_name
        state.update(event)
    for chosen in reversed(candidates):
        loop = loops[chosen]
        if loop is not None:
            following = next((e for e in events[chosen + 1:] if isinstance(e, ActionExecuted)), None)
            if following is None or following.action_name == loop:
                continue
        before = events[chosen - 1] if chosen > 0 else None
        if isinstance(before, ActionExecuted) and before.action_name == ACTION_LISTEN:
            return chosen - 1
        return chosen
    return None


def typed_messages(events: List[Event], limit: int) -> List[UserUttered]:
    """The session's last ``limit`` typed user messages in ``events`` (not ``/commands``), oldest first."""
    out: List[UserUttered] = []
    for event in reversed(events):
        if isinstance(event, SessionStarted):
            break
        if isinstance(event, UserUttered) and event.text and not event.text.startswith("/"):
            out.append(event)
            if len(out) >= limit:
                break
    return out[::-1]


def snapshot_events(state: DialogueStateTracker, timestamp: Optional[float] = None,
                    history: Optional[List[UserUttered]] = None) -> List[Event]:
    """Events that put a fresh tracker into ``state``'s slots, form and pause.

    ``history``: typed user messages before the cut, kept (text and intent only) for the
    escalation check, which reads the partners' last messages of the session.
    """
    out: List[Event] = [UserUttered(m.text, m.intent, timestamp=m.timestamp) for m in history or []]
    for name, slot in state.slots.items():
        if slot.value != slot.initial_value or getattr(slot, "_has_been_set", False):
            out.append(SlotSet(name, slot.value, timestamp=timestamp))
    loop = state.active_loop
    if loop is not None and loop.name:
        out.append(ActiveLoop(loop.name, timestamp=timestamp))
        if loop.rejected:
            out.append(ActionExecutionRejected(loop.name, timestamp=timestamp))
        if loop.is_interrupted:
            out.append(LoopInterrupted(True, timestamp=timestamp))
    if state.is_paused():
        out.append(ConversationPaused(timestamp=timestamp))
    return out
