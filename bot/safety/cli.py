"""``kintsugi safety classify [FILE]``: one message per line in, one JSON object per line out.

Reads stdin when FILE is missing or "-". Undecodable bytes are replaced, never
fatal. Also runs as ``python -m bot.safety.cli classify FILE``.
"""
from __future__ import annotations

import argparse
import io
import json
import sys
from typing import BinaryIO, Iterable, Iterator, List, Optional, TextIO


def _lines(stream: BinaryIO) -> Iterator[str]:
    """Decoded lines of a byte stream, without their line endings."""
    for raw in stream:
        yield raw.decode("utf-8", errors="replace").rstrip("\r\n")


def classify_lines(lines: Iterable[str], out: TextIO) -> int:
    """Write one JSON verdict per input line; return how many were flagged."""
    from bot.safety.detector import get_detector

    detector = get_detector()
    flagged = 0
    for text in lines:
        result = detector.assess(text)
        flagged += result.flagged
        record = {"text": text, "level": result.level, "category": result.category, "match": result.match}
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()
    return flagged


def classify_main(argv: Optional[List[str]] = None) -> int:
    """Entry point for ``safety classify``; returns a process exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["classify"]:
        args = args[1:]
    parser = argparse.ArgumentParser(
        prog="kintsugi safety classify",
        description="Assess messages (one per line) and print one JSON object per line.")
    parser.add_argument("file", nargs="?", default="-", help="input file (default: stdin)")
    ns = parser.parse_args(args)
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n", write_through=True) \
        if hasattr(sys.stdout, "buffer") else sys.stdout
    try:
        if ns.file == "-":
            classify_lines(_lines(sys.stdin.buffer), out)
        else:
            try:
                with open(ns.file, "rb") as fh:
                    classify_lines(_lines(fh), out)
            except OSError as exc:
                print(f"kintsugi safety classify: cannot read {ns.file}: {exc.strerror}", file=sys.stderr)
                return 2
    except BrokenPipeError:  # e.g. piped into `head`
        return 0
    finally:
        if out is not sys.stdout:
            out.detach()
    return 0


if __name__ == "__main__":
    raise SystemExit(classify_main())
