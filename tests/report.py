"""Figures tests want printed at the end of the run (accuracy, recall, rates).

``record("NLU cross-validation", ["im_flooded  F1 0.97", ...])``; conftest.py prints
every section in pytest's terminal summary, so `make test` always shows them.
"""
from __future__ import annotations

from typing import Dict, List

SECTIONS: Dict[str, List[str]] = {}


def record(title: str, lines: List[str]) -> None:
    """Keep ``lines`` to print under ``title`` when the run ends."""
    SECTIONS.setdefault(title, []).extend(lines)
