"""The review app's storage (accounts, sign-in, sessions, practice, audit, transcripts) on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.storage import audit, identify, set_share_consent
from bot.storage.practice import (
    couple_for_therapist,
    couples_for_therapist,
    create_practice_code,
    is_practice_code,
    join_practice,
    leave_practice,
    revoke_practice_code,
)
from bot.storage.sign_in import LoginPolicy, verify_login
from bot.storage.therapists import (
    create_therapist,
    list_therapists,
    set_password_with_token,
    issue_password_token,
)
from bot.storage.transcripts import MESSAGE, transcript
from bot.storage.web_sessions import close_all_sessions, open_session, session_for

from .seed import PASSWORD

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)


def test_accounts_refuse_duplicates_and_short_passwords(seeded):
    with pytest.raises(ValueError, match="already exists"):
        create_therapist("ALICE@example.org ", PASSWORD)
    with pytest.raises(ValueError, match="at least 12"):
        create_therapist("new@example.org", "short")
    with pytest.raises(ValueError, match="email"):
        create_therapist("not an email", PASSWORD)
    assert [t.email for t in list_therapists()] == ["alice@example.org", "bob@example.org"]
    assert verify_login(" Alice@Example.org", PASSWORD).ok


@pytest.mark.around_the_clock
def test_sign_in_slows_down_then_locks_then_recovers(seeded):
    policy = LoginPolicy(free_failures=3, base_delay=timedelta(seconds=2), lock_after=5,
                         lock_for=timedelta(minutes=15))
    now = T0
    for _ in range(3):
        assert verify_login("alice@example.org", "wrong", now=now, policy=policy).status == "wrong"
    assert verify_login("alice@example.org", PASSWORD, now=now, policy=policy).status == "wait"
    now += timedelta(seconds=3)
    assert verify_login("alice@example.org", "wrong", now=now, policy=policy).status == "wrong"
    now += timedelta(seconds=5)
    result = verify_login("alice@example.org", "wrong", now=now, policy=policy)
    assert result.status == "locked" and 890 <= result.retry_after <= 901
    assert verify_login("alice@example.org", PASSWORD, now=now + timedelta(minutes=14), policy=policy).status == "locked"
    assert verify_login("alice@example.org", PASSWORD, now=now + timedelta(minutes=16), policy=policy).ok
    assert verify_login("alice@example.org", "wrong", now=now + timedelta(minutes=17), policy=policy).status == "wrong"


def test_an_address_slows_down_but_never_locks(seeded):
    policy = LoginPolicy(free_failures=1, base_delay=timedelta(seconds=1), lock_after=2, ip_factor=3)
    now = T0
    for i in range(12):
        verify_login(f"guess{i}@example.org", "wrong", ip="203.0.113.9", now=now, policy=policy)
        now += timedelta(minutes=1)
    assert verify_login("bob@example.org", PASSWORD, ip="203.0.113.9", now=now, policy=policy).ok


def test_set_password_token_is_single_use(seeded):
    create_therapist("dana@example.org")
    token = issue_password_token("dana@example.org")
    assert not verify_login("dana@example.org", "").ok
    set_password_with_token(token, "a long new password")
    with pytest.raises(ValueError, match="expired or was already used"):
        set_password_with_token(token, "another long password")
    assert verify_login("dana@example.org", "a long new password").ok


@pytest.mark.around_the_clock
def test_sessions_expire_when_idle_and_after_their_lifetime(seeded):
    idle, life = timedelta(minutes=30), timedelta(hours=2)
    new = open_session(seeded.alice_id, now=T0, idle=idle, lifetime=life)
    assert session_for(new.token, now=T0 + timedelta(minutes=29), idle=idle, lifetime=life).csrf_token == new.csrf_token
    for minutes in (55, 80, 105, 119):  # kept alive by activity …
        assert session_for(new.token, now=T0 + timedelta(minutes=minutes), idle=idle, lifetime=life) is not None
    assert session_for(new.token, now=T0 + timedelta(minutes=121), idle=idle, lifetime=life) is None  # … not forever
    idle_one = open_session(seeded.alice_id, now=T0, idle=idle, lifetime=life)
    assert session_for(idle_one.token, now=T0 + timedelta(minutes=31), idle=idle, lifetime=life) is None
    a, b = open_session(seeded.alice_id), open_session(seeded.alice_id)
    assert close_all_sessions(seeded.alice_id) >= 2
    assert session_for(a.token) is None and session_for(b.token) is None
    assert session_for("made-up") is None and session_for("x" * 500) is None


def test_practice_codes_link_couples_and_switching_resets_sharing(seeded):
    alice_code = create_practice_code(seeded.alice_id, "new")
    assert is_practice_code(alice_code.shown) and is_practice_code(alice_code.code.lower())
    assert not is_practice_code("ABCD2345")  # a partner link code is eight characters
    with pytest.raises(ValueError, match="unknown code"):
        join_practice(seeded.couple_b, "NOPE-NOPE1")
    revoke_practice_code(seeded.alice_id, alice_code.code)
    with pytest.raises(ValueError, match="no longer in use"):
        join_practice(seeded.couple_b, alice_code.code)
    link = join_practice(seeded.couple_b, seeded.code_a)
    assert link.changed_therapist and link.therapist_name == "Dr Alice Moreau"
    summary = couple_for_therapist(seeded.alice_id, seeded.couple_b)
    assert summary is not None and not any(p.consent_share for p in summary.partners)
    assert couple_for_therapist(seeded.bob_id, seeded.couple_b) is None
    assert leave_practice(seeded.couple_b) and couple_for_therapist(seeded.alice_id, seeded.couple_b) is None


def test_couple_list_counts_and_crisis_flag(seeded):
    rows = couples_for_therapist(seeded.alice_id)
    assert [r.id for r in rows] == [seeded.couple_a, seeded.couple_c]  # the crisis comes first
    a = rows[0]
    assert (a.pauses, a.questions, a.rule_changes, a.crises_since_visit) == (1, 1, 1, 1)
    assert [p.label for p in a.partners] == ["Ana (Partner A)", "Ben (Partner B)"]
    audit.record_view(seeded.alice_id, seeded.couple_a, audit.VIEW_CONVERSATION)
    assert couples_for_therapist(seeded.alice_id)[0].crises_since_visit == 0
    assert audit.last_visit(seeded.alice_id, seeded.couple_a) is not None
    assert [r.id for r in couples_for_therapist(seeded.bob_id)] == [seeded.couple_b]


def test_views_are_visible_to_partners(seeded):
    audit.record_view(seeded.alice_id, seeded.couple_a, audit.VIEW_COUPLES)
    audit.record_view(seeded.alice_id, seeded.couple_a, audit.EXPORT, details={"format": "csv"})
    views = audit.views_for_partner("tg:111")
    assert [(v.therapist, v.action, v.what) for v in views] == [
        ("Dr Alice Moreau", audit.EXPORT, "saved a copy of your conversation")]
    assert audit.views_for_partner("tg:555") == [] and audit.views_for_partner("tg:nobody") == []


def test_transcript_labels_withholds_and_forgets(seeded):
    tr = transcript(seeded.couple_a)
    shown = [i.text for i in tr.items if i.kind == MESSAGE and i.who == "partner"]
    assert shown[0] == "We keep going round in circles about the phone."
    assert all(i.partner.letter == "A" for i in tr.items if i.kind == MESSAGE and i.who == "partner")
    withheld = [i for i in tr.items if i.kind == "withheld"]
    assert [(w.partner.letter if w.partner else None, w.count, w.who) for w in withheld] == [
        ("B", 3, "partner"), (None, 1, "bot")]
    assert not any("Let's pause" in (i.text or "") for i in tr.items)  # a reply to withheld words goes too
    ben_events = [i for i in tr.items if i.kind == "event" and i.partner and i.partner.letter == "B"]
    assert ben_events and all(i.details_withheld and not i.details for i in ben_events)
    assert [i.key for i in tr.flagged] == [k.key for k in tr.items if k.flagged] and len(tr.flagged) == 2
    c = transcript(seeded.couple_c)
    assert [i.text for i in c.items] == ["Cara says hello", "Cara again"]


def test_transcript_filters(seeded):
    assert {i.event_type for i in transcript(seeded.couple_a, types=["crisis_routed"]).items} == {"crisis_routed"}
    found = transcript(seeded.couple_a, text="CIRCLES")
    assert [i.text for i in found.items] == ["We keep going round in circles about the phone."]
    assert transcript(seeded.couple_a, text="private words").items == ()
    assert transcript(seeded.couple_a, text="' OR '1'='1").items == ()
    later = seeded.base + timedelta(hours=20)
    assert all(i.at >= later for i in transcript(seeded.couple_a, since=later).items)
    assert all(i.at < later for i in transcript(seeded.couple_a, until=later).items)
    assert {i.conversation_id for i in transcript(seeded.couple_a, conversation_id="tg-111").items} == {"tg-111"}
    assert transcript(seeded.couple_a, conversation_id="tg--200456").items == ()


def test_consent_changes_apply_at_once(seeded):
    set_share_consent(seeded.partners["ben"], True)
    assert "Ben's private words about the affair" in [i.text for i in transcript(seeded.couple_a).items]
    set_share_consent(seeded.partners["ben"], False)
    set_share_consent(seeded.partners["ana"], False)
    assert not [i for i in transcript(seeded.couple_a).items if i.kind == MESSAGE and i.who == "partner"]


def test_messages_without_partner_metadata_belong_to_the_chat(seeded):
    from .seed import Tracker, _insert

    who = identify("rest-solo", None, channel="rest")
    set_share_consent(who.partner_id, True)
    tracker = Tracker("rest-solo", seeded.base)
    row = tracker.user("hello from rasa shell", "ignored", "x")[0]
    row["data"] = row["data"].replace('"partner_id": "ignored", ', "")
    _insert([row])
    assert [i.text for i in transcript(who.couple_id).items] == ["hello from rasa shell"]


def test_a_tracker_saved_by_rasa_reads_back(seeded, database):
    """The real Rasa 3.6 tracker store writes; the transcript reads the same table."""
    import asyncio

    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from .seed import RASA_EVENTS

    ours = {c.name: type(c.type).__name__ for c in RASA_EVENTS.columns}
    theirs = {c.name: type(c.type).__name__ for c in SQLTrackerStore.SQLEvent.__table__.columns}
    assert ours == theirs
    identify("web-4f1c", "tg:111", channel="web", chat_type="web")  # Ana, also on the website
    store = SQLTrackerStore(Domain.empty(), host=database)
    tracker = DialogueStateTracker("web-4f1c", [])
    meta = {"partner_id": "tg:111", "display_name": "Ana", "chat_type": "group"}
    tracker.update(UserUttered("saved by the real rasa", {"name": "inform", "confidence": 1.0}, metadata=meta))
    tracker.update(ActionExecuted("utter_ack"))
    tracker.update(BotUttered("a real rasa reply"))
    asyncio.run(store.save(tracker))
    store.engine.dispose()
    texts = [i.text for i in transcript(seeded.couple_a).items if i.kind == MESSAGE]
    assert texts[-2:] == ["saved by the real rasa", "a real rasa reply"]


def test_passwords_are_hashed_with_argon2id(database):
    from bot.storage import therapists
    from bot.storage.db import session_scope
    from bot.storage.models import Therapist

    from sqlalchemy import select

    therapists._hasher.cache_clear()
    create_therapist("hash@example.org", PASSWORD)
    with session_scope() as session:
        stored = session.scalar(select(Therapist.password_hash))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert verify_login("hash@example.org", PASSWORD).ok
