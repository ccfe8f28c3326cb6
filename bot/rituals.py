"""What ritual messages say when they are due: the appreciation-day prompt and the weekly summary.

Used by channels that send reminders themselves (Telegram: ``bot/telegram/reminders.py``) and by
the actions that answer a ritual reminder in rasa (web, REST). The sentences are in
``content/rituals.yml`` and ``content/channels/reminders.yml``; counts are said in words, one
line per promise, never as a score. The check-in prompt, the promises summary and the money date's
checklist speak the language kept with their reminder (``details["language"]``), from
``content/rituals_i18n/<lang>.yml`` (a missing key falls back to English).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional

from bot import content, private_words, storage
from bot.storage import DueReminder
from bot.storage.talk_steps import RESUME_KIND, STEP_KIND, resume_point
from bot.storage.weekly_talk import OPEN_KIND, TURN_KIND, turn_minutes


def _ritual_words(section: str, language: Optional[str]) -> Dict[str, Any]:
    """A section of ``content/rituals.yml`` with its translated keys (``rituals_i18n``) laid over it."""
    translated = private_words.texts("rituals", _code(language)).get(section) or {}
    return {**content.load("rituals")[section], **translated}


def _counts_in_words(counts: Dict[str, int], words: Dict[str, Any]) -> Optional[str]:
    parts: List[str] = []
    for mark in storage.promises.MARKS:
        n = int(counts.get(mark, 0))
        if n:
            forms = words["summary_counts"][mark]
            parts.append(forms["one"] if n == 1 else forms["many"].format(n=n))
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return words["summary_joiner"].join(parts[:-1]) + words["summary_last_joiner"] + parts[-1]


def promise_summary_text(couple_id: int, until: datetime, language: Optional[str] = None) -> str:
    """The week before ``until`` in words, in ``language``: one gentle line per promise."""
    words = _ritual_words("promises", language)
    weeks = storage.promise_week(couple_id, until)
    if not weeks:
        return words["summary_none"]
    lines = [words["summary_intro"]]
    for week in weeks:
        said = _counts_in_words(week.counts, words)
        lines.append(words["summary_line"].format(promise=week.promise.text, counts=said) if said
                     else words["summary_unmarked"].format(promise=week.promise.text))
    lines.append(words["summary_outro"])
    return "\n".join(lines)


def _code(language: Optional[str]) -> str:
    return (language or "en")[:2].lower()


def _talk_words(language: Optional[str] = None) -> Dict[str, Any]:
    """The weekly talk's sentences in ``language`` (the talk's own, kept with its reminders); English when missing."""
    words = content.load("rituals")
    return {**words["weekly_talk"], **words["weekly_talk_languages"].get(_code(language), {})}


def _minutes() -> Dict[str, int]:
    minutes = turn_minutes()
    return {"minutes": minutes, "total": 2 * minutes}


def talk_opening(couple_id: int, before: datetime, language: Optional[str] = None) -> Dict[str, Any]:
    """The weekly talk's opening: what it is, the guiding questions, last week's action, a start button."""
    words = _talk_words(language)
    questions = "\n".join(f"• {q}" for q in words["guiding_questions"])
    lines = [words["opening"].format(questions=questions, **_minutes())]
    action = storage.last_agreed_action(couple_id, before=before)
    if action:
        lines.append(words["recall"].format(action=action))
    return {"text": "\n\n".join(lines), "buttons": [{"title": words["start_button"], "payload": "/talk_start"}]}


def talk_started(language: Optional[str] = None) -> str:
    """Said when the first turn begins."""
    return _talk_words(language)["started"].format(**_minutes())


def talk_turn_end(turn: int, language: Optional[str] = None) -> str:
    """Said when a turn ends: reflect back, then the second turn; after the second, the closing question."""
    words = _talk_words(language)
    return (words["turn_over"] if int(turn) == 1 else words["closing"]).format(**_minutes())


def turn_text(details: Dict[str, Any]) -> str:
    """What a ``talk_turn`` reminder says in its chat, in the language kept with it: turn 0 tells a partner
    elsewhere that the first turn began (or, with ``resumed``, that the talk was picked up), 1 and 2 a turn's end."""
    language, turn = details.get("language"), int(details.get("turn", 1))
    resumed = details.get("resumed")
    if resumed:
        words = step_words(language)
        return words["resumed"].format(turn=words["turns"][int(resumed["turn"]) - 1], left=resumed["left"])
    return talk_started(language) if turn == 0 else talk_turn_end(turn, language)


