"""The booklet checker: the real booklet is valid; each broken fixture is reported exactly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.loader import BookletInvalid, check_booklet, load_booklet
from bot.settings import DEFAULT_POLICIES
from tests.conftest import BOOKLETS

BROKEN = sorted(p.name for p in BOOKLETS.iterdir() if p.is_dir() and p.name != "valid")


def test_real_booklet_is_valid() -> None:
    booklet, problems = check_booklet(DEFAULT_POLICIES)
    assert problems == []
    assert booklet is not None
    assert len(booklet.topics) >= 15
    assert all(len(i.examples) >= 8 for i in booklet.intents.values())


def test_valid_fixture_loads(booklet_dir: Callable[[str], Path]) -> None:
    booklet = load_booklet(booklet_dir("valid"))
    assert list(booklet.intents) == ["xiaoshan.what", "xiaoshan.amount"]
    assert booklet.cite(booklet.intents["xiaoshan.amount"]).startswith("测试来源（测试市，2017年）")


@pytest.mark.parametrize("name", BROKEN)
def test_broken_fixture_is_reported_with_file_line_and_hint(
    name: str, booklet_dir: Callable[[str], Path]
) -> None:
    expected = yaml.safe_load((BOOKLETS / name / "expected.yaml").read_text(encoding="utf-8"))
    folder = booklet_dir(name)
    booklet, problems = check_booklet(folder)
    assert booklet is None, "a broken booklet must not load, not even half of it"
    rendered = [str(p) for p in problems]
    for want in expected:
        where = f"policies/{want['file']}:{want['line']}:"
        assert any(r.startswith(where) and want["text"] in r for r in rendered), (
            f"expected {where} … {want['text']!r}; got {rendered}"
        )
    with pytest.raises(BookletInvalid):
        load_booklet(folder)


def test_every_broken_fixture_has_expectations() -> None:
    assert len(BROKEN) >= 10
    for name in BROKEN:
        assert (BOOKLETS / name / "expected.yaml").is_file(), name


def test_hints_are_given(booklet_dir: Callable[[str], Path]) -> None:
    _, problems = check_booklet(booklet_dir("unknown_key"))
    assert any("这里可以用的键：" in p.hint and "检查拼写" in p.hint for p in problems)


def test_missing_folder_is_a_problem(tmp_path: Path) -> None:
    booklet, problems = check_booklet(tmp_path / "nowhere")
    assert booklet is None and problems[0].message == "图册文件夹不存在"


def test_empty_topic_file_is_a_problem(booklet_dir: Callable[[str], Path]) -> None:
    folder = booklet_dir("valid")
    (folder / "topics" / "empty.yaml").write_text("", encoding="utf-8")
    booklet, problems = check_booklet(folder)
    assert booklet is None
    assert any(p.file.endswith("topics/empty.yaml") for p in problems)


def test_a_broken_file_does_not_cascade_into_other_files(
    booklet_dir: Callable[[str], Path],
) -> None:
    folder = booklet_dir("valid")
    other = folder / "topics" / "other.yaml"
    other.write_text(
        (folder / "topics" / "xiaoshan.yaml")
        .read_text(encoding="utf-8")
        .replace("topic: xiaoshan", "topic: other")
        .replace("xiaoshan.", "other.")
        .replace("孝善", "邻里")
        .replace("order: 1", "order: broken"),  # this file fails on its own
        encoding="utf-8",
    )
    main = folder / "topics" / "xiaoshan.yaml"
    main.write_text(
        main.read_text(encoding="utf-8").replace(
            "follow_ups: [xiaoshan.amount]", "follow_ups: [other.amount]"
        ),
        encoding="utf-8",
    )
    _, problems = check_booklet(folder)
    assert [p.file for p in problems] == ["policies/topics/other.yaml"], problems


def test_numbers_are_accepted_as_keywords(booklet_dir: Callable[[str], Path]) -> None:
    folder = booklet_dir("valid")
    path = folder / "topics" / "xiaoshan.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "keywords: [孝善, 孝善养老]", "keywords: [孝善, 116]"
        ),
        encoding="utf-8",
    )
    booklet = load_booklet(folder)
    assert booklet.topics[0].keywords == ["孝善", "116"]


def _edit_topic(folder: Path, old: str, new: str) -> None:
    path = folder / "topics" / "xiaoshan.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("written", "aspect"),
    [("是什么", "what"), ("谁能享受", "who"), ("多少钱", "amount"), ("怎么办", "apply"),
     ("找谁", "contact"), ("多少人", "stats"), ("哪几种", "kinds"), ("其他", "other"),
     (" 其它 ", "other"), ("what", "what")],
)  # fmt: skip
def test_an_aspect_may_be_written_in_chinese(
    booklet_dir: Callable[[str], Path], written: str, aspect: str
) -> None:
    folder = booklet_dir("valid")
    _edit_topic(folder, "aspect: what", f'aspect: "{written}"')
    booklet = load_booklet(folder)
    assert booklet.intents["xiaoshan.what"].aspect == aspect


def test_an_unknown_aspect_lists_the_words_allowed(booklet_dir: Callable[[str], Path]) -> None:
    folder = booklet_dir("valid")
    _edit_topic(folder, "aspect: what", "aspect: 干啥的")
    _, problems = check_booklet(folder)
    [problem] = problems
    assert str(problem).startswith("policies/topics/xiaoshan.yaml:8: intents.0.aspect: ")
    assert problem.message == (
        "intents.0.aspect: 只能写这些词之一：what、who、amount、apply、contact、stats、kinds、other"
    )
    assert "也可以写中文：是什么、" in problem.hint and "找谁" in problem.hint


@pytest.mark.parametrize(
    ("old", "new", "line", "message", "hint"),
    [
        ("order: 1", "order: 1\ncolour: red", 4, "colour: 不认识的键",
         "这里可以用的键：topic, title"),
        ("order: 1", "order: [1]", 3, "order: 这里要写整数", "请写一个整数"),
        ("keywords: [孝善, 孝善养老]", "keywords: 孝善", 5, "keywords: 这里要写一个列表",
         "请写成列表，每行一项，以“- ”开头"),
        ("keywords: [孝善, 孝善养老]", "keywords: []", 5,
         "keywords: 太少了：至少要1项，现在只有0项", "再多写几项"),
        ("title: 孝善养老是什么？", "title: ''", 9, "intents.0.title: 不能是空的",
         "这里要写上文字"),
        ("summary: 子女交孝善资金，政府奖补。", "summary: 2017-08-15", 4, "summary: 这里要写文字",
         "要加引号"),
        ("  - id: xiaoshan.what", "  - id: Xiaoshan", 7,
         "intents.0.id: 问题编号要写成 主题.名字（小写字母、数字、_），比如 xiaoshan.amount", ""),
    ],
)  # fmt: skip
def test_pydantic_messages_are_in_chinese(
    booklet_dir: Callable[[str], Path], old: str, new: str, line: int, message: str, hint: str
) -> None:
    folder = booklet_dir("valid")
    _edit_topic(folder, old, new)
    _, problems = check_booklet(folder)
    found = [p for p in problems if p.message == message]
    assert found, [str(p) for p in problems]
    assert found[0].line == line and hint in found[0].hint, found[0]
    assert found[0].file == "policies/topics/xiaoshan.yaml"


def test_a_text_too_long_is_reported_in_chinese(booklet_dir: Callable[[str], Path]) -> None:
    folder = booklet_dir("valid")
    label = "住院" * 11
    (folder / "urgency.yaml").write_text(
        f"rules:\n  - id: sick\n    label: {label}\n    words: [住院 没钱]\n", encoding="utf-8"
    )
    _, problems = check_booklet(folder)
    assert [str(p) for p in problems] == [
        "policies/urgency.yaml:3: rules.0.label: 太长了：最多20个字（提示 hint: 写短一些）"
    ]


def test_every_aspect_has_chinese_words_and_format_md_lists_them() -> None:
    from typing import get_args

    from bot.booklet import Aspect
    from bot.loader import ASPECT_ALIASES

    assert set(ASPECT_ALIASES.values()) == set(get_args(Aspect))
    table = (DEFAULT_POLICIES / "FORMAT.md").read_text(encoding="utf-8")
    for word, aspect in ASPECT_ALIASES.items():
        row = next(line for line in table.splitlines() if line.startswith(f"| `{aspect}` |"))
        assert word in row.split("|")[3], (word, aspect)
