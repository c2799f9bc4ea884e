"""Personal data is masked before anything is stored or logged.

The formats are in tests/fixtures/personal_data.yaml (shared with any test of what is
stored or logged: use `personal_rows()` and `ordinary_rows()`). Below the table-driven
tests, each module-level pattern of bot.privacy is tested both ways: what it must match
and what it must not, so that loosening or tightening it fails a test.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from pypinyin import lazy_pinyin

from bot import privacy
from bot.engine import Engine
from bot.normalize import sanitize
from bot.numerals import arabize
from bot.privacy import ADDRESS_MASK, CARD_MASK, ID_MASK, PHONE_MASK, mask

TABLE = Path(__file__).parent / "fixtures" / "personal_data.yaml"
PLACEHOLDER = {"id": ID_MASK, "phone": PHONE_MASK, "card": CARD_MASK, "address": ADDRESS_MASK}
# the digits a number is typed or dictated with (the test's own table, not the module's)
_DIGITS = str.maketrans("零〇一幺二三四五六七八九", "001123456789")


@dataclass(frozen=True)
class Personal:
    """One row of the table: a message with one kind of personal data in it."""

    text: str
    kind: str
    gone: str  # the exact piece that must disappear
    masked: str  # the exact text mask gives
    normalized_masked: str | None = None  # only where it is not `masked` normalized

    @property
    def placeholder(self) -> str:
        return PLACEHOLDER[self.kind]

    @property
    def digits(self) -> str:
        """The number in the piece as ASCII digits ("" for an address): 13905371234 for
        一三九 零五三七 一二三四."""
        if self.kind == "address":
            return ""
        return "".join(ch for ch in _normalized(self.gone).translate(_DIGITS) if ch.isdigit())


def _normalized(text: str) -> str:
    """What normalizing does to digits: width, punctuation to spaces, numerals, case."""
    return arabize(sanitize(text).lower())


def _squeezed(text: str) -> str:
    return "".join(text.split())


@cache
def _table() -> dict[str, list[object]]:
    loaded = yaml.safe_load(TABLE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict) and set(loaded) == {"personal", "ordinary"}
    return loaded


def personal_rows() -> list[Personal]:
    """The personal-data formats of tests/fixtures/personal_data.yaml."""
    rows = []
    for raw in _table()["personal"]:
        assert isinstance(raw, dict), raw
        assert set(raw) <= {"text", "kind", "gone", "masked", "normalized_masked"}, raw
        assert all(isinstance(v, str) for v in raw.values()), raw  # quoted: no 632 for 0632
        rows.append(Personal(**raw))
    return rows


def ordinary_rows() -> list[str]:
    """The text of tests/fixtures/personal_data.yaml that must stay as it is."""
    rows = _table()["ordinary"]
    assert all(isinstance(row, str) for row in rows), rows
    return [str(row) for row in rows]


def _row_ids(rows: list[Personal]) -> list[str]:
    """Readable test ids: the kind, its count, the piece in pinyin (pytest escapes Han):
    phone07-139_0537_1234, address12-dongzhuangcun12hao."""
    ids = []
    for i, row in enumerate(rows):
        n = sum(r.kind == row.kind for r in rows[:i]) + 1
        piece = "".join(lazy_pinyin(unicodedata.normalize("NFKC", row.gone)))
        ids.append(f"{row.kind}{n:02d}-{re.sub(r'[^0-9A-Za-z+()-]+', '_', piece)}")
    return ids


def _ordinary_id(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z%.+-]+", "_", "".join(lazy_pinyin(text)))[:40]


PERSONAL = personal_rows()
ORDINARY = ordinary_rows()
personal = pytest.mark.parametrize("row", PERSONAL, ids=_row_ids(PERSONAL))
ordinary = pytest.mark.parametrize("text", ORDINARY, ids=[_ordinary_id(t) for t in ORDINARY])


# -- the table itself ------------------------------------------------------------------------


def test_the_table_is_large_and_covers_every_kind() -> None:
    assert len(PERSONAL) >= 60 and len(ORDINARY) >= 25
    assert len({row.text for row in PERSONAL}) == len(PERSONAL), "no case twice"
    assert len(set(ORDINARY)) == len(ORDINARY), "no case twice"
    kinds = [row.kind for row in PERSONAL]
    assert set(kinds) == set(PLACEHOLDER)
    assert min(kinds.count(kind) for kind in PLACEHOLDER) >= 10


@personal
def test_each_row_is_consistent(row: Personal) -> None:
    assert row.gone and row.gone in row.text and row.gone not in row.masked
    assert row.placeholder in row.masked


# -- the table-driven tests --------------------------------------------------------------------


@personal
def test_masked_exactly(row: Personal) -> None:
    assert mask(row.text) == row.masked


@personal
def test_the_personal_piece_is_gone(row: Personal) -> None:
    masked = mask(row.text)
    assert row.gone not in masked
    if row.digits:
        assert row.digits not in _normalized(masked).translate(_DIGITS).replace(" ", "")


@personal
def test_masking_twice_is_masking_once(row: Personal) -> None:
    for form in (row.text, _normalized(row.text)):
        once = mask(form)
        assert mask(once) == once


@personal
def test_the_normalized_question_is_masked_too(row: Personal) -> None:
    """The stored normalized question: half-width, spaces for punctuation, 15 for 十五."""
    masked = mask(_normalized(row.text))
    assert _normalized(row.gone) not in masked
    if row.normalized_masked is not None:
        assert masked == row.normalized_masked
    else:  # the expected text, normalized around its placeholders
        parts = row.masked.split(row.placeholder)
        assert _squeezed(masked) == _squeezed(row.placeholder.join(map(_normalized, parts)))


@ordinary
def test_ordinary_text_stays(text: str) -> None:
    assert mask(text) == text
    assert mask(_normalized(text)) == _normalized(text)


@personal
def test_what_the_real_normalizer_keeps_is_masked(engine: Engine, row: Personal) -> None:
    """The normalizer also swaps dialect words and synonyms; the data must still go."""
    normalized = engine.ask(row.text).normalized
    masked = mask(normalized)
    assert row.placeholder in masked, (normalized, masked)
    if row.digits:
        assert row.digits not in masked.translate(_DIGITS).replace(" ", "")


# -- what reaches the database and the logs ------------------------------------------------


async def test_no_personal_piece_reaches_the_database(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Every row of the table through the real service into a real SQLite file: the
    question, its normalized form, the feedback, a conversation's numbers and a vague
    question waiting for its policy are all kept, and none holds a personal piece."""
    from bot.service import Service
    from bot.settings import DEFAULT_POLICIES
    from bot.store import Store

    caplog.set_level(logging.DEBUG)
    path = tmp_path / "bot.sqlite3"
    store = await Store.open(path)
    service = Service(Engine.from_folder(DEFAULT_POLICIES), store, DEFAULT_POLICIES)
    for i, row in enumerate(PERSONAL):
        session = f"s{i}"
        await service.ask("孝善养老子女每月交多少", "http", session)  # numbers kept as facts
        reply = await service.ask(row.text, "http", session)
        await service.ask("补贴" + row.text, "telegram", session)  # a vague question
        await service.feedback("http", session, row.text, reply.intent, False)
    await store.close()

    with sqlite3.connect(path) as db:
        kept = db.execute("SELECT text, normalized FROM questions").fetchall()
        facts = db.execute("SELECT facts FROM context WHERE facts IS NOT NULL").fetchall()
        told = db.execute("SELECT question FROM feedback").fetchall()
    assert len(kept) == 3 * len(PERSONAL) and len(told) == len(PERSONAL)
    assert facts, "some numbers were kept for a calculation"
    stored = "\n".join(str(v) for rows in (kept, facts, told) for r in rows for v in r)
    for placeholder in PLACEHOLDER.values():
        assert placeholder in stored
    files = b"".join(f.read_bytes() for f in tmp_path.iterdir() if f.name.startswith(path.name))
    digits = stored.translate(_DIGITS).replace(" ", "")
    for row in PERSONAL:
        for piece in {row.gone, _normalized(row.gone)}:
            assert piece not in stored and piece.encode() not in files, (row.text, piece)
        if row.digits:
            assert row.digits not in digits and row.digits.encode() not in files, row.text
        assert row.gone not in caplog.text
    for row in PERSONAL:
        if row.kind == "address":
            assert row.gone not in caplog.text


