"""Picture cards: a topic's key points as a PNG that reads on a small phone and on paper.

A card is 1080 px wide and as tall as its content: a blue banner with the booklet's name
and the topic's title, one row per key point (its pictogram in a tile, its text in big
type), the last point (whom to ask) in a box, and the source line. Pictograms come from
Debian's Noto Color Emoji (fonts-noto-color-emoji); without it a point gets a drawn dot.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from PIL import Image, ImageDraw, ImageFont

from bot.booklet import Booklet, CardPoint, Source, Topic

Box = tuple[int, int, int, int]  # left, top, right, bottom
Kind = Literal["label", "title", "point", "ask", "icon", "source"]

WIDTH = 1080
MARGIN = 56  # nothing is drawn nearer the edge than this
PAD = 40  # inside the banner
ASK_PAD = 26  # inside the "whom to ask" box
TILE = 136  # the square behind a pictogram
ICON = 104  # the pictogram inside it
GUTTER = 28  # between the tile and the text
LABEL_PX, TITLE_PX, TITLE_MIN_PX, TITLE_TWO_PX, BODY_PX, SOURCE_PX = 36, 108, 72, 84, 56, 32
LEADING, SOURCE_LEADING = 1.3, 1.45  # line height over font size
ROW_GAP = 28  # above and below the rule between two points
COLOURS = {"paper": "#fffdf7", "banner": "#1f5fa8", "label": "#d6e4f5", "title": "#ffffff",
           "text": "#1a1a1a", "tile": "#e8f0fa", "dot": "#e07a1f", "rule": "#e3dccd",
           "ask": "#1f5fa8", "ask_box": "#fff1df", "ask_edge": "#e07a1f",
           "source": "#444444"}  # fmt: skip
FONTS = (  # Debian's CJK fonts; the project's setup installs fonts-wqy-microhei
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
# Debian's fonts-noto-color-emoji: a bitmap (CBDT) font with one size, scaled after drawing
EMOJI_FONTS = (Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"),)
EMOJI_STRIKE = 109
BOOKLET_NAME = "枣庄扶贫政策图解"  # the banner's first line, when the booklet has no other title

# no line starts with closing punctuation, none ends with an opening one
_CLOSING = set("，。、；：？！）》」”’%…")
_OPENING = set("（《「“‘")
# a number stays whole with its unit: 116元, 10%–20%, 2017年, 10.6万人
_TOKEN = re.compile(r"[0-9A-Za-z.,%–\-~]+[元岁人户个村年月日号万亿次%]*|.", re.S)


class NoFont(RuntimeError):
    """No font with Chinese glyphs is installed."""


def find_font() -> Path:
    for path in FONTS:
        if path.exists():
            return path
    raise NoFont("no CJK font found; install Debian's fonts-wqy-microhei")


def find_emoji_font() -> Path | None:
    """Noto Color Emoji, or None: the points then get a drawn dot instead."""
    return next((path for path in EMOJI_FONTS if path.exists()), None)


@dataclass(frozen=True)
class Drawn:
    """One thing drawn on a card: what, where, and how big (a font's size in px; for a
    pictogram the side of its square)."""

    kind: Kind
    text: str
    box: Box
    size: int


@dataclass
class Card:
    """A rendered card and where everything went (for the tests: nothing clipped, nothing
    in the margins, the source line big enough)."""

    png: bytes
    width: int = WIDTH
    height: int = 0
    drawn: list[Drawn] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # the booklet's source ids, in order
    complete: bool = True  # every word drawn in full (nothing shortened or cut)

    @property
    def boxes(self) -> list[Box]:
        return [d.box for d in self.drawn]


def source_label(source: Source) -> str:
    """A source as the card's plain source line names it: its title without the aside in
    brackets or the report's headline, and its year when the title gives none
    (《枣庄日报》2018年报道; 峄城区孝善扶贫公开报道（2018–2019年）)."""
    label = re.sub(r"（[^）]*）", "", source.title).strip()
    closed = label.find("》")
    headline = label.find("《", closed + 1) if closed >= 0 else -1
    if headline > 0:
        label = label[:headline].strip()
    if not re.search(r"\d{4}", label):
        label = f"{label}（{source.year}年）"
    return label


def _tokens(text: str) -> list[str]:
    """Pieces a line may break between: a Chinese character, or a number with its unit;
    punctuation sticks to its neighbour."""
    out: list[str] = []
    pending = ""  # opening punctuation waiting for the piece it opens
    for token in _TOKEN.findall(text):
        if token in _OPENING:
            pending += token
        elif out and token in _CLOSING and not pending:
            out[-1] += token
        else:
            out.append(pending + token)
            pending = ""
    if pending:
        out.append(pending)
    return out


def _greedy(font: ImageFont.FreeTypeFont, tokens: list[str], width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for token in tokens:
        if current and font.getlength(current + token) > width:
            lines.append(current)
            current = token.lstrip()
        else:
            current += token
    return [*lines, current] if current else lines


def _phrase_ends(before: str, after: str) -> bool:
    """Whether a line may break between two pieces without splitting a phrase."""
    return before[-1:] in _CLOSING or before[-1:] == " " or after[:1] in _OPENING


def wrap(font: ImageFont.FreeTypeFont, text: str, width: int) -> list[str]:
    """The text in as few lines as fit the width; of those layouts the one with lines of
    about equal length (no lone character on the last line) that breaks after a comma or
    a colon rather than inside a phrase."""
    tokens = _tokens(text)
    fewest = len(_greedy(font, tokens, width))
    if fewest <= 1:
        return [text.strip()] if text.strip() else []
    count = len(tokens)
    # a line's width as the sum of its pieces' (no kerning between Chinese characters; a
    # line that is wider after all is caught below): a few measurements, not hundreds
    edge = [0.0]
    for token in tokens:
        edge.append(edge[-1] + font.getlength(token))
    lead = [font.getlength(t) - font.getlength(t.lstrip()) for t in tokens]
    # best[m][j]: (cost, breaks) of tokens[:j] in m lines
    inf = (float("inf"), ())
    best: list[list[tuple[float, tuple[int, ...]]]] = [
        [inf] * (count + 1) for _ in range(fewest + 1)
    ]
    best[0][0] = (0.0, ())
    for m in range(1, fewest + 1):
        for j in range(1, count + 1):
            for i in range(j - 1, -1, -1):
                used = edge[j] - edge[i] - lead[i]
                if used > width and j - i > 1:
                    break
                before = best[m - 1][i]
                if before[0] == float("inf"):
                    continue
                cost = before[0] + ((width - used) / width) ** 2
                if j < count and not _phrase_ends(tokens[j - 1], tokens[j]):
                    cost += 0.3  # a break inside a phrase
                if cost < best[m][j][0]:
                    best[m][j] = (cost, (*before[1], j))
    ends = best[fewest][count][1]
    starts = (0, *ends[:-1])
    lines = ["".join(tokens[a:b]).strip() for a, b in zip(starts, ends, strict=True)]
    if any(font.getlength(line) > width for line in lines if len(_tokens(line)) > 1):
        return _greedy(font, tokens, width)
    return lines


class _Fonts:
    """The fonts of one drawing (FreeType faces are not shared between threads)."""

    def __init__(self, path: Path, emoji: Path | None) -> None:
        self.path = path
        self._sized: dict[int, ImageFont.FreeTypeFont] = {}
        self._emoji = ImageFont.truetype(str(emoji), EMOJI_STRIKE) if emoji else None

    def __call__(self, size: int) -> ImageFont.FreeTypeFont:
        if size not in self._sized:
            self._sized[size] = ImageFont.truetype(str(self.path), size)
        return self._sized[size]

    def emoji(self, icon: str, side: int) -> Image.Image | None:
        """The pictogram in colour, scaled to fit a square of `side` px (None: no font, or
        the font has no such emoji)."""
        if self._emoji is None:
            return None
        left, top, right, bottom = (int(v) for v in self._emoji.getbbox(icon))
        if right <= left or bottom <= top:
            return None
        canvas = Image.new("RGBA", (right - left, bottom - top), (0, 0, 0, 0))
        ImageDraw.Draw(canvas).text((-left, -top), icon, font=self._emoji, embedded_color=True)
        inked = canvas.getbbox()
        if inked is None:
            return None
        glyph = canvas.crop(inked)
        scale = side / max(glyph.size)
        size = (max(1, round(glyph.width * scale)), max(1, round(glyph.height * scale)))
        return glyph.resize(size, Image.Resampling.LANCZOS)


@dataclass
class _Row:
    """A key point laid out: its lines and its height."""

    point: CardPoint
    lines: list[str]
    height: int
    ask: bool


def render(
    topic: Topic,
    points: Iterable[CardPoint | str],
    sources: Iterable[tuple[str, str]],
    font_path: Path,
    emoji_path: Path | None = None,
    heading: str = BOOKLET_NAME,
) -> Card:
    """Draw one card: `heading` (the booklet's name) and the topic's title in a banner, one
    row per key point with its pictogram, the last point (whom to ask) in a box, and the
    source line naming `sources` (id, label). The card is as tall as its content."""
    fonts = _Fonts(font_path, emoji_path)
    given = [p if isinstance(p, CardPoint) else CardPoint(p) for p in points]
    named = list(sources)
    inner = WIDTH - 2 * MARGIN
    complete = True

    # measure: every line and the height of every block ------------------------------
    label_font = fonts(LABEL_PX)
    banner_text = inner - 2 * PAD
    title_lines = [topic.title]
    title_font = next(
        (fonts(px) for px in range(TITLE_PX, TITLE_MIN_PX - 1, -4)
         if fonts(px).getlength(topic.title) <= banner_text),
        None,
    )  # fmt: skip
    if title_font is None:  # too long for one line: two
        title_font = fonts(TITLE_TWO_PX)
        title_lines = wrap(title_font, topic.title, banner_text)
    complete &= all(title_font.getlength(line) <= banner_text for line in title_lines)
    title_step = int(title_font.size * 1.2)
    label_step = int(LABEL_PX * 1.6)
    banner = PAD + label_step + len(title_lines) * title_step + PAD - 12

    body = fonts(BODY_PX)
    step = int(BODY_PX * LEADING)
    rows: list[_Row] = []
    for n, point in enumerate(given):
        ask = n == len(given) - 1 and len(given) > 1
        text_width = inner - TILE - GUTTER - (2 * ASK_PAD if ask else 0)
        lines = wrap(body, point, text_width)
        complete &= all(body.getlength(line) <= text_width for line in lines)
        height = max(TILE, len(lines) * step) + (2 * ASK_PAD if ask else 0)
        rows.append(_Row(point, lines, height, ask))

    small = fonts(SOURCE_PX)
    source_step = int(SOURCE_PX * SOURCE_LEADING)
    source_lines = wrap(small, "来源：" + "；".join(label for _, label in named), inner)
    complete &= all(small.getlength(line) <= inner for line in source_lines)

    gap = 2 * ROW_GAP  # between two blocks
    height = MARGIN + banner + gap + sum(r.height for r in rows) + gap * (len(rows) - 1)
    height += gap + len(source_lines) * source_step + MARGIN

    # draw ----------------------------------------------------------------------------
    image = Image.new("RGB", (WIDTH, height), COLOURS["paper"])
    draw = ImageDraw.Draw(image)
    drawn: list[Drawn] = []

    def text(xy: tuple[int, int], line: str, font: ImageFont.FreeTypeFont, colour: str,
             kind: Kind) -> None:  # fmt: skip
        """A line of text whose glyphs' box starts at `xy` (not the font's ascent line)."""
        left, top, _, _ = draw.textbbox((0, 0), line, font=font)
        at = (xy[0] - int(left), xy[1] - int(top))
        draw.text(at, line, font=font, fill=colour)
        box = tuple(int(v) for v in draw.textbbox(at, line, font=font))
        drawn.append(Drawn(kind, line, (box[0], box[1], box[2], box[3]), int(font.size)))

    def pictogram(point: CardPoint, left: int, top: int) -> None:
        draw.rounded_rectangle((left, top, left + TILE, top + TILE), 28, fill=COLOURS["tile"])
        glyph = fonts.emoji(point.icon, ICON) if point.icon else None
        if glyph is None:  # no pictogram (or no emoji font): a plain dot
            r = TILE // 6
            cx, cy = left + TILE // 2, top + TILE // 2
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=COLOURS["dot"])
            return
        x = left + (TILE - glyph.width) // 2
        y = top + (TILE - glyph.height) // 2
        image.paste(glyph, (x, y), glyph)
        drawn.append(Drawn("icon", point.icon or "", (x, y, x + glyph.width, y + glyph.height),
                           ICON))  # fmt: skip

    # the glyphs of a line of Chinese fill about 0.95 of the font size
    ink = int(BODY_PX * 0.95)

    y = MARGIN
    last = WIDTH - MARGIN - 1  # the last column drawn on (Pillow's boxes include both ends)
    draw.rounded_rectangle((MARGIN, y, last, y + banner - 1), 32, fill=COLOURS["banner"])
    text((MARGIN + PAD, y + PAD - 4), heading, label_font, COLOURS["label"], "label")
    ty = y + PAD + label_step
    for line in title_lines:
        text((MARGIN + PAD, ty), line, title_font, COLOURS["title"], "title")
        ty += title_step
    y += banner + gap

    for n, row in enumerate(rows):
        left = MARGIN
        if row.ask:
            draw.rounded_rectangle((MARGIN, y, last, y + row.height - 1), 28,
                                   fill=COLOURS["ask_box"], outline=COLOURS["ask_edge"],
                                   width=4)  # fmt: skip
            left += ASK_PAD
        middle = y + row.height // 2
        pictogram(row.point, left, middle - TILE // 2)
        ty = middle - (len(row.lines) * step - (step - ink)) // 2
        for line in row.lines:
            colour = COLOURS["ask"] if row.ask else COLOURS["text"]
            text((left + TILE + GUTTER, ty), line, body, colour, "ask" if row.ask else "point")
            ty += step
        y += row.height
        if n < len(rows) - 1:
            if not rows[n + 1].ask:
                draw.line((MARGIN + TILE + GUTTER, y + ROW_GAP, last, y + ROW_GAP),
                          fill=COLOURS["rule"], width=2)  # fmt: skip
            y += gap

    y += gap
    for line in source_lines:
        text((MARGIN, y), line, small, COLOURS["source"], "source")
        y += source_step

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return Card(out.getvalue(), WIDTH, height, drawn, [i for i, _ in named], complete)


def card_sources(booklet: Booklet, topic: Topic) -> list[str]:
    """A card's sources: those of its points, in order, each once. A card whose points
    name none (or a topic without a card) has the sources of all the topic's answers."""
    named = [s for point in topic.card for s in point.sources]
    if not named:
        named = [s for intent in topic.intents for s in intent.sources]
    return list(dict.fromkeys(named))


