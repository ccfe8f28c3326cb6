"""Resident memory of process trees, read from /proc (Linux only)."""
from __future__ import annotations

import os
import threading
from typing import Dict, List, Optional


def _children() -> Dict[int, List[int]]:
    tree: Dict[int, List[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def tree_pids(root: int) -> List[int]:
    """``root`` and every process below it."""
    tree = _children()
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(tree.get(pid, []))
    return out


def rss_mb(pid: int) -> float:
    """Resident set size of one process in MB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tree_rss_mb(root: int) -> float:
    """Resident memory of a whole process tree in MB (Sanic workers included)."""
    return sum(rss_mb(pid) for pid in tree_pids(root))


class PeakMemory:
    """Samples the RSS of named process trees in the background and keeps each one's peak."""

    def __init__(self, roots: Dict[str, int], interval: float = 0.5) -> None:
        self.roots = roots
        self.interval = interval
        self.peak: Dict[str, float] = {name: 0.0 for name in roots}
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def sample(self) -> None:
        """Take one sample now."""
        for name, pid in self.roots.items():
            self.peak[name] = max(self.peak[name], tree_rss_mb(pid))

    def __enter__(self) -> "PeakMemory":
        self.sample()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.sample()


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time one process has used so far, in seconds."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(root: int) -> float:
    """CPU time used so far by a process tree's live processes, in seconds."""
    return sum(cpu_seconds(pid) for pid in tree_pids(root))
