"""A partner's own data, as one JSON document: ``/mydata`` in Telegram and the widget's download.

``export_partner(partner_key)`` gathers everything Kintsugi holds about one person and
nothing that is only the other partner's:

- their partner row and consents; the couple they belong to (its place, the practice's
  name, how many others are in it, never who they are or their private chats);
- the ground-rule versions they proposed or confirmed (a version they agreed to is theirs
  too; the other partner's unagreed proposals are not);
- the pauses they called (with the words they gave for coming back), the reminders of
  their conversations, and the apologies they wrote (the text of an apology their partner
  sent them stays out: it is the partner's words, already in their chat);
- their check-in answers and settings; the promises they made and the marks they gave; the
  actions of the weekly talks they named; their own private notes (the yes/no/maybe list, the
  reflection), opened with ``KINTSUGI_ENCRYPTION_KEY``; the logged events about them (no words);
- their messages and the replies meant for them (``bot.storage.tracker_rows``);
- who of their therapist's practice looked at the couple's data, and when (the audit log).

Both channels call this one function; the caller decides who is asking.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from sqlalchemy import or_, select

from bot import clock
from bot.storage.db import session_scope
from bot.storage.models import (
    AuditEntry,
    CheckinPartner,
    CheckinPrompt,
    Conversation,
    Couple,
    DailyCheckin,
    Event,
    Partner,
    Pause,
    PrivateNote,
    Promise,
    PromiseMark,
    Reminder,
    RuleConfirmation,
    RuleVersion,
    TalkSession,
    Therapist,
)
from bot.storage.tracker_rows import partner_messages

FORMAT = "kintsugi-partner-data"
VERSION = 1
PARTNER_EXPORT = "partner_export"  # the audit action of an export (who: the partner; what: counts, no words)


def _at(moment: Any) -> Optional[str]:
    return clock.as_utc(moment).isoformat() if moment is not None else None


def own_conversation_of(partner_key: str) -> Optional[str]:
    """The conversation that is this partner's alone by its id: a Telegram private chat (``tg-<user id>``)."""
    if partner_key.startswith("tg:") and partner_key[3:].isdigit():
        return f"tg-{partner_key[3:]}"
    return None


def _rules(session, couple_id: int, partner_id: int) -> List[Dict[str, Any]]:
    confirmed = set(session.scalars(select(RuleConfirmation.rule_version_id)
                                    .where(RuleConfirmation.partner_id == partner_id)))
    rows = session.scalars(select(RuleVersion).where(RuleVersion.couple_id == couple_id)
                           .order_by(RuleVersion.version))
    return [{"version": rv.version, "status": rv.status, "rules": dict(rv.rules or {}),
             "proposed_by_you": rv.proposed_by == partner_id, "proposed_at": _at(rv.proposed_at),
             "you_confirmed": rv.id in confirmed, "agreed_at": _at(rv.confirmed_at)}
            for rv in rows if rv.proposed_by == partner_id or rv.id in confirmed]


def _reminders(session, couple_id: int, partner_id: int, chats: List[str]) -> Dict[str, List[Dict[str, Any]]]:
    out: Dict[str, List[Dict[str, Any]]] = {"reminders": [], "apologies": []}
    rows = session.scalars(select(Reminder).where(Reminder.couple_id == couple_id).order_by(Reminder.due_at, Reminder.id))
    for r in rows:
        details = dict(r.details or {})
        author = details.get("from_partner")
        if r.kind == "apology" and author == partner_id:
            out["apologies"].append({"text": details.get("text"), "sent_to": "your partner", "status": r.status,
                                     "due_at": _at(r.due_at), "sent_at": _at(r.sent_at)})
            continue
        if r.conversation_id not in chats:
            continue
        entry = {"kind": r.kind, "conversation": r.conversation_id, "status": r.status, "due_at": _at(r.due_at),
                 "sent_at": _at(r.sent_at)}
        if author is not None and author != partner_id:
            entry["from"] = "your partner"  # their words stay theirs
        out["reminders"].append(entry)
    return out


def _checkins(session, couple_id: int, partner_id: int) -> Dict[str, Any]:
    plan = session.scalar(select(DailyCheckin).where(DailyCheckin.couple_id == couple_id))
    side = session.get(CheckinPartner, partner_id)
    answers = session.scalars(select(CheckinPrompt).where(CheckinPrompt.partner_id == partner_id)
                              .order_by(CheckinPrompt.due_at))
    return {
        "schedule": None if plan is None else {
            "hour": plan.hour, "minute": plan.minute, "weekdays": plan.weekdays, "status": plan.status,
            "set_by_you": plan.set_by == partner_id, "your_words": plan.said if plan.set_by == partner_id else None},
        "your_settings": None if side is None else {"timezone": side.timezone, "you_share": side.share,
                                                    "conversation": side.conversation_id},
        "answers": [{"date": a.local_date, "status": a.status, "mood": a.mood, "note": a.note,
                     "answered_at": _at(a.answered_at)} for a in answers],
    }


