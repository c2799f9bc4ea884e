"""bot/yamlmarks.py on its own: values with their lines, and every bad text a problem
with a line, never a crash."""

from __future__ import annotations

import pytest

from bot.yamlmarks import MAX_DEPTH, YamlProblem, load_marked


def test_values_keep_their_lines() -> None:
    marked = load_marked("topic: 孝善\nintents:\n  - id: a\n    examples:\n      - 俺爹八十了\n")
    assert marked.data == {"topic": "孝善", "intents": [{"id": "a", "examples": ["俺爹八十了"]}]}
    assert marked.line_of(("topic",)) == 1
    assert marked.line_of(("intents", 0, "id")) == 3
    assert marked.line_of(("intents", 0, "examples", 0)) == 5
    assert marked.line_of(("intents", 0, "nothing", "here")) == 3  # the deepest known part


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("a: 1\nb: \ud800\n", 2, "U+D800 不是一个字"),
        ("a: b\x00c\n", 1, "不允许的控制字符（U+0000"),
        ("a: 'x\nb: 1\n", 1, "引号没有关上"),
        ("a: [1, 2\n", 2, "不是正确的 YAML：方括号 [ ] 没有关上"),
        ("a: 1\na: 2\n", 2, "在同一组里写了两遍"),
        ("a: &x 1\nb: *x\n", 1, "&x: 不允许用 YAML 的锚点和引用"),
        ("a: !!python/object:os.system x\n", 1, "不支持的值"),
        ("a: " + "[" * 2000 + "]" * 2000 + "\n", 1, "套得太深了"),  # libyaml's own limit
        ("a:\n" + "".join("  " * i + "- \n" for i in range(MAX_DEPTH + 5)), MAX_DEPTH + 1,
         "套得太深了（超过32层）"),
    ],
)  # fmt: skip
def test_bad_text_is_a_problem_with_its_line(text: str, line: int, words: str) -> None:
    with pytest.raises(YamlProblem) as caught:
        load_marked(text)
    assert caught.value.line == line, caught.value.message
    assert words in caught.value.message


@pytest.mark.parametrize(
    ("text", "data"),
    [("", None), ("\ufeffa: 1\n", {"a": 1}), ("a: 😀\n", {"a": "😀"}), ("- 1\n- 二\n", [1, "二"])],
)
def test_plain_text_reads_as_expected(text: str, data: object) -> None:
    assert load_marked(text).data == data