async def test_questions_never_reach_the_logs_at_info(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    from bot.service import Service
    from bot.settings import DEFAULT_POLICIES
    from bot.store import Store

    caplog.set_level(logging.INFO)
    store = await Store.open(tmp_path / "bot.sqlite3")
    service = Service(Engine.from_folder(DEFAULT_POLICIES), store, DEFAULT_POLICIES)
    secret = "俺叫王秀英住东庄村12号孝善养老咋领"
    await service.ask(secret, "http", "s")
    await service.ask("孩子上大学助学贷款" + secret, "telegram", "t")
    await store.close()
    assert "王秀英" not in caplog.text and "东庄村" not in caplog.text


# -- several pieces in one message, and where the mask ends -------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("东庄村12号西庄村3号", "[地址][地址]"),
        ("俺爹八十了，电话13905371234", "俺爹八十了，电话[电话]"),
        ("电话：0632-1234567，孝善养老咋领", "电话：[电话]，孝善养老咋领"),
        ("电话13905371234，住东庄村12号", "电话[电话]，住[地址]"),
        (
            "俺电话13905371234，卡号6222021602001234567，住东庄村12号",
            "俺电话[电话]，卡号[银行卡号]，住[地址]",
        ),
        (
            "身份证370402195003151234 手机13905371234 座机0632-3312345 卡6222021602001234",
            "身份证[身份证号] 手机[电话] 座机[电话] 卡[银行卡号]",
        ),
        ("电话3312345 13905371234", "电话[电话] [电话]"),
        ("电话一三九零五三七一二三四住东庄村十二号", "电话[电话]住[地址]"),
        ("俺家东庄村12号", "俺家[地址]"),
        ("我在枣庄市市中区阳光小区3号楼2单元301室住", "我在枣庄市市中区[地址]住"),
        ("东庄村15号开会发钱", "[地址]开会发钱"),  # a date after a village: masked, alas
    ],
)
def test_only_the_personal_parts_go(text: str, expected: str) -> None:
    assert mask(text) == expected


