"""Read YAML into plain Python while remembering the line of every value."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml._yaml import CParser  # libyaml: PyYAML's wheels carry it

Path = tuple[str | int, ...]


class YamlProblem(Exception):
    """The text is not YAML we accept (syntax error, duplicate key, tag)."""

    def __init__(self, line: int, message: str, hint: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.hint = hint


@dataclass
class Marked:
    """A YAML document as plain data plus the 1-based line of each path in it."""

    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int:
        """The line of the deepest part of `path` that is known (1 when none is)."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return 1


def _convert(node: yaml.Node, path: Path, lines: dict[Path, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _convert(key_node, (*path, "<key>"), {})
            if isinstance(key, list | dict):
                raise YamlProblem(key_node.start_mark.line + 1, "键（冒号前面的）要是一个词", "")
            if key in out:
                raise YamlProblem(
                    key_node.start_mark.line + 1,
                    f"键 {key!r} 在同一组里写了两遍",
                    "只留一个",
                )
            out[key] = _convert(value_node, (*path, str(key)), lines)
            lines[(*path, str(key))] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, i), lines) for i, item in enumerate(node.value)]
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    raise YamlProblem(node.start_mark.line + 1, "不支持这种 YAML 写法", "用普通的 YAML 写")


class _Loader(yaml.SafeLoader):
    pass


_LOADER = _Loader("")

# the booklet nests 5 levels at most and holds ~1,000 values per file; far more is a slip or
# an attack on the recursion limit or memory (which follows the number of values, not bytes)
MAX_DEPTH = 32
MAX_NODES = 20_000
_TOO_DEEP = f"列表或分组套得太深了（超过{MAX_DEPTH}层）"
_RETYPE = "删掉它，重新打一遍字"
_NO_ALIASES = "图册不用锚点（&名字）和引用（*名字）：请把文字完整写出来"


_FLATTEN = "少套几层"

# what libyaml says went wrong, in plain Chinese (the start of its message is enough)
_PROBLEMS = {
    "found a tab character": "用了 Tab 键缩进：请改用空格",
    "did not find expected key": "这里少了一个键，或者缩进没对齐",
    "did not find expected ',' or ']'": "方括号 [ ] 没有关上，或者少了逗号",
    "did not find expected ',' or '}'": "花括号 { } 没有关上，或者少了逗号",
    "did not find expected '-' indicator": "列表的“- ”没有对齐",
    "did not find expected node content": "这里少了内容",
    "mapping values are not allowed": "这里不能有冒号：含有“:”的文字要加引号，或者缩进不对",
    "could not find expected ':'": "少了冒号“:”",
    "found undefined alias": "不允许用 YAML 的引用（*名字）",
    "found unexpected end of stream": "文件意外结束了",
    "found unexpected ':'": "这里不能有冒号“:”",
    "found character that cannot start any token": (
        "这里有不能打头的字符：缩进要用空格，不能用 Tab；以 @ 或 ` 开头的文字要加引号"
    ),
    "expected <block end>, but found": "缩进没对齐",
}


def _in_chinese(problem: str | None) -> str:
    """libyaml's English problem in plain Chinese; one it does not know, as it is."""
    text = (problem or "").strip()
    for start, chinese in _PROBLEMS.items():
        if text.startswith(start):
            return chinese
    return f"格式有错（{text}）" if text else "格式有错"


