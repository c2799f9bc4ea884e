"""ruff and mypy are part of the test suite."""

from __future__ import annotations

import subprocess
import sys

from bot.settings import PROJECT_ROOT


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
        timeout=600, check=False,
    )  # fmt: skip


def test_ruff_lint() -> None:
    done = _run("ruff", "check", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format() -> None:
    done = _run("ruff", "format", "--check", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy() -> None:
    done = _run("mypy")
    assert done.returncode == 0, done.stdout + done.stderr
