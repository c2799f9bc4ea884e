"""The property tests, long and random: many more cases than CI draws, from a new seed
each time (printed, so a failure can be replayed with --seed).

    .venv/bin/python -m benchmarks.properties                  # 20x CI's cases
    .venv/bin/python -m benchmarks.properties --scale 100 --seed 1234

CI draws the same cases every run (the `ci` profile in tests/conftest.py); this is where
new failing cases are looked for.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from collections.abc import Sequence

from bot.settings import PROJECT_ROOT

FILES = ("tests/test_properties.py",)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=20, help="times CI's case counts")
    parser.add_argument("--seed", type=int, default=None, help="replay a printed seed")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["POLICYBOT_PROPERTY_SCALE"] = str(args.scale)
    print(f"property tests: {args.scale:g}x CI's cases, seed {seed}", flush=True)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *FILES,
         "--hypothesis-profile=long", f"--hypothesis-seed={seed}"],
        cwd=PROJECT_ROOT, env=env, check=False,
    )  # fmt: skip
    took = time.perf_counter() - started
    verdict = "passed" if done.returncode == 0 else f"FAILED (replay: --seed {seed})"
    print(f"property tests {verdict} in {took:.0f} s")
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