class _Composer(yaml.composer.Composer, CParser, yaml.resolver.Resolver):
    """PyYAML's own composer over libyaml's parser (ten times faster than the pure-Python
    one, the same nodes and lines) that refuses anchors, aliases, deep nesting and too
    many values as it reads, before any node is built: an alias bomb stops at its first
    anchor, at no cost."""

    depth = 0
    nodes = 0

    def __init__(self, stream: str) -> None:
        CParser.__init__(self, stream)
        yaml.composer.Composer.__init__(self)
        yaml.resolver.Resolver.__init__(self)

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()
        line = event.start_mark.line + 1 if event is not None and event.start_mark else 1
        if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
            sign = "*" if isinstance(event, yaml.AliasEvent) else "&"
            raise YamlProblem(
                line, f"{sign}{event.anchor}: 不允许用 YAML 的锚点和引用", _NO_ALIASES
            )
        if self.depth >= MAX_DEPTH:
            raise YamlProblem(line, _TOO_DEEP, _FLATTEN)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise YamlProblem(
                line, f"一个文件里的值太多了（超过{MAX_NODES}个）", "请按主题分成几个文件"
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _scalar(node: yaml.ScalarNode) -> Any:
    try:
        return _LOADER.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        raise YamlProblem(
            node.start_mark.line + 1, f"不支持的值 {node.value!r}", "请写普通文字"
        ) from exc
    finally:
        # the constructor remembers every node it built (with its marks and the whole
        # text): kept, they would stay in memory for good, and grow with each load
        _LOADER.constructed_objects.clear()


def load_marked(text: str) -> Marked:
    """Parse one YAML document; raise YamlProblem with a line and a hint."""
    try:
        text.encode("utf-8")  # libyaml reads UTF-8: a lone surrogate is no text
    except UnicodeEncodeError as exc:
        line = text.count("\n", 0, exc.start) + 1
        raise YamlProblem(
            line, f"不是正确的 YAML：U+{ord(text[exc.start]):04X} 不是一个字", _RETYPE
        ) from exc
    try:
        composer = _Composer(text)
        try:
            node = composer.get_single_node()
        finally:
            composer.dispose()
    except yaml.MarkedYAMLError as exc:
        quote = _unclosed_quote(text, exc)
        if quote is not None:
            line, char = quote
            raise YamlProblem(
                line,
                "不是正确的 YAML：引号没有关上",
                f"这里开了一个引号（{char}）却没有关上：在这一行把它关上，或者删掉它",
            ) from exc
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        if "maximum nesting depth" in (exc.problem or ""):  # libyaml's own limit, 1,000
            raise YamlProblem(line, _TOO_DEEP, _FLATTEN) from exc
        raise YamlProblem(
            line,
            f"不是正确的 YAML：{_in_chinese(exc.problem)}",
            "检查缩进是否对齐；含有“:”或“#”的文字要加引号",
        ) from exc
    except yaml.reader.ReaderError as exc:  # a character YAML does not accept
        line = text.count("\n", 0, exc.position) + 1
        code = ord(exc.character) if isinstance(exc.character, str) else int(exc.character)
        raise YamlProblem(
            line,
            f"不是正确的 YAML：有不允许的控制字符（U+{code:04X}，看不见的特殊字符）",
            _RETYPE,
        ) from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(1, f"不是正确的 YAML：{exc}", "请检查这个文件") from exc
    if node is None:
        return Marked(None, {(): 1})
    lines: dict[Path, int] = {}
    return Marked(_convert(node, (), lines), lines)


def _unclosed_quote(text: str, exc: yaml.MarkedYAMLError) -> tuple[int, str] | None:
    """Where a quote left open starts (line, quote character), if that is what went wrong.

    PyYAML reports where it gave up, often many lines below: the open quote either runs
    to the end of the file, or pairs with the next quote further down and makes one long
    quoted text that spans lines, after which the parser fails. The booklet writes every
    quoted text on one line, so the last such multi-line text before the error is the slip.
    """
    if exc.context == "while scanning a quoted scalar" and exc.context_mark is not None:
        mark = exc.context_mark
        return mark.line + 1, text[mark.index] if mark.index < len(text) else '"'
    stop = exc.problem_mark.index if exc.problem_mark else len(text)
    found: tuple[int, str] | None = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if token.start_mark.index >= stop:
                break
            if (
                isinstance(token, yaml.ScalarToken)
                and token.style in ('"', "'")
                and token.end_mark.line > token.start_mark.line
            ):
                found = token.start_mark.line + 1, token.style
    except yaml.YAMLError:
        pass  # the tokens up to the error are all we need
    return found
