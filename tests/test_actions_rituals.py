"""Ritual actions (tests/action_kit.py): snooze, quiet hours, the appreciation day, promises kept."""
from __future__ import annotations

import pytest

from actions.checkin_extras import ActionAskCheckinNote, ActionCheckinQuietHours, ActionCheckinSnooze
from actions.checkins import ActionCheckinDone, ActionCheckinMood, ActionCheckinPrompt, ActionCheckinSetup
from actions.promises import (ActionPromiseAdd, ActionPromiseList, ActionPromiseMark, ActionPromiseSummary,
                              promise_words)
from bot import storage
from bot.language.quiet_words import OFF, parse_quiet_hours
from tests.action_kit import responses, run, tracker
from tests.test_actions_checkins import ANA, BEN, _linked_couple


@pytest.mark.parametrize("words, expected", [
    ("quiet hours from 10pm to 7am", (1320, 420)),
    ("set quiet hours 22:00 to 07:30", (1320, 450)),
    ("no messages after 10:30pm please", (1350, 420)),
    ("please don't text me after 11", (1380, 420)),
    ("don't message me before 8am", (1320, 480)),
    ("quiet hours please", (1320, 420)),
    ("turn off quiet hours", OFF),
    ("you can message me any time is fine", OFF),
    ("no messages between midnight and 6am", (0, 360)),
    ("🌙🌙🌙", None),
    ("", None),
    ("x" * 5000, None),
])
def test_quiet_hours_in_plain_words(words, expected) -> None:
    assert parse_quiet_hours(words) == expected


@pytest.mark.parametrize("said, kept", [
    ("I promise to text when plans change", "text when plans change"),
    ("add a promise: phone stays on the table at dinner", "phone stays on the table at dinner"),
    ("new promise: no more deleting messages.", "no more deleting messages"),
    ("I'm committing to texting you when plans change", "texting you when plans change"),
    ("can you record a commitment that I'll be honest about money", "I'll be honest about money"),
    ("add a promise", ""),
    ("I'll call at lunch", "I'll call at lunch"),
])
def test_the_promise_is_kept_in_the_makers_words(said, kept) -> None:
    assert promise_words(said) == kept


def test_snooze_and_quiet_hours_in_words(database: str, test_clock) -> None:
    test_clock.at("12:00", "Europe/Berlin")
    ana = _linked_couple()
    run(ActionCheckinSetup(), tracker("ana-chat", "every evening at 9", "checkin_setup", metadata=ANA))
    _, messages = run(ActionCheckinSnooze(), tracker("ana-chat", "snooze", "checkin_snooze", metadata=ANA))
    assert responses(messages) == ["utter_checkin_snooze_nothing_open"]
    test_clock.at("21:02", "Europe/Berlin")
    for reminder in storage.claim_due_reminders("w"):
        storage.mark_reminder_sent(reminder.id)
    _, messages = run(ActionCheckinSnooze(), tracker("ana-chat", "ask me again in an hour", "checkin_snooze",
                                                     metadata=ANA))
    assert responses(messages) == ["utter_checkin_snoozed"] and "10:02 pm" in str(messages)
    _, messages = run(ActionCheckinQuietHours(), tracker("ana-chat", "no messages after 10pm", "checkin_quiet_hours",
                                                         metadata=ANA))
    assert responses(messages) == ["utter_quiet_hours_set"] and "10:00 pm" in str(messages)
    assert storage.quiet_hours_of(ana.partner_id) == storage.QuietHours(1320, 420)
    _, messages = run(ActionCheckinQuietHours(), tracker("ana-chat", "quiet hours from 10pm to 10pm",
                                                         "checkin_quiet_hours", metadata=ANA))
    assert responses(messages) == ["utter_quiet_hours_ask"]
    _, messages = run(ActionCheckinQuietHours(), tracker("ana-chat", "remove my quiet hours", "checkin_quiet_hours",
                                                         metadata=ANA))
    assert responses(messages) == ["utter_quiet_hours_off"] and storage.quiet_hours_of(ana.partner_id) is None
    side_talk = {"partner_id": "tg:9", "chat_type": "group", "addressed": False}
    assert run(ActionCheckinSnooze(), tracker("tg--9", "snooze", "checkin_snooze", metadata=side_talk))[1] == []


