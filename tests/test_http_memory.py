"""The API with memory: session context, feedback, and the admin API."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.engine import Engine
from bot.service import Service
from bot.settings import DEFAULT_POLICIES
from bot.store import Store
from handlers.http import make_app

Client = TestClient[Any, Any]
TOKEN = "admin-token-0123456789"


@pytest.fixture
async def client(
    engine: Engine, tmp_path: Path, aiohttp_client: Callable[[web.Application], Awaitable[Client]]
) -> AsyncIterator[Client]:
    folder = tmp_path / "policies"
    shutil.copytree(DEFAULT_POLICIES, folder)
    store = await Store.open(tmp_path / "bot.sqlite3")
    service = Service(engine, store, folder)
    yield await aiohttp_client(make_app(service, admin_token=TOKEN))
    await store.close()


async def ask(client: Client, text: str, session: str | None = None) -> dict[str, Any]:
    body = {"text": text} if session is None else {"text": text, "session": session}
    resp = await client.post("/api/ask", json=body)
    assert resp.status == 200
    return dict(await resp.json())


async def test_follow_up_in_the_same_session(client: Client) -> None:
    assert (await ask(client, "孝善养老是什么", "web-1"))["intent"] == "xiaoshan.what"
    follow = await ask(client, "那要什么条件", "web-1")
    assert follow["intent"] == "xiaoshan.who" and "70岁" in follow["answer"]
    assert not (await ask(client, "那要什么条件", "web-2"))["matched"]
    assert not (await ask(client, "那要什么条件"))["matched"], "no session, no context"


async def test_feedback(client: Client) -> None:
    resp = await client.post("/api/feedback", json={
        "question": "孝善养老钱怎么领", "intent": "xiaoshan.what", "helpful": False,
        "session": "web-1"})  # fmt: skip
    data = await resp.json()
    assert resp.status == 200 and not data["matched"] and "村扶贫专干" in data["answer"]
    assert data["suggestions"]
    bad = await client.post("/api/feedback", json={"question": "x", "helpful": "yes"})
    assert bad.status == 400 and list(await bad.json()) == ["error"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/admin/unanswered"), ("GET", "/api/admin/stats"),
     ("POST", "/api/admin/reload"), ("GET", "/api/admin/version")],
)  # fmt: skip
async def test_admin_needs_the_token(client: Client, method: str, path: str) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong-token-000000000"},
                    {"Authorization": TOKEN}, {"Authorization": f"Basic {TOKEN}"},
                    {"Authorization": "Bearer "}):  # fmt: skip
        resp = await client.request(method, path, headers=headers)
        assert resp.status == 401 and list(await resp.json()) == ["error"]


async def test_admin_reports(client: Client) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    for text in ("俺家的羊生病了政府给治不", "俺家羊病了政府管治不", "孝善养老是什么"):
        await ask(client, text, "s")
    data = await (await client.get("/api/admin/unanswered?days=7", headers=auth)).json()
    assert data["groups"][0]["count"] == 2
    stats = await (await client.get("/api/admin/stats", headers=auth)).json()
    assert stats["questions"] == 3 and stats["answered"] == 1
    version = await (await client.get("/api/admin/version", headers=auth)).json()
    assert version["intents"] >= 60
    bad_days = await client.get("/api/admin/stats?days=abc", headers=auth)
    assert bad_days.status == 400


async def test_admin_reload_keeps_the_old_booklet_when_broken(
    client: Client, tmp_path: Path
) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    path = tmp_path / "policies" / "topics" / "linli.yaml"
    path.write_text(
        path.read_text("utf-8").replace("  - id: linli.who", "  - idd: linli.who"), "utf-8"
    )
    resp = await client.post("/api/admin/reload", headers=auth)
    data = await resp.json()
    assert resp.status == 422 and not data["reloaded"]
    assert any("topics/linli.yaml" in p for p in data["problems"])
    assert (await ask(client, "邻里互助有什么好处"))["intent"] == "linli.what", "still answering"
    path.write_text(
        path.read_text("utf-8").replace("  - idd: linli.who", "  - id: linli.who"), "utf-8"
    )
    ok = await client.post("/api/admin/reload", headers=auth)
    assert ok.status == 200 and (await ok.json())["reloaded"]


async def test_the_token_with_its_scheme_in_any_case(client: Client) -> None:
    for scheme in ("Bearer", "bearer", "BEARER"):
        resp = await client.get(
            "/api/admin/version", headers={"Authorization": f"{scheme} {TOKEN}"}
        )
        assert resp.status == 200


async def test_health_and_readiness_while_the_database_is_locked(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    aiohttp_client: Callable[[web.Application], Awaitable[Client]],
) -> None:  # fmt: skip
    """Another process holding the write lock (issue 10, item 3): people are still
    answered, /healthz says degraded with the reason, /readyz is 503; once the lock is
    gone, /readyz is 200 and every question asked meanwhile is stored."""
    import sqlite3

    import bot.store.sql as store_module

    monkeypatch.setattr(store_module, "BUSY_MS", 5)
    monkeypatch.setattr(store_module, "DEGRADED_BUSY_MS", 5)
    monkeypatch.setattr(store_module, "RETRIES", (0.01,))
    path = tmp_path / "bot.sqlite3"
    store = await Store.open(path)
    client = await aiohttp_client(make_app(Service(engine, store, DEFAULT_POLICIES)))
    ready = await client.get("/readyz")
    assert ready.status == 200 and (await ready.json())["status"] == "ok"
    health = await (await client.get("/healthz")).json()
    assert health["status"] == "ok" and health["store"] == {"writable": True, "backlog": 0}
    blocker = sqlite3.connect(path, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        for text in ("孝善养老是什么", "一站式结算", "邻里互助"):
            assert (await ask(client, text, "s"))["matched"]
        health = await (await client.get("/healthz")).json()
        assert health["status"] == "degraded" and "locked" in health["reason"]
        assert health["store"] == {"writable": False, "backlog": 3}
        ready = await client.get("/readyz")
        body = await ready.json()
        assert ready.status == 503 and body["status"] == "degraded" and body["reason"]
    finally:
        blocker.rollback()
        blocker.close()
    ready = await client.get("/readyz")
    assert ready.status == 200 and (await ready.json())["store"]["backlog"] == 0
    assert (await store._one("SELECT COUNT(*) FROM questions"))[0] == 3
    await store.close()
