"""GET /booklet: the whole booklet on one page, escaped, searchable, printable, self-contained."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.engine import Engine
from handlers.booklet_page import page_bytes
from handlers.http import make_app

Client = TestClient[Any, Any]
MakeClient = Callable[[web.Application], Awaitable[Client]]

HOSTILE = '<script>alert("x")</script> & 1 < 2'


@pytest.fixture
async def client(engine: Engine, aiohttp_client: MakeClient) -> Client:
    return await aiohttp_client(make_app(engine))


async def _page(client: Client) -> str:
    resp = await client.get("/booklet")
    assert resp.status == 200
    assert resp.content_type == "text/html" and resp.charset == "utf-8"
    return await resp.text()


async def test_every_question_has_its_title_answer_source_and_anchor(
    client: Client, engine: Engine
) -> None:
    page = await _page(client)
    booklet = engine.booklet
    assert booklet.menu_topics
    for topic in booklet.menu_topics:
        assert f'id="topic-{topic.topic}"' in page
        assert f"<h2>{html.escape(topic.title)}</h2>" in page
        assert f'<img class="card" src="/cards/{topic.topic}.png" loading="lazy" alt="' in page
        for intent in topic.intents:
            assert f"<h3>{html.escape(intent.title)}</h3>" in page, intent.id
            assert f'<article class="intent" id="{intent.id}">' in page
            assert f'href="/booklet#{intent.id}"' in page
            assert f"来源：{html.escape(booklet.cite(intent))}" in page
    assert page.count(">复制链接</a>") == sum(len(t.intents) for t in booklet.menu_topics)
    assert '<input id="q" type="search"' in page  # the search box


async def test_figures_are_bold(client: Client) -> None:
    page = await _page(client)
    assert '<strong class="figure">10%</strong>' in page  # 孝善养老: 10%–20%


async def test_the_print_stylesheet(client: Client) -> None:
    page = await _page(client)
    start = page.index("@media print {")
    block = page[start : page.index("\n}\n", start)]
    assert "size: A4" in block
    sizes = [float(n) for n in re.findall(r"font-size:\s*([\d.]+)pt", block)]
    assert sizes and min(sizes) >= 14
    assert not re.findall(r"font-size:\s*[\d.]+(?:px|em|rem|%)", block)  # all in pt
    assert re.search(r"\.search[^{]*\{\s*display:\s*none", block)
    assert "break-before: page" in block and "page-break-before: always" in block


async def test_nothing_is_loaded_from_elsewhere(client: Client) -> None:
    resp = await client.get("/booklet")
    page = await resp.text()
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*//""", page)
    assert "url(" not in page and "@import" not in page
    policy = resp.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "img-src 'self'" in policy
    script = page[page.index("<script>") + len("<script>") : page.index("</script>")]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy  # the inline script is the one allowed


def _hostile_booklet(booklet_dir: Callable[[str], Path]) -> Engine:
    folder = booklet_dir("valid")
    path = folder / "topics" / "xiaoshan.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in (
        ("孝善养老：子女交孝善资金，政府奖补。", HOSTILE),
        ("title: 孝善养老是什么？", "title: '<b>孝善</b>养老是什么？'"),
        ("summary: 子女交孝善资金，政府奖补。", "summary: '\" onerror=\"alert(1)'"),
    ):
        assert old in text
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return Engine.from_folder(folder)


async def test_every_value_is_escaped(
    booklet_dir: Callable[[str], Path], aiohttp_client: MakeClient
) -> None:
    client = await aiohttp_client(make_app(_hostile_booklet(booklet_dir)))
    page = await _page(client)
    assert HOSTILE not in page and "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; " in page
    assert page.count("<script>") == 1  # the page's own
    assert "<b>孝善</b>" not in page and "<h3>&lt;b&gt;孝善&lt;/b&gt;养老是什么？</h3>" in page
    assert 'onerror="alert(1)' not in page and "&quot; onerror=&quot;alert(1)" in page


def test_the_page_is_built_once_per_booklet(
    engine: Engine, booklet_dir: Callable[[str], Path]
) -> None:
    cache: dict[str, Any] = {}
    first = page_bytes(engine.booklet, cache)
    assert page_bytes(engine.booklet, cache) is first  # the same bytes, not built again
    other = _hostile_booklet(booklet_dir).booklet
    rebuilt = page_bytes(other, cache)
    assert rebuilt is not first and b"&lt;script&gt;" in rebuilt


async def test_a_printed_page_says_these_are_2017_2018_rules(client: Client) -> None:
    page = await _page(client)
    assert "这是枣庄2017–2018年的政策，现在可能有变，办事前请问村扶贫专干或您家的帮扶干部。" in page
