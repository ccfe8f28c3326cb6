"""Five simulated weeks (issue 15, "Done when") for the weekly "state of us" and the monthly money date:
two partners in Berlin and New York, the product's controllable clock moved on twenty minutes at a time
from 2 March to 6 April 2026, across New York's spring-forward night (8 March) and Berlin's (29 March),
two gateways' reminder loops ticking side by side (the ordinary reminder claims; the check-ins and the
promises summaries have their own fortnight in ``tests/test_rituals_fortnight.py``).

Ben set the talk up for Saturdays at 14:00 his time (New York), Ana the money date for the first Saturday
of each month at 19:00 hers (Berlin). They have no group: both reach each partner's own chat. Every talk
opening must arrive in each chat exactly once a week at 14:00 in New York, recalling the small step the
couple agreed the week before (proposed by one, agreed by the other, through the step messages the loop
delivers); every money date in each chat exactly once a month at 19:00 in Berlin; none of them, nor a talk's
turn ends or step messages, while a crisis hold or a pause is on: what came due in one waits (an hour at a
time) and arrives once after it.
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Dict, List

from sqlalchemy import select

from bot import clock, storage
from bot.storage import events as ev
from bot.storage import talk_steps
from bot.storage.db import session_scope
from bot.storage.models import RitualDelivery
from tests.test_checkins_storage import _couple
from tests.test_rituals_fortnight import BERLIN, NEW_YORK, UTC, Delivered, _at, _gateway

STEP = timedelta(minutes=20)
OPEN, TURN, STEP_KIND, MONEY = "weekly_talk", "talk_turn", "talk_step", storage.MONEY_KIND


def test_five_weeks_of_talks_and_money_dates_in_berlin_and_new_york(database: str) -> None:
    start, end = _at("2026-03-02", "00:00", BERLIN), _at("2026-04-06", "06:00", BERLIN)
    clock.set_now(start)
    ana, ben = _couple("Europe/Berlin", "America/New_York")
    couple = ana.couple_id
    storage.set_share_consent(ana.partner_id, True)
    storage.set_share_consent(ben.partner_id, True)
    storage.set_weekly_talk(couple, ben.partner_id, 5, 14, 0, "America/New_York", "rest-ben")  # Saturdays 14:00
    storage.set_money_date(couple, 1, 5, 19, 0, "Europe/Berlin", "rest-ana")  # first Saturday of the month, 19:00

    # A crisis hold over the third talk's slot, a pause over April's money date.
    crisis_from, crisis_to = _at("2026-03-21", "13:00", NEW_YORK), _at("2026-03-21", "15:30", NEW_YORK)
    pause_from, pause_to = _at("2026-04-04", "18:50", BERLIN), _at("2026-04-04", "19:30", BERLIN)
    plan: Dict[datetime, list] = {}

    def at(moment: datetime, *action) -> None:
        plan.setdefault(moment, []).append(action)

    at(crisis_from, "crisis")
    at(crisis_to, "safe")
    at(pause_from, "pause")
    # The step each talk closes with (Ben suggests it in his chat, Ana says yes in hers), by talk week.
    steps = {"2026-03-07": "a walk on Saturday morning", "2026-03-14": "phones away at dinner",
             "2026-03-28": "plan a day out together"}

    log: List[Delivered] = []
    gateways = [_gateway(log), _gateway(log)]
    while clock.now() < end:
        now = clock.now()
        for moment in sorted(m for m in plan if now - STEP < m <= now):
            for action in plan.pop(moment):
                if action[0] == "crisis":
                    storage.log_event("rest-ana", ev.CRISIS_ROUTED, couple_id=couple, partner_id=ana.partner_id)
                elif action[0] == "safe":
                    storage.log_event("rest-ana", ev.SAFETY_RESOLVED, couple_id=couple, partner_id=ana.partner_id)
                elif action[0] == "pause":
                    storage.schedule_resume(couple, "rest-ana", ana.partner_id, pause_to)
                elif action[0] == "start":  # "we're ready" in Ben's chat: both turn ends are planned
                    storage.start_talk(couple, "rest-ben", language="en", now=now)
                elif action[0] == "propose":
                    assert talk_steps.propose_step(couple, ben.partner_id, action[1], "rest-ben", now=now).outcome \
                        == "asked"
                else:
                    assert talk_steps.answer_step(couple, ana.partner_id, True, "rest-ana", now=now).outcome \
                        == "agreed"
        for gateway in gateways:
            before = len(log)
            asyncio.run(gateway.tick())
            for delivered in log[before:]:  # an opening read: the talk starts a few minutes later, then its step
                week = delivered.reminder.due_at.astimezone(NEW_YORK).date().isoformat()
                bens = delivered.reminder.conversation_id == "rest-ben"  # Ana's chat gets the same opening
                if delivered.reminder.kind == OPEN and week in steps and bens:
                    at(now + timedelta(minutes=5), "start")
                    at(now + timedelta(minutes=45), "propose", steps[week])
                    at(now + timedelta(hours=2), "agree")
        clock.advance(STEP)
    assert not plan, "every planned moment happened"

    # Every reminder reached its chat once, however many gateways were looking.
    assert len({d.reminder.id for d in log}) == len(log)
    for d in log:
        if d.reminder.kind in (OPEN, TURN, STEP_KIND, MONEY):
            assert not (crisis_from <= d.at < crisis_to) and not (pause_from <= d.at < pause_to), d

    # The talk: once a week in each partner's own chat (Ben set it up, Ana gets it too), at 14:00 New York
    # time, except the week of the crisis hold, whose opening waited an hour at a time and came once, at the
    # first try after the hold.
    every_opening = [d for d in log if d.reminder.kind == OPEN]
    assert {d.reminder.conversation_id for d in every_opening} == {"rest-ben", "rest-ana"}
    for chat in ("rest-ana", "rest-ben"):
        assert [d.at.astimezone(NEW_YORK).strftime("%a %m-%d %H:%M") for d in every_opening
                if d.reminder.conversation_id == chat] == [
            "Sat 03-07 14:00", "Sat 03-14 14:00", "Sat 03-21 16:00", "Sat 03-28 14:00", "Sat 04-04 14:00"], chat
    assert [d.text for d in every_opening if d.reminder.conversation_id == "rest-ana"] == \
        [d.text for d in every_opening if d.reminder.conversation_id == "rest-ben"]  # the same words for both
    openings = [d for d in every_opening if d.reminder.conversation_id == "rest-ben"]
    for d in openings:
        if d.at.astimezone(NEW_YORK).hour == 14:
            assert timedelta(0) <= d.at - d.reminder.due_at < STEP
    # New York moved its clocks on 8 March, Berlin on 29 March: 14:00 in New York was 19:00 UTC (20:00 in
    # Berlin) on 7 March, 18:00 UTC (19:00 in Berlin) on 14 and 28 March, 18:00 UTC (20:00 in Berlin) on 4 April.
    on_time = [d for d in openings if d.at.astimezone(NEW_YORK).hour == 14]
    assert [d.at.astimezone(UTC).hour for d in on_time] == [19, 18, 18, 18]
    assert [d.at.astimezone(BERLIN).hour for d in on_time] == [20, 19, 19, 20]
    # Each opening recalls the step agreed before it (the held week and the one after it: the latest one).
    recalled = [d.text for d in openings]
    assert all("turn toward you, or away" in text for text in recalled)
    assert "Last week" not in recalled[0]
    for text, step in zip(recalled[1:], ["a walk on Saturday morning", "phones away at dinner",
                                         "phones away at dinner", "plan a day out together"]):
        assert f'Last week you agreed on one small thing: "{step}"' in text

    # The talks themselves: two equal turn ends each in both partners' own chats (Ben pressed "We're ready",
    # Ana is told the first turn began), the step asked of Ana and Ben told it was agreed.
    turns = [d for d in log if d.reminder.kind == TURN]
    starts = [t.started_at for t in storage.talks_of(couple)]
    for chat, first in (("rest-ben", 1), ("rest-ana", 0)):
        mine = [d for d in turns if d.reminder.conversation_id == chat]
        assert [d.reminder.details["turn"] for d in mine] == [*range(first, 3)] * 3, chat
        assert [d.reminder.due_at for d in mine] == [s + timedelta(minutes=m) for s in starts
                                                     for m in (0, 10, 20)[first:]], chat
    assert all(timedelta(0) <= d.at - d.reminder.due_at < STEP for d in turns)
    asked = [d for d in log if d.reminder.kind == STEP_KIND and d.reminder.details.get("say") == "ask"]
    agreed = [d for d in log if d.reminder.kind == STEP_KIND and d.reminder.details.get("say") == "agreed"]
    assert [d.reminder.conversation_id for d in asked] == ["rest-ana"] * 3
    assert [d.reminder.conversation_id for d in agreed] == ["rest-ben"] * 3
    assert [d.reminder.details["action"] for d in agreed] == list(steps.values())
    assert [t.status for t in storage.talks_of(couple)] == ["closed"] * 3
    counts = {w["week"]: w["talks"] for w in storage.ritual_week_counts(couple, weeks=6, zone="America/New_York")}
    assert counts == {"2026-03-02": 1, "2026-03-09": 1, "2026-03-16": 0, "2026-03-23": 1, "2026-03-30": 0,
                      "2026-04-06": 0}  # the therapist's weeks (both share): a talk in each week one was held

    # The money date: once a month in each partner's chat, the first Saturday at 19:00 in Berlin (18:00 UTC
    # in winter, 17:00 UTC in summer); April's came due in the pause and came once, when the hour's wait was up.
    every_money = [d for d in log if d.reminder.kind == MONEY]
    assert {d.reminder.conversation_id for d in every_money} == {"rest-ana", "rest-ben"}
    assert [d.at for d in every_money if d.reminder.conversation_id == "rest-ben"] == \
        [d.at for d in every_money if d.reminder.conversation_id == "rest-ana"]
    money = [d for d in every_money if d.reminder.conversation_id == "rest-ana"]
    assert [d.at.astimezone(BERLIN).strftime("%a %m-%d %H:%M") for d in money] == [
        "Sat 03-07 19:00", "Sat 04-04 20:00"]
    assert money[0].at.astimezone(UTC).hour == 18 and money[0].at - money[0].reminder.due_at < STEP
    with session_scope() as session:
        slots = session.scalars(select(RitualDelivery.due_at).where(RitualDelivery.couple_id == couple,
                                                                    RitualDelivery.kind == MONEY)
                                .order_by(RitualDelivery.due_at)).all()
    assert [clock.as_utc(s).strftime("%m-%d %H:%M") for s in slots][:2] == ["03-07 18:00", "04-04 17:00"]
    for d in money:
        assert "1. Look at the shared budget together" in d.text
    held = {w["week"]: w["money_dates"] for w in storage.ritual_week_counts(couple, weeks=6, zone="America/New_York")}
    assert held == {"2026-03-02": 1, "2026-03-09": 0, "2026-03-16": 0, "2026-03-23": 0, "2026-03-30": 1,
                    "2026-04-06": 0}  # once a month for the therapist, though it reached two chats