@given(
    st.text(
        alphabet="0123456789 -.+()村庄组号第东头户家单元室楼电话座机打零一三九十幺〇俺住镇X元１"
        "路小区叉，、/。办理",
        max_size=60,
    )
)
def test_masking_twice_changes_nothing(text: str) -> None:
    once = mask(text)
    assert mask(once) == once


# -- module-level patterns, both ways ----------------------------------------------------------


def _full(pattern: str, text: str) -> bool:
    return re.fullmatch(pattern, text) is not None


# (the name of a pattern in bot.privacy, texts it must match whole, texts it must not)
PATTERNS: list[tuple[str, list[str], list[str]]] = [
    ("_S", ["", " ", "-", "\t"], ["--", "  ", ".", "_", "/"]),
    ("_SEP", ["", " ", "  ", "-", ".", " - ", " . "], ["--", "-.", "_", "/", ","]),
    (
        "_MONTH",
        ["01", "05", "09", "10", "11", "12"],
        ["00", "13", "19", "20", "1", "012"],
    ),
    (
        "_DAY",
        ["01", "09", "10", "19", "20", "29", "30", "31"],
        ["00", "32", "39", "40", "3", "031"],
    ),
    (
        "_ID18",
        [
            "370402195003151234",
            "37040219500315123X",
            "37040219500315123x",
            "370404200809120027",
            "370402 19500315 1234",
            "370402-19500315-1234",
            "3704 0219 5003 1512 34",
            "370402 1950 0315 1234",
            "370481196212312218",
        ],
        [
            "070402195003151234",  # no area code begins with 0
            "370402185003151234",  # born in the 1850s
            "370402215003151234",
            "370402195000151234",  # month 00
            "370402195013151234",  # month 13
            "370402195003001234",  # day 00
            "370402195003321234",  # day 32
            "37040219500315123Y",
            "37040219500315123",  # 17 digits
            "3704021950031512345",
            "370402  19500315 1234",  # two spaces
            "370402.19500315.1234",
        ],
    ),
    (
        "_ID15",
        ["370402500315123", "370402 500315 123", "370402-500315-123", "3704 0250 0315 123"],
        [
            "070402500315123",
            "370402501315123",
            "370402500032123",
            "370402500332123",
            "370402 5003 15123",  # no space inside the month and day
            "37040250031512",
            "3704025003151234",
        ],
    ),
    (
        "_MOBILE",
        [
            "13005371234",
            "13905371234",
            "14705371234",
            "15906321234",
            "16605371234",
            "17705371234",
            "18653712345",
            "19905371234",
            "139 0537 1234",
            "139  0537  1234",
            "139-0537-1234",
            "139.0537.1234",
            "139 - 0537 - 1234",
            "139 05371234",
            "1390537 1234",
            "+86 13905371234",
            "+8613905371234",
            "86 13905371234",
            "8613905371234",
            "0086 13905371234",
            "(+86)13905371234",
            "(86) 13905371234",
            "+86-139-0537-1234",
            "150 2000 3001",
            "150-2000-3000",
            "13920003000",
            "1502000 3000",
            "150 20003000",
        ],
        [
            "12905371234",
            "10905371234",
            "1390537123",
            "139053712345",
            "+87 13905371234",
            "0087 13905371234",
            "+0086 13905371234",
            "150 2000 3000",  # sums, each a message
            "139 2100 3000",
            "139_0537_1234",
            "139--0537--1234",
            "139/0537/1234",
            "23905371234",
        ],
    ),
    (
        "_LANDLINE",
        [
            "0632-1234567",
            "06321234567",
            "0632-12345678",
            "010-12345678",
            "01012345678",
            "021 12345678",
            "(0632)1234567",
            "(0632) 3312345",
            "0632 1234567",
            "0632.3312345",
            "0632-1234567转801",
            "0632-1234567 转 801",
            "0632-3312345-801",
            "0632-3312345-80123",
            "0632-3312345转8",
        ],
        [
            "0632-0123456",  # a local number does not begin with 0
            "0032-1234567",
            "00632-1234567",
            "06321-1234567",
            "0632-123456",
            "0632-123456789",
            "632-1234567",
            "0632-1234567转801234",
            "0632-1234567#801",
            "0632_1234567",
        ],
    ),
    (
        "_CARD",
        [
            "622202160200123",
            "6222021602001234",
            "6222021602001234567",
            "6222 0216 0200 1234",
            "6222-0216-0200-1234",
            "6222 0216 0200 1234 567",
            "6222-0216-0200-1234-567",
            "4367 4200 1234 5678",
            "3568 8900 1234 5678",
            "5187 1000 1234 5678",
            "9558 8012 3456 7890",
            "6200 0216 0200 1234",
            "621799 0012345678",
            "621799 0012345678912",
            "621799-0012345678912",
        ],
        [
            "62220216020012",  # 14 digits
            "2222 0216 0200 1234",  # first digit 2
            "1234 5678 9012 3456",
            "7222 0216 0200 1234",
            "8222 0216 0200 1234",
            "0222 0216 0200 1234",
            "3000 4000 5000 6000",  # sums
            "6200 0300 0400 0500",
            "6222 0216 0200",
            "6222 0216 0200 1234 56",
            "6222  0216 0200 1234",
            "6222.0216.0200.1234",
            "621799  0012345678",
            "621799 001234567",
            "621799 00123456789123",
            "121799 0012345678912",
        ],
    ),
    (
        "_UNIT",
        [*"元块毛角万千百亿%岁人户亩斤次年月日号天个份头只平米点名位周期批季", "公斤"],
        ["组", "楼", "室", "村", "单元", "公", "元元"],
    ),
    (
        "_COUNTED",
        [*"元块毛角万千百亿%岁人户亩斤次年月日天个份头只平米点名位周期批季", "公斤"],
        ["号", "组", "楼", "层", "室", "村", "单元", "公", "元元"],
    ),
    (
        "_GROUP_SEP",
        [" ", "  ", "\t", ",", "，", "、", "/", "／", ".", "。", "-", " , ", "，　", "   "],
        ["", "    ", "，，，，", "_", "：", "；", "~", "～", "*", "x", "转"],
    ),
    (
        "_LOCAL",
        ["3312345", "33123456", "9999999"],
        ["0312345", "331234", "331234567", "3312345元"],
    ),
    (
        "_PHONE_WORD",
        ["电话", "座机", "固话", "手机", "号码", "联系方式", "tel"],
        ["电视", "手", "号", "机", "联系", "tele", "电话号"],
    ),
    ("_NEAR", ["：", " ", "是", "a", "-", "号"], ["1", "[", "]", "", "是的"]),
    ("_NUM", ["12", "5", "301", "十", "十2", "2十3", "百"], ["", "a", "千", "两"]),
    ("_SP", ["", " "], ["  ", "-", "\t\t"]),
    (
        "_DIR",
        ["东", "西", "南", "北", "中", "前", "后", "东头", "西边", "南面", "北首", "后侧"],
        ["左", "右", "头", "东方", "东头头", "上头"],
    ),
    (
        "_MID",
        ["3组", "3 组", "2队", "3排", "第3组", "第3排", "第2队", "东头", "西"],
        ["3户", "组", "第组", "3楼", "第3户", "第 3组", "3  组"],
    ),
    (
        "_HOUSE",
        [
            "12号",
            "12 号",
            "12-3号",
            "12 3号",
            "12-3456号",
            "3号院",
            "5号楼",
            "5栋",
            "5幢",
            "2单元",
            "301室",
            "第3号",
            "十2号",
        ],
        ["12户", "12楼", "号", "12--3号", "12-12345号", "第3户", "12-号", "12  号", "12层"],
    ),
    ("_NTH", ["第3户", "第2家", "第1间"], ["第3号", "3户", "第户", "第3排"]),
    (
        "_LANDMARK",
        ["西头老槐树下第2家", "口第3户", "东第2户", "西头第2家", "东头小卖部后面那个第1家"],
        ["西头老槐树下面那棵树第2家", "西头第2间", "老槐树第2家", "第2家"],
    ),
]


