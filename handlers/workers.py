"""`policybot serve --workers N`: N processes answering on one port (pre-fork).

The parent loads the booklet and migrates the store once, then forks the workers: they
start at once and share the booklet's memory until they write to it. Each binds the port
with SO_REUSEPORT, so the kernel spreads connections among them, and all state goes
through the store (SQLite on one machine, PostgreSQL across machines). The first worker
alone polls Telegram, sets its webhook and applies the retention setting.

The parent only supervises: SIGTERM or Ctrl-C is passed to every worker, which finishes
its replies in flight; a worker that dies (killed, out of memory, a database down for a
moment) is started again, with a growing pause; one that exits with an error at its
very first start (a port in use, a bad database) stops them all with its exit code.
Workers end with the parent, even when it is killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
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
PR_SET_PDEATHSIG = 1  # prctl(2)
MAX_RESTARTS = 20  # in a row, within a minute each, before the parent gives up


def prepare(settings: Settings) -> None:
    """Migrate the store and settle its session key once, before any worker starts."""

    async def once() -> None:
        store = await Store.open(settings.db, settings.secret)
        await store.close()

    asyncio.run(once())


def _die_with_parent(parent: int) -> None:
    """A worker ends when the parent does, even by SIGKILL (Linux: PR_SET_PDEATHSIG):
    no orphan keeps answering on the port beside a new server."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the parent's SIGTERM still reaches it
        return
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


def supervise(workers: int, run: Callable[[int], int]) -> int:
    """Fork `workers` processes, each calling `run(index)` and exiting with its result;
    keep them running until SIGTERM or SIGINT; the exit code."""
    children: dict[int, tuple[int, float]] = {}  # pid: (worker index, started)
    stopping = False
    parent = os.getpid()
    blocked = {signal.SIGTERM, signal.SIGINT}

    def start(index: int) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        # a SIGTERM between fork and noting the child would never reach it: held back
        signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
        try:
            pid = os.fork()
            if pid == 0:  # the worker
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, blocked)
                _die_with_parent(parent)
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
        finally:
            if os.getpid() == parent:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, blocked)

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in blocked}
    code = 0
    restarts = 0
    started_once: set[int] = set()  # workers that got past their first start
    gc.freeze()  # the booklet stays in pages the workers share (no refcount writes by gc)
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
            if lived >= SETTLED_SECONDS:
                started_once.add(index)
            if index not in started_once and exit_code > 0:  # refused to start, not killed
                log.error("worker %d stopped at start (exit %d); stopping", index, exit_code)
                code = exit_code
                stop(signal.SIGTERM, None)
                continue
            started_once.add(index)
            restarts = restarts + 1 if lived < 60 else 0
            if restarts > MAX_RESTARTS:
                log.error("workers keep dying; stopping")
                code = 1
                stop(signal.SIGTERM, None)
                continue
            pause = min(10.0, 0.5 * 2 ** min(restarts, 5)) if lived < SETTLED_SECONDS else 0
            log.error("worker %d ended (exit %d) after %.0f s; starting it again%s", index,
                      exit_code, lived, f" in {pause:.0f} s" if pause else "")  # fmt: skip
            if pause:  # a database down for a moment: no restart storm
                time.sleep(pause)
                if stopping:
                    continue
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
