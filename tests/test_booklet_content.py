"""What the checker cannot see but a family relies on: figures come from the sources."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from bot.engine import Engine
from bot.numerals import arabize
from bot.settings import PROJECT_ROOT

SOURCES = PROJECT_ROOT / "docs" / "sources"
SHARED = PROJECT_ROOT.parent / "shared" / "sources"
NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _numbers(text: str) -> set[str]:
    text = arabize(unicodedata.normalize("NFKC", text)).replace(",", "")
    return set(NUMBER.findall(text))


def test_every_figure_in_an_answer_is_in_the_sources(engine: Engine) -> None:
    known = _numbers("".join(p.read_text("utf-8") for p in sorted(SOURCES.iterdir())))
    for intent in engine.booklet.intents.values():
        unsourced = _numbers(intent.answer) - known
        assert not unsourced, f"{intent.id}: {sorted(unsourced)} are not in docs/sources"
    for topic in engine.booklet.topics:
        unsourced = _numbers(" ".join(topic.card)) - known
        assert not unsourced, f"card {topic.topic}: {sorted(unsourced)} are not in docs/sources"


def test_no_other_county_rule_is_given(engine: Engine) -> None:
    for intent in engine.booklet.intents.values():
        for place in ("聊城", "莘县"):
            assert place not in intent.answer, f"{intent.id} cites {place}"


def test_every_answer_sends_people_somewhere(engine: Engine) -> None:
    for intent in engine.booklet.intents.values():
        if intent.id.startswith("help."):
            continue
        assert (
            "村扶贫专干" in intent.answer
            or "帮扶干部" in intent.answer
            or ("理事会" in intent.answer)
        ), intent.id


def test_sources_are_vendored() -> None:
    assert {p.name for p in SOURCES.iterdir()} >= {
        "public-facts.md",
        "zaozhuang-daily-2018-poverty-relief.txt",
    }
    assert Path(SOURCES / "public-facts.md").stat().st_size > 1000
    if SHARED.is_dir():  # beside the team's shared/ folder the copy must be current
        for path in SHARED.iterdir():
            assert (SOURCES / path.name).read_bytes() == path.read_bytes(), path.name
