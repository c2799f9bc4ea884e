"""Developer aid: how often the top-ranked intent is right, and score distributions.

Usage: python tools/analyze_eval.py tests/eval/dev.yaml
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.engine import Engine
from bot.evaluation import load_items
from bot.settings import DEFAULT_POLICIES


def main() -> None:
    engine = Engine.from_folder(DEFAULT_POLICIES)
    items = load_items(Path(sys.argv[1]))
    top1 = total = 0
    right_scores: list[float] = []
    wrong_scores: list[float] = []
    oos_scores: list[float] = []
    for item in items:
        m = engine.matcher.match(item.q)
        best = m.best.intent.id if m.best else None
        score = m.best.score if m.best else 0.0
        if item.intent is None:
            oos_scores.append(score)
            continue
        total += 1
        ok = best in (item.intent, *item.also)
        top1 += ok
        (right_scores if ok else wrong_scores).append(score)
        if not ok and "-q" not in sys.argv:
            print(f"RANK {item.intent} -> {best} {score:.1f} | {item.q[:60]}")
    print(f"top-1 ranking accuracy: {top1}/{total} = {top1 / total:.1%}")

    def q(xs: list[float]) -> str:
        xs = sorted(xs)
        if not xs:
            return "-"
        return " ".join(f"{xs[int(p * (len(xs) - 1))]:.0f}" for p in (0, 0.05, 0.1, 0.25, 0.5))

    print("right scores  p0 p5 p10 p25 p50:", q(right_scores))
    print("wrong scores  p0 p5 p10 p25 p50:", q(wrong_scores))
    print(
        "oos scores  p50 p75 p90 p95 max:",
        " ".join(
            f"{sorted(oos_scores)[int(p * (len(oos_scores) - 1))]:.0f}"
            for p in (0.5, 0.75, 0.9, 0.95, 1.0)
        ),
    )


if __name__ == "__main__":
    main()
