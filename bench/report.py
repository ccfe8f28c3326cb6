"""The benchmark's printed table, built from the same dictionary that goes to the JSON file."""
from __future__ import annotations

from typing import Any, Dict, List, Optional


def _fmt(value: Optional[float], unit: str = "") -> str:
    return "-" if value is None else f"{value:g}{unit}"


def _rss(record: Dict[str, Any]) -> str:
    peak = record.get("rss_peak_mb") or {}
    if not peak:
        return "-"
    parts = "/".join(str(peak[name]) for name in ("rasa", "actions", "gateway") if name in peak)
    return f"{parts} = {record.get('rss_peak_total_mb')}" if len(peak) > 1 else parts


def variant_rows(records: List[Dict[str, Any]]) -> List[str]:
    """One line per variant and load level."""
    lines = []
    for record in records:
        head = f"{record['variant']:<30} {_fmt(record.get('start_seconds'), ' s'):>7} {_rss(record):>20}"
        if record.get("error"):
            lines.append(f"{head}  FAILED: {record['error'][:80]}")
            continue
        for i, (level, s) in enumerate(record.get("levels", {}).items()):
            prefix = head if i == 0 else " " * len(head)
            lines.append(f"{prefix} {level:>5} {s['msg_per_s']:>7} {_fmt(s['p50_ms']):>7} {_fmt(s['p95_ms']):>7} "
                         f"{_fmt(s['p99_ms']):>7} {s['errors'] + s['wrong_recipient']:>4}")
        lines.append(f"{'':<30} {record.get('setup', '')}")
    return lines


def target_lines(report: Dict[str, Any]) -> List[str]:
    """The issue's three targets, met or not, with the figures behind them."""
    lines = []
    ratio = report.get("throughput_ratio_50")
    r50 = (report.get("ratios") or {}).get("50") or {}
    if ratio is not None:
        ok = ratio >= 2 and r50.get("kintsugi_p95_lower")
        lines.append(f"  50 conversations: Kintsugi ({r50.get('kintsugi')}) {ratio}x the stock bot's msg/s "
                     f"({r50.get('stock')}), p95 {'lower' if r50.get('kintsugi_p95_lower') else 'NOT lower'} -> "
                     f"{'met' if ok else 'NOT met'} (target >= 2x with lower p95)")
        strict = r50.get("vs_fastest_stock")
        if strict and strict.get("stock") != r50.get("stock"):
            ok = (strict["throughput_ratio"] or 0) >= 2 and strict["kintsugi_p95_lower"]
            lines.append(f"     stricter, against the fastest stock variant ({strict['stock']}): "
                         f"{strict['throughput_ratio']}x, p95 {'lower' if strict['kintsugi_p95_lower'] else 'NOT lower'}"
                         f" -> {'met' if ok else 'NOT met'}")
    p50 = report.get("kintsugi_p50_one_user_ms")
    if p50 is not None:
        lines.append(f"  one user: p50 {p50} ms on {report.get('kintsugi_p50_one_user_variant')} -> "
                     f"{'met' if p50 < 50 else 'NOT met'} (target < 50 ms)")
    crisis = report.get("crisis_path") or {}
    guard = crisis.get("safety_guard_p99_ms")
    if guard is not None:
        lines.append(f"  crisis path: SafetyGuard adds {guard} ms at p99 to every message "
                     f"(p50 {crisis.get('safety_guard_p50_ms')} ms) -> {'met' if guard < 5 else 'NOT met'} (< 5 ms)")
    for variant, e in (crisis.get("end_to_end") or {}).items():
        if e.get("added_p99_ms") is not None:
            lines.append(f"     end to end ({variant}, {e['samples']} each): crisis opening p99 {e['crisis_p99_ms']} ms vs "
                         f"ordinary opening {e['ordinary_p99_ms']} ms -> crisis path adds {e['added_p99_ms']} ms at p99 "
                         f"(p50 {e['added_p50_ms']:+} ms, p95 {e['added_p95_ms']:+} ms)")
            if e.get("cold_first_crisis_ms") is not None:
                lines.append(f"     first crisis reply of a fresh process (help lines load): {e['cold_first_crisis_ms']} ms "
                             f"vs first ordinary opening {e['cold_first_ordinary_ms']} ms (not in the figures above)")
    return lines


