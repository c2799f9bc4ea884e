"""Read YAML into plain Python while remembering the line of every value."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

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
                raise YamlProblem(key_node.start_mark.line + 1, "a key must be a word", "")
            if key in out:
                raise YamlProblem(
                    key_node.start_mark.line + 1,
                    f"the key {key!r} appears twice in the same block",
                    "keep one of them",
                )
            out[key] = _convert(value_node, (*path, str(key)), lines)
            lines[(*path, str(key))] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, i), lines) for i, item in enumerate(node.value)]
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    raise YamlProblem(node.start_mark.line + 1, "unsupported YAML", "use plain YAML")


class _Loader(yaml.SafeLoader):
    pass


_LOADER = _Loader("")


def _scalar(node: yaml.ScalarNode) -> Any:
    try:
        return _LOADER.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        raise YamlProblem(
            node.start_mark.line + 1, f"unsupported value {node.value!r}", "use plain text"
        ) from exc


def load_marked(text: str) -> Marked:
    """Parse one YAML document; raise YamlProblem with a line and a hint."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = (exc.problem or "not valid YAML").strip()
        raise YamlProblem(
            line,
            f"not valid YAML: {problem}",
            "check the indentation and that a text with ':' or '#' is quoted",
        ) from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(1, f"not valid YAML: {exc}", "check the file") from exc
    if node is None:
        return Marked(None, {(): 1})
    lines: dict[Path, int] = {}
    return Marked(_convert(node, (), lines), lines)
