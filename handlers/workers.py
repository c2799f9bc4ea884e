"""`policybot serve --workers N`: N processes answering on one port (pre-fork).

The parent loads the booklet and migrates the store once, then forks the workers: they
start at once and share the booklet's memory until they write to it. Each binds the port
with SO_REUSEPORT, so the kernel spreads connections among them, and all state goes
through the store (SQLite on one machine, PostgreSQL across machines). The first worker
alone polls Telegram, sets its webhook and applies the retention setting.

The parent only supervises: SIGTERM or Ctrl-C is passed to every worker, which finishes
its replies in flight; a worker that dies (killed, out of memory) is started again,
unless it exits with an error at start (a port in use, a database down), when
everything stops with its exit code.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable

from bot.engine import Engine
from bot.settings import Settings
from bot.store import Store

log = logging.getLogger(__name__)

SETTLED_SECONDS = 10.0  # a worker that lived this long is restarted when it dies
MAX_RESTARTS = 20  # in a row, within a minute each, before the parent gives up


def prepare(settings: Settings) -> None:
    """Migrate the store and settle its session key once, before any worker starts."""

    async def once() -> None:
        store = await Store.open(settings.db, settings.secret)
        await store.close()

    asyncio.run(once())


def supervise(workers: int, run: Callable[[int], int]) -> int:
    """Fork `workers` processes, each calling `run(index)` and exiting with its result;
    keep them running until SIGTERM or SIGINT; the exit code."""
    children: dict[int, tuple[int, float]] = {}  # pid: (worker index, started)
    stopping = False

    def start(index: int) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the worker
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 1
            try:
                code = run(index)
            except BaseException:
                logging.getLogger(__name__).exception("worker %d failed", index)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        children[pid] = (index, time.monotonic())

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    code = 0
    restarts = 0
    try:
        for index in range(workers):
            start(index)
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            if pid not in children:
                continue
            index, started = children.pop(pid)
            exit_code = os.waitstatus_to_exitcode(status)
            if stopping:
                continue
            lived = time.monotonic() - started
            if lived < SETTLED_SECONDS and exit_code > 0:  # refused to start, not killed
                log.error("worker %d stopped at start (exit %d); stopping", index, exit_code)
                code = exit_code if exit_code > 0 else 1
                stop(signal.SIGTERM, None)
                continue
            restarts = restarts + 1 if lived < 60 else 0
            if restarts > MAX_RESTARTS:
                log.error("workers keep dying; stopping")
                code = 1
                stop(signal.SIGTERM, None)
                continue
            log.error("worker %d ended (exit %d) after %.0f s; starting it again",
                      index, exit_code, lived)  # fmt: skip
            start(index)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code


def serve_workers(settings: Settings, engine: Engine, workers: int,
                  serve_one: Callable[[Settings, Engine, int, int], int]) -> int:  # fmt: skip
    """Migrate once, then run `serve_one(settings, engine, index, workers)` in each.
    The workers count their metrics in files of one folder (prometheus_client's
    multiprocess mode), so /metrics from any of them sums all."""
    prepare(settings)
    own = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
    if own:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="policybot-metrics-")
    try:
        return supervise(workers, lambda index: serve_one(settings, engine, index, workers))
    finally:
        if own:
            shutil.rmtree(os.environ.pop("PROMETHEUS_MULTIPROC_DIR"), ignore_errors=True)
