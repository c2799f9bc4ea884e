"""What the checker cannot see but a family relies on: figures come from the sources.

The figures are read here without the bot's own code (bot/numerals.py is under test
elsewhere): Arabic figures by a plain regular expression, and the few Chinese numerals
that are quantities by an explicit table of the spellings the booklet really uses."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.booklet import Intent
from bot.engine import Engine
from bot.settings import PROJECT_ROOT

SOURCES = PROJECT_ROOT / "docs" / "sources"
TEAM = PROJECT_ROOT.parent / "shared"  # the team's folder beside the project
SHARED = TEAM / "sources"
DAILY = SOURCES / "zaozhuang-daily-2018-poverty-relief.txt"
FACTS = SOURCES / "public-facts.md"

ARABIC = re.compile(r"\d+(?:\.\d+)?")
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")  # 17,229 is one figure
# not figures: "1. 住院：…" numbers a step, "(下转A2版)" names a newspaper page
NOT_FIGURES = re.compile(r"(?m)^[ \t]*\d{1,2}\.[ \t]|[A-Z]\d{1,2}版")

# A run of Chinese numerals that is a quantity: 百分之…, a number with 十百千 in it
# (三百, 二十五), or numerals before a measure word (四次, 两人, 五亩). Not the 万 of 22万.
_N = "零〇一二两俩三四五六七八九十百千万亿"
_MEASURES = ("元", "块", "毛", "角", "分钱", "岁", "户", "口人", "人", "名", "个人", "个月",
             "个季度", "季度", "年", "月", "天", "周", "亩", "次", "成", "倍", "万", "亿",
             "千", "百", "%")  # fmt: skip
CHINESE_QUANTITY = re.compile(
    rf"(?<![\d.{_N}])(?:百分之[{_N}点]+|[{_N}]+[十百千][{_N}]*|[十百千][{_N}]+"
    rf"|[{_N}]+(?={'|'.join(_MEASURES)}))"
)
# The Chinese spellings of figures in the answers, with their literal values.
CHINESE_FIGURES = {
    "四次": "4",  # 先后开展了四次清查 (Zaozhuang Daily: 先后开展四次清查)
}
# Numerals before a measure word that say "once", "a year", not a figure to source.
ORDINARY_WORDS = ("一次", "一年", "一个月", "一个人")


def _figures(text: str) -> tuple[set[str], list[str]]:
    """The figures in `text` as Arabic digits, and the Chinese quantities in it that
    neither table above knows (each of those must be added to one of them)."""
    text = NOT_FIGURES.sub("", THOUSANDS.sub("", unicodedata.normalize("NFKC", text)))
    figures = set(ARABIC.findall(text))
    unknown = []
    for found in CHINESE_QUANTITY.finditer(text):
        rest = text[found.start() :]
        spelling = next(
            (w for w in (*CHINESE_FIGURES, *ORDINARY_WORDS)
             if rest.startswith(w) and len(w) >= len(found.group())),
            None,
        )  # fmt: skip
        if spelling is None:
            unknown.append(found.group())
        elif spelling in CHINESE_FIGURES:
            figures.add(CHINESE_FIGURES[spelling])
    return figures, unknown


def _source_figures() -> set[str]:
    figures, _ = _figures("\n".join(p.read_text("utf-8") for p in sorted(SOURCES.iterdir())))
    return figures


def _unsourced(text: str, known: set[str]) -> list[str]:
    """What in `text` is not backed by the sources: its figures that the sources do not
    give, then the Chinese quantities in it that the tables above do not know."""
    figures, unknown = _figures(text)
    return sorted(figures - known) + unknown


def _shown(intent: Intent) -> str:
    """Everything of an intent a person reads: its titles, its short and whole answer."""
    return "\n".join((intent.title, intent.title_short, intent.short, intent.answer))


def _all_texts(engine: Engine) -> Iterator[tuple[str, str]]:
    for intent in engine.booklet.intents.values():
        yield intent.id, _shown(intent)
    for topic in engine.booklet.topics:
        yield f"card {topic.topic}", "\n".join(topic.card)


def test_every_figure_in_an_answer_is_in_the_sources(engine: Engine) -> None:
    known = _source_figures()
    for name, text in _all_texts(engine):
        unsourced = _unsourced(text, known)
        assert not unsourced, (
            f"{name}: {unsourced} are not in docs/sources (a Chinese quantity that is "
            "there belongs in CHINESE_FIGURES with its value; a word, in ORDINARY_WORDS)"
        )


def test_the_sources_give_the_figures_read_from_them() -> None:
    """The reading itself, on literal figures of the two sources."""
    known = _source_figures()
    assert {"116", "10", "20", "70", "578", "8978", "10978", "410", "337", "840", "1153",
            "8.9", "13413", "511.82", "17229", "114.86", "1605", "923", "4", "22",
            "5", "3", "100", "30", "6000", "2.79"} <= known  # fmt: skip
    for invented in ("1", "2", "117", "25", "300.5"):  # "1." numbers a list, A2 a page
        assert invented not in known


def test_the_check_catches_an_invented_figure(engine: Engine) -> None:
    """A copy of a real answer with one figure made up, in digits or in words, fails."""
    known = _source_figures()
    real = engine.booklet.intents["xiaoshan.amount"]
    assert _unsourced(_shown(real), known) == []
    for invented, caught in [
        ("政府添10%–25%", ["25"]),
        ("每人每年117元", ["117"]),
        ("按1,200元算", ["1200"]),
        ("每月补三百元", ["三百"]),
        ("政府添百分之十五", ["百分之十五"]),
        ("两人结对", ["两"]),
        ("第1步", ["1"]),
    ]:
        fake = real.model_copy(update={"answer": f"{real.answer}\n{invented}。"})
        assert _unsourced(_shown(fake), known) == caught, invented


# (intent, what its answer says, what the source says) for the figures most asked about
KEY_FIGURES = [
    ("xiaoshan.amount", "10%–20%", "按子女缴纳孝善资金10%-20%比例奖补"),
    ("xiaoshan.who", "70岁以上的贫困老人", "推行70岁以上老人"),
    ("buchong.what", "每人116元", "为贫困人口每人购买116元的医疗商业补充保险"),
    ("linli.what", "邻里互助资金410万元", "市级财政设立邻里互助资金410万元"),
    ("linli.what", "337个村", "全市已在337个村开展邻里互助"),
    ("jiesuan.what", "2017年8月15日", "从去年8月15日开始"),
    ("jiankang.ownshare", "8.9%", "个人住院自付比例降低到8.9%"),
    ("jianda.what", "四次清查", "先后开展四次清查"),
    ("jianda.what", "22万余条", "校正信息22万余条"),
]


@pytest.mark.parametrize(("intent", "said", "source"), KEY_FIGURES)
def test_key_answers_give_the_source_figures(
    engine: Engine, intent: str, said: str, source: str
) -> None:
    assert said in engine.booklet.intents[intent].answer
    assert source in DAILY.read_text("utf-8"), "the Zaozhuang Daily report says so"


def test_the_loan_figures_are_the_national_rule() -> None:
    facts = FACTS.read_text("utf-8")
    assert "[NAT 2014] 扶贫小额信贷: under 5万元, up to 3 years" in facts


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
    assert {p.name for p in SOURCES.iterdir()} >= {DAILY.name, FACTS.name}
    assert FACTS.stat().st_size > 1000


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by its relative path, with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_vendored_sources_match_the_team_folder() -> None:
    """docs/sources is a copy of the team's ../shared/sources: the same files, byte for
    byte. A clean checkout (CI) may have no ../shared: then this is skipped, loudly, and
    not failed; a red CI for a folder outside the repository would block everyone."""
    if not TEAM.is_dir():
        pytest.skip(
            f"NOT CHECKED: the team folder {TEAM} is missing, so nobody checked that "
            f"docs/sources is a current copy of {SHARED} (check it beside ../shared)"
        )
    assert SHARED.is_dir(), f"{TEAM} is there but has no sources/ folder"
    shared, vendored = _files(SHARED), _files(SOURCES)
    assert sorted(shared.keys() - vendored.keys()) == [], f"in {SHARED}, not in docs/sources"
    assert sorted(vendored.keys() - shared.keys()) == [], f"in docs/sources, not in {SHARED}"
    changed = sorted(name for name in shared if shared[name] != vendored[name])
    assert changed == [], f"docs/sources differs from {SHARED}"