def print_report(report: Dict[str, Any]) -> None:
    """Print every figure of one run as a table."""
    print("\n" + "=" * 100)
    kt = (report.get("kintsugi_training") or {}).get("seconds")
    st = (report.get("stock_training") or {}).get("seconds")
    print(f"Training time: Kintsugi {_fmt(kt, ' s')}, stock (rasa init --no-prompt) {_fmt(st, ' s')}")
    if kt and st:
        print(f"   ratio Kintsugi/stock {kt / st:.2f}")
    print(f"\n{'variant':<30} {'start':>7} {'peak RSS MB':>20} {'conv':>5} {'msg/s':>7} {'p50':>7} {'p95':>7} "
          f"{'p99':>7} {'err':>4}")
    print(f"{'':<30} {'(1st answer)':>7} {'rasa/actions/gateway':>20} {'':>5} {'':>7} {'ms':>7} {'ms':>7} {'ms':>7}")
    for line in variant_rows(report.get("kintsugi", [])) + variant_rows(report.get("stock", [])):
        print(line)
    ratios = report.get("ratios") or {}
    if ratios:
        print("\nKintsugi / stock (fastest Kintsugi variant vs the stock bot as `rasa run` starts it, and vs the "
              "fastest stock variant):")
        print(f"{'conv':>5} {'msg/s ratio':>12} {'p50 ratio':>10} {'p95 ratio':>10}  pair")
        for level, r in ratios.items():
            strict = r.get("vs_fastest_stock") or {}
            for pair in (r, strict if strict.get("stock") != r.get("stock") else {}):
                if pair.get("kintsugi"):
                    print(f"{level:>5} {_fmt(pair.get('throughput_ratio')):>12} {_fmt(pair.get('p50_ratio')):>10} "
                          f"{_fmt(pair.get('p95_ratio')):>10}  {pair['kintsugi']} / {pair['stock']}")
        start_k = [r.get("start_seconds") for r in report.get("kintsugi", []) if r.get("start_seconds")]
        start_s = [r.get("start_seconds") for r in report.get("stock", []) if r.get("start_seconds")]
        if start_k and start_s:
            print(f"Start until first answer: Kintsugi {min(start_k)}-{max(start_k)} s (three processes), stock "
                  f"{min(start_s)}-{max(start_s)} s; ratio of the fastest {min(start_k) / min(start_s):.2f}")
        mem_k = [r.get("rss_peak_total_mb") for r in report.get("kintsugi", []) if r.get("rss_peak_total_mb")]
        mem_s = [r.get("rss_peak_total_mb") for r in report.get("stock", []) if r.get("rss_peak_total_mb")]
        if mem_k and mem_s:
            print(f"Peak RSS: Kintsugi {min(mem_k)}-{max(mem_k)} MB (all processes), stock {min(mem_s)}-{max(mem_s)} MB; "
                  f"ratio of the smallest {min(mem_k) / min(mem_s):.2f}")
    if report.get("levers"):
        print("\nLevers (with ÷ without: msg/s ratio, p50 ratio, per level):")
        for entry in report["levers"]:
            cells = "  ".join(f"{level} conv {v['msg_per_s_ratio']}x/{v['p50_ratio']}x" for level, v in entry.items()
                              if isinstance(v, dict))
            print(f"  {entry['lever']:<50} {cells}")
    replicas = report.get("replicas") or {}
    if replicas:
        print(f"\nOne vs two rasa replicas (PostgreSQL + Redis lock store, {replicas.get('concurrency')} conversations, "
              f"{replicas.get('cpus')} CPUs):")
        for count in ("1", "2"):
            level = (replicas.get(count) or {}).get("level") or {}
            print(f"  {count} replica(s): {_fmt(level.get('msg_per_s'), ' msg/s')}, p50 {_fmt(level.get('p50_ms'), ' ms')}, "
                  f"p95 {_fmt(level.get('p95_ms'), ' ms')}, {level.get('errors')} errors "
                  f"{(replicas.get(count) or {}).get('error') or ''}")
        print(f"  two ÷ one: {_fmt(replicas.get('throughput_two_over_one'), 'x')} msg/s, "
              f"p95 {_fmt(replicas.get('p95_two_over_one'), 'x')}")
    print("\nTargets:")
    for line in target_lines(report):
        print(line)