@pytest.mark.parametrize(("name", "matches", "does_not"), PATTERNS, ids=[p[0] for p in PATTERNS])
def test_a_pattern_matches_what_it_must_and_nothing_else(
    name: str, matches: list[str], does_not: list[str]
) -> None:
    pattern = getattr(privacy, name)
    assert isinstance(pattern, str)
    assert [t for t in matches if not _full(pattern, t)] == []
    assert [t for t in does_not if _full(pattern, t)] == []


def test_the_shadow_is_one_character_for_one() -> None:
    typed = "０１２３４５６７８９零〇一幺二三四五六七八九－—–‐‑﹣．·\u3000\xa0Ｘｘ叉＋（）"
    assert typed.translate(privacy._SHADOW) == "0123456789001123456789------..  XxX+()"
    kept = "十百千两万号-.+() Xx村组：，。、【】"
    assert kept.translate(privacy._SHADOW) == kept
    digits = dict(zip("零〇一幺二三四五六七八九", "001123456789", strict=True))
    assert digits == privacy._CHINESE_DIGITS


@pytest.mark.parametrize(
    ("text", "found"),
    [("5", True), ("十", True), ("百", True), ("５", True), ("千", False), ("元", False)],
)
def test_any_digit_is_a_digit_or_a_ten_or_a_hundred(text: str, found: bool) -> None:
    assert (privacy._ANY_DIGIT.search(text) is not None) is found


