"""Shared fixtures: the real engine (built once), named booklet fixtures, the CLI."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import settings
from playwright.async_api import Browser, async_playwright

from benchmarks.postgres import Server, binaries, running
from bot.engine import Engine
from bot.settings import DEFAULT_POLICIES, PROJECT_ROOT

# CI draws the same property-test cases on every run (a fresh clone must not find a new
# failing case by chance); `benchmarks/run.py` is the place for long random runs
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("long", deadline=None, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

FIXTURES = Path(__file__).parent / "fixtures"
BOOKLETS = FIXTURES / "booklets"


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The engine on the real booklet, built once for the whole run."""
    return Engine.from_folder(DEFAULT_POLICIES)


@pytest.fixture
def booklet_dir(tmp_path: Path) -> Callable[[str], Path]:
    """A named booklet fixture: the valid one, with the named fixture's files on top."""

    def make(name: str) -> Path:
        target = tmp_path / "policies"
        shutil.copytree(BOOKLETS / "valid", target)
        if name != "valid":
            shutil.copytree(BOOKLETS / name, target, dirs_exist_ok=True)
            (target / "expected.yaml").unlink(missing_ok=True)
        return target

    return make


def run_cli(
    *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run `policybot` as a person would, in a fresh process."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin if stdin is not None else b"",
        capture_output=True,
        cwd=PROJECT_ROOT,
        env=full_env,
        timeout=120,
        check=False,
    )


@pytest.fixture(autouse=True)
def _no_store_in_the_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever a test starts keeps its memory in its own temporary folder."""
    monkeypatch.setenv("POLICYBOT_DB", str(tmp_path / "policybot.sqlite3"))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Server]:
    """A real PostgreSQL server for the whole run. Without Debian's postgresql the tests
    that need it are skipped on a workstation, and fail in CI (`.ci/run` installs it)."""
    found = binaries()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed: scripts/test installs postgresql")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    with running(found) as server:
        yield server


_databases = itertools.count(1)


@pytest.fixture
def postgres_url(postgres_server: Server) -> Iterator[str]:
    """A fresh, empty database on the test server, dropped afterwards."""
    name = f"t{os.getpid()}_{next(_databases)}"
    _admin(postgres_server, f'CREATE DATABASE "{name}"')
    yield postgres_server.url(name)
    _admin(postgres_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(server: Server, sql: str) -> None:
    """One statement on the server's own database, from a thread of its own (a fixture
    may be asked for from inside the test's event loop)."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, _execute(server.url(), sql)).result(timeout=60)


async def _execute(url: str, sql: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(url)
    try:
        await admin.execute(sql)
    finally:
        await admin.close()


# the web page tests drive Debian's Chromium (no browser download)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            yield browser
        finally:
            await browser.close()
