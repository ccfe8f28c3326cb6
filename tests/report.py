"""Figures tests want printed at the end of the run (accuracy, recall, rates).

``record("NLU cross-validation", ["im_flooded  F1 0.97", ...])``; conftest.py prints
every section in pytest's terminal summary, so `make test` always shows them.

With pytest-xdist (`make test` runs ``-n auto``) the tests run in worker processes and the
summary is printed by the controller: each worker also appends its records to a file in the
folder the controller names in ``KINTSUGI_TEST_REPORT_DIR``, and ``sections()`` reads them all
back. Sections come out in test-file order (path by path, as pytest collects), then in the
order a file recorded them, whichever worker ran the file; without xdist, the same order.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List, Optional

REPORT_DIR = "KINTSUGI_TEST_REPORT_DIR"
SECTIONS: Dict[str, List[str]] = {}  # this process's sections, in the order they were recorded
_RECORDS: List[Dict[str, Any]] = []


def record(title: str, lines: List[str]) -> None:
    """Keep ``lines`` to print under ``title`` when the run ends."""
    SECTIONS.setdefault(title, []).extend(lines)
    test = os.environ.get("PYTEST_CURRENT_TEST", "")
    entry = {"file": test.split("::", 1)[0], "seq": len(_RECORDS), "title": title, "lines": list(lines)}
    _RECORDS.append(entry)
    folder, worker = os.environ.get(REPORT_DIR), os.environ.get("PYTEST_XDIST_WORKER")
    if folder and worker:
        with open(Path(folder) / f"{worker}.jsonl", "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")


def sections(folder: Optional[Path] = None) -> Dict[str, List[str]]:
    """Every section recorded in this process and by the workers that wrote to ``folder``."""
    entries = list(_RECORDS)
    if folder is not None and folder.is_dir():
        for path in sorted(folder.glob("*.jsonl")):
            entries.extend(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    entries.sort(key=lambda entry: (tuple(entry["file"].split("/")), entry["seq"]))
    merged: Dict[str, List[str]] = {}
    for entry in entries:
        merged.setdefault(entry["title"], []).extend(entry["lines"])
    return merged
