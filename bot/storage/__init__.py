"""Storage for Kintsugi, spoken in the product's words (Cosmic Python's repository idea).

Callers use these functions; they never see raw sessions.
"""
from bot.storage import events
from bot.storage.couples import (
    Who,
    conversations_of,
    couple_of,
    first_time_update,
    forget_partner,
    identify,
    partner_by_key,
    private_conversations_of,
    set_couple_place,
    set_share_consent,
)
from bot.storage.audit import views_for_partner
from bot.storage.linking import create_link_code, redeem_link_code
from bot.storage.checkin_answers import MOODS as CHECKIN_MOODS
from bot.storage.checkin_answers import SHARE_CHOICES as CHECKIN_SHARE_CHOICES
from bot.storage.checkin_answers import (
    CheckinAnswer,
    checkin_prompts_of,
    checkin_sharing,
    choose_checkin_sharing,
    partner_checkins_shared_with,
    record_checkin_mood,
    record_checkin_note,
)
from bot.storage.checkin_plan import CHECKIN_KIND, checkin_on_hold, plan_checkin_prompts, skip_held_checkin
from bot.storage.checkins import (
    CheckinView,
    daily_checkin,
    note_checkin_partner,
    set_daily_checkin,
    set_quiet_hours,
    skip_checkin_today,
    stop_daily_checkin,
)
from bot.storage.checkin_snooze import Snoozed, open_checkin_kind, snooze_checkin
from bot.storage.promises import MARKS as PROMISE_MARKS
from bot.storage.promises import (
    SUMMARY_KIND,
    PromiseView,
    PromiseWeek,
    add_promise,
    latest_summary_until,
    mark_promise,
    plan_promise_summaries,
    promise_week,
    promises_of,
    promises_to_mark,
    retire_promise,
    ritual_deliveries_of,
    summary_until,
)
from bot.storage.quiet_hours import QuietHours, quiet_hours_of
from bot.storage.rituals import HELD_KINDS, hold_ritual_reminder, plan_rituals, ritual_week_counts
from bot.storage.money_dates import (
    MONEY_KIND,
    MoneyDateView,
    edit_money_checklist,
    money_checklist,
    money_date,
    set_money_date,
    stop_money_date,
)
from bot.storage.weekly_talk import (
    TalkSlot,
    TalkView,
    couple_chat,
    last_agreed_action,
    record_talk_action,
    set_weekly_talk,
    start_talk,
    stop_weekly_talk,
    talks_of,
    weekly_talk,
)
from bot.storage.erasure import delete_partner_messages, delete_trackers
from bot.storage.db import check_database, dispose_engines, upgrade_database
from bot.storage.events import EventView, events_for, log_event
from bot.storage.pauses import (
    DueReminder,
    PauseView,
    active_pause,
    claim_due_reminders,
    end_pause,
    latest_reminder,
    mark_reminder_sent,
    pending_reminders,
    release_reminder,
    schedule_reminder,
    schedule_resume,
)
from bot.storage.rules import RuleSet, change_rule, confirm_rules, current_rules, pending_rules, propose_rules, rules_history

# The therapist's review app (bot/web/review/): accounts, sign-in, sessions, practices, transcripts, audit.
from bot.storage import audit
from bot.storage.activity import answered_checkins
from bot.storage.practice import (
    CoupleSummary,
    couple_for_therapist,
    couples_for_therapist,
    create_practice_code,
    practice_codes_of,
    revoke_practice_code,
)
from bot.storage.review_rules import RuleVersionView, rules_for_review
from bot.storage.sign_in import DEFAULT_POLICY, LoginPolicy, LoginResult, verify_login
from bot.storage.therapists import (
    MAX_PASSWORD,
    MIN_PASSWORD,
    TherapistView,
    create_therapist,
    issue_password_token,
    list_therapists,
    set_disabled,
    set_password_with_token,
    therapist_by_email,
    therapist_for_password_token,
)
from bot.storage.transcripts import MESSAGE, Transcript, TranscriptItem, transcript
from bot.storage.web_sessions import (
    ABSOLUTE_LIFETIME,
    IDLE_TIMEOUT,
    ReviewSession,
    close_all_sessions,
    close_session,
    open_session,
    session_for,
)

__all__ = [name for name in dir() if not name.startswith("_")]
