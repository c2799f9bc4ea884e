"""The store: the same behaviour from SQLite, PostgreSQL and memory (masked questions,
feedback, context, retention, budgets, message keys); then what is SQLite's own
(migrations of old files, WAL, locks, a full disk) and PostgreSQL's own."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from benchmarks.postgres import Server as PostgresServer
from benchmarks.postgres import running
from bot.engine import Engine
from bot.store import MIGRATIONS, Budget, Health, Store, StoreError
from bot.store.base import question_row
from bot.store.migrations import render
from bot.store.sql import Done, SqlStore, Step


@pytest.fixture(params=["sqlite", "memory", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """Each store in turn: every test below that takes `store` runs against all three."""
    target: str | Path = {"sqlite": tmp_path / "bot.sqlite3", "memory": ":memory:"}.get(
        request.param, ""
    )
    if request.param == "postgresql":
        target = request.getfixturevalue("postgres_url")
    opened = await Store.open(target)
    yield opened
    await opened.close()  # an open connection's thread would keep the process alive


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    opened = await Store.open(tmp_path / "bot.sqlite3")
    assert isinstance(opened, SqlStore)
    yield opened
    await opened.close()


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
    await store.record(reply, "normalized", "http", "session-1")
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


async def test_wrong_answers_count_thumbs_down_and_不对_after_an_answer(
    store: Store, engine: Engine
) -> None:
    await store.record(engine.ask("邻里互助有什么好处"), "x", "http", "s1")
    await store.record(engine.ask("不对"), "不对", "http", "s1")  # says linli.what was wrong
    await store.record(engine.ask("孝善养老是什么"), "x", "http", "s2")
    await store.feedback("xiaoshan.what", False, "孝善养老是什么", "http", "s2")
    await store.feedback("xiaoshan.what", True, "孝善养老是什么", "http", "s3")
    await store.record(engine.ask("不对"), "不对", "http", "s4")  # nothing answered before
    assert engine.ask("不对").reason == "wrong"
    assert await store.wrong_answers(since=0) == {"linli.what": 1, "xiaoshan.what": 1}
    assert await store.wrong_answers(since=time.time() + 3600) == {}


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


async def test_a_locked_database_is_retried_then_kept_until_it_works(
    tmp_path: Path, engine: Engine, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Another process holding the write lock (issue 10, item 3): the first write is
    retried, then the store says it is not writable and stops retrying, so answers do
    not wait seconds each; the questions are kept and written once the lock is gone."""
    import bot.store.sql as module

    monkeypatch.setattr(module, "RETRIES", (0.01, 0.01))
    monkeypatch.setattr(module, "BUSY_MS", 1)
    monkeypatch.setattr(module, "DEGRADED_BUSY_MS", 2)
    path = tmp_path / "locked.sqlite3"
    store = await Store.open(path)
    blocker = sqlite3.connect(path, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")
    with pytest.raises(StoreError):
        await store.record(engine.ask("孝善养老是什么"), "x", "http")
    assert "retrying" in caplog.text and "failed after 3 attempt(s)" in caplog.text
    health = store.health()
    assert not health.writable and "locked" in health.reason and health.backlog == 1
    caplog.clear()
    with pytest.raises(StoreError):
        await store.feedback("xiaoshan.amount", True, "孝善养老", "http")
    assert "retrying" not in caplog.text, "no retries while writes are known to fail"
    assert store.health().backlog == 2
    assert not (await store.probe()).writable
    blocker.rollback()
    blocker.close()
    assert (await store.probe()).writable and store.health().backlog == 0
    assert "writes work again (2 kept row(s) written)" in caplog.text
    await store.record(engine.ask("孝善养老是什么"), "x", "http")
    assert (await store._one("SELECT COUNT(*) FROM questions"))[0] == 2
    assert (await store._one("SELECT COUNT(*) FROM feedback"))[0] == 1
    await store.close()


async def test_a_full_disk_is_not_retried_and_nothing_is_lost(
    tmp_path: Path, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """A full disk (SQLite's page limit stands in for it: the same SQLITE_FULL error) is
    not worth retrying; the questions wait in memory and are written when space is back."""
    store = await Store.open(tmp_path / "full.sqlite3")
    assert isinstance(store, SqlStore)
    pages = (await store.db.read("PRAGMA page_count"))[0][0]
    await store.db.read(f"PRAGMA max_page_count = {pages}")
    long = "孝善养老" * 400
    for _ in range(3):
        with contextlib.suppress(StoreError):
            await store.record(engine.ask(long), long, "http")
    health = store.health()
    assert not health.writable and "full" in health.reason
    assert "retrying" not in caplog.text
    kept = health.backlog
    assert kept >= 1
    await store.db.read("PRAGMA max_page_count = 1073741823")
    assert (await store.probe()).writable
    assert (await store._one("SELECT COUNT(*) FROM questions"))[0] == 3
    await store.close()


async def test_sessions_are_hashed_with_a_secret_key(tmp_path: Path, engine: Engine) -> None:
    """Unsalted sha256("telegram:<id>") could be reversed by trying ids (issue 10, item 4):
    the hash is keyed; the key is made at the first start and kept, or given as a setting."""
    import hashlib

    path = tmp_path / "bot.sqlite3"
    store = await Store.open(path)
    assert isinstance(store, SqlStore)
    await store.record(engine.ask("孝善养老是什么"), "x", "telegram", "123456789")
    kept = (await store.db.read("SELECT session FROM questions"))[0][0]
    assert kept != hashlib.sha256(b"telegram:123456789").hexdigest()[:32]
    await store.close()
    again = await Store.open(path)
    assert again.session_key("telegram", "123456789") == kept, "the key survives a restart"
    await again.close()
    given = await Store.open(tmp_path / "other.sqlite3", secret="a-secret-from-settings-123")
    assert given.session_key("telegram", "123456789") not in (kept, None)
    await given.close()


async def test_old_unsalted_session_hashes_are_erased(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(";".join(render(m, "sqlite") for m in MIGRATIONS[:3]))
    db.execute("PRAGMA user_version = 3")
    db.execute(
        "INSERT INTO questions (at, channel, session, text, normalized, matched, reason,"
        " score, guesses) VALUES (1, 'telegram', 'abc', 'q', 'q', 1, 'matched', 90, '[]')"
    )
    db.commit()
    db.close()
    store = await Store.open(path)
    assert isinstance(store, SqlStore)
    assert (await store.db.read("SELECT session, text FROM questions")) == [(None, "q")]
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
    db.executescript(render(MIGRATIONS[0], "sqlite") + render(MIGRATIONS[1], "sqlite"))
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


async def test_a_corrupted_file_is_reported_at_once_not_retried(
    sqlite_store: SqlStore, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """sqlite3.DatabaseError (a corrupted page) used to bypass the store's error handling
    and reach the person as a 500 (issue 10, item 3): now it is a StoreError, at once."""
    attempts = 0

    async def broken(*_: object) -> None:
        nonlocal attempts
        attempts += 1
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr(sqlite_store.db, "run", broken)
    with pytest.raises(StoreError, match="malformed"):
        await sqlite_store.record(engine.ask("孝善养老是什么"), "x", "http")
    assert attempts == 1
    assert sqlite_store.health().backlog == 1, "the question is kept to be written later"


async def test_a_failed_read_is_a_store_error(sqlite_store: SqlStore) -> None:
    with pytest.raises(StoreError):
        await sqlite_store._one("SELECT * FROM no_such_table")


async def test_a_garbage_file_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "garbage.db"
    path.write_bytes(b"not sqlite " * 500)
    with pytest.raises(StoreError, match=r"garbage\.db"):
        await Store.open(path)


async def test_deleted_rows_are_overwritten_and_context_is_kept_a_day(
    sqlite_store: SqlStore,
) -> None:
    """Retention (issue 10, item 4): secure_delete, so a deleted question does not stay
    in the file until a checkpoint; context is used for 10 minutes and kept a day."""
    store = sqlite_store
    assert (await store.db.read("PRAGMA secure_delete"))[0][0] == 1
    await store.remember("web", "old", "xiaoshan", None)
    await store.remember("web", "new", "yiliao", None)
    two_days = time.time() - 2 * 86_400
    await store.db.run([Step("UPDATE context SET at = ? WHERE topic = 'xiaoshan'",
                             (two_days,))], 1000)  # fmt: skip
    await store.purge(older_than=time.time() - 90 * 86_400)
    assert (await store.db.read("SELECT topic FROM context")) == [("yiliao",)]


# budgets, message keys, lists and tokens: every store ------------------------------


async def test_budgets_count_until_full_then_say_how_long_to_wait(store: Store) -> None:
    person = [Budget("person", 3, 60.0)]
    assert [await store.spend(person) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = await store.spend(person)
    assert 59.0 < wait <= 60.0, "the oldest of the three leaves the window in a minute"
    assert await store.spend([Budget("someone else", 3, 60.0)]) == 0.0


async def test_a_refused_question_counts_against_no_budget(store: Store) -> None:
    """The address has room but the person has none: the address is not charged."""
    await store.spend([Budget("p", 1, 60.0)])
    for _ in range(5):
        assert await store.spend([Budget("addr", 2, 60.0), Budget("p", 1, 60.0)]) > 0
    assert await store.spend([Budget("addr", 2, 60.0)]) == 0.0
    assert await store.spend([Budget("addr", 2, 60.0)]) == 0.0
    assert await store.spend([Budget("addr", 2, 60.0)]) > 0


async def test_a_short_window_empties(store: Store) -> None:
    second = [Budget("*", 1, 0.2)]
    assert await store.spend(second) == 0.0
    assert 0 < await store.spend(second) <= 0.2
    await asyncio.sleep(0.25)
    assert await store.spend(second) == 0.0


async def test_a_key_is_new_once(store: Store) -> None:
    assert await store.first_time("wechat:o1:1001")
    assert not await store.first_time("wechat:o1:1001")
    assert await store.first_time("wechat:o1:1002")


async def test_numbered_lists_and_tokens(store: Store) -> None:
    assert await store.numbered("wechat", "o1", 600) is None
    await store.keep_numbered("wechat", "o1", ["xiaoshan.what", "linli.what"], "全文 13905371234")
    found = await store.numbered("wechat", "o1", 600)
    assert found is not None and found[0] == ["xiaoshan.what", "linli.what"]
    assert found[1] is not None and "13905371234" not in found[1], "kept masked"
    assert await store.numbered("wechat", "o2", 600) is None
    assert await store.token("wechat") is None
    await store.keep_token("wechat", "T1", 100.5)
    await store.keep_token("wechat", "T2", 200.5)
    assert await store.token("wechat") == ("T2", 200.5)


async def test_forget_ends_the_context(store: Store) -> None:
    await store.remember("web", "s", "xiaoshan", None)
    await store.forget("web", "s")
    assert await store.context("web", "s", 600) is None


async def test_urgent_questions_come_first(store: Store, engine: Engine) -> None:
    await store.record(engine.ask("今天天气怎么样"), "x", "http")
    urgent = engine.ask("俺娘住院了拿不出钱咋办")
    assert urgent.urgent
    await store.record(urgent, "y", "http")
    rows = await store.unanswered(since=0)
    assert rows[0]["urgent"] == urgent.urgent and rows[-1]["urgent"] is None


# the SQL stores -------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return tmp_path / "bot.sqlite3"


async def test_the_writes_of_one_moment_share_one_transaction(
    sql_target: str | Path, engine: Engine
) -> None:
    """Group commit: 50 people asking at once cost a few transactions, not 50, and each
    is answered only after its question is written."""
    store = await Store.open(sql_target)
    assert isinstance(store, SqlStore)
    try:
        reply = engine.ask("孝善养老是什么")
        before = store.transactions
        await asyncio.gather(*(store.record(reply, "x", "http", f"s{i}") for i in range(50)))
        assert store.transactions - before <= 3
        assert (await store.db.read("SELECT COUNT(*) FROM questions"))[0][0] == 50
    finally:
        await store.close()


async def test_two_stores_on_one_database_share_everything(sql_target: str | Path) -> None:
    """Two replicas: a context, a budget, a message key and a token kept by one are
    seen by the other."""
    a = await Store.open(sql_target)
    b = await Store.open(sql_target)
    try:
        assert a.key == b.key, "one session key, made once"
        await a.remember("web", "s", "xiaoshan", "xiaoshan.what")
        found = await b.context("web", "s", 600)
        assert found is not None and found.topic == "xiaoshan"
        budget = [Budget("p", 2, 60.0)]
        assert await a.spend(budget) == 0.0 and await b.spend(budget) == 0.0
        assert await a.spend(budget) > 0 and await b.spend(budget) > 0
        assert await a.first_time("k") and not await b.first_time("k")
        await a.keep_token("wechat", "T", 9.0)
        assert await b.token("wechat") == ("T", 9.0)
    finally:
        await a.close()
        await b.close()


async def test_a_budget_holds_when_replicas_count_at_once(sql_target: str | Path) -> None:
    """Four stores counting one person at once: exactly the limit gets through."""
    stores = [await Store.open(sql_target) for _ in range(4)]
    try:
        budget = [Budget("one person", 5, 60.0)]
        waits = await asyncio.gather(*(s.spend(budget) for s in stores for _ in range(5)))
        assert sum(1 for w in waits if w == 0.0) == 5
    finally:
        for s in stores:
            await s.close()


# PostgreSQL's own -----------------------------------------------------------------


async def test_replicas_starting_together_migrate_once(postgres_url: str) -> None:
    stores = await asyncio.gather(*(Store.open(postgres_url) for _ in range(4)))
    try:
        assert [await s.version() for s in stores] == [len(MIGRATIONS)] * 4
        assert len({s.key for s in stores}) == 1
    finally:
        for s in stores:
            await s.close()


async def test_postgres_keeps_no_session_and_no_personal_data(
    postgres_url: str, engine: Engine
) -> None:
    import asyncpg

    store = await Store.open(postgres_url)
    reply = engine.ask("俺身份证370402195003151234，电话13905371234，孝善养老咋办")
    await store.record(reply, reply.normalized, "telegram", "123456789")
    await store.remember("telegram", "123456789", "xiaoshan", None, facts="电话13905371234")
    await store.spend([Budget(store.session_key("budget", "telegram:123456789") or "", 5, 60)])
    await store.close()
    db = await asyncpg.connect(postgres_url)
    try:
        dump = ""
        for table in ("questions", "context", "hits", "feedback", "seen"):
            dump += repr(await db.fetch(f"SELECT * FROM {table}"))
    finally:
        await db.close()
    for secret in ("123456789", "370402195003151234", "13905371234"):
        assert secret not in dump


async def test_a_wrong_postgres_address_is_one_clear_error() -> None:
    with pytest.raises(StoreError, match=r"cannot connect to the database postgresql://u:\*\*\*@"):
        await Store.open("postgresql://u:secret@127.0.0.1:1/none")


async def test_a_postgres_restart_loses_no_question(
    engine: Engine, postgres_server: PostgresServer
) -> None:
    """The server goes away (a restart, a failover): people are still answered, their
    questions wait in memory, /readyz would say so; once it is back, all are written.
    (A cluster of its own, made with the shared server's binaries: this one is stopped.)"""
    with running(postgres_server.bin_dir) as server:
        store = await Store.open(server.url())
        assert isinstance(store, SqlStore)
        try:
            await store.record(engine.ask("孝善养老是什么"), "x", "http")
            server.stop()
            for text in ("一站式结算", "邻里互助"):
                with pytest.raises(StoreError):
                    await store.record(engine.ask(text), text, "http")
            health = store.health()
            assert not health.writable and health.backlog == 2
            server.start()
            for _ in range(50):  # the pool reconnects
                if (await store.probe()).writable:
                    break
                await asyncio.sleep(0.1)
            assert store.health() == Health(True, "", 0)
            assert (await store.db.read("SELECT COUNT(*) FROM questions"))[0][0] == 3
        finally:
            await store.close()


async def test_crossed_budgets_of_two_replicas_do_not_deadlock(sql_target: str | Path) -> None:
    """Replica A counts X then Y in one transaction while B counts Y then X (one family
    on both replicas, a village behind one address): the locks are taken in one order,
    so neither waits for PostgreSQL's deadlock detector (a second each time)."""
    a, b = await Store.open(sql_target), await Store.open(sql_target)
    try:
        x, y = [Budget("X", 1000, 60.0)], [Budget("Y", 1000, 60.0)]
        started = time.perf_counter()
        for _ in range(10):
            waits = await asyncio.gather(a.spend(x), a.spend(y), b.spend(y), b.spend(x))
            assert waits == [0.0] * 4
        assert time.perf_counter() - started < 5.0
        assert a.health().writable and b.health().writable
    finally:
        await a.close()
        await b.close()


async def test_a_nul_character_is_kept_the_same_way_everywhere(
    store: Store, engine: Engine
) -> None:
    """PostgreSQL refuses NUL in text (SQLite keeps it): it is dropped before storing,
    so the question is kept on every store and the store stays writable."""
    reply = engine.ask("孝善\x00养老是什么")
    await store.record(reply, "孝善\x00养老", "http", "s")
    await store.feedback(None, False, "没\x00用", "http", "s")
    assert store.health().writable and store.health().backlog == 0
    assert (await store.stats(since=0))["questions"] == 1


async def test_a_bad_kept_row_is_dropped_alone(sql_target: str | Path, engine: Engine) -> None:
    """A kept row that can never be written (it breaks a constraint) is dropped; the
    good rows kept with it are written, and the store says it works."""
    store = await Store.open(sql_target)
    assert isinstance(store, SqlStore)
    try:
        good = question_row(engine.ask("孝善养老是什么"), "x", "http", None, time.time())
        insert = ("INSERT INTO questions (at, channel, session, text, normalized, matched,"
                  " reason, intent, topic, score, guesses, urgent)"
                  " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")  # fmt: skip
        store._keep([Step(insert, good), Step("INSERT INTO meta (name, value) VALUES (?, ?)",
                                               ("bad", None)), Step(insert, good)])  # fmt: skip
        assert store.health().backlog == 3
        health = await store.probe()
        assert health == Health(True, "", 0) and store.dropped == 1
        assert (await store.db.read("SELECT COUNT(*) FROM questions"))[0][0] == 2
    finally:
        await store.close()


async def test_a_write_at_fault_fails_alone_and_the_store_stays_writable(
    sql_target: str | Path,
) -> None:
    store = await Store.open(sql_target)
    assert isinstance(store, SqlStore)
    try:
        with pytest.raises(StoreError):
            bad = Step("INSERT INTO meta (name, value) VALUES (?, ?)", ("bad", None))
            await store._write("a bad write", [bad], keep=True)
        assert store.health() == Health(True, "", 0), "not kept, not failing"
    finally:
        await store.close()


async def test_a_key_is_new_again_after_a_day(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert await store.first_time("card:web:s:xiaoshan")
    assert not await store.first_time("card:web:s:xiaoshan")
    later = time.time() + 86_400 + 5
    monkeypatch.setattr(time, "time", lambda: later)
    assert await store.first_time("card:web:s:xiaoshan"), "a day later the card is due again"


async def test_two_replicas_updating_the_same_conversations_do_not_deadlock(
    sql_target: str | Path,
) -> None:
    """Replica A's transaction updates the context of s1 then s2, B's of s2 then s1 (the
    same families asking both): rows are locked in one order, so no deadlock (under
    `--workers 2` on PostgreSQL this cost a second per collision: 60 answers/s)."""
    a, b = await Store.open(sql_target), await Store.open(sql_target)
    try:
        started = time.perf_counter()
        for _ in range(10):
            await asyncio.gather(
                a.remember("web", "s1", "xiaoshan", None), a.remember("web", "s2", "linli", None),
                b.remember("web", "s2", "yiliao", None), b.remember("web", "s1", "weifang", None),
            )  # fmt: skip
        assert time.perf_counter() - started < 5.0
        assert a.health().writable and b.health().writable
    finally:
        await a.close()
        await b.close()


async def test_a_question_written_twice_is_kept_once(
    sql_target: str | Path, engine: Engine
) -> None:
    """The connection drops after COMMIT: the store cannot know it was written and
    writes it again (a retry, the backlog). The row's own token keeps it once."""
    store = await Store.open(sql_target)
    assert isinstance(store, SqlStore)
    try:
        real = store.db.run

        async def twice(steps: Sequence[Step], busy_ms: int) -> list[Done]:
            await real(steps, busy_ms)  # committed; then the answer is lost
            return await real(steps, busy_ms)  # the retry

        store.db.run = twice  # type: ignore[method-assign]
        await store.record(engine.ask("孝善养老是什么"), "x", "http")
        await store.feedback("xiaoshan.what", True, "孝善养老是什么", "http")
        store.db.run = real  # type: ignore[method-assign]
        assert (await store.db.read("SELECT COUNT(*) FROM questions"))[0][0] == 1
        assert (await store.db.read("SELECT COUNT(*) FROM feedback"))[0][0] == 1
    finally:
        await store.close()
