"""Fixtures for the safety tests: one detector per session, the labelled messages."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def detector() -> Any:
    """The detector built from the real lexicon in content/safety."""
    from bot.safety.detector import SafetyDetector

    return SafetyDetector.from_directory()


@pytest.fixture(scope="session")
def labelled() -> Dict[str, List[Any]]:
    """tests/safety/labelled.yml: positives (dicts) and negatives (strings)."""
    with (HERE / "labelled.yml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)