class Cards:
    """The cards of one booklet, drawn on first use and kept (a reload brings new ones)."""

    def __init__(self, booklet: Booklet) -> None:
        self.booklet = booklet
        self._drawn: dict[str, Card] = {}

    def topics(self) -> list[str]:
        return [t.topic for t in self.booklet.menu_topics]

    def points(self, topic: Topic) -> list[CardPoint]:
        """The card's key points; a topic without any gets its summary and whom to ask."""
        if topic.card:
            return list(topic.card)
        return [CardPoint(topic.summary), CardPoint(f"有事问{self.booklet.meta.ask_person}", "☎️")]

    def card(self, topic_id: str) -> Card | None:
        """The card of a topic, or None if the booklet has no such topic."""
        if topic_id not in self._drawn:
            topic = next((t for t in self.booklet.menu_topics if t.topic == topic_id), None)
            if topic is None:
                return None
            ids = card_sources(self.booklet, topic)
            unknown = [s for s in ids if s not in self.booklet.meta.sources]
            if unknown:
                raise KeyError(f"card {topic_id}: unknown sources {unknown}")
            named = [(s, source_label(self.booklet.meta.sources[s])) for s in ids]
            self._drawn[topic_id] = render(
                topic, self.points(topic), named, find_font(), find_emoji_font(),
                self.booklet.meta.title,
            )  # fmt: skip
        return self._drawn[topic_id]