def test_an_address_with_ten_as_its_only_digit() -> None:
    assert mask("东庄村十号") == "[地址]"


def test_the_local_number_does_not_run_on() -> None:
    assert re.match(privacy._LOCAL, "3312345，") is not None
    assert re.match(privacy._LOCAL, "3312345.") is not None  # a full stop
    assert re.match(privacy._LOCAL, "3312345.5") is None  # a decimal
    assert re.match(privacy._LOCAL, "3312345 元") is None
    assert re.match(privacy._LOCAL, "33123456789") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a number after the phone word: up to six characters between
        ("电话是村委会的3312345", "电话是村委会的[电话]"),
        ("座机号是村委会的3312345", "座机号是村委会的[电话]"),
        ("座机号是咱村委会的3312345", "座机号是咱村委会的3312345"),
        ("联系方式3312345", "联系方式[电话]"),
        ("tel 3312345", "tel [电话]"),
        ("固话3312345", "固话[电话]"),
        ("号码3312345", "号码[电话]"),
        ("电话费3312345", "电话费[电话]"),
        ("电话13905371234转", "电话[电话]转"),
        ("电视3312345", "电视3312345"),
        ("电话１２３４５６７", "电话[电话]"),
        ("电话3312345.5", "电话3312345.5"),
        # and before it: up to five
        ("3312345是村委的电话", "[电话]是村委的电话"),
        ("3312345是俺村委的电话", "[电话]是俺村委的电话"),
        ("3312345是俺们村委的电话", "3312345是俺们村委的电话"),
        ("3312345是村委座机", "[电话]是村委座机"),
        ("3312345是村委固话", "[电话]是村委固话"),
        ("3312345是村委手机", "3312345是村委手机"),
        ("3312345元是电话费", "3312345元是电话费"),
        ("3312345 1是电话", "3312345 1是电话"),
        # after 打 / 拨
        ("打3312345", "打[电话]"),
        ("拨3312345", "拨[电话]"),
        ("打 3312345", "打 [电话]"),
        ("打  3312345", "打  3312345"),
        ("找3312345", "找3312345"),
        ("打3312345元", "打3312345元"),
        # a placeholder ends the search: masking twice changes nothing
        ("电话[电话]3312345", "电话[电话]3312345"),
    ],
)
def test_local_numbers_near_a_phone_word(text: str, expected: str) -> None:
    assert mask(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("卡号3704021950031512345", "卡号[银行卡号]"),  # 19 digits: not an ID
        ("卡号37040219500315123456", "卡号[银行卡号]"),
        ("身份证370402195003151234X", "身份证[银行卡号]X"),
        ("老证3704025003151234", "老证[银行卡号]"),  # 16 digits: not an old ID
        ("手机139053712345", "手机139053712345"),  # 12 digits: no mobile
        ("139053712345", "139053712345"),
        ("补贴1.13905371234", "补贴1.13905371234"),
        ("补贴113905371234", "补贴113905371234"),
        ("06321234567890", "06321234567890"),
        ("0632-12345678901", "0632-12345678901"),
        ("卡号 6222 0216 0200 1234 567元", "卡号 [银行卡号] 567元"),
        ("卡号 6222 0216 0200 1234 5678", "卡号 [银行卡号] 5678"),
        # a point before or after a number is a full stop unless a digit is on its other
        # side (a decimal)
        ("好的.13905371234", "好的.[电话]"),
        ("好的.370402195003151234", "好的.[身份证号]"),
        ("电话13905371234.", "电话[电话]."),
        ("座机3312345.", "座机[电话]."),
        ("3312345.是村委的电话", "[电话].是村委的电话"),
        ("1.13905371234", "1.13905371234"),
        ("0.370402195003151234", "0.370402195003151234"),
    ],
)
def test_where_a_number_begins_and_ends(text: str, expected: str) -> None:
    assert mask(text) == expected


# -- numbers in groups, whatever the separators ---------------------------------------------


