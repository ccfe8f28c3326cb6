"""A seeded database for the review tests: therapists, couples, Rasa tracker events and our event log.

Rasa's ``events`` table is created here with the columns of Rasa 3.6's
``SQLTrackerStore.SQLEvent`` (checked against Rasa itself in test_storage.py),
and rows carry the JSON Rasa writes (``event.as_dict()``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from bot import clock
from bot.storage import forget_partner, identify, schedule_resume, set_share_consent, upgrade_database
from bot.storage.db import get_engine, session_scope
from bot.storage.models import Event
from bot.storage.practice import create_practice_code, join_practice
from bot.storage.rules import confirm_rules, propose_rules
from bot.storage.therapists import create_therapist

PASSWORD = "a calm river at dusk"
LONG = ("I keep thinking about it. " * 400)[:10_000]
HOSTILE = {
    "script": "<script>alert('owned')</script>",
    "html": '<img src=x onerror="alert(1)"><b>bold</b><a href="javascript:alert(2)">click</a>',
    "markdown": "**not bold** [link](javascript:alert(3)) `code` # heading",
    "rtl": "invoice\u202egnp.exe and שלום עליכם مرحبا",
    "zero_width": "pass\u200bword and\u2066 isolate\u2069 \ufeffbom",
}

rasa_metadata = sa.MetaData()
RASA_EVENTS = sa.Table(
    "events", rasa_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)


@dataclass
class Seeded:
    """Ids the tests need."""

    alice_id: int = 0
    bob_id: int = 0
    couple_a: int = 0  # Alice's: Ana shares, Ben does not
    couple_b: int = 0  # Bob's
    couple_c: int = 0  # Alice's: Cara shares, Dev deleted his data
    code_a: str = ""
    base: datetime = field(default_factory=lambda: clock.now() - timedelta(days=3))
    partners: Dict[str, int] = field(default_factory=dict)


class Tracker:
    """Writes tracker rows the way Rasa's SQLTrackerStore does."""

    def __init__(self, sender_id: str, start: datetime) -> None:
        self.sender_id, self.clock = sender_id, start

    def _row(self, type_name: str, data: Dict[str, Any], intent: Optional[str] = None,
             action: Optional[str] = None) -> Dict[str, Any]:
        self.clock += timedelta(seconds=40)
        data = {"event": type_name, "timestamp": self.clock.timestamp(), **data}
        return {"sender_id": self.sender_id, "type_name": type_name, "timestamp": self.clock.timestamp(),
                "intent_name": intent, "action_name": action, "data": json.dumps(data)}

    def user(self, text: str, partner: str, name: str, chat_type: str = "group", intent: str = "inform") -> list:
        """A user message with the metadata our channels send, then the listen action."""
        meta = {"partner_id": partner, "display_name": name, "channel": "telegram", "chat_type": chat_type,
                "language": "en", "addressed": True}
        parse = {"intent": {"name": intent, "confidence": 0.93}, "entities": [], "text": text,
                 "message_id": None, "metadata": meta}
        return [self._row("user", {"text": text, "parse_data": parse, "metadata": meta, "input_channel": "telegram",
                                   "message_id": None}, intent=intent)]

    def bot(self, text: Optional[str], custom: Optional[dict] = None, action: str = "utter_ack") -> list:
        """The bot's action and its reply."""
        extra = {"elements": None, "quick_replies": None, "buttons": None, "attachment": None, "image": None,
                 "custom": custom}
        return [self._row("action", {"name": action, "policy": "RulePolicy", "confidence": 1.0}, action=action),
                self._row("bot", {"text": text, "data": extra, "metadata": {"utter_action": action}})]

    def session_start(self) -> list:
        """What Rasa writes when a conversation starts."""
        return [self._row("action", {"name": "action_session_start"}, action="action_session_start"),
                self._row("session_started", {}),
                self._row("action", {"name": "action_listen"}, action="action_listen")]


def ensure_rasa_table(url: Optional[str] = None) -> None:
    """Create Rasa's tracker table when Rasa has not run against this database."""
    rasa_metadata.create_all(get_engine(url), checkfirst=True)


def _insert(rows: List[dict]) -> None:
    with get_engine().begin() as connection:
        connection.execute(RASA_EVENTS.insert(), rows)


def _event(conversation: str, type_: str, at: datetime, partner: Optional[int], couple: int, **details) -> None:
    with session_scope() as session:
        session.add(Event(conversation_id=conversation, type=type_, at=at, partner_id=partner, couple_id=couple,
                          details=details))