def test_an_appreciation_day_asks_for_one_small_thing(database: str, test_clock) -> None:
    test_clock.at("12:00", "Europe/Berlin", day="2026-06-19")  # a Friday: an appreciation day
    ana = _linked_couple()
    run(ActionCheckinSetup(), tracker("ana-chat", "every evening at 9", "checkin_setup", metadata=ANA))
    test_clock.at("21:01", "Europe/Berlin", day="2026-06-19")
    _, messages = run(ActionCheckinPrompt(), tracker("ana-chat", "", "EXTERNAL_checkin", metadata=ANA))
    assert responses(messages) == ["utter_checkin_prompt_appreciation"]
    run(ActionCheckinMood(), tracker("ana-chat", "/checkin_mood", "checkin_mood", metadata=ANA,
                                     entities=[{"entity": "checkin_mood", "value": "4"}]))
    _, messages = run(ActionAskCheckinNote(), tracker("ana-chat", metadata=ANA))
    assert responses(messages) == ["utter_checkin_ask_appreciation"]
    _, messages = run(ActionCheckinDone(), tracker("ana-chat", "he made me tea", slots={"checkin_note":
                                                                                         "he made me tea"},
                                                   metadata=ANA))
    assert responses(messages) == ["utter_checkin_appreciation_kept"]
    [mine] = [p for p in storage.checkin_prompts_of(ana.couple_id) if p["partner_id"] == ana.partner_id]
    assert (mine["kind"], mine["mood"], mine["note"]) == ("appreciation", 4, "he made me tea")
    test_clock.at("21:01", "Europe/Berlin", day="2026-06-20")  # Saturday: an ordinary day
    storage.plan_checkin_prompts()
    _, messages = run(ActionAskCheckinNote(), tracker("ana-chat", metadata=ANA))
    assert responses(messages) == ["utter_ask_checkin_note"]


def test_a_promise_is_made_marked_privately_and_summed_up_in_words(database: str, test_clock) -> None:
    test_clock.at("10:00", "Europe/Berlin", day="2026-06-15")
    ana = _linked_couple()
    ben = storage.identify("ben-chat", BEN["partner_id"])
    _, messages = run(ActionPromiseMark(), tracker("ben-chat", "mark a promise", "promise_mark", metadata=BEN))
    assert responses(messages) == ["utter_promise_none"]
    _, messages = run(ActionPromiseAdd(), tracker("ana-chat", "add a promise", "promise_add", metadata=ANA))
    assert responses(messages) == ["utter_promise_ask_words"]
    _, messages = run(ActionPromiseAdd(), tracker("ana-chat", "I promise to text when plans change", "promise_add",
                                                  metadata=ANA))
    assert responses(messages) == ["utter_promise_added"] and "text when plans change" in str(messages)
    run(ActionPromiseAdd(), tracker("ana-chat", "add a promise: phone stays on the table at dinner", "promise_add",
                                    metadata=ANA))
    _, messages = run(ActionPromiseAdd(), tracker("ana-chat", "I promise it will never happen again", "promise_add",
                                                  metadata=ANA))
    assert responses(messages) == ["utter_promise_added_grand"]
    storage.retire_promise(ana.couple_id, storage.promises_of(ana.couple_id)[-1].id)
    _, messages = run(ActionPromiseMark(), tracker("ana-chat", "mark a promise", "promise_mark", metadata=ANA))
    assert responses(messages) == ["utter_promise_mark_own"]
    _, messages = run(ActionPromiseList(), tracker("ben-chat", "show our promises", "promise_list", metadata=BEN))
    assert responses(messages) == ["utter_promise_list", "utter_promise_mark_offer"]
    group = {"partner_id": BEN["partner_id"], "chat_type": "group", "addressed": True}
    _, messages = run(ActionPromiseMark(), tracker("tg--77", "he kept his promise", "promise_mark", metadata=group))
    assert responses(messages) == ["utter_promise_mark_privately"]
    _, messages = run(ActionPromiseMark(), tracker("ben-chat", "mark a promise", "promise_mark", metadata=BEN))
    assert responses(messages) == ["utter_promise_mark_ask"] and "text when plans change" in str(messages)
    texting, dinner = storage.promises_of(ana.couple_id)
    button = [{"entity": "promise_id", "value": str(texting.id)}, {"entity": "promise_mark", "value": "kept"}]
    _, messages = run(ActionPromiseMark(), tracker("ben-chat", "/promise_mark", "promise_mark", metadata=BEN,
                                                   entities=button))
    assert responses(messages) == ["utter_promise_marked_kept", "utter_promise_mark_ask"]
    assert "phone stays on the table" in str(messages[1])
    _, messages = run(ActionPromiseMark(), tracker("ben-chat", "she didn't keep the dinner one", "promise_mark",
                                                   metadata=BEN))
    assert responses(messages) == ["utter_promise_marked_not_kept"]
    test_clock.advance(days=1)
    run(ActionPromiseMark(), tracker("ben-chat", "/promise_mark", "promise_mark", metadata=BEN, entities=button))
    test_clock.at("18:00", "Europe/Berlin", day="2026-06-21")
    storage.plan_promise_summaries(now=test_clock.now().replace(hour=0))
    for reminder in storage.claim_due_reminders("w"):
        storage.mark_reminder_sent(reminder.id)
    _, messages = run(ActionPromiseSummary(), tracker("ana-chat", "", "EXTERNAL_promise_summary", metadata=ANA))
    [summary] = [m["text"] for m in messages]
    assert '"text when plans change": kept 2 times.' in summary
    assert '"phone stays on the table at dinner": not kept once.' in summary
    assert ben.couple_id == ana.couple_id
