"""A daily ritual's time said in German, Spanish and French (parse_daily_time): the same rule as English.

A 24-hour clock (Uhr, h, heures) is read as said; a bare hour 1-11 follows the English rule ("at 9" is
21:00 unless the words say morning); "abends", "de la noche", "du soir" make it the evening, "morgens",
"de la mañana", "du matin" the morning; weekdays, weekends, named days and spans of days."""
from __future__ import annotations

import pytest

from bot.language.timeparse import parse_daily_time

EVERY, WEEK, WEEKEND = "0123456", "01234", "56"

GERMAN = [
    ("werktags um 7:30 Uhr", "07:30", WEEK),
    ("Wir wollen jeden Abend um 21 Uhr einchecken", "21:00", EVERY),
    ("jeden Abend um 9", "21:00", EVERY),
    ("jeden Abend um 9 Uhr", "21:00", EVERY),
    ("um 21 Uhr", "21:00", EVERY),
    ("montags bis freitags um 7 Uhr", "07:00", WEEK),
    ("von Montag bis Freitag um 7:30 Uhr", "07:30", WEEK),
    ("Mo-Fr um 6:45 Uhr", "06:45", WEEK),
    ("jeden Morgen um 7", "07:00", EVERY),
    ("morgens um 6:30", "06:30", EVERY),
    ("täglich um 9 Uhr abends", "21:00", EVERY),
    ("am Wochenende um 10 Uhr", "10:00", WEEKEND),
    ("samstags und sonntags um 11 Uhr", "11:00", WEEKEND),
    ("dienstags und donnerstags um 20 Uhr", "20:00", "13"),
    ("freitags bis sonntags um 19 Uhr", "19:00", "456"),
    ("am Abend um 8", "20:00", EVERY),
    ("jeden Tag um 7 Uhr 15", "07:15", EVERY),
    ("unter der Woche um 22 Uhr", "22:00", WEEK),
    ("verleg unseren Check-in auf 20:15 Uhr", "20:15", EVERY),
]

SPANISH = [
    ("a las 21", "21:00", EVERY),
    ("todos los días a las 9 de la noche", "21:00", EVERY),
    ("cada mañana a las 7:30", "07:30", EVERY),
    ("de lunes a viernes a las 7:30 de la mañana", "07:30", WEEK),
    ("del lunes al viernes a las 21:00", "21:00", WEEK),
    ("todas las noches a las 10", "22:00", EVERY),
    ("cada noche a las 22 h", "22:00", EVERY),
    ("los fines de semana a las 11 de la mañana", "11:00", WEEKEND),
    ("el fin de semana a las 20", "20:00", WEEKEND),
    ("entre semana a las 7 de la mañana", "07:00", WEEK),
    ("los martes y jueves a las 8 de la tarde", "20:00", "13"),
    ("los miercoles a las 19", "19:00", "2"),
    ("los sábados y domingos a las 10:15", "22:15", WEEKEND),
    ("lun-vie a las 6:45 de la mañana", "06:45", WEEK),
    ("por la mañana a las 8", "08:00", EVERY),
    ("queremos hacer el check-in a las 20:30", "20:30", EVERY),
    ("de viernes a domingo a las 9 de la noche", "21:00", "456"),
]

FRENCH = [
    ("à 21h", "21:00", EVERY),
    ("tous les soirs à 21 h", "21:00", EVERY),
    ("du lundi au vendredi à 7h30", "07:30", WEEK),
    ("tous les matins à 7h", "07:00", EVERY),
    ("chaque soir à 9", "21:00", EVERY),
    ("chaque soir à 9h", "21:00", EVERY),
    ("à 9 heures du soir", "21:00", EVERY),
    ("à 7 heures du matin", "07:00", EVERY),
    ("à 21 heures", "21:00", EVERY),
    ("en semaine à 6h45", "06:45", WEEK),
    ("le week-end à 10h", "10:00", WEEKEND),
    ("les samedis et dimanches à 11h", "11:00", WEEKEND),
    ("le mardi et le jeudi à 20h", "20:00", "13"),
    ("lun.-ven. à 7h", "07:00", WEEK),
    ("du vendredi au dimanche à 19h", "19:00", "456"),
    ("tous les jours à 20h15", "20:15", EVERY),
    ("chaque matin à 7:30", "07:30", EVERY),
]


def _reading(words: str):
    parsed = parse_daily_time(words)
    return None if parsed is None else (f"{parsed[0]:02d}:{parsed[1]:02d}", parsed[2])


