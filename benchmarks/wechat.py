"""How fast the 公众号 channel answers: signed XML posted to the real app (with its SQLite
store), one follower at a time and many at once, in plaintext and safe (AES) mode.
WeChat gives up on a passive reply after 5 seconds.

    .venv/bin/python -m benchmarks.wechat               # 300 messages per phase
    .venv/bin/python -m benchmarks.wechat --messages 100
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.engine import Engine
from bot.frontdoor import FrontDoor
from bot.ratelimit import Gate
from bot.service import Service
from bot.settings import DEFAULT_POLICIES
from bot.store import Store
from handlers.http import make_app
from handlers.metrics import Metrics
from handlers.wechat import WeChatChannel, WeChatSettings
from tests.helpers.fake_wechat import AES_KEY, APP_ID, TOKEN, Phone

QUESTIONS = ("俺娘的孝善钱公家添多少", "邻里互助有什么好处", "116元的保险管啥", "危房改造 对象",
             "住院能报多少")  # fmt: skip
CONCURRENT = 20


async def _phase(client: TestClient, safe: bool, messages: int,  # type: ignore[type-arg]
                 concurrent: int) -> tuple[list[float], float]:  # fmt: skip
    phones = [Phone(client, f"oBench{n}", safe=safe) for n in range(concurrent)]
    times: list[float] = []

    async def follower(phone: Phone, count: int) -> None:
        for n in range(count):
            xml = phone.text(QUESTIONS[n % len(QUESTIONS)])
            started = time.perf_counter()
            assert (await phone.say(xml)).startswith("【")
            times.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(follower(p, messages // concurrent) for p in phones))
    return times, time.perf_counter() - started


async def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    args = parser.parse_args(argv)
    engine = Engine.from_folder(DEFAULT_POLICIES)
    print(f"{'mode':<10} {'followers':>9} {'messages':>8} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'replies/s':>9}")  # fmt: skip
    for safe in (False, True):
        with tempfile.TemporaryDirectory() as folder:
            store = await Store.open(Path(folder) / "bench.sqlite3")
            service = Service(engine, store, DEFAULT_POLICIES)
            door = FrontDoor(service, Gate(100_000), Metrics())
            settings = WeChatSettings(TOKEN, APP_ID if safe else None, None,
                                      AES_KEY if safe else None)  # fmt: skip
            channel = WeChatChannel(settings, door, store)
            client = TestClient(TestServer(make_app(service, None, [channel], door=door)))
            await client.start_server()
            for concurrent in (1, CONCURRENT):
                times, wall = await _phase(client, safe, args.messages, concurrent)
                times.sort()
                p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
                print(f"{'safe' if safe else 'plaintext':<10} {concurrent:>9} {len(times):>8} "
                      f"{statistics.median(times) * 1000:>7.1f} {p99 * 1000:>7.1f} "
                      f"{len(times) / wall:>9.0f}")  # fmt: skip
            await client.close()
            await store.close()


if __name__ == "__main__":
    asyncio.run(main())
