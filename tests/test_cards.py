"""Picture cards: one per topic, a valid PNG 1080 px wide and as tall as its content, real
Chinese glyphs and real emoji (no tofu boxes), nothing clipped, nothing in the margins, no
empty band, a source line big enough to read on a phone naming the sources of the card's
own points; served at /cards/{topic}.png."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any

import pydantic
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from PIL import Image, ImageChops, ImageDraw, ImageFont

from bot.booklet import CardPoint, Topic
from bot.cards import (
    COLOURS,
    EMOJI_STRIKE,
    MARGIN,
    WIDTH,
    Card,
    Cards,
    card_sources,
    find_emoji_font,
    find_font,
    render,
    source_label,
    wrap,
)
from bot.engine import Engine
from handlers.http import make_app

MISSING = "\U000f0000"  # a private-use character no font has: drawn as the .notdef box
SOURCE_MIN_PX = 28  # the source line on the 1080 px card: some 9 px on a 360 px phone


@pytest.fixture(scope="module")
def cards(engine: Engine) -> Cards:
    return Cards(engine.booklet)


@pytest.fixture(scope="module")
def drawn(cards: Cards) -> dict[str, Card]:
    out = {}
    for topic in cards.topics():
        card = cards.card(topic)
        assert card is not None, topic
        out[topic] = card
    return out


def _topic(engine: Engine, topic_id: str) -> Topic:
    return next(t for t in engine.booklet.topics if t.topic == topic_id)


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(find_font()), size)


@cache
def _emoji() -> ImageFont.FreeTypeFont:
    path = find_emoji_font()
    assert path is not None, "install Debian's fonts-noto-color-emoji (scripts/test does)"
    return ImageFont.truetype(str(path), EMOJI_STRIKE)


def _has_glyph(font: ImageFont.FreeTypeFont, ch: str) -> bool:
    """The font draws the character as itself, not as its .notdef box."""
    return bytes(font.getmask(ch)) != bytes(font.getmask(MISSING))


def _emoji_inked(icon: str) -> int:
    """How many colours the emoji font draws the pictogram in (0: it has no such emoji)."""
    image = Image.new("RGBA", (EMOJI_STRIKE * 2, EMOJI_STRIKE * 2), (0, 0, 0, 0))
    ImageDraw.Draw(image).text((0, 0), icon, font=_emoji(), embedded_color=True)
    return len(set(image.get_flattened_data())) - 1 if image.getbbox() else 0


def _ink(card: Card) -> tuple[int, int, int, int]:
    """The box of everything on the card that is not the paper."""
    image = Image.open(io.BytesIO(card.png)).convert("RGB")
    paper = Image.new("RGB", image.size, COLOURS["paper"])
    box = ImageChops.difference(image, paper).getbbox()
    assert box is not None
    return box


def test_every_topic_has_a_valid_card_with_nothing_clipped(
    cards: Cards, drawn: dict[str, Card]
) -> None:
    assert len(cards.topics()) >= 15
    for topic, card in drawn.items():
        image = Image.open(io.BytesIO(card.png))
        assert image.format == "PNG" and image.size == (WIDTH, card.height), topic
        assert 1000 <= card.height <= 2400, f"{topic}: {card.height} px tall"
        assert len(card.boxes) >= 3, topic
        assert card.complete, f"{topic}: some text was shortened or cut"
        for left, top, right, bottom in card.boxes:
            assert 0 <= left < right <= WIDTH and 0 <= top < bottom <= card.height, topic


def test_nothing_is_drawn_in_the_margins(drawn: dict[str, Card]) -> None:
    assert MARGIN >= 48
    for topic, card in drawn.items():
        left, top, right, bottom = _ink(card)
        assert left >= MARGIN and top >= MARGIN, (topic, left, top)
        assert right <= WIDTH - MARGIN and bottom <= card.height - MARGIN, (topic, right, bottom)
        for box in card.boxes:
            assert box[0] >= MARGIN and box[2] <= WIDTH - MARGIN, (topic, box)
            assert box[1] >= MARGIN and box[3] <= card.height - MARGIN, (topic, box)


def test_the_card_is_as_tall_as_its_content(drawn: dict[str, Card]) -> None:
    """No empty third: the content reaches down to the bottom margin, and no band across
    the card is empty for longer than the space between two points."""
    for topic, card in drawn.items():
        _, top, _, bottom = _ink(card)
        assert bottom >= card.height - MARGIN - 16, f"{topic}: empty below the content"
        image = Image.open(io.BytesIO(card.png)).convert("RGB")
        paper = Image.new("RGB", image.size, COLOURS["paper"])
        diff = ImageChops.difference(image, paper).convert("L").point(lambda v: 255 * (v > 8))
        empty = longest = 0
        for y in range(top, bottom):
            if diff.crop((0, y, WIDTH, y + 1)).getbbox() is None:
                empty += 1
                longest = max(longest, empty)
            else:
                empty = 0
        assert longest <= 80, f"{topic}: an empty band {longest} px high"


def test_the_text_is_big(drawn: dict[str, Card]) -> None:
    for topic, card in drawn.items():
        sizes = {d.kind: d.size for d in card.drawn}
        assert sizes["title"] >= 72 and sizes["point"] >= 52 and sizes["ask"] >= 52, topic


def test_every_character_is_a_real_glyph_not_a_box(drawn: dict[str, Card]) -> None:
    for topic, card in drawn.items():
        for item in card.drawn:
            if item.kind == "icon":
                continue
            font = _font(item.size)
            missing = [ch for ch in item.text if not ch.isspace() and not _has_glyph(font, ch)]
            assert not missing, f"{topic}: {missing} in {item.text!r} would be boxes"


def test_every_pictogram_is_drawn_in_colour(engine: Engine, drawn: dict[str, Card]) -> None:
    for topic, card in drawn.items():
        image = Image.open(io.BytesIO(card.png)).convert("RGB")
        icons = [d for d in card.drawn if d.kind == "icon"]
        wanted = [p.icon for p in _topic(engine, topic).card if p.icon]
        assert [d.text for d in icons] == wanted, topic
        for icon in icons:
            colours = image.crop(icon.box).getcolors(maxcolors=100_000) or []
            assert len(colours) >= 20, f"{topic}: {icon.text} is not drawn in colour"


def test_every_icon_in_the_booklet_is_an_emoji_the_font_has(engine: Engine) -> None:
    for topic in engine.booklet.topics:
        for point in topic.card:
            assert point.icon, f"{topic.topic}: {point!r} has no pictogram"
            assert _emoji_inked(point.icon) >= 10, f"{topic.topic}: no emoji {point.icon!r}"


def test_the_source_line_is_there_and_readable(engine: Engine, drawn: dict[str, Card]) -> None:
    for topic, card in drawn.items():
        lines = [d for d in card.drawn if d.kind == "source"]
        assert lines and lines[0].text.startswith("来源："), topic
        assert all(d.size >= SOURCE_MIN_PX for d in lines), topic
        assert all(d.box[3] - d.box[1] >= SOURCE_MIN_PX * 0.8 for d in lines), topic
        assert lines[-1] is card.drawn[-1], f"{topic}: the source line comes last"
        said = "".join(d.text for d in lines)
        for source in card.sources:
            assert source_label(engine.booklet.meta.sources[source]) in said, (topic, source)


def test_a_cards_sources_are_those_of_its_points(engine: Engine, drawn: dict[str, Card]) -> None:
    known = engine.booklet.meta.sources
    for topic_id, card in drawn.items():
        topic = _topic(engine, topic_id)
        union = list(dict.fromkeys(s for p in topic.card for s in p.sources))
        assert union, f"{topic_id}: no point of the card names a source"
        assert card.sources == union == card_sources(engine.booklet, topic), topic_id
        assert set(union) <= set(known), f"{topic_id}: unknown sources {set(union) - set(known)}"
    assert drawn["xiaoshan"].sources == ["zz-daily-2018", "zz-yicheng-xiaoshan"]


def test_a_county_example_names_its_county(engine: Engine) -> None:
    """A point from one county's report says which county; no other city's rule is given."""
    meta = engine.booklet.meta
    for topic in engine.booklet.topics:
        for point in topic.card:
            for source in point.sources:
                place = meta.sources[source].place
                if place.startswith("枣庄市") and place != "枣庄市":
                    county = place.removeprefix("枣庄市")[:3]
                    assert county in point, f"{topic.topic}: {point!r} must name {county}"
            assert "聊城" not in point and "莘县" not in point, topic.topic


def test_the_last_point_says_whom_to_ask(engine: Engine) -> None:
    for topic in engine.booklet.topics:
        if topic.card:
            assert "村扶贫专干" in topic.card[-1] or "帮扶干部" in topic.card[-1], topic.topic


def test_source_labels_are_plain() -> None:
    from bot.booklet import Source

    daily = Source(title="《枣庄日报》2018年报道《枣庄市脱贫攻坚工作成效显著》", place="枣庄市",
                   year="2017")  # fmt: skip
    assert source_label(daily) == "《枣庄日报》2018年报道"
    report = Source(title="峄城区孝善扶贫公开报道", place="枣庄市峄城区", year="2018–2019")
    assert source_label(report) == "峄城区孝善扶贫公开报道（2018–2019年）"
    plan = Source(title="《山东省2017年度方案》（大众日报报道）", place="山东省", year="2017")
    assert source_label(plan) == "《山东省2017年度方案》"


def test_lines_break_between_phrases_never_inside_a_number() -> None:
    font = _font(56)
    lines = wrap(font, "峄城区：儿子每季交900元，政府添90元", 800)
    assert lines == ["峄城区：儿子每季交900元，", "政府添90元"]
    for text in (
        "政府按儿女交的钱，再添10%–20%，子女交得多，政府按比例添得也多",
        "2017年8月15日起",
    ):
        for width in range(200, 900, 37):
            lines = wrap(font, text, width)
            assert "".join(lines) == text
            assert not any(line[0] in "，。、；：）》%" for line in lines), lines
            assert not any(line.endswith(("1", "10%–", "8月1")) for line in lines), lines


def test_a_point_is_plain_text_or_written_out() -> None:
    base = {"topic": "t", "title": "标题", "summary": "一句话", "keywords": ["孝善"],
            "intents": [{"id": "t.a", "aspect": "what", "title": "问", "answer": "答",
                         "examples": [f"例{n}" for n in range(8)], "sources": ["s"],
                         "as_of": "2017"}]}  # fmt: skip
    topic = Topic.model_validate(
        {**base, "card": ["老的写法", {"text": "新的写法", "icon": "☎️", "sources": ["s"]}]}
    )
    old, new = topic.card
    assert isinstance(old, CardPoint) and old == "老的写法" and old.icon is None
    assert not old.sources
    assert new == "新的写法" and new.icon == "☎️" and new.sources == ("s",)
    again = Topic.model_validate(topic.model_dump())
    assert again.card[1].icon == "☎️" and again.card[1].sources == ("s",)
    for bad in ({"text": "字", "icon": "ab"}, {"text": "字", "icon": "👵👵"},
                {"text": "字" * 25}, {"text": "字", "colour": "red"}):  # fmt: skip
        with pytest.raises(pydantic.ValidationError):
            Topic.model_validate({**base, "card": [bad]})


def test_without_the_emoji_font_a_card_gets_drawn_dots(engine: Engine) -> None:
    topic = _topic(engine, "xiaoshan")
    card = render(topic, topic.card, [("zz-daily-2018", "测试来源")], find_font(), None)
    assert card.complete and not [d for d in card.drawn if d.kind == "icon"]
    assert card.sources == ["zz-daily-2018"]


def test_the_font_draws_chinese_not_boxes() -> None:
    font = ImageFont.truetype(str(find_font()), 48)
    masks = [bytes(font.getmask(ch)) for ch in "孝善养老"]
    assert len(set(masks)) == 4, "each character has its own glyph (no tofu boxes)"
    assert all(_has_glyph(font, ch) for ch in "孝善养老：；（）%–") and not _has_glyph(
        font, MISSING
    )


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
    card = Cards(engine.booklet).card("xiaoshan")
    assert card is not None
    assert Image.open(io.BytesIO(await resp.read())).size == (WIDTH, card.height)
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
