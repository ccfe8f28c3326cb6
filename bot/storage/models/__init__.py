"""SQLAlchemy tables for Kintsugi's own data (Rasa's tracker store has its own), one module per part.

The schema itself is created by Alembic (``bot/storage/migrations``); these classes are the
single description both the migration and the code use. Importing this package registers every
table in ``Base.metadata`` (Alembic's ``env.py`` reads it), so a new table's module is imported here.

- ``base.py``: ``Base``, ``UTCDateTime`` (the one datetime column type), ``utcnow``
- ``people.py``: couples, partners, conversations, link codes, handled updates, private notes, disclosure records
- ``pauses_rules.py``: ground rules and confirmations, pauses, reminders, the event log
- ``rituals.py``: daily check-ins, promises, weekly deliveries, the weekly talk, money dates
- ``review.py``: therapists, practice codes, the audit log, review sign-ins, throttling, password links
- ``widget.py``: the widget's replies not yet confirmed by the browser
"""
from bot.storage.models.base import Base, UTCDateTime, utcnow
from bot.storage.models.pauses_rules import Event, Pause, Reminder, RuleConfirmation, RuleVersion
from bot.storage.models.people import (
    Conversation,
    Couple,
    DisclosureSeen,
    LinkCode,
    Partner,
    PrivateNote,
    ProcessedUpdate,
)
from bot.storage.models.review import (
    AuditEntry,
    LoginThrottle,
    PasswordToken,
    PracticeCode,
    Therapist,
    TherapistSession,
)
from bot.storage.models.rituals import (
    CheckinPartner,
    CheckinPrompt,
    DailyCheckin,
    MoneyDate,
    Promise,
    PromiseMark,
    RitualDelivery,
    TalkSession,
    WeeklyTalk,
)
from bot.storage.models.widget import WidgetReply

__all__ = [
    "AuditEntry", "Base", "CheckinPartner", "CheckinPrompt", "Conversation", "Couple", "DailyCheckin",
    "DisclosureSeen", "Event", "LinkCode", "LoginThrottle", "MoneyDate", "Partner", "PasswordToken", "Pause",
    "PracticeCode", "PrivateNote", "ProcessedUpdate", "Promise", "PromiseMark", "Reminder", "RitualDelivery",
    "RuleConfirmation", "RuleVersion", "TalkSession", "Therapist", "TherapistSession", "UTCDateTime",
    "WeeklyTalk", "WidgetReply", "utcnow",
]