@pytest.mark.parametrize(
    "sep", [" ", ",", "，", "、", "/", "／", ".", "。", "-", "－", "—", " , ", "，　", " 、 "]
)
def test_any_separator_between_groups(sep: str) -> None:
    assert mask(f"电话139{sep}0537{sep}1234") == "电话[电话]"
    assert mask(f"身份证370402{sep}19500315{sep}1234") == "身份证[身份证号]"
    assert mask(f"卡号6222{sep}0216{sep}0200{sep}1234") == "卡号[银行卡号]"
    assert mask(f"1{sep}3{sep}9{sep}0{sep}5{sep}3{sep}7{sep}1{sep}2{sep}3{sep}4") == "[电话]"


@pytest.mark.parametrize("sep", ["，，，，", "_", "：", "；", "~", "*", "x"])
def test_other_characters_do_not_join_groups(sep: str) -> None:
    assert mask(f"电话139{sep}0537{sep}1234") == f"电话139{sep}0537{sep}1234"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # what the digits of all the groups make together
        ("139，0537，1234", "[电话]"),
        ("86，139，0537，1234", "[电话]"),
        ("+86，139，0537，1234", "[电话]"),
        ("0086，139，0537，1234", "[电话]"),
        ("87，139，0537，1234", "87，139，0537，1234"),
        ("129，0537，1234", "129，0537，1234"),  # no mobile begins with 12
        ("139，0537，123", "139，0537，123"),  # 10 digits
        ("139，0537，12345", "139，0537，12345"),  # 12
        ("370402，19500315，1234", "[身份证号]"),
        ("370402，19500315，123X", "[身份证号]"),
        ("370402，19500315，123x", "[身份证号]"),
        ("370402，500315，123", "[身份证号]"),  # the old ID of 15
        ("170402，19501315，1234", "170402，19501315，1234"),  # month 13, and no card
        ("170402，19500315，1234X", "170402，19500315，1234X"),
        ("6222，0216，0200，1234", "[银行卡号]"),  # 16 digits
        ("6222，0216，0200，1234，5", "[银行卡号]"),
        ("6222，0216，0200，1234，56", "[银行卡号]"),
        ("6222，0216，0200，1234，567", "[银行卡号]"),  # 19
        ("6 2 2 2 0 2 1 6 0 2 0 0 1 2 3 4 5 6 7", "[银行卡号]"),  # 19 groups
        ("6222，0216，0200，1234，5678", "6222，0216，0200，1234，5678"),  # 20
        ("9222，0216，0200，1234", "[银行卡号]"),
        ("2222，0216，0200，1234", "2222，0216，0200，1234"),  # a card begins with 3-6 or 9
        ("7222，0216，0200，1234", "7222，0216，0200，1234"),
        # sums: round numbers in a row, or a unit after the last group
        ("150，2000，3000", "150，2000，3000"),
        ("150，2000，3001", "[电话]"),
        ("3000，4000，5000，6000", "3000，4000，5000，6000"),
        ("139，0537，1234元", "139，0537，1234元"),
        ("139，0537，1234 元", "139，0537，1234 元"),
        ("139，0537，1234，2个", "[电话]，2个"),
        ("139，0537，1234，8点", "[电话]，8点"),
        # a point next to a digit is a decimal's, elsewhere a full stop
        ("139，0537，1234.", "[电话]."),
        ("139，0537，1234.5", "139，0537，1234.5"),
        ("好的.139，0537，1234", "好的.[电话]"),
        ("1.139，0537，1234", "1.139，0537，1234"),
        # several numbers in one run, each masked, the longest first
        ("139，0537，1234，138，0537，5678", "[电话]，[电话]"),
        ("139、0537、1234 138、0537、5678", "[电话] [电话]"),
        ("370402，19500315，1234，139，0537，1234", "[身份证号]，[电话]"),
        ("370402，19500315，1234，3，370402，500315，123", "[银行卡号]，[身份证号]"),
        # nothing unless the run is numbers from end to end (100 may be a sum): alas
        ("139，0537，1234，5", "139，0537，1234，5"),
        ("交了100，139，0537，1234", "交了100，139，0537，1234"),
    ],
)
def test_numbers_in_groups(text: str, expected: str) -> None:
    assert mask(text) == expected


@pytest.mark.parametrize("village", ["村", "庄", "屯", "寨"])
def test_every_village_word(village: str) -> None:
    assert mask(f"住后王{village}12号") == "住[地址]"


@pytest.mark.parametrize("road", ["大道", "大街", "胡同", "路", "街", "巷", "弄"])
def test_every_road_word(road: str) -> None:
    assert mask(f"住文化{road}8号") == "住[地址]"


