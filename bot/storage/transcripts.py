"""A couple's transcript for their therapist: Rasa's tracker events joined with our event log.

Who may be seen:
- a user message is shown when its writer (metadata ``partner_id``, see
  ``partners.external_id``) shares with the therapist; otherwise a placeholder
  says a message was withheld. A run of withheld messages is one placeholder.
- a bot message follows the message it answers: shown, withheld or gone with
  it, because a reply can quote what was said. A reply sent privately to one
  partner follows that partner's choice.
- messages of deleted partners (no partner row any more) are gone, with no
  placeholder; so are the replies to them.
- logged events of a partner who does not share keep their type and time (a
  therapist should know a crisis happened) but lose their details.
Text search only ever looks at what is shown, so it cannot reveal withheld words.
The ground rules as the therapist sees them are in ``bot.storage.review_rules``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional, Tuple

from sqlalchemy import inspect, select

from bot import clock
from bot.storage.db import session_scope
from bot.storage.events import CRISIS_ROUTED, ESCALATION_NOTICED, SAFETY_CHECK
from bot.storage.models import Conversation, Event, Partner
from bot.storage.practice import PartnerLabel, labels_of
from bot.storage.tracker_rows import RASA_EVENTS, metadata_of, row_data, wordless

MESSAGE = "message"  # the filter name for what people wrote and what the bot answered
FLAGGED_EVENTS = frozenset({CRISIS_ROUTED, SAFETY_CHECK, ESCALATION_NOTICED})
MAX_ITEMS = 5000

@dataclass(frozen=True)
class ConversationInfo:
    """One chat of the couple."""

    id: str
    channel: str
    chat_type: str


@dataclass(frozen=True)
class TranscriptItem:
    """One line of a transcript: a message, a logged event or a withheld placeholder."""

    key: str
    kind: str  # "message" | "event" | "withheld"
    at: datetime
    conversation_id: str
    who: str  # "partner" | "bot" | "system"
    partner: Optional[PartnerLabel] = None
    text: Optional[str] = None
    event_type: Optional[str] = None
    details: Dict[str, Any] = field(default_factory=dict)
    flagged: bool = False
    private_to: Optional[PartnerLabel] = None
    count: int = 1  # messages behind a withheld placeholder
    details_withheld: bool = False
    button_title: Optional[str] = None  # a partner's payload ("/affirm"): the title of the button it came from


@dataclass(frozen=True)
class Transcript:
    """What a therapist may read of one couple, oldest first."""

    couple_id: int
    partners: Tuple[PartnerLabel, ...]
    conversations: Tuple[ConversationInfo, ...]
    items: Tuple[TranscriptItem, ...]
    truncated: bool

    @property
    def flagged(self) -> Tuple[TranscriptItem, ...]:
        """The moments that need a look first (crises, safety checks, escalation)."""
        return tuple(item for item in self.items if item.flagged)


def _epoch(moment: Optional[datetime]) -> Optional[float]:
    return clock.as_utc(moment).timestamp() if moment is not None else None


def _help_line(entry: Any) -> str:
    """A help line as a reader says it: "Samaritans: 116 123, samaritans.org" (no categories, dates or sources)."""
    if not isinstance(entry, dict):
        return str(entry)
    reach = [str(entry[k]) for k in ("phone", "text", "web") if isinstance(entry.get(k), (str, int)) and entry[k]]
    name = str(entry.get("name") or "").strip()
    return f"{name}: {', '.join(reach)}" if name and reach else name or ", ".join(reach)


def _bot_content(data: Dict[str, Any]) -> Tuple[Optional[str], Dict[str, Any], Optional[str], bool]:
    """Text, details, private recipient key and crisis flag of a bot event."""
    extra = data.get("data") or {}
    custom = (extra.get("custom") or {}) if isinstance(extra, dict) else {}
    kintsugi = custom.get("kintsugi") if isinstance(custom, dict) else None
    details: Dict[str, Any] = {}
    text = data.get("text")
    private, crisis = None, False
    if isinstance(kintsugi, dict):
        text = text or kintsugi.get("text")
        crisis = kintsugi.get("kind") == "crisis"
        if kintsugi.get("audience") == "private":
            private = str(kintsugi.get("partner_id") or "") or None
        resources = kintsugi.get("resources")
        if isinstance(resources, list) and resources:
            details["resources"] = [_help_line(r) for r in resources][:20]
    buttons = extra.get("buttons") if isinstance(extra, dict) else None
    if isinstance(buttons, list) and buttons:
        details["buttons"] = [str(b.get("title", "")) if isinstance(b, dict) else str(b) for b in buttons][:20]
    return (str(text) if text is not None else None), details, private, crisis


def _button_titles(data: Dict[str, Any]) -> Dict[str, str]:
    """Payload → title of the buttons a bot message offered (so a press reads as what was pressed)."""
    extra = data.get("data") or {}
    buttons = extra.get("buttons") if isinstance(extra, dict) else None
    return {str(b["payload"]): str(b.get("title") or "") for b in buttons or []
            if isinstance(b, dict) and b.get("payload")}


def _messages(session, couple_id: int, conversations: Dict[str, ConversationInfo],
              labels: Dict[int, PartnerLabel], since: Optional[datetime], until: Optional[datetime]) -> List[TranscriptItem]:
    if not conversations or not inspect(session.connection()).has_table("events"):
        return []
    by_key = {external: labels[pid] for external, pid in _external_ids(session, couple_id).items() if pid in labels}
    query = (select(RASA_EVENTS.c.id, RASA_EVENTS.c.sender_id, RASA_EVENTS.c.type_name, RASA_EVENTS.c.timestamp,
                    RASA_EVENTS.c.data)
             .where(RASA_EVENTS.c.sender_id.in_(list(conversations)), RASA_EVENTS.c.type_name.in_(["user", "bot"]))
             .order_by(RASA_EVENTS.c.timestamp, RASA_EVENTS.c.id))
    if since is not None:
        query = query.where(RASA_EVENTS.c.timestamp >= _epoch(since))
    if until is not None:
        query = query.where(RASA_EVENTS.c.timestamp < _epoch(until))
    items: List[TranscriptItem] = []
    state: Dict[str, Tuple[str, Optional[PartnerLabel]]] = {}  # conversation -> visibility of last user message
    offered: Dict[str, Dict[str, str]] = {}  # conversation -> payload → title of the latest buttons
    for row in session.execute(query):
        data = row_data(row.data)
        if wordless(data):  # a private turn (yes/no/maybe list, reflection) or words removed by retention
            continue
        at = datetime.fromtimestamp(float(row.timestamp or data.get("timestamp") or 0), tz=timezone.utc)
        conv = conversations[row.sender_id]
        if row.type_name == "user":
            key = str(metadata_of(data).get("partner_id") or f"{conv.channel}:{conv.id}")
            partner = by_key.get(key)
            visibility = "gone" if partner is None else ("shown" if partner.consent_share else "withheld")
            state[conv.id] = (visibility, partner)
            if visibility == "shown":
                said = str(data.get("text") or "")
                title = offered.get(conv.id, {}).get(said) if said.startswith("/") else None
                items.append(TranscriptItem(f"m{row.id}", MESSAGE, at, conv.id, "partner", partner, said,
                                            button_title=title or None))
            elif visibility == "withheld":
                items.append(TranscriptItem(f"w{row.id}", "withheld", at, conv.id, "partner", partner))
            continue
        text, details, private_key, crisis = _bot_content(data)
        titles = _button_titles(data)
        if titles:
            offered[conv.id] = titles
        if private_key is not None:
            target = by_key.get(private_key)
            visibility = "gone" if target is None else ("shown" if target.consent_share else "withheld")
        else:
            target = None
            visibility = state.get(conv.id, ("shown", None))[0]
        if visibility == "shown" and (text or details):
            items.append(TranscriptItem(f"m{row.id}", MESSAGE, at, conv.id, "bot", None, text or "", None,
                                        details, crisis, target))
        elif visibility == "withheld" and private_key is not None:
            items.append(TranscriptItem(f"w{row.id}", "withheld", at, conv.id, "bot", None, private_to=target))
    return items


def _external_ids(session, couple_id: int) -> Dict[str, int]:
    return dict(session.execute(select(Partner.external_id, Partner.id).where(Partner.couple_id == couple_id)).all())


def _events(session, couple_id: int, labels: Dict[int, PartnerLabel], since: Optional[datetime],
            until: Optional[datetime], conversation_ids: Optional[Iterable[str]]) -> List[TranscriptItem]:
    query = select(Event).where(Event.couple_id == couple_id).order_by(Event.at, Event.id)
    if since is not None:
        query = query.where(Event.at >= clock.as_utc(since))
    if until is not None:
        query = query.where(Event.at < clock.as_utc(until))
    if conversation_ids is not None:
        query = query.where(Event.conversation_id.in_(list(conversation_ids)))
    items = []
    for event in session.scalars(query):
        partner = labels.get(event.partner_id) if event.partner_id is not None else None
        hidden = partner is not None and not partner.consent_share
        details = {} if hidden else dict(event.details or {})
        items.append(TranscriptItem(f"e{event.id}", "event", clock.as_utc(event.at), event.conversation_id,
                                    "partner" if partner else "system", partner, None, event.type, details,
                                    event.type in FLAGGED_EVENTS, details_withheld=hidden))
    return items


def _merge_withheld(items: List[TranscriptItem]) -> List[TranscriptItem]:
    """One placeholder for each uninterrupted run of withheld messages in a conversation."""
    out: List[TranscriptItem] = []
    open_runs: Dict[str, int] = {}  # conversation -> index of its open placeholder in ``out``
    for item in items:
        if item.kind == "withheld":
            index = open_runs.get(item.conversation_id)
            if index is not None and out[index].partner == item.partner:
                out[index] = replace(out[index], count=out[index].count + 1)
                continue
            open_runs[item.conversation_id] = len(out)
            out.append(item)
        else:
            if item.kind == MESSAGE:
                open_runs.pop(item.conversation_id, None)
            out.append(item)
    return out


def _matches(item: TranscriptItem, needle: str) -> bool:
    if item.kind == "withheld":
        return False
    haystack = [item.text or "", (item.event_type or "").replace("_", " ")]
    haystack.extend(json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v for v in item.details.values())
    if item.partner is not None:
        haystack.append(item.partner.label)
    return any(needle in part.casefold() for part in haystack)


def transcript(couple_id: int, since: Optional[datetime] = None, until: Optional[datetime] = None,
               types: Optional[Iterable[str]] = None, text: Optional[str] = None,
               conversation_id: Optional[str] = None, limit: int = MAX_ITEMS) -> Transcript:
    """What a therapist may read of ``couple_id`` between ``since`` and ``until`` (exclusive).

    ``types`` keeps only these kinds: ``"message"`` and/or event types; ``text``
    keeps items whose shown words contain it (any case); ``conversation_id``
    keeps one chat. Access checks are the caller's (``couple_for_therapist``).
    """
    wanted = {t for t in (types or []) if t}
    needle = (text or "").strip().casefold()[:200]
    with session_scope() as session:
        labels = labels_of(session, couple_id)
        chats = {c.id: ConversationInfo(c.id, c.channel, c.chat_type) for c in session.scalars(
            select(Conversation).where(Conversation.couple_id == couple_id).order_by(Conversation.created_at))}
        chosen = {cid: info for cid, info in chats.items() if conversation_id in (None, "", cid)}
        items: List[TranscriptItem] = []
        if not wanted or MESSAGE in wanted:
            items.extend(_messages(session, couple_id, chosen, labels, since, until))
        if not wanted or wanted - {MESSAGE}:
            events = _events(session, couple_id, labels, since, until, chosen if conversation_id else None)
            items.extend(e for e in events if not wanted or e.event_type in wanted)
    rank = {MESSAGE: 0, "withheld": 0, "event": 1}
    items.sort(key=lambda item: (item.at, rank[item.kind]))
    items = _merge_withheld(items)
    if needle:
        items = [item for item in items if _matches(item, needle)]
    return Transcript(couple_id, tuple(labels.values()), tuple(chats.values()), tuple(items[:limit]),
                      len(items) > limit)
