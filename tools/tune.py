"""Developer aid: search the matcher's weights and refusal rules on the DEV sets only.

Usage: python tools/tune.py tests/eval/dev.yaml tests/eval/dev2.yaml
The held-out sets (holdout.yaml, final.yaml) are never used here; they measure the result.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

from bot.engine import Engine
from bot.evaluation import load_items
from bot.matcher import Tuning, Verdict
from bot.normalize import Kind
from bot.settings import DEFAULT_POLICIES


def main() -> None:
    matcher = Engine.from_folder(DEFAULT_POLICIES).matcher
    cached = []
    for path in sys.argv[1:]:
        for item in load_items(Path(path)):
            normal = matcher.normalizer(item.q)
            tokens = matcher.tokens(normal.text) if normal.kind is Kind.TEXT else []
            if tokens:  # greetings and empties do not depend on the weights
                cached.append((item, normal, matcher.evidence(normal.text, tokens, normal.surface)))
    results = []
    grid = itertools.product(
        (0.4, 0.5), (0.2, 0.3), (0.1, 0.15, 0.2), (0.05, 0.1), (0.1, 0.15),
        (38.0, 42.0, 46.0), (3.0, 5.0), (0.3, 0.4, 0.5), (20.0, 25.0, 30.0),
    )  # fmt: skip
    for fz, wd, tp, asp, it, threshold, margin, fw, floor in grid:
        matcher.tuning = Tuning(fz, wd, tp, asp, it, threshold, margin, 80.0, fw, floor)
        right = total = refused = oos = 0
        for item, normal, evidence in cached:
            match = matcher.decide(normal, evidence)
            answered = match.verdict is Verdict.MATCHED
            if item.intent is None:
                oos += 1
                refused += not answered
            else:
                total += 1
                best = match.best.intent.id if match.best else None
                right += answered and best in (item.intent, *item.also)
        results.append((right / total, refused / oos, matcher.tuning))
    results.sort(key=lambda r: min(r[0], r[1]) + r[0] + r[1], reverse=True)
    for acc, rej, tuning in results[:12]:
        print(f"in-scope {acc:.3f} refusal {rej:.3f} {tuning}")


if __name__ == "__main__":
    main()