@pytest.mark.parametrize("estate", ["小区", "花园", "家园", "新村", "社区", "公寓", "大院", "宿舍"])
def test_every_estate_word(estate: str) -> None:
    assert mask(f"住阳光{estate}5-2-301") == "住[地址]"
    assert mask(f"住阳光{estate}5号楼201") == "住[地址]"


@pytest.mark.parametrize("unit", [*"月人户天年岁元块个次万%点名位周期批季", "月份", " 人", "公斤"])
def test_a_range_after_an_estate_is_not_a_flat(unit: str) -> None:
    """社区1-12月份, 新村1-3月, 社区5-10人: months, people, sums, hours."""
    assert mask(f"社区1-12{unit}") == f"社区1-12{unit}"
    assert mask(f"新村5 10{unit}") == f"新村5 10{unit}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("社区1-12", "[地址]"),
        ("社区1-12号", "[地址]"),
        ("社区1-12室", "[地址]"),
        ("社区1-12楼", "[地址]楼"),
        ("社区1-12层", "[地址]层"),
        ("社区1-12，", "[地址]，"),
        ("社区1-12的", "[地址]的"),
    ],
)
def test_building_and_flat_after_an_estate(text: str, expected: str) -> None:
    assert mask(text) == expected


@pytest.mark.parametrize("word", ["大楼", "大厦", "医院", "学校", "商场", "村委会", "广场"])
def test_other_places_are_not_addresses(word: str) -> None:
    assert mask(f"住阳光{word}5-2-301") == f"住阳光{word}5-2-301"
    assert mask(f"住阳光{word}8号") == f"住阳光{word}8号"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # how much of a name a place word takes: 3 characters for a village, 4 for a road
        # or an estate (and, past a road in an estate's name, as much as a road takes)
        ("西大王庄村12号", "西[地址]"),
        ("大王庄村12号", "[地址]"),
        ("新城文化东路88号", "新[地址]"),
        ("文化东路88号", "[地址]"),
        ("金鑫源阳光花园5号楼201", "金[地址]"),
        ("鑫源阳光花园5号楼201", "[地址]"),
        ("光明路幸福小区5号楼201", "[地址]"),
        ("光明街幸福小区5号楼201", "[地址]"),
        ("光明巷幸福小区5号楼201", "[地址]"),
        ("光明村幸福小区5号楼201", "光[地址]"),
        ("新城文化东路幸福小区5号楼201", "新[地址]"),
        ("城文化东路幸福小区5号楼201", "[地址]"),
        ("东路幸福小区5号楼201", "[地址]"),
        ("俺住前进一村5号", "俺住[地址]"),
        ("住鿿庄村5号", "住[地址]"),
        # 家 and 里: part of a name (张家庄, 八里庄) unless they say home or in
        ("张家庄村5号", "[地址]"),
        ("俺张家庄5号", "俺[地址]"),
        ("家西庄村3号", "家[地址]"),
        ("，家西庄村3号", "，家[地址]"),
        ("a家西庄村3号", "a家[地址]"),
        ("八里庄村3号", "[地址]"),
        ("俺住城里东关街5号", "俺住城里[地址]"),
        ("东庄村12号家西庄村3号", "[地址]家[地址]"),
        ("x东庄村12号", "x[地址]"),
        ("Ｘ东庄村12号", "Ｘ[地址]"),
        # the question's own words before it stay
        ("办理光明路幸福小区3号楼", "办理[地址]"),
        ("东庄村12号办理光明路幸福小区3号楼", "[地址]办理[地址]"),
        ("孝善养老光明路幸福小区3号楼", "孝善养老[地址]"),
        ("危房改造建设路东庄村12号", "危房改造[地址]"),
        ("找谁建设路东庄村12号", "找谁[地址]"),
    ],
)
def test_how_much_of_the_name_goes(text: str, expected: str) -> None:
    assert mask(text) == expected


@pytest.mark.parametrize("ch", sorted(privacy._NOT_NAME))
def test_a_word_that_is_not_the_name_stays(ch: str) -> None:
    assert mask(f"{ch}东庄村12号") == f"{ch}[地址]"


def test_the_words_that_are_not_a_name() -> None:
    words = (
        "镇乡县区市省州旗盟道在住是的了俺我咱你他她它们跟到从于就也还都说叫问有个这那哪去来回址"
        "谁咋啥怎么吗呢吧办找请询取记造贴助险贷款扶贫策算销困疗伏划卡整"
    )
    assert frozenset(words) == privacy._NOT_NAME
    for ch in "东西南北前后王张李刘大小新老":  # the names of villages begin so
        assert mask(f"{ch}庄村12号") == "[地址]"


def test_the_question_words_that_end_a_name() -> None:
    words = "办理 养老 低保 五保 医保 社保 危房 托管 收益 增收 兜底 报名 一下 咋弄 么弄"
    assert frozenset(words.split()) == privacy._ENDS_NAME


