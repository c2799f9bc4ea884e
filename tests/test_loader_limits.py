"""Hostile or slipped booklet files: refused cheaply, reported at the line a person must fix."""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.loader import Problem, check_booklet
from bot.settings import DEFAULT_POLICIES, PROJECT_ROOT

MAX_FILE_BYTES = 2 * 1024 * 1024  # the limit the checker promises (2 MB)

# "billion laughs": 8 strings, then 8 levels of 9 aliases each: 8 * 9**8 (344 million) strings
ALIAS_BOMB = "topic: bomb\n" + 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
ALIAS_BOMB += "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)


def _real_booklet(tmp_path: Path) -> Path:
    target = tmp_path / "policies"
    shutil.copytree(DEFAULT_POLICIES, target)
    return target


def _problems_in(problems: list[Problem], name: str) -> list[Problem]:
    return [p for p in problems if p.file == f"policies/topics/{name}"]


def _limit_memory() -> None:
    """In the child: 1 GiB of address space, so a regression fails instead of eating the host."""
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def test_alias_bomb_is_refused_quickly_with_file_and_line(tmp_path: Path) -> None:
    folder = _real_booklet(tmp_path)
    (folder / "topics" / "bomb.yaml").write_text(ALIAS_BOMB, encoding="utf-8")
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "check", str(folder)],
        capture_output=True,
        cwd=PROJECT_ROOT,
        timeout=60,
        preexec_fn=_limit_memory,
        check=False,
    )
    elapsed = time.monotonic() - started
    err = done.stderr.decode()
    assert done.returncode == 1, err
    assert "Traceback" not in err and "MemoryError" not in err, err[-2000:]
    assert "policies/topics/bomb.yaml:2: " in err and "&a" in err, err[-2000:]
    assert elapsed < 20, f"took {elapsed:.1f} s"


@pytest.mark.parametrize(
    ("text", "line", "word"),
    [
        ("topic: bomb\nsummary: &s 孝善养老\ntitle: *s\n", 2, "&s"),  # harmless, still refused
        ("topic: bomb\nkeywords: &k [孝善, *k]\n", 2, "&k"),  # a list that contains itself
        ("topic: bomb\ntitle: 孝善\nsummary: *nowhere\n", 3, "*nowhere"),
    ],
)
def test_anchors_and_aliases_are_refused(tmp_path: Path, text: str, line: int, word: str) -> None:
    folder = _real_booklet(tmp_path)
    (folder / "topics" / "bomb.yaml").write_text(text, encoding="utf-8")
    booklet, problems = check_booklet(folder)
    assert booklet is None
    [problem] = _problems_in(problems, "bomb.yaml")
    assert problem.line == line and word in problem.message, problem
    assert problem.hint == "图册不用锚点（&名字）和引用（*名字）：请把文字完整写出来", problem


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    folder = _real_booklet(tmp_path)
    line = "# " + "孝" * 40 + "\n"
    copies = MAX_FILE_BYTES // len(line.encode()) + 1
    (folder / "topics" / "huge.yaml").write_text(line * copies, encoding="utf-8")
    booklet, problems = check_booklet(folder)
    assert booklet is None
    [problem] = _problems_in(problems, "huge.yaml")
    assert problem.line == 1 and problem.message == "文件超过了 2 MB", problem
    assert problem.hint, problem


def test_too_many_values_in_one_file_is_refused_cheaply(tmp_path: Path) -> None:
    """Memory follows the number of values, not bytes: 1 MB of 'a,' would take ~1 GB."""
    folder = _real_booklet(tmp_path)
    text = "topic: many\nkeywords:\n" + "  - 孝善\n" * 50_000
    (folder / "topics" / "many.yaml").write_text(text, encoding="utf-8")
    started = time.monotonic()
    booklet, problems = check_booklet(folder)
    assert time.monotonic() - started < 10
    assert booklet is None
    [problem] = _problems_in(problems, "many.yaml")
    assert "一个文件里的值太多了（超过20000个）" in problem.message, problem
    assert 3 < problem.line < 50_000, problem


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("topic: deep\ntitle: " + "[" * 2000 + "]" * 2000 + "\n", 2),
        # the root block is level 1, so level 33 (one too deep) starts on line 34
        ("topic: deep\ntitle:\n" + "".join("  " * i + "- \n" for i in range(700)), 34),
    ],
)
def test_nesting_too_deep_is_a_problem_not_a_crash(tmp_path: Path, text: str, line: int) -> None:
    folder = _real_booklet(tmp_path)
    (folder / "topics" / "deep.yaml").write_text(text, encoding="utf-8")
    booklet, problems = check_booklet(folder)
    assert booklet is None
    [problem] = _problems_in(problems, "deep.yaml")
    assert problem.line == line and "套得太深了" in problem.message, problem


@pytest.mark.parametrize("quote", ['"', "'"])
def test_unclosed_quote_is_reported_where_it_opens(tmp_path: Path, quote: str) -> None:
    folder = _real_booklet(tmp_path)
    path = folder / "topics" / "xiaoshan.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[1] == "title: 孝善养老\n" and len(lines) > 32
    lines[1] = f"title: {quote}孝善养老\n"
    path.write_text("".join(lines), encoding="utf-8")
    booklet, problems = check_booklet(folder)
    assert booklet is None
    [problem] = _problems_in(problems, "xiaoshan.yaml")
    assert problem.line == 2, problem
    assert problem.hint == f"这里开了一个引号（{quote}）却没有关上：在这一行把它关上，或者删掉它"


def test_unclosed_last_quote_is_reported_where_it_opens(tmp_path: Path) -> None:
    """No later quote to pair with: the scanner runs to the end of the file."""
    folder = _real_booklet(tmp_path)
    path = folder / "topics" / "xiaoshan.yaml"
    text = path.read_text(encoding="utf-8").replace("'", "’")
    path.write_text(text.replace("title: 孝善养老\n", "title: '孝善养老\n", 1), encoding="utf-8")
    _, problems = check_booklet(folder)
    [problem] = _problems_in(problems, "xiaoshan.yaml")
    assert problem.line == 2 and "却没有关上" in problem.hint, problem


def test_a_card_point_citing_an_unknown_source_is_a_problem(tmp_path: Path) -> None:
    folder = _real_booklet(tmp_path)
    path = folder / "topics" / "xiaoshan.yaml"
    text = path.read_text(encoding="utf-8")
    assert "sources: [zz-yicheng-xiaoshan]" in text
    path.write_text(text.replace("sources: [zz-yicheng-xiaoshan]", "sources: [no-such-source]", 1),
                    encoding="utf-8")  # fmt: skip
    booklet, problems = check_booklet(folder)
    assert booklet is None
    [problem] = _problems_in(problems, "xiaoshan.yaml")
    assert "'no-such-source' 不在 booklet.yaml 里" in problem.message
    assert "图片卡片" in problem.message
