"""Money dates (SQLite and PostgreSQL): set up in words, the nth weekday of each month at the couple's
local time, planned once a month (in each partner's own chat when they have no group), held in a pause; the
couple's own checklist edited in words."""
from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import List
from zoneinfo import ZoneInfo

import pytest

from actions.money_dates import ActionMoneyChecklist, ActionMoneyDateOpen, ActionMoneyDateSetup, checklist_edit, nth_of
from bot import clock, storage
from bot.storage.money_dates import nth_weekday
from tests.action_kit import responses, run, tracker
from tests.test_actions_checkins import ANA, _linked_couple
from tests.test_rituals_fortnight import Delivered, _gateway

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize("said, edit", [
    ('add "check the savings account" to our money checklist', ("check the savings account", None)),
    ("put no new credit cards on the money list", ("no new credit cards", None)),
    ("remove 2 from our money checklist", (None, "2")),
    ("take the budget item off our money checklist", (None, "budget")),
    ("show our money checklist", (None, None)),
    ("🙂", (None, None)),
])
def test_checklist_edits_in_words(said, edit) -> None:
    assert checklist_edit(said) == edit


def test_which_weekday_of_the_month() -> None:
    assert nth_of("the last sunday of the month") == -1 and nth_of("second friday") == 2 and nth_of("sundays") == 1
    assert nth_weekday(2026, 3, 1, 6) == date(2026, 3, 1) and nth_weekday(2026, 3, -1, 6) == date(2026, 3, 29)
    assert nth_weekday(2026, 2, 4, 6) == date(2026, 2, 22)


def test_a_money_date_in_words_with_its_own_checklist(database: str, test_clock) -> None:
    test_clock.at("12:00", "Europe/Berlin", day="2026-03-02")
    ana = _linked_couple()
    _, messages = run(ActionMoneyDateSetup(), tracker("ana-chat", "we want money dates", "money_date", metadata=ANA))
    assert responses(messages) == ["utter_money_date_ask"]
    _, messages = run(ActionMoneyDateSetup(), tracker("ana-chat", "set up a money date on the last sunday of each "
                                                      "month at 7pm", "money_date", metadata=ANA))
    assert responses(messages)[0] == "utter_money_date_set" and "last" in str(messages[0]) and "Sunday" in str(
        messages[0])
    assert "1. Look at the shared budget together" in messages[1]["text"]
    _, messages = run(ActionMoneyChecklist(), tracker("ana-chat", 'add "check the savings account" to our money '
                                                      "checklist", "money_checklist", metadata=ANA))
    assert responses(messages)[0] == "utter_money_checklist_added" and "4. check the savings account" in str(messages)
    _, messages = run(ActionMoneyChecklist(), tracker("ana-chat", 'add "check the savings account" to our money '
                                                      "checklist", "money_checklist", metadata=ANA))
    assert responses(messages)[0] == "utter_money_checklist_same"  # a double tap adds it once
    _, messages = run(ActionMoneyChecklist(), tracker("ana-chat", "remove 3 from our money checklist",
                                                      "money_checklist", metadata=ANA))
    assert responses(messages)[0] == "utter_money_checklist_removed" and "money value" not in str(messages)
    _, messages = run(ActionMoneyChecklist(), tracker("ana-chat", "remove the yacht from our money checklist",
                                                      "money_checklist", metadata=ANA))
    assert responses(messages)[0] == "utter_money_checklist_unknown"
    assert len(storage.money_checklist(ana.couple_id)) == 3

    # The last Sunday of March (the night Berlin moves its clocks) and of April, each once, at 19:00 local.
    log: List[Delivered] = []
    gateways = [_gateway(log), _gateway(log)]
    test_clock.at("18:50", "Europe/Berlin", day="2026-03-29")
    storage.schedule_resume(ana.couple_id, "ana-chat", ana.partner_id, datetime(2026, 3, 29, 19, 40, tzinfo=BERLIN))
    while clock.now() < datetime(2026, 4, 26, 21, 0, tzinfo=BERLIN):
        for gateway in gateways:
            asyncio.run(gateway.tick())
        test_clock.advance(minutes=20 if clock.now().astimezone(BERLIN).hour in (18, 19, 20) else 180)
    # Ana and Ben have no group: each gets it in their own chat, once, however many gateways look.
    assert len({d.reminder.id for d in log}) == len(log)
    for chat in ("ana-chat", "ben-chat"):
        money = [d for d in log if d.reminder.kind == "money_date" and d.reminder.conversation_id == chat]
        assert [d.at.astimezone(BERLIN).strftime("%m-%d") for d in money] == ["03-29", "04-26"], chat
        assert money[0].at >= datetime(2026, 3, 29, 19, 40, tzinfo=BERLIN)  # held until the pause was over
        assert money[1].reminder.due_at.astimezone(BERLIN).strftime("%H:%M") == "19:00"
        assert "3. check the savings account" in money[1].text and "not an audit" in money[1].text
    _, messages = run(ActionMoneyDateOpen(), tracker("ana-chat", "", "EXTERNAL_money_date", metadata=ANA))
    assert "check the savings account" in messages[0]["text"]
    _, messages = run(ActionMoneyDateSetup(), tracker("ana-chat", "stop the money dates", "money_date", metadata=ANA))
    assert responses(messages) == ["utter_money_date_stopped"]
    assert [r for r in storage.pending_reminders(ana.couple_id) if r.kind == "money_date"] == []
