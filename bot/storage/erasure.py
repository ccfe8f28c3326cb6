"""Erasing a partner who asked us to forget them: our tables and Rasa's SQL tracker store.

Rasa 3.6 has no API to delete a conversation, and its tracker store lives in
our database (table ``events``, plus the window snapshots in ``tracker_windows``),
so we delete the rows ourselves.

``erase_partner`` is the whole of ``/forget`` for one partner:

- their own conversations (a Telegram private chat with them) go entirely: the
  tracker rows and snapshot, the conversation row (so the chat is no longer part of
  the couple and a later message starts a new, unlinked partner), the event log
  written there, and every reminder still waiting to go there;
- their partner row goes (with their consent, rule confirmations, link codes) and
  the rule proposals they made that were never agreed (their answers); agreed
  versions stay the other partner's history, no longer naming who proposed them;
- in conversations shared with the other partner (a group) only their turns go
  (``delete_partner_messages``), and the snapshot is dropped so the next read
  rebuilds it from what is left;
- when no one is left in the couple, the couple and all its conversations go.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence

from sqlalchemy import bindparam, delete, inspect, select, text, update

from bot.storage.db import get_engine, session_scope
from bot.storage.models import Conversation, Event, Partner, Reminder, RuleVersion

TRACKER_TABLE = "events"
WINDOW_TABLE = "tracker_windows"  # bot.rasa_plugins.tracker_sql: the state at each window's cut
# Rows that open a conversation's next session: they belong to no one's turn.
SESSION_ACTIONS = {"action_session_start"}
SESSION_EVENTS = {"session_started"}


@dataclass(frozen=True)
class Erased:
    """What ``erase_partner`` did."""

    couple_id: int
    own: List[str]  # conversations removed whole (theirs alone, or the couple's when no one is left)
    shared: List[str]  # conversations their turns were removed from
    stayed: List[str] = field(default_factory=list)  # partner keys of the partners who stay in the couple
    reminders_cancelled: int = 0
    tracker_rows: int = 0


def _has_tracker_table() -> bool:
    return inspect(get_engine()).has_table(TRACKER_TABLE)


def _delete_snapshots(connection: Any, ids: Sequence[str]) -> None:
    if ids and inspect(connection).has_table(WINDOW_TABLE):  # the snapshots hold slot values and typed messages
        connection.execute(text(f"DELETE FROM {WINDOW_TABLE} WHERE sender_id IN :ids").bindparams(
            bindparam("ids", expanding=True)), {"ids": list(ids)})


def delete_trackers(conversation_ids: Iterable[str]) -> int:
    """Delete every tracker event (and window snapshot) of these conversations; returns the rows removed."""
    ids = [c for c in conversation_ids if c]
    if not ids or not _has_tracker_table():
        return 0
    statement = text(f"DELETE FROM {TRACKER_TABLE} WHERE sender_id IN :ids").bindparams(
        bindparam("ids", expanding=True))
    with get_engine().begin() as connection:
        removed = connection.execute(statement, {"ids": ids}).rowcount or 0
        _delete_snapshots(connection, ids)
        return removed


def _author(data: Optional[str]) -> Optional[str]:
    try:
        metadata = (json.loads(data or "{}").get("metadata") or {})
    except (ValueError, AttributeError):
        return None
    return metadata.get("partner_id") if isinstance(metadata, dict) else None


def delete_partner_messages(conversation_ids: Iterable[str], partner_key: str) -> int:
    """In shared conversations (a group), delete this partner's turns; returns the rows removed.

    A group is one Rasa tracker for both partners, so it cannot simply go. A *turn* is a
    user message and everything Rasa stored after it until the next user message: the
    slots it set (the safety level and category of a worrying message, a rule answer,
    the metadata with their name), the actions run for it and the bot's replies to it
    (which address them by name and may quote them). We delete the turns that start with
    this partner's messages (``metadata.partner_id``) and keep every other turn whole, so
    the other partner keeps what they said and what they were told, in order. A new
    session's opening rows (``action_session_start``, ``session_started``) belong to no
    one and stay; a user message without a partner (a reminder Rasa was triggered with)
    starts a turn that stays.

    Slots Rasa replays from the remaining rows are then exactly those the other partner's
    turns set: a form this partner opened and the other kept answering loses only the
    answers this partner gave, and is asked again where it needs them. The conversation's
    window snapshot (``tracker_windows``) was computed from both partners' turns (their
    slots, their last typed messages), so it is deleted rather than edited: the tracker
    store then reads the session's remaining rows and cuts a fresh snapshot from them at
    the next save. Rows are deleted only, never rewritten, so the row ids the snapshot
    mechanism relies on stay ordered.
    """
    ids = [c for c in conversation_ids if c]
    if not ids or not partner_key or not _has_tracker_table():
        return 0
    rows = text(f"SELECT id, sender_id, type_name, action_name, data FROM {TRACKER_TABLE} "
                "WHERE sender_id IN :ids ORDER BY sender_id, id").bindparams(bindparam("ids", expanding=True))
    doomed: List[int] = []
    touched = set()
    with get_engine().begin() as connection:
        sender, theirs = None, False
        for row_id, sender_id, type_name, action_name, data in connection.execute(rows, {"ids": ids}):
            if sender_id != sender:
                sender, theirs = sender_id, False
            if type_name == "user":
                theirs = _author(data) == partner_key
            elif type_name in SESSION_EVENTS or (type_name == "action" and action_name in SESSION_ACTIONS):
                theirs = False
            if theirs:
                doomed.append(row_id)
                touched.add(sender_id)
        for start in range(0, len(doomed), 500):
            connection.execute(text(f"DELETE FROM {TRACKER_TABLE} WHERE id IN :ids").bindparams(
                bindparam("ids", expanding=True)), {"ids": doomed[start:start + 500]})
        _delete_snapshots(connection, sorted(touched))
    return len(doomed)


def erase_partner(partner_key: str, own_conversations: Iterable[str] = ()) -> Optional[Erased]:
    """Forget the partner ``partner_key`` everywhere; None when we know no such partner.

    ``own_conversations``: the conversations that are theirs alone (a Telegram private
    chat with them: ``tg-<user id>``); they are removed whole and detached from the couple.
    """
    from bot.storage.couples import forget_partner  # couples imports models only; keep the import graph flat

    own = [c for c in dict.fromkeys(own_conversations) if c]
    with session_scope() as session:
        partner = session.scalar(select(Partner).where(Partner.external_id == partner_key))
        if partner is None:
            return None
        partner_id, couple_id = partner.id, partner.couple_id
        chats = list(session.scalars(select(Conversation.id).where(Conversation.couple_id == couple_id)))
        stayed = list(session.scalars(select(Partner.external_id).where(Partner.couple_id == couple_id,
                                                                        Partner.id != partner_id)))
        cancelled = 0
        from bot.storage.talk_steps import end_open_talks

        end_open_talks(session, couple_id)  # a talk both were in: its timers end in every chat, not half
        if own:
            cancelled = session.execute(
                update(Reminder).where(Reminder.conversation_id.in_(own),
                                       Reminder.status.in_(("pending", "claimed")))
                .values(status="cancelled")).rowcount or 0
            session.execute(delete(Event).where(Event.conversation_id.in_(own)))
            session.execute(delete(Conversation).where(Conversation.id.in_(own)))
        session.execute(delete(RuleVersion).where(RuleVersion.proposed_by == partner_id,
                                                  RuleVersion.status == "proposed"))
    solo = forget_partner(partner_id)
    whole = list(dict.fromkeys(own + solo))
    shared = [c for c in chats if c not in whole]
    from bot.storage import widget_outbox
    from bot.storage.disclosure_seen import forget_conversations

    forget_conversations(whole)  # the AI disclosure's times: a later message there is a first contact again
    widget_outbox.forget_conversations(whole)  # replies the widget never confirmed
    removed = delete_trackers(whole) + delete_partner_messages(shared, partner_key)
    return Erased(couple_id=couple_id, own=whole, shared=shared, stayed=stayed if not solo else [],
                  reminders_cancelled=cancelled, tracker_rows=removed)


def partner_left_summary(erased: Erased) -> Dict[str, Any]:
    """What may be logged about an erasure: counts only, no ids of the person who left."""
    return {"conversations": len(erased.own), "shared": len(erased.shared),
            "reminders_cancelled": erased.reminders_cancelled, "tracker_rows": erased.tracker_rows}
