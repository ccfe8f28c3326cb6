"""The product's own content (``content/``), read through one cached loader.

``content/`` holds what the product says and knows that is not Rasa training data:
the crisis lexicon (``safety/``), help lines (``resources/``), question coaching,
ground rules, escalation words, time words, and the texts of each channel.
``load("questions")`` reads ``content/questions.yml`` once per process; ``read(path)``
does the same for a YAML file anywhere (``domain.yml``, ``endpoints.yml``, a test copy).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Union

import yaml

from bot import PROJECT_ROOT

CONTENT_DIR = PROJECT_ROOT / "content"
# libyaml's loader when present: the crisis lexicon is large and read at every start.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def path_of(name: str) -> Path:
    """The file or folder ``content/<name>`` (``.yml`` added to a file name without a suffix)."""
    path = CONTENT_DIR / name
    if path.suffix or path.is_dir():
        return path
    return path.with_suffix(".yml")


def parse(path: Union[str, Path]) -> Any:
    """Parse one YAML file now, uncached (an empty file is ``{}``)."""
    with open(path, encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=_LOADER)
    return {} if data is None else data


@lru_cache(maxsize=None)
def _read(path: Path) -> Any:
    return parse(path)


def read(path: Union[str, Path]) -> Any:
    """Parse one YAML file once per process; callers must not change what they get."""
    return _read(Path(path).resolve())


def load(name: str) -> Any:
    """``content/<name>.yml``, parsed once per process (``load("safety/_policy")``)."""
    return read(path_of(name))


@lru_cache(maxsize=None)
def words(section: str, name: str, *, at_start: bool = False) -> "re.Pattern[str]":
    """The words ``content/words.yml`` lists under ``section.name``, as one case-blind pattern.

    ``at_start``: only at the beginning of a message (after spaces); otherwise anywhere, as whole words.
    """
    alternatives = "|".join(str(w) for w in load("words")[section][name])
    return re.compile((r"^\s*(" if at_start else r"\b(") + alternatives + r")\b", re.I)
