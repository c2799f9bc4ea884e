"""The store: migrations, WAL, masked questions, feedback, context, retention, retries."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.engine import Engine
from bot.store import MIGRATIONS, Store, StoreError


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "bot.sqlite3")
    yield opened
    await opened.close()  # an open connection's thread would keep the process alive


async def test_migrations_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "bot.sqlite3"
    store = await Store.open(path)
    assert await store.version() == len(MIGRATIONS)
    await store.close()
    again = await Store.open(path)  # applying twice is harmless
    assert await again.version() == len(MIGRATIONS)
    await again.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_questions_are_stored_masked(store: Store, engine: Engine) -> None:
    reply = engine.ask("俺身份证370402195003151234，电话13905371234，孝善养老咋办")
    qid = await store.record(reply, "normalized", "http", "session-1")
    assert qid > 0
    refused = engine.ask("孩子上大学的助学贷款咋办，打13905371234")
    await store.record(refused, "助学贷款", "telegram", "chat-9")
    rows = await store.unanswered(since=0)
    assert len(rows) == 1 and rows[0]["reason"] == "out_of_scope"
    assert "13905371234" not in rows[0]["text"] and "[电话]" in rows[0]["text"]
    await store.close()


async def test_nothing_personal_reaches_the_file(tmp_path: Path, engine: Engine) -> None:
    path = tmp_path / "p.sqlite3"
    store = await Store.open(path)
    reply = engine.ask("俺身份证370402195003151234，卡号6222021602001234567，住东庄村12号")
    await store.record(reply, "x", "http", "s")
    await store.feedback(None, False, "电话13905371234", "http", "s")
    await store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    for secret in ("370402195003151234", "6222021602001234567", "东庄村12号", "13905371234"):
        assert secret.encode() not in raw


async def test_stats_and_feedback(store: Store, engine: Engine) -> None:
    for q in ("孝善养老是什么", "邻里互助有什么好处", "今天天气怎么样"):
        await store.record(engine.ask(q), q, "http")
    await store.feedback("xiaoshan.what", True, "孝善养老是什么", "http")
    await store.feedback("linli.what", False, "邻里互助", "telegram", "c1")
    stats = await store.stats(since=0)
    assert stats["questions"] == 3 and stats["answered"] == 2 and stats["refused"] == 1
    assert stats["topics"] == {"xiaoshan": 1, "linli": 1}
    assert stats["refusals"] == {"out_of_scope": 1}
    assert stats["feedback"] == {"helpful": 1, "not_helpful": 1}


async def test_retention_deletes_old_questions(store: Store, engine: Engine) -> None:
    await store.record(engine.ask("今天天气怎么样"), "x", "http")
    assert await store.purge(older_than=time.time() - 3600) == 0
    assert await store.purge(older_than=time.time() + 1) == 1
    assert await store.unanswered(since=0) == []


async def test_context_per_session(store: Store) -> None:
    assert await store.context("telegram", "42", max_age=600) is None
    await store.remember("telegram", "42", "xiaoshan", "xiaoshan.what")
    found = await store.context("telegram", "42", max_age=600)
    assert found is not None and found.topic == "xiaoshan"
    assert await store.context("http", "42", max_age=600) is None, "channels do not mix"
    assert await store.context("telegram", "42", max_age=-1) is None, "it expires"
    await store.remember("telegram", "42", "linli", None)
    found = await store.context("telegram", "42", max_age=600)
    assert found is not None and found.topic == "linli"
    assert await store.context("telegram", None, max_age=600) is None


async def test_sessions_are_not_stored_as_such(tmp_path: Path, engine: Engine) -> None:
    path = tmp_path / "s.sqlite3"
    store = await Store.open(path)
    await store.record(engine.ask("孝善养老是什么"), "x", "telegram", "123456789")
    await store.remember("telegram", "123456789", "xiaoshan", None)
    await store.close()
    with sqlite3.connect(path) as db:
        dump = "\n".join(db.iterdump())
    assert "123456789" not in dump


async def test_a_locked_database_is_retried_then_reported(
    tmp_path: Path, engine: Engine, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    import bot.store as module

    monkeypatch.setattr(module, "RETRIES", (0.01, 0.01))
    path = tmp_path / "locked.sqlite3"
    store = await Store.open(path)
    blocker = sqlite3.connect(path, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")
    await store._db.execute("PRAGMA busy_timeout = 1")
    with pytest.raises(StoreError):
        await store.record(engine.ask("孝善养老是什么"), "x", "http")
    assert "retrying" in caplog.text and "failed after 3 attempts" in caplog.text
    blocker.rollback()
    blocker.close()
    assert await store.record(engine.ask("孝善养老是什么"), "x", "http") > 0
    await store.close()


async def test_the_numbers_a_conversation_gave_are_kept_masked(store: Store) -> None:
    await store.remember("web", "s", "xiaoshan", "xiaoshan.who", facts="老人75岁 电话13905371234")
    found = await store.context("web", "s", max_age=600)
    assert found is not None and found.facts is not None
    assert "75岁" in found.facts and "13905371234" not in found.facts
    await store.remember("web", "s", "linli", "linli.what")
    found = await store.context("web", "s", max_age=600)
    assert found is not None and found.facts is None, "another topic drops them"


async def test_a_store_of_migration_two_gains_the_facts(tmp_path: Path) -> None:
    """A database made before migration 3 opens and keeps its context."""
    import sqlite3

    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0] + MIGRATIONS[1])
    db.execute("PRAGMA user_version = 2")
    db.commit()
    db.close()
    store = await Store.open(path)
    try:
        assert await store.version() == len(MIGRATIONS)
        await store.remember("web", "s", "xiaoshan", None, facts="每月交200")
        found = await store.context("web", "s", max_age=600)
        assert found is not None and found.facts == "每月交200"
    finally:
        await store.close()


async def test_a_corrupted_file_is_reported_at_once_not_retried(store: Store) -> None:
    """sqlite3.DatabaseError (a corrupted page) used to bypass the store's error handling
    and reach the person as a 500 (issue 10, item 3): now it is a StoreError, at once."""
    import sqlite3

    attempts = 0

    async def broken() -> None:
        nonlocal attempts
        attempts += 1
        raise sqlite3.DatabaseError("database disk image is malformed")

    with pytest.raises(StoreError, match="malformed"):
        await store._write("recording", broken)
    assert attempts == 1


async def test_a_failed_read_is_a_store_error(store: Store) -> None:
    with pytest.raises(StoreError):
        await store._one("SELECT * FROM no_such_table")


async def test_a_garbage_file_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "garbage.db"
    path.write_bytes(b"not sqlite " * 500)
    with pytest.raises(StoreError, match=r"garbage\.db"):
        await Store.open(path)