def seed() -> Seeded:
    """Fill the configured database; returns the ids."""
    upgrade_database()
    ensure_rasa_table()
    s = Seeded()
    s.alice_id = create_therapist("alice@example.org", PASSWORD, "Dr Alice Moreau").id
    s.bob_id = create_therapist("bob@example.org", PASSWORD, "Bob Lang").id
    s.code_a = create_practice_code(s.alice_id, "Tuesday clients").code
    code_b = create_practice_code(s.bob_id).code

    group = "tg--100123"
    ana = identify(group, "tg:111", channel="telegram", chat_type="group", display_name="Ana")
    ben = identify(group, "tg:222", channel="telegram", chat_type="group", display_name="Ben")
    identify("tg-111", "tg:111", channel="telegram", chat_type="private", display_name="Ana")
    s.couple_a = ana.couple_id
    s.partners.update(ana=ana.partner_id, ben=ben.partner_id)
    join_practice(s.couple_a, s.code_a)
    set_share_consent(ana.partner_id, True)

    t = Tracker(group, s.base)
    rows = t.session_start()
    rows += t.user("We keep going round in circles about the phone.", "tg:111", "Ana")
    rows += t.bot("That sounds exhausting. Would a short pause help?")
    rows += t.user("I can't do this right now, I'm flooded", "tg:222", "Ben", intent="im_flooded")
    rows += t.bot("Let's pause. When would you like to come back to this?")
    rows += t.user("Ben's private words about the affair", "tg:222", "Ben")
    rows += t.user("8pm works", "tg:222", "Ben")
    rows += t.bot("Okay. I'll check in with you both at 8pm.")
    pause_at = t.clock
    rows += t.user("Thank you for pausing with me.", "tg:111", "Ana", intent="thanks")
    for value in HOSTILE.values():
        rows += t.user(value, "tg:111", "Ana")
    rows += t.user(LONG, "tg:111", "Ana")
    rows += t.bot(None, {"kintsugi": {"audience": "private", "partner_id": "tg:222", "kind": "crisis",
                                      "text": "Private help for Ben only"}})
    crisis_at = t.clock + timedelta(seconds=5)
    rows += t.bot(None, {"kintsugi": {"kind": "crisis", "text": "You are not alone. Call 988 now.",
                                      "resources": [{"name": "988 Suicide & Crisis Lifeline", "phone": "988"}]}},
                  action="action_crisis_handoff")
    private = Tracker("tg-111", s.base + timedelta(days=1))
    rows += private.session_start()
    rows += private.user("Can you help me ask about the weekend?", "tg:111", "Ana", chat_type="private",
                         intent="ask_a_question")
    rows += private.bot("Of course. What would you like to know?")
    _insert(rows)

    _event(group, "flooding_reported", pause_at - timedelta(seconds=90), ben.partner_id, s.couple_a)
    _event(group, "pause_accepted", pause_at - timedelta(seconds=60), ben.partner_id, s.couple_a, minutes=60,
           resume_text="8pm, after the kids are asleep")
    _event(group, "resume_scheduled", pause_at, None, s.couple_a, resume_at="20:00")
    schedule_resume(s.couple_a, group, ben.partner_id, clock.now() + timedelta(hours=2), "8pm")
    _event(group, "crisis_routed", crisis_at, ana.partner_id, s.couple_a, category="self_harm",
           sent=["988 Suicide & Crisis Lifeline: 988"])
    _event("tg-111", "question_coached", private.clock, ana.partner_id, s.couple_a,
           original="Why did you lie?", reworded="Can you help me understand what happened that weekend?")
    _event("tg-111", "question_reworded", private.clock + timedelta(seconds=5), ana.partner_id, s.couple_a)
    propose_rules(s.couple_a, ana.partner_id, {"no_phones": "No phones at dinner", "timeout": "20 minutes"})
    confirm_rules(s.couple_a, ana.partner_id)
    confirm_rules(s.couple_a, ben.partner_id)
    propose_rules(s.couple_a, ben.partner_id, {"no_phones": "Ben's unshared rule idea"})

    bob_chat = "tg--200456"
    b1 = identify(bob_chat, "tg:555", channel="telegram", chat_type="group", display_name="Eve")
    identify(bob_chat, "tg:666", channel="telegram", chat_type="group", display_name="Finn")
    s.couple_b = b1.couple_id
    join_practice(s.couple_b, code_b)
    set_share_consent(b1.partner_id, True)
    tb = Tracker(bob_chat, s.base)
    _insert(tb.user("Bob's couple secret text", "tg:555", "Eve"))
    _event(bob_chat, "crisis_routed", s.base + timedelta(hours=1), b1.partner_id, s.couple_b)

    c_chat = "tg--300789"
    cara = identify(c_chat, "tg:777", channel="telegram", chat_type="group", display_name="Cara")
    dev = identify(c_chat, "tg:888", channel="telegram", chat_type="group", display_name="Dev")
    s.couple_c = cara.couple_id
    join_practice(s.couple_c, s.code_a)
    set_share_consent(cara.partner_id, True)
    set_share_consent(dev.partner_id, True)
    tc = Tracker(c_chat, s.base)
    rows = tc.user("Cara says hello", "tg:777", "Cara")
    rows += tc.user("Dev's words that he later deleted", "tg:888", "Dev")
    rows += tc.bot("Reply to Dev that quotes his deleted words")
    rows += tc.user("Cara again", "tg:777", "Cara")
    _insert(rows)
    _event(c_chat, "pause_accepted", s.base + timedelta(minutes=5), dev.partner_id, s.couple_c, minutes=30)
    forget_partner(dev.partner_id)
    return s