@pytest.mark.parametrize("word", sorted(privacy._ENDS_NAME))
def test_a_question_word_ends_the_name(word: str) -> None:
    """Its last character alone may be part of a name (老庄, 太保庄); the word is not."""
    assert word[-1] not in privacy._NOT_NAME
    assert mask(f"住{word[-1]}庄村12号") == "住[地址]"
    assert mask(f"{word}光明路幸福小区3号楼") == f"{word}[地址]"
    assert mask(f"俺问{word}建设路东庄村12号") == f"俺问{word}[地址]"


@pytest.mark.parametrize("ch", "俺我咱你他她老娘婆回住在人全本自农")
def test_home_before_a_village(ch: str) -> None:
    assert mask(f"{ch}家东庄村12号") == f"{ch}家[地址]"


@pytest.mark.parametrize("ch", "张王李刘赵孙大小东西")
def test_a_family_name_before_home_is_a_village(ch: str) -> None:
    assert mask(f"住{ch}家庄12号") == "住[地址]"


@pytest.mark.parametrize("ch", "那这哪村城屋家")
def test_in_before_a_street(ch: str) -> None:
    assert mask(f"{ch}里东关街5号") == f"{ch}里[地址]"


@pytest.mark.parametrize("ch", "八十五三东西")
def test_a_number_before_li_is_a_village(ch: str) -> None:
    assert mask(f"住{ch}里庄12号") == "住[地址]"


def test_the_han_range() -> None:
    assert privacy._is_han("\u4e00") and privacy._is_han("\u9fff") and privacy._is_han("庄")
    assert not privacy._is_han("\u4dff") and not privacy._is_han("\ua000")
    assert not privacy._is_han("a") and not privacy._is_han("Y") and not privacy._is_han("1")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the house after a place, maybe with a group, a row or a side between
        ("东庄村3组二排12号", "[地址]"),
        ("东庄村东头3组12号", "[地址]"),
        ("东庄村3组2排东头12号", "[地址]"),
        ("东庄村3组2排东头西边12号", "东庄村[地址]"),
        ("东庄村 3组 12号", "东庄村 [地址]"),
        ("东庄村3组第2家", "[地址]"),
        ("东庄村3组2排东头第2家", "[地址]"),
        ("东庄村东头2排西边第2家", "[地址]"),
        ("东庄村东头2排西边北首第2家", "东庄村东头2排西边北首第2家"),
        ("东庄村第2家", "东庄村第2家"),
        ("东庄村第12号", "[地址]"),
        ("东庄村12号3排", "[地址]3排"),
        ("东庄村12号 2单元 301室", "[地址]"),
        ("东庄村12号院第3间", "[地址]"),
        ("东庄村12号院3层", "[地址]"),
        ("幸福小区3号楼2单元301", "[地址]"),
        ("幸福小区3号楼2单元 3012", "[地址]"),
        ("幸福小区3号楼2单元30123", "[地址]30123"),
        ("幸福小区3号楼2单元301.5", "[地址]301.5"),
        ("幸福小区3栋201", "[地址]"),
        ("幸福小区3幢201", "[地址]"),
        ("幸福小区3号201", "[地址]201"),
        ("幸福小区3号楼201元", "[地址]201元"),
        ("幸福小区3号楼201 元", "[地址]201 元"),
        # an estate and building-unit-room
        ("幸福小区5-2-301号", "[地址]"),
        ("幸福小区5-2-301室", "[地址]"),
        ("幸福小区5-2", "[地址]"),
        ("幸福小区101-2-301", "[地址]"),
        ("幸福小区 5 2 301", "[地址]"),
        ("幸福小区5-2-30123", "[地址]-30123"),
        ("幸福小区5-2-301.5", "[地址]-301.5"),
        ("幸福小区5-2-3-4", "[地址]-4"),
        ("幸福小区1234-2", "幸福小区1234-2"),
        # a group and a house, no village named
        ("二组十五号", "[地址]"),
        ("3队12号", "[地址]"),
        ("3组东头第2户", "[地址]"),
        ("3组第2户", "[地址]"),
        ("13组12号", "[地址]"),
        ("十3组12号", "[地址]"),
        ("3组", "3组"),
        ("3排12号", "3排12号"),
        # a building and a flat, no place named
        ("3号楼2单元301室", "[地址]"),
        ("3栋2单元", "[地址]"),
        ("3幢201室", "[地址]"),
        ("3单元301", "[地址]"),
        ("3号楼201", "3号楼201"),
        ("3号楼2楼", "3号楼2楼"),
        ("3单元301.5", "3单元301.5"),
        ("3号2单元", "3号2单元"),
    ],
)
def test_the_parts_of_an_address(text: str, expected: str) -> None:
    assert mask(text) == expected
