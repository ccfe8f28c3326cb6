"""A past crisis the person says is over is not the crisis card; one that is coming back always is help."""
from __future__ import annotations

from typing import Any

import pytest

STILL_WORRYING = [
    "I tried to kill myself years ago and I got help, but I'm going to do it tonight",
    "Years ago I overdosed, I got help, but now I have the pills in my hand",
    "years ago i tried to kill myself, got help, gonna do it again",
    "I attempted suicide when I was 19. I got help. I want to die now.",
    "Five years ago I tried to end my life. Since I found her messages the thoughts are coming back.",
    "il y a cinq ans j'ai fait une tentative de suicide, mais ce soir je vais recommencer",
    "Vor zehn Jahren hab ich versucht mich umzubringen, mir geht es gut, aber heute Nacht mach ich es",
    "Hace años intenté suicidarme, estoy bien, pero esta noche lo voy a hacer",
    "he held my neck against the door until I couldn't breathe",
]

SAID_TO_BE_OVER = [
    "I was suicidal years ago, I got help, I'm fine now",
    "Five years ago I tried to end my life. I got help and those thoughts are gone.",
    "Hace años intenté suicidarme. Recibí ayuda y hoy estoy bien.",
    "The intake form asked about suicide. I said no.",
]


@pytest.mark.parametrize("text", STILL_WORRYING)
def test_a_crisis_coming_back_still_gets_help(detector: Any, text: str) -> None:
    assert detector.assess(text).level in {"check", "crisis"}


@pytest.mark.parametrize("text", SAID_TO_BE_OVER)
def test_a_past_crisis_said_to_be_over_is_not_the_crisis_card(detector: Any, text: str) -> None:
    assert detector.assess(text).level != "crisis"