def _promises(session, couple_id: int, partner_id: int) -> Dict[str, Any]:
    made = session.scalars(select(Promise).where(Promise.couple_id == couple_id, Promise.made_by == partner_id)
                           .order_by(Promise.created_at))
    marks = session.execute(select(PromiseMark, Promise.text).join(Promise, Promise.id == PromiseMark.promise_id)
                            .where(PromiseMark.marked_by == partner_id).order_by(PromiseMark.at))
    talks = session.scalars(select(TalkSession).where(TalkSession.couple_id == couple_id,
                                                      TalkSession.action_by == partner_id))
    return {"made": [{"text": p.text, "status": p.status, "since": _at(p.created_at)} for p in made],
            "your_marks": [{"promise": text, "mark": m.mark, "date": m.local_date} for m, text in marks],
            "weekly_talk_actions": [{"action": t.action, "at": _at(t.ended_at or t.started_at)} for t in talks]}


def _private_notes(session, partner_id: int) -> List[Dict[str, Any]]:
    from bot import sealed

    out = []
    for note in session.scalars(select(PrivateNote).where(PrivateNote.partner_id == partner_id)):
        entry: Dict[str, Any] = {"kind": note.kind, "updated_at": _at(note.updated_at)}
        try:
            entry["note"] = sealed.unseal(note.sealed)
        except (sealed.MissingKey, sealed.Unreadable):
            entry["note"] = None  # kept sealed: this server cannot open it
        out.append(entry)
    return out


def _views(session, couple_id: int) -> List[Dict[str, Any]]:
    rows = session.execute(select(AuditEntry, Therapist).outerjoin(Therapist, Therapist.id == AuditEntry.therapist_id)
                           .where(AuditEntry.couple_id == couple_id).order_by(AuditEntry.at, AuditEntry.id))
    return [{"at": _at(entry.at), "action": entry.action,
             "by": ((therapist.display_name or therapist.email) if therapist else None)} for entry, therapist in rows]


def export_partner(partner_key: str) -> Optional[Dict[str, Any]]:
    """Everything held about the partner ``partner_key`` (see the module's docstring); None when unknown."""
    own = own_conversation_of(partner_key)
    with session_scope() as session:
        partner = session.scalar(select(Partner).where(Partner.external_id == partner_key))
        if partner is None:
            return None
        couple = session.get(Couple, partner.couple_id)
        others = session.scalar(select(Partner.id).where(Partner.couple_id == couple.id, Partner.id != partner.id)
                                .limit(1))
        chats = {c.id: c for c in session.scalars(select(Conversation).where(Conversation.couple_id == couple.id))}
        therapist = session.get(Therapist, couple.therapist_id) if couple.therapist_id else None
    messages, took_part = partner_messages({cid: c.channel for cid, c in chats.items()}, partner_key,
                                           [own] if own in chats else [])
    theirs = sorted(set(took_part) | ({own} if own in chats else set()))
    with session_scope() as session:
        pid, cid = partner.id, couple.id
        pauses = session.scalars(select(Pause).where(Pause.couple_id == cid, Pause.called_by == pid)
                                 .order_by(Pause.started_at))
        events = session.scalars(select(Event).where(Event.couple_id == cid, or_(
            Event.partner_id == pid, Event.conversation_id.in_(theirs) & Event.partner_id.is_(None)))
            .order_by(Event.at, Event.id))
        data: Dict[str, Any] = {
            "format": FORMAT, "version": VERSION, "exported_at": _at(clock.now()),
            "you": {"id": partner.external_id, "name": partner.display_name, "channel": partner.channel,
                    "language": partner.language, "since": _at(partner.created_at)},
            "consent": {"keep_conversations": bool(partner.consent_store),
                        "share_with_therapist": bool(partner.consent_share),
                        "changed_at": _at(partner.consent_changed_at)},
            "couple": {"since": _at(couple.created_at), "country": couple.country, "timezone": couple.timezone,
                       "linked_with_a_partner": others is not None,
                       "practice": (therapist.display_name or "your therapist") if therapist else None,
                       "conversations": [{"id": c, "channel": chats[c].channel, "type": chats[c].chat_type}
                                         for c in theirs]},
            "ground_rules": _rules(session, cid, pid),
            "pauses": [{"started_at": _at(p.started_at), "resume_at": _at(p.resume_at), "your_words": p.resume_text,
                        "status": p.status, "conversation": p.conversation_id} for p in pauses],
            **_reminders(session, cid, pid, theirs),
            "checkins": _checkins(session, cid, pid),
            "promises": _promises(session, cid, pid),
            "private_notes": _private_notes(session, pid),
            "events": [{"at": _at(e.at), "type": e.type, "conversation": e.conversation_id,
                        "details": dict(e.details or {})} for e in events],
            "therapist_views": _views(session, cid),
            "messages": messages,
        }
    return data


def export_json(partner_key: str, channel: str) -> Optional[bytes]:
    """``export_partner`` as UTF-8 JSON, indented for reading, and an audit entry saying it was made.

    The entry names the couple, the channel and how many messages went out, never what they
    say. None when the partner is unknown.
    """
    from bot.storage.audit import record_view

    data = export_partner(partner_key)
    if data is None:
        return None
    with session_scope() as session:
        couple_id = session.scalar(select(Partner.couple_id).where(Partner.external_id == partner_key))
    record_view(None, couple_id, PARTNER_EXPORT, details={"channel": channel[:32], "messages": len(data["messages"])})
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
