"""`kintsugi safety classify` / `python -m bot.safety.cli classify`, run as a real process."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, List

from bot import PROJECT_ROOT

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONIOENCODING": "ascii"}  # output must not depend on it


def _run(args: List[str], stdin: bytes = b"") -> Any:
    """Run the CLI module and return the completed process."""
    return subprocess.run([sys.executable, "-m", "bot.safety.cli", *args], cwd=PROJECT_ROOT, input=stdin,
                          capture_output=True, timeout=180, env=ENV)


def _records(out: bytes) -> List[dict]:
    """One JSON object per output line."""
    return [json.loads(line) for line in out.decode("utf-8").splitlines()]


MESSAGES = "i want to kill myself\nthis traffic is killing me\nich will nicht mehr leben\n\nhe choked me 😢\n"


def test_classify_stdin() -> None:
    """No file: read stdin; one record per line, in order, with the four keys."""
    done = _run(["classify"], MESSAGES.encode())
    assert done.returncode == 0, done.stderr[-2000:]
    records = _records(done.stdout)
    assert [r["level"] for r in records] == ["crisis", "none", "crisis", "none", "crisis"]
    assert set(records[0]) == {"text", "level", "category", "match"}
    assert records[0] == {"text": "i want to kill myself", "level": "crisis",
                          "category": "suicide_self_harm", "match": "kill myself"}
    assert records[4]["text"] == "he choked me 😢"  # ensure_ascii=False: emoji kept as is
    assert "😢".encode() in done.stdout


def test_classify_file_and_dash(tmp_path: Path) -> None:
    """A file argument, CRLF endings, bad bytes replaced; "-" means stdin."""
    path = tmp_path / "messages.txt"
    path.write_bytes(b"he hit me\r\n\xff\xfe\xfa garbage \x00\r\nall good here\r\n")
    done = _run(["classify", str(path)])
    assert done.returncode == 0, done.stderr[-2000:]
    records = _records(done.stdout)
    assert [r["level"] for r in records] == ["crisis", "none", "none"]
    assert records[0]["category"] == "partner_violence" and records[0]["text"] == "he hit me"
    assert "\ufffd" in records[1]["text"]
    dash = _run(["classify", "-"], b"kms\n")
    assert _records(dash.stdout)[0]["level"] == "crisis"


def test_classify_missing_file() -> None:
    """A missing file is a clear error and exit code 2, not a traceback."""
    done = _run(["classify", "/nonexistent/messages.txt"])
    assert done.returncode == 2
    assert b"cannot read" in done.stderr and b"Traceback" not in done.stderr


def test_classify_main_in_process(tmp_path: Path, capsysbinary: Any) -> None:
    """classify_main() works when called directly (as bot/cli.py does)."""
    from bot.safety.cli import classify_main

    path = tmp_path / "m.txt"
    path.write_text("er schlägt mich\n", encoding="utf-8")
    assert classify_main(["classify", str(path)]) == 0
    record = _records(capsysbinary.readouterr().out)[0]
    assert (record["level"], record["category"]) == ("crisis", "partner_violence")
