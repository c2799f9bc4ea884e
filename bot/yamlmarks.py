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

# the booklet nests 5 levels at most and holds ~1,000 values per file; far more is a slip or
# an attack on the recursion limit or memory (which follows the number of values, not bytes)
MAX_DEPTH = 32
MAX_NODES = 20_000
_TOO_DEEP = f"lists or blocks nested too deep (over {MAX_DEPTH} levels)"
_RETYPE = "delete it and type the text again"
_NO_ALIASES = "the booklet does not use anchors (&name) or aliases (*name): write the text in full"


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
                line, f"{sign}{event.anchor}: YAML anchors and aliases are not allowed", _NO_ALIASES
            )
        if self.depth >= MAX_DEPTH:
            raise YamlProblem(line, _TOO_DEEP, "flatten it")
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise YamlProblem(
                line, f"too many values in one file (over {MAX_NODES})", "split it into topics"
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
            node.start_mark.line + 1, f"unsupported value {node.value!r}", "use plain text"
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
            line, f"not valid YAML: U+{ord(text[exc.start]):04X} is not a character", _RETYPE
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
                "not valid YAML: unclosed quote",
                f"a quote ({char}) opened here is never closed: close it on this line or remove it",
            ) from exc
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        if "maximum nesting depth" in (exc.problem or ""):  # libyaml's own limit, 1,000
            raise YamlProblem(line, _TOO_DEEP, "flatten it") from exc
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
