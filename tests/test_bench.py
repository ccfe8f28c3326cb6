"""The benchmark's bookkeeping: which figures it compares, and that every conversation is its own couple."""
from __future__ import annotations

from typing import Any, Dict

from bench.load import for_conversation
from bench.run import levers, ratios


def _record(name: str, rate: float, p95: float) -> Dict[str, Any]:
    return {"variant": name, "levels": {"50": {"msg_per_s": rate, "p50_ms": p95 / 2, "p95_ms": p95}}}


def test_headline_is_against_the_stock_bot_as_rasa_run_starts_it_with_the_fastest_beside_it() -> None:
    kintsugi = [_record("kintsugi-sqlite", 100, 900), _record("kintsugi-sqlite-redis-w2", 160, 600),
                {"variant": "kintsugi-broken", "error": "RuntimeError: no answer"}]
    stock = [_record("stock", 70, 800), _record("stock-pg-redis-w2-threads", 85, 650)]
    r = ratios(kintsugi, stock, [50])["50"]
    assert (r["kintsugi"], r["stock"], r["throughput_ratio"], r["kintsugi_p95_lower"]) == \
        ("kintsugi-sqlite-redis-w2", "stock", 2.29, True)
    strict = r["vs_fastest_stock"]
    assert (strict["stock"], strict["throughput_ratio"], strict["kintsugi_p95_lower"]) == \
        ("stock-pg-redis-w2-threads", 1.88, True)


def test_without_the_default_stock_run_the_fastest_stock_variant_is_the_headline() -> None:
    r = ratios([_record("kintsugi-sqlite", 100, 900)], [_record("stock-threads", 50, 1000)], [50])["50"]
    assert r["stock"] == "stock-threads" and r["throughput_ratio"] == 2.0


def test_levers_compare_with_and_without() -> None:
    found = levers([_record("kintsugi-sqlite", 100, 900), _record("kintsugi-sqlite-untuned", 25, 4000)], [50])
    assert found == [{"lever": "bot.rasa_plugins.tuning (SQLite)", "with": "kintsugi-sqlite",
                      "without": "kintsugi-sqlite-untuned", "50": {"msg_per_s_ratio": 4.0, "p50_ratio": 0.23}}]


def test_every_conversation_is_a_different_couple() -> None:
    ana = {"partner_id": "rest:ana", "chat_type": "group"}
    one, two = for_conversation(ana, "c-1"), for_conversation(ana, "c-2")
    assert one["partner_id"] != two["partner_id"] and one["chat_type"] == "group"
    assert ana["partner_id"] == "rest:ana"  # the script's own turn is left as it is
    assert for_conversation({"chat_type": "private"}, "c-1") == {"chat_type": "private"}


def test_long_conversation_blocks_and_growth() -> None:
    from bench.long import blocks, growth

    found = blocks([10.0] * 100 + [20.0] * 100 + [30.0] * 50)
    assert [(b["from"], b["to"], b["p50_ms"]) for b in found] == [(0, 99, 10.0), (100, 199, 20.0), (200, 249, 30.0)]
    assert growth(found) == 3.0 and growth(found[:1]) is None


def test_every_result_file_the_readmes_cite_is_committed() -> None:
    """A published figure names its result file, and that file is in the repository (issue 17)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    cited = set()
    for readme in (root / "README.md", root / "bench" / "README.md", root / "docs" / "safety-eval.md"):
        text = readme.read_text(encoding="utf-8")
        cited |= set(re.findall(r"bench/results/([\w.-]+\.(?:json|txt))", text))
        cited |= {name for name in re.findall(r"`(\d{8}T\d{6}Z\.json)`", text)}
    assert cited, "the READMEs cite no result file"
    missing = sorted(name for name in cited if not (root / "bench" / "results" / name).is_file())
    assert not missing, f"cited but not committed: {missing}"


def test_fresh_conversations_arrive_at_random_moments_and_overlap() -> None:
    """Issue 21's newcomers arrive on their own (a seeded Poisson stream), so several can be in
    flight at once; sent back to back, one waits for the other."""
    import asyncio
    from unittest import mock

    import bench.long as long

    in_flight, peak = [0], [0]

    async def fake_send(session: Any, url: str, sender: str, text: str, metadata: Any, timeout: float) -> None:
        in_flight[0] += 1
        peak[0] = max(peak[0], in_flight[0])
        await asyncio.sleep(0.02)
        in_flight[0] -= 1

    class Turn:
        text, metadata = "hi", {}

    async def run(arrival: Any) -> int:
        peak[0] = 0
        with mock.patch.object(long, "_send", fake_send):
            out = await long._fresh(None, "http://x", [[Turn()]], 40, "f", arrival)  # type: ignore[arg-type]
        assert len(out) == 40 and all(ms >= 15 for ms in out)
        return peak[0]

    assert asyncio.run(run(None)) == 1
    assert asyncio.run(run(0.005)) > 1


def test_the_rise_comes_with_an_interval_that_widens_with_fewer_samples() -> None:
    import random

    from bench.long import rise_interval

    draw = random.Random(3)
    alone = [draw.lognormvariate(4, 0.4) for _ in range(400)]
    slower = [value * 1.5 for value in alone]
    low, high = rise_interval(alone, slower, rounds=400)
    assert low <= 1.5 <= high and high < 2.0  # a real 1.5x rise is inside, and told apart from none
    same_low, same_high = rise_interval(alone[:200], alone[200:], rounds=400)
    assert same_low < 1.0 < same_high  # no rise: 1.0 is inside
    few_low, few_high = rise_interval(alone[:20], alone[20:40], rounds=400)
    assert few_high - few_low > same_high - same_low  # fewer samples, wider interval
    assert rise_interval([], alone) is None