@pytest.mark.parametrize("words, time, days", GERMAN + SPANISH + FRENCH)
def test_a_daily_time_in_german_spanish_and_french(words: str, time: str, days: str) -> None:
    assert _reading(words) == (time, days)


@pytest.mark.parametrize("table", [GERMAN, SPANISH, FRENCH])
def test_each_language_has_at_least_fifteen_phrases(table) -> None:
    assert len(table) >= 15


@pytest.mark.parametrize("alone, in_the_evening, in_the_morning", [
    ("at 9", "every evening at 9", "every morning at 9"),
    ("um 9", "jeden Abend um 9", "jeden Morgen um 9"),
    ("a las 9", "todas las noches a las 9", "todas las mañanas a las 9"),
    ("à 9", "tous les soirs à 9", "tous les matins à 9"),
])
def test_a_bare_nine_follows_the_english_rule_in_every_language(alone: str, in_the_evening: str,
                                                                in_the_morning: str) -> None:
    """A bare hour is read as English reads "at 9" (the evening); the evening words agree, morning words win."""
    assert _reading(alone) == _reading("at 9") == ("21:00", EVERY)
    assert _reading(in_the_evening) == ("21:00", EVERY)
    assert _reading(in_the_morning) == ("09:00", EVERY)


@pytest.mark.parametrize("words, expected", [
    ("can you remind us to do our check-in every evening at 9", (21, 0, EVERY)),
    ("weekdays at 7:30am", (7, 30, WEEK)),
    ("every morning at 7", (7, 0, EVERY)),
    ("saturdays and sundays at 10:15 pm", (22, 15, WEEKEND)),
    ("at 9 30", (21, 0, EVERY)),
    ("at 7:30", (19, 30, EVERY)),
    ("weekdays at 7", (19, 0, WEEK)),
    ("mon-fri at 9am", (9, 0, WEEK)),
    ("every day at 12 o'clock", (12, 0, EVERY)),
])
def test_english_is_read_as_before(words: str, expected) -> None:
    assert parse_daily_time(words) == expected


@pytest.mark.parametrize("words", ["wir wollen einchecken", "queremos un check-in", "on veut un check-in"])
def test_no_time_named_is_none(words: str) -> None:
    assert parse_daily_time(words) is None


@pytest.mark.parametrize("words, time, days", [
    # hours in words, beside a clock word
    ("jeden Abend um neun", "21:00", EVERY),
    ("jeden Morgen um sieben", "07:00", EVERY),
    ("um ein Uhr nachts", "01:00", EVERY),
    ("todas las noches a las nueve", "21:00", EVERY),
    ("a la una de la tarde", "13:00", EVERY),
    ("tous les soirs à neuf heures", "21:00", EVERY),
    ("vers huit heures du matin", "08:00", EVERY),
    # halves and quarters
    ("jeden Abend um halb acht", "19:30", EVERY),
    ("werktags um Viertel nach sieben morgens", "07:15", WEEK),
    ("um Viertel vor neun abends", "20:45", EVERY),
    ("dreiviertel acht morgens", "07:45", EVERY),
    ("a las nueve y media de la noche", "21:30", EVERY),
    ("de lunes a viernes a las siete y cuarto de la mañana", "07:15", WEEK),
    ("cada mañana a las ocho menos cuarto", "07:45", EVERY),
    ("tous les soirs à neuf heures et demie", "21:30", EVERY),
    ("le matin à sept heures et quart", "07:15", EVERY),
    # the night's small hours stay small
    ("um drei Uhr nachts", "03:00", EVERY),
    ("a las once de la noche", "23:00", EVERY),
    # English spans with "through"
    ("monday through friday at 8am", "08:00", WEEK),
    ("from saturday to sunday at 10am", "10:00", WEEKEND),
])
def test_spoken_times_halves_and_quarters(words: str, time: str, days: str) -> None:
    assert _reading(words) == (time, days)


@pytest.mark.parametrize("words", [
    "il y a une heure",          # a duration, not one o'clock
    "las dos cosas",             # the two things
    "once a day",
    "drei Stunden lang",
])
def test_numbers_that_are_not_a_time_stay_none(words: str) -> None:
    assert parse_daily_time(words) is None


def test_a_deux_is_together_not_two_o_clock() -> None:
    assert _reading("une soirée à deux samedi") == ("19:00", "5")  # the evening, on Saturday


def test_minutes_of_a_clock_are_not_an_hour() -> None:
    assert parse_daily_time("um 0:07 Uhr") == (0, 7, EVERY)
