"""Promises kept, quiet hours and snooze through the real REST channel (real rasa and action servers,
real database): a promise in words, the other partner marks it with one tap, the weekly summary
fires in rasa and says it in words; quiet hours and a snooze with nothing open."""
from __future__ import annotations

import pytest

from bot import storage
from tests.stack import RasaStack, new_sender
from tests.test_stack_flows import texts

pytestmark = pytest.mark.stack


def test_a_promise_marked_with_one_tap_and_summed_up_in_words(rasa_stack: RasaStack, stack_db: str) -> None:
    maker, marker = new_sender("rest"), new_sender("rest")
    ana = {"partner_id": f"rest:{maker}", "channel": "rest", "chat_type": "private", "timezone": "Europe/Berlin"}
    ben = {"partner_id": f"rest:{marker}", "channel": "rest", "chat_type": "private",
           "timezone": "America/New_York"}
    rasa_stack.send(maker, "hi", ana)
    rasa_stack.send(marker, "hi", ben)
    couple = storage.couple_of(maker)
    storage.redeem_link_code(storage.create_link_code(couple), marker)

    added = rasa_stack.send(maker, "I promise to text when plans change", ana)
    assert "text when plans change" in texts(added) and "privately" in texts(added)
    again = rasa_stack.send(maker, "I promise to text when plans change", ana)  # said twice: kept once
    assert "text when plans change" in texts(again)
    [promise] = storage.promises_of(couple)
    own = rasa_stack.send(maker, "mark a promise", ana)
    assert "your own promises" in texts(own)

    listed = rasa_stack.send(marker, "show our promises", ben)
    assert "• text when plans change" in texts(listed)
    assert any(b.get("payload") == "/promise_mark" for r in listed for b in r.get("buttons", []))
    asked = rasa_stack.send(marker, "/promise_mark", ben)
    payloads = [b["payload"] for r in asked for b in r.get("buttons", [])]
    assert payloads == [f'/promise_mark{{"promise_id": "{promise.id}", "promise_mark": "{m}"}}'
                        for m in ("kept", "not_kept", "not_sure")]
    marked = rasa_stack.send(marker, payloads[0], ben)
    assert "Noted" in texts(marked)

    storage.plan_promise_summaries(couple_id=couple)
    [due] = [r for r in storage.pending_reminders(couple) if r.conversation_id == maker]
    assert due.kind == storage.SUMMARY_KIND
    claimed = [r for r in storage.claim_due_reminders("gateway", limit=1000, now=due.due_at) if r.id == due.id]
    assert claimed

    summary = texts(rasa_stack.trigger(maker, "EXTERNAL_promise_summary", due.kind))
    assert '"text when plans change": kept once.' in summary and "%" not in summary


def test_quiet_hours_and_snooze_in_words(rasa_stack: RasaStack, stack_db: str) -> None:
    sender = new_sender("rest")
    meta = {"timezone": "Europe/Berlin"}
    rasa_stack.send(sender, "hi", meta)
    quiet = rasa_stack.send(sender, "no messages after 10pm please", meta)
    assert "10:00 pm" in texts(quiet) and "7:00 am" in texts(quiet)
    partner = storage.identify(sender, f"rest:{sender}").partner_id
    assert storage.quiet_hours_of(partner) == storage.QuietHours(22 * 60, 7 * 60)
    snooze = rasa_stack.send(sender, "snooze the check-in for half an hour", meta)
    assert "nothing to snooze" in texts(snooze)
    off = rasa_stack.send(sender, "turn off quiet hours", meta)
    assert "no quiet hours" in texts(off).lower() and storage.quiet_hours_of(partner) is None


def test_a_weekly_talk_and_a_money_date_in_words(rasa_stack: RasaStack, stack_db: str) -> None:
    sender = new_sender("rest")
    meta = {"timezone": "Europe/Berlin"}
    rasa_stack.send(sender, "hi", meta)
    couple = storage.couple_of(sender)
    agreed = rasa_stack.send(sender, "let's have a weekly state of us on sundays at 8pm", meta)
    assert "Sundays at 8:00 pm" in texts(agreed)
    [opening] = [r for r in storage.pending_reminders(couple) if r.kind == "weekly_talk"]
    assert opening.conversation_id == sender

    def trigger(intent: str, kind: str) -> list:
        return rasa_stack.trigger(sender, intent, kind)

    opened = trigger("EXTERNAL_weekly_talk", "weekly_talk")
    assert "turn toward you" in texts(opened)
    assert [b["payload"] for r in opened for b in r.get("buttons", [])] == ["/talk_start"]
    started = rasa_stack.send(sender, "/talk_start", meta)
    assert "10 minutes" in texts(started)
    turns = [r for r in storage.pending_reminders(couple) if r.kind == "talk_turn"]
    assert [r.details["turn"] for r in turns] == [1, 2]
    claimed = storage.claim_due_reminders("gateway", limit=1000, now=turns[0].due_at)
    assert turns[0].id in {r.id for r in claimed}
    assert "say back what they heard" in texts(trigger("EXTERNAL_talk_turn", "talk_turn"))
    kept = rasa_stack.send(sender, "our action is a walk on saturday morning", meta)
    assert '"a walk on saturday morning"' in texts(kept)
    assert [r for r in storage.pending_reminders(couple) if r.kind == "talk_turn"] == []  # closed: no more timers

    money = rasa_stack.send(sender, "set up a money date on the first sunday of each month at 7pm", meta)
    assert "first Sunday" in texts(money) and "1. Look at the shared budget together" in texts(money)
    added = rasa_stack.send(sender, 'add "check the savings account" to our money checklist', meta)
    assert "4. check the savings account" in texts(added)
