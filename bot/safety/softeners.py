"""Signs that a crisis phrase is joked, quoted or sung rather than meant now.

Laughter ("lol", "hahaha", 🤣) or a game's name anywhere in the message, or the
matched words standing inside quotation marks, lower ``crisis`` to ``check``: the person gets
one gentle question instead of the crisis card. Never lower to ``none``: a
joke can carry something real. The words live in ``content/safety/_softeners.yml``.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from bot.content import parse


# A straight single quote opens after a space, a bracket or the start, and closes before a space,
# punctuation or the end: an apostrophe ("l'appli", "I'll") never opens or closes a quotation.
_SINGLE_QUOTED = re.compile(r"(?:^|(?<=[\s(\[:]))'(.+?)'(?=$|[\s.,;:!?)\]])")


class Softeners:
    """Laughter and quotation marks, read from ``_softeners.yml``."""

    def __init__(self, config: Dict[str, Any]) -> None:
        """Compile the laughter words, runs and emoji, and the quotation mark pairs."""
        words = sorted(map(re.escape, config.get("laughter_words") or []), key=len, reverse=True)
        runs = [re.escape(r) + r"(?:" + re.escape(r) + r")+h?" for r in config.get("laughter_runs") or []]
        alternatives = "|".join(words + runs)
        self._laughter = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.I) if alternatives else None
        self._emoji = tuple(config.get("laughter_emoji") or ())
        play = sorted(map(re.escape, config.get("play_words") or []), key=len, reverse=True)
        self._play = re.compile(rf"(?<!\w)(?:{'|'.join(play)})(?!\w)", re.I) if play else None
        self._quotes: List[Tuple[str, str]] = [(str(a), str(b)) for a, b in config.get("quotes") or []]

    @classmethod
    def from_directory(cls, root: Path) -> Optional["Softeners"]:
        """The folder's ``_softeners.yml``, or None when it has none."""
        path = root / "_softeners.yml"
        return cls(parse(path)) if path.exists() else None

    def laughing(self, text: str) -> bool:
        """True when the message laughs."""
        return any(e in text for e in self._emoji) or bool(self._laughter and self._laughter.search(text))

    def quoted(self, text: str, match: Optional[str]) -> bool:
        """True when the matched words stand inside a pair of quotation marks."""
        if not match:
            return False
        for opening, closing in self._quotes:
            if opening == closing == "'":
                if any(match in found for found in _SINGLE_QUOTED.findall(text)):
                    return True
                continue
            start = 0
            while True:
                left = text.find(opening, start)
                if left < 0:
                    break
                right = text.find(closing, left + len(opening))
                if right < 0:
                    break
                if match in text[left + len(opening):right]:
                    return True
                start = right + len(closing)
        return False

    def playing(self, text: str) -> bool:
        """True when the message names a game."""
        return bool(self._play and self._play.search(text))

    def soften(self, text: str, match: Optional[str]) -> bool:
        """True when a crisis reading should become a gentle question."""
        return self.laughing(text) or self.quoted(text, match) or self.playing(text)