def step_words(language: Optional[str]) -> Dict[str, Any]:
    """The weekly talk's step, resume and stop sentences in ``language`` (English when missing)."""
    words = content.load("rituals")["weekly_talk_steps"]
    return {**words["en"], **words.get(_code(language), {})}


def step_buttons(words: Dict[str, Any]) -> List[Dict[str, str]]:
    """Yes, or suggest a change: the other partner's answer to a suggested step."""
    return [{"title": words["agree_button"], "payload": '/talk_action{"talk_choice": "agree"}'},
            {"title": words["change_button"], "payload": '/talk_action{"talk_choice": "change"}'}]


def resume_offer(couple_id: int, language: Optional[str] = None) -> Optional[Dict[str, Any]]:
    """After a pause: the talk stopped in whose turn, minutes left, pick it up or another time; None when done."""
    point = resume_point(couple_id)
    if point is None:
        return None
    words = step_words(language)
    return {"text": words["resume_offer"].format(turn=words["turns"][point.turn - 1], left=point.minutes_left),
            "buttons": [{"title": words["resume_button"], "payload": '/talk_start{"talk_choice": "resume"}'},
                        {"title": words["later_button"], "payload": '/talk_start{"talk_choice": "later"}'}]}


def step_message(details: Dict[str, Any]) -> Dict[str, Any]:
    """A ``talk_step`` message: the other partner asked (with buttons), or the proposer told it was agreed."""
    words = step_words(details.get("language"))
    if details.get("say") == "agreed":
        return {"text": words["agreed"].format(action=details.get("action", ""))}
    return {"text": words["ask_partner"].format(action=details.get("action", "")), "buttons": step_buttons(words)}


def money_checklist_text(couple_id: int, key: str = "checklist", language: Optional[str] = None) -> str:
    """The money date's opening (``key`` "opening") or its checklist in ``language``, the couple's own items
    numbered (the default items, kept in English, said in ``language``; the couple's own words as they are)."""
    words = _ritual_words("money_date", language)
    defaults = dict(zip(content.load("rituals")["money_date"]["default_checklist"], words["default_checklist"]))
    items = "\n".join(f"{n}. {defaults.get(item, item)}"
                       for n, item in enumerate(storage.money_checklist(couple_id), start=1))
    return words[key].format(items=items)


def checkin_prompt(variant: Optional[str], language: Optional[str] = None) -> Dict[str, Any]:
    """A check-in prompt for a channel that sends it itself: the mood buttons and, in ``language``, the
    words of the domain's prompt (``utter_checkin_prompt`` or ``..._appreciation``)."""
    appreciation = variant == "appreciation"
    message = dict(content.load("channels/reminders")["checkin_appreciation" if appreciation else "checkin"])
    response = "utter_checkin_prompt_appreciation" if appreciation else "utter_checkin_prompt"
    translated = private_words.word("rituals", _code(language), "responses", response)
    return {**message, "text": str(translated)} if translated else message


def ritual_message(reminder: DueReminder) -> Optional[Dict[str, Any]]:
    """Text and buttons of a due ritual reminder that depend on it; None for every other reminder."""
    language = (reminder.details or {}).get("language")  # kept when planned (or when the weekly talk started)
    if reminder.kind == storage.CHECKIN_KIND:
        return checkin_prompt(reminder.details.get("variant"), language)
    if reminder.kind == storage.SUMMARY_KIND:
        until = storage.summary_until(reminder.details, reminder.due_at)
        return {"text": promise_summary_text(reminder.couple_id, until, language)}
    if reminder.kind == OPEN_KIND:
        return talk_opening(reminder.couple_id, reminder.due_at, language)
    if reminder.kind == storage.MONEY_KIND:
        return {"text": money_checklist_text(reminder.couple_id, "opening", language)}
    if reminder.kind == TURN_KIND:
        return {"text": turn_text(reminder.details or {})}
    if reminder.kind == STEP_KIND:
        return step_message(reminder.details)
    if reminder.kind == RESUME_KIND:  # nothing left to pick up (already resumed or finished): a short line
        return resume_offer(reminder.couple_id, language) or {"text": step_words(language)["nothing_to_resume"]}
    return None
