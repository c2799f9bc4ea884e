"""The benchmark and load scripts still work (bounded smoke runs; no time limits)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from benchmarks.load import run
from bot.settings import PROJECT_ROOT


async def test_load_smoke_no_errors_no_drops() -> None:
    out = await run(sessions=50, seconds=3)
    assert out.sent > 50 and out.errors == 0 and out.dropped == 0
    assert out.rss_mb, "memory was sampled"


def test_benchmark_smoke_prints_its_table() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--smoke"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    for part in ("matching, real booklet", "naive extractOne", "HTTP /api/ask", "/healthz",
                 "peak RSS", "cold start"):  # fmt: skip
        assert part in done.stdout, part


async def test_wechat_benchmark_runs_and_prints_its_table(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from benchmarks.wechat import main

    await main(["--messages", "40"])
    table = capsys.readouterr().out
    assert table.splitlines()[0].split()[:2] == ["mode", "followers"]
    assert table.count("plaintext ") == 2 and table.count("safe ") == 2
