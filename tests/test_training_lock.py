"""Parallel test workers (pytest-xdist) and other processes never train into models/ at once."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot import PROJECT_ROOT, stack

HOLDER = """
import sys
from pathlib import Path
from bot.stack import training_lock
with training_lock(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.readline()
print("released", flush=True)
"""


def _free(root: Path) -> bool:
    """Whether nobody holds the training lock under ``root`` (takes and drops it if free)."""
    with open(root / "models" / ".train.lock", "a") as handle:
        return stack._try_lock(handle)  # closing the file drops it


def test_a_second_process_waits_for_the_one_training(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], cwd=PROJECT_ROOT, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert not _free(tmp_path)
        holder.stdin.write("go\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "released"
        with stack.training_lock(tmp_path):
            assert not _free(tmp_path)
        assert _free(tmp_path)
    finally:
        holder.kill()
        holder.wait()


def test_check_and_training_run_under_the_lock(tmp_path: Path, monkeypatch) -> None:
    seen = []
    monkeypatch.setattr(stack, "_train_if_changed", lambda root, out, force, env: seen.append(_free(root)) or out)
    assert stack.train_if_changed(tmp_path, out=tmp_path / "out") == tmp_path / "out"
    assert seen == [False]
    assert _free(tmp_path)
