"""Picture cards: one per topic, a valid PNG of the expected size, real Chinese glyphs,
nothing clipped; served at /cards/{topic}.png."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from PIL import Image, ImageFont

from bot.cards import HEIGHT, WIDTH, Cards, find_font
from bot.engine import Engine
from handlers.http import make_app


@pytest.fixture(scope="module")
def cards(engine: Engine) -> Cards:
    return Cards(engine.booklet)


def test_every_topic_has_a_valid_card_with_nothing_clipped(cards: Cards) -> None:
    assert len(cards.topics()) >= 15
    for topic in cards.topics():
        card = cards.card(topic)
        assert card is not None, topic
        image = Image.open(io.BytesIO(card.png))
        assert image.format == "PNG" and image.size == (WIDTH, HEIGHT), topic
        assert len(card.boxes) >= 3, topic
        assert card.complete, f"{topic}: some text was shortened or cut"
        for left, top, right, bottom in card.boxes:
            assert 0 <= left < right <= WIDTH and 0 <= top < bottom <= HEIGHT, (topic, left, right)


def test_the_font_draws_chinese_not_boxes() -> None:
    font = ImageFont.truetype(str(find_font()), 48)
    masks = [bytes(font.getmask(ch)) for ch in "孝善养老"]
    assert len(set(masks)) == 4, "each character has its own glyph (no tofu boxes)"


def test_cards_follow_the_booklet(cards: Cards, engine: Engine) -> None:
    assert cards.card("help") is None and cards.card("nope") is None
    xiaoshan = next(t for t in engine.booklet.topics if t.topic == "xiaoshan")
    assert xiaoshan.card, "the booklet gives the card's key points"


async def test_served_over_http(
    engine: Engine, aiohttp_client: Callable[[web.Application], Awaitable[TestClient[Any, Any]]]
) -> None:
    client = await aiohttp_client(make_app(engine))
    resp = await client.get("/cards/xiaoshan.png")
    assert resp.status == 200 and resp.headers["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(await resp.read())).size == (WIDTH, HEIGHT)
    missing = await client.get("/cards/nope.png")
    assert missing.status == 404 and list(await missing.json()) == ["error"]


def test_the_menu_leaves_out_the_help_topic_named_in_the_booklet(engine: Engine) -> None:
    """The topic kept off the menu comes from booklet.yaml's roles, not from code."""
    from dataclasses import replace

    from handlers.http import topics_json

    booklet = engine.booklet
    roles = booklet.meta.roles.model_copy(update={"help_topic": "xiaoshan"})
    renamed = replace(booklet, meta=booklet.meta.model_copy(update={"roles": roles}))
    shown = [t.topic for t in renamed.menu_topics]
    assert "xiaoshan" not in shown and "help" in shown
    assert "help" not in [t.topic for t in booklet.menu_topics]
    assert Cards(renamed).topics() == shown and Cards(renamed).card("xiaoshan") is None
    assert '"topic": "xiaoshan"' not in topics_json(Engine(renamed)).decode()
