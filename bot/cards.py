"""Picture cards: a topic's key points as a PNG that reads on a small phone and on paper."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from bot.booklet import Booklet, Topic

WIDTH, HEIGHT = 1080, 1350  # portrait 4:5: a phone screen, or an A4 half page
MARGIN = 72
BANNER = 280
SOURCE_LINES = 3
COLOURS = {"banner": "#1f5fa8", "title": "#ffffff", "text": "#1a1a1a", "dot": "#e07a1f",
           "ask": "#1f5fa8", "source": "#555555", "paper": "#fffdf7"}  # fmt: skip
FONTS = (  # Debian's CJK fonts; the project's setup installs fonts-wqy-microhei
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)


class NoFont(RuntimeError):
    """No font with Chinese glyphs is installed."""


def find_font() -> Path:
    for path in FONTS:
        if path.exists():
            return path
    raise NoFont("no CJK font found; install Debian's fonts-wqy-microhei")


@dataclass
class Card:
    """A rendered card and where its text went (for the 'nothing is clipped' check)."""

    png: bytes
    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)
    complete: bool = True  # every word drawn in full (nothing shortened or cut)


def _fit(font_path: Path, lines: list[str], width: int, largest: int) -> ImageFont.FreeTypeFont:
    """The largest font (down to 24 px) in which every line fits the width."""
    for size in range(largest, 23, -2):
        font = ImageFont.truetype(str(font_path), size)
        if all(font.getlength(line) <= width for line in lines):
            return font
    return ImageFont.truetype(str(font_path), 24)


def _wrap(font: ImageFont.FreeTypeFont, text: str, width: int) -> list[str]:
    """Chinese wraps between any two characters."""
    lines, current = [], ""
    for ch in text:
        if current and font.getlength(current + ch) > width:
            lines.append(current)
            current = ch
        else:
            current += ch
    return [*lines, current] if current else lines


def render(topic: Topic, points: list[str], source: str, font_path: Path) -> Card:
    """Draw one card: the topic's name very large, its key points, whom to ask, the source."""
    image = Image.new("RGB", (WIDTH, HEIGHT), COLOURS["paper"])
    draw = ImageDraw.Draw(image)
    inner = WIDTH - 2 * MARGIN
    boxes: list[tuple[int, int, int, int]] = []

    def text(xy: tuple[int, int], line: str, font: ImageFont.FreeTypeFont, colour: str) -> None:
        draw.text(xy, line, font=font, fill=colour)
        left, top, right, bottom = draw.textbbox(xy, line, font=font)
        boxes.append((int(left), int(top), int(right), int(bottom)))

    draw.rectangle((0, 0, WIDTH, BANNER), fill=COLOURS["banner"])
    title = _fit(font_path, [topic.title], inner, 120)
    top = int(BANNER - title.size) // 2 - 10
    text((MARGIN, top), topic.title, title, COLOURS["title"])

    body = _fit(font_path, points, inner - 70, 64)
    y = BANNER + 70
    step = int(body.size * 1.9)
    for n, point in enumerate(points):
        last = n == len(points) - 1
        colour = COLOURS["ask"] if last else COLOURS["text"]
        r = int(body.size) // 4
        cy = y + int(body.size) // 2 + 4
        draw.ellipse((MARGIN, cy - r, MARGIN + 2 * r, cy + r), fill=COLOURS["dot"])
        text((MARGIN + 70, y), point, body, colour)
        y += step

    for size in range(30, 19, -2):  # the whole source, in at most 3 lines
        small = ImageFont.truetype(str(font_path), size)
        lines = _wrap(small, f"来源：{source}", inner)
        if len(lines) <= SOURCE_LINES:
            break
    complete = (
        len(lines) <= SOURCE_LINES
        and all(body.getlength(p) <= inner - 70 for p in points)
        and title.getlength(topic.title) <= inner
    )
    lines = lines[:SOURCE_LINES]
    y = HEIGHT - MARGIN - len(lines) * int(small.size * 1.4)
    draw.line((MARGIN, y - 24, WIDTH - MARGIN, y - 24), fill="#cccccc", width=2)
    for line in lines:
        text((MARGIN, y), line, small, COLOURS["source"])
        y += int(small.size * 1.4)

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return Card(out.getvalue(), boxes, complete)


class Cards:
    """The cards of one booklet, drawn on first use and kept (a reload brings new ones)."""

    def __init__(self, booklet: Booklet) -> None:
        self.booklet = booklet
        self._drawn: dict[str, Card] = {}

    def topics(self) -> list[str]:
        return [t.topic for t in self.booklet.menu_topics]

    def card(self, topic_id: str) -> Card | None:
        """The card of a topic, or None if the booklet has no such topic."""
        if topic_id not in self._drawn:
            topic = next((t for t in self.booklet.menu_topics if t.topic == topic_id), None)
            if topic is None:
                return None
            points = topic.card or [topic.summary]
            first = topic.intents[0]
            source = self.booklet.cite(first)
            self._drawn[topic_id] = render(topic, points, source, find_font())
        return self._drawn[topic_id]
