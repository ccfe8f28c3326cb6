"""Listening, pause suggestions, cancelling, clarifying, and the welcome."""
from __future__ import annotations

import pytest

from actions.feelings import ActionListenToFeelings
from actions.flow import ActionCancelFlow, ActionClarify
from actions.session import ActionSessionStart
from bot import storage
from bot.storage import events as ev
from tests.action_kit import responses, run, slot_events, tracker, user_event

GROUP_TALK = {"partner_id": "tg:5", "chat_type": "group", "addressed": False}


def test_heated_talk_gets_a_pause_offer_without_blame(database: str) -> None:
    events, messages = run(ActionListenToFeelings(), tracker("f-1", "YOU NEVER LISTEN, you pathetic liar"))
    assert responses(messages) == ["utter_suggest_pause"]
    assert slot_events(events) == {"pause_offered": True}
    [logged] = storage.events_for(conversation_id="f-1")
    assert logged.type == ev.PAUSE_SUGGESTED and "signals" in logged.details


def test_repeated_blame_over_several_messages_adds_up(database: str) -> None:
    history = [user_event("this is your fault"), user_event("it's all because of you"),
               user_event("you always do this")]
    events, messages = run(ActionListenToFeelings(), tracker("f-2", "you never change", history=history))
    assert responses(messages) == ["utter_suggest_pause"]


@pytest.mark.parametrize("text", ["I feel so hurt that you lied to me", "I'm really sad about what happened",
                                  "it hurts when you say that", "I'm angry, but I want to understand"])
def test_painful_but_respectful_talk_is_not_interrupted(database: str, text: str) -> None:
    events, messages = run(ActionListenToFeelings(), tracker("f-3", text))
    assert responses(messages) == ["utter_reflect_feelings"] and events == []


def test_unaddressed_group_talk_is_only_watched(database: str) -> None:
    _, messages = run(ActionListenToFeelings(), tracker("tg--1", "I'm sad you didn't call", "couple_talk",
                                                        metadata=GROUP_TALK))
    assert messages == []
    _, messages = run(ActionListenToFeelings(), tracker("tg--1", "SHUT UP YOU PATHETIC LIAR", "couple_talk",
                                                        metadata=GROUP_TALK))
    assert responses(messages) == ["utter_suggest_pause"]


def test_a_pause_is_not_offered_twice_in_a_row(database: str) -> None:
    _, messages = run(ActionListenToFeelings(), tracker("f-4", "YOU ALWAYS LIE, pathetic",
                                                        slots={"pause_offered": True}))
    assert responses(messages) == ["utter_reflect_feelings"]


@pytest.mark.parametrize("text", ["", "🙂", "x" * 10_000, "\x00\xff", "Ich bin so verletzt"],
                         ids=["empty", "emoji", "huge", "binary", "german"])
def test_odd_input_is_answered_kindly(database: str, text: str) -> None:
    _, messages = run(ActionListenToFeelings(), tracker("f-5", text))
    assert len(messages) == 1


def test_cancel_stops_the_flow_and_forgets_half_answers(database: str) -> None:
    events, messages = run(ActionCancelFlow(), tracker("c-1", "never mind", "cancel", active_loop="rules_form",
                                                       slots={"rule_pause_signal": "yellow"}))
    assert responses(messages) == ["utter_flow_cancelled"]
    assert slot_events(events)["rule_pause_signal"] is None
    assert [e.type for e in storage.events_for(conversation_id="c-1")] == [ev.FLOW_INTERRUPTED]


def test_the_couples_own_pause_signal_starts_a_pause(database: str) -> None:
    a = storage.identify("c-2", "p:a")
    b = storage.identify("c-2", "p:b")
    storage.propose_rules(a.couple_id, a.partner_id, {"pause_signal": "Pineapple"})
    storage.confirm_rules(a.couple_id, a.partner_id)
    storage.confirm_rules(a.couple_id, b.partner_id)
    events, messages = run(ActionClarify(), tracker("c-2", "pineapple!", "nlu_fallback",
                                                    metadata={"partner_id": "p:b"}))
    assert responses(messages) == ["utter_calm_pause", "utter_soothing_exercise"]
    assert events[-1] == {"event": "followup", "name": "pause_form", "timestamp": None}


def test_unclear_input_gets_a_question_not_a_guess(database: str) -> None:
    _, messages = run(ActionClarify(), tracker("c-3", "asdf qwer", "nlu_fallback"))
    assert responses(messages) == ["utter_clarify"]
    _, messages = run(ActionClarify(), tracker("tg--3", "lol ok", "nlu_fallback", metadata=GROUP_TALK))
    assert messages == []


def test_a_new_person_is_welcomed_with_what_kintsugi_is_and_is_not(sqlite_database: str) -> None:
    t = tracker("new", "hi", "greet")
    t.events = []
    events, messages = run(ActionSessionStart(), t)
    assert responses(messages) == ["utter_welcome"]
    assert events[0]["event"] == "session_started" and events[-1]["name"] == "action_listen"
    _, again = run(ActionSessionStart(), tracker("known", "hi", "greet"))
    assert again == []  # people who have talked before are not welcomed again


def test_the_widgets_practice_code_links_the_couple_to_the_therapist(database: str) -> None:
    from bot.storage.practice import create_practice_code
    from bot.storage.therapists import create_therapist

    therapist = create_therapist("dr.moreau@example.org", "a long enough password", "Dr Moreau")
    code = create_practice_code(therapist.id).code
    meta = {"partner_id": "web:s1:A", "channel": "web", "chat_type": "web", "practice_code": code.lower()}
    start = tracker("web-s1", slots={"session_started_metadata": meta})
    start.events = []
    run(ActionSessionStart(), start)
    assert storage.identify("web-s1", "web:s1:A").practice_code == code.replace("-", "")
    _, messages = run(ActionListenToFeelings(), tracker("web-s2", "I feel so hurt",
                                                        metadata={**meta, "practice_code": "NOPE-NOPE"}))
    assert len(messages) == 1  # an unknown code never breaks the conversation


def test_recent_messages_skip_the_current_one_in_the_real_event_order() -> None:
    """What Rasa sends the action server: the current user event is followed by the turn's own
    events (slots extracted from it, the policy's featurization, earlier actions of the turn), so
    dropping the last event would count the current message again as history."""
    from actions.feelings import recent_user_messages
    from tests.action_kit import domain
    from rasa_sdk import Tracker

    def turn(text: str) -> list:
        return [user_event(text), {"event": "user_featurization", "use_text_for_featurization": False},
                {"event": "action", "name": "action_listen_to_feelings"},
                {"event": "bot", "text": "That sounds really painful."},
                {"event": "action", "name": "action_listen"}]

    current = user_event("you never listen")
    events = [{"event": "action", "name": "action_session_start"}, {"event": "session_started"},
              {"event": "action", "name": "action_listen"}, *turn("first"), *turn("/affirm"), *turn("second"),
              current, {"event": "slot", "name": "crisis_category", "value": None},
              {"event": "action", "name": "action_clarify"}]
    track = Tracker("f-h", {n: None for n in domain()["slots"]}, current, events, False, None, {}, "action_clarify")
    assert recent_user_messages(track) == ["first", "second"]
    # the common case, the user event last, gives the same
    track.events = events[:-2]
    assert recent_user_messages(track) == ["first", "second"]
    # the old code (events[:-1]) counted the current message again in the first case
    assert [e["text"] for e in events[:-1] if e.get("event") == "user"][-1] == "you never listen"
