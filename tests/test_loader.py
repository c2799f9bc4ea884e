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
    assert any("known keys" in p.hint or "spelling" in p.hint for p in problems)


def test_missing_folder_is_a_problem(tmp_path: Path) -> None:
    booklet, problems = check_booklet(tmp_path / "nowhere")
    assert booklet is None and "does not exist" in problems[0].message


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
