"""Developer aid: search the matcher's weights and refusal rules on the DEV set only.

Usage: python tools/tune.py tests/eval/dev.yaml
The held-out set (tests/eval/holdout.yaml) is never used here; it measures the result.
"""

from __future__ import annotations

import dataclasses
import itertools
import sys
from pathlib import Path

from bot.engine import Engine
from bot.evaluation import load_items
from bot.matcher import Candidate, Match, Tuning, Verdict
from bot.normalize import Kind
from bot.settings import DEFAULT_POLICIES


def main() -> None:
    engine = Engine.from_folder(DEFAULT_POLICIES)
    matcher = engine.matcher
    items = load_items(Path(sys.argv[1]))
    cached = []
    for item in items:
        normal = matcher.normalizer(item.q)
        if normal.kind is not Kind.TEXT:
            continue  # greetings and empties do not depend on the weights
        tokens = matcher.tokens(normal.text)
        if not tokens:
            continue
        cached.append((item, normal, matcher.features(normal.text, tokens)))
    results = []
    grid = itertools.product(
        (0.4, 0.5, 0.6),
        (0.2, 0.3),
        (0.1, 0.15, 0.2),
        (0.05, 0.1, 0.15),
        (0.1, 0.15),
        (38.0, 42.0, 46.0),
        (3.0, 5.0),
    )
    for fz, wd, tp, asp, it, threshold, margin in grid:
        matcher.tuning = Tuning(fz, wd, tp, asp, it, threshold, margin)
        right = total = refused = oos = 0
        for item, normal, feats in cached:
            scores = matcher.combine(feats)
            order = scores.argsort()[::-1][:5]
            candidates = tuple(
                Candidate(matcher.intents[k], round(float(scores[k]), 1)) for k in order
            )
            verdict = matcher._verdict(normal, candidates)
            match = Match(verdict, normal, candidates)
            answered = verdict is Verdict.MATCHED
            if item.intent is None:
                oos += 1
                refused += not answered
            else:
                total += 1
                assert match.best is not None
                right += answered and match.best.intent.id in (item.intent, *item.also)
        results.append((right / total, refused / oos, dataclasses.replace(matcher.tuning)))
    results.sort(key=lambda r: min(r[0], r[1]) + r[0] + r[1], reverse=True)
    for acc, rej, tuning in results[:15]:
        print(f"in-scope {acc:.3f} refusal {rej:.3f} {tuning}")


if __name__ == "__main__":
    main()
