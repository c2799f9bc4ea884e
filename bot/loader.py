"""Load the booklet folder and check it whole: all problems, each with file, line and hint."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, get_args, get_origin

from pydantic import BaseModel, ValidationError

from bot.booklet import Booklet, Lexicon, Meta, Scope, Topic, Urgency
from bot.yamlmarks import Marked, YamlProblem, load_marked

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the booklet, where it is and how to fix it."""

    file: str
    line: int
    message: str
    hint: str = ""

    def __str__(self) -> str:
        hint = f"（提示 hint: {self.hint}）" if self.hint else ""
        return f"{self.file}:{self.line}: {self.message}{hint}"


class BookletInvalid(Exception):
    """The booklet has problems; nothing of it is used."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"图册有{len(problems)}个问题")
        self.problems = problems


_HINTS = {
    "extra_forbidden": "不认识这个键：请对照 policies/FORMAT.md 检查拼写",
    "missing": "请加上这一项，写法见 policies/FORMAT.md",
    "string_type": "请写成文字；2017-08-15、yes、116 这样的值要加引号",
    "int_type": "请写一个整数",
    "int_parsing": "请写一个整数",
    "int_from_float": "请写一个整数，不要带小数",
    "float_type": "请写一个数",
    "float_parsing": "请写一个数",
    "bool_type": "请写 true（是）或 false（否）",
    "bool_parsing": "请写 true（是）或 false（否）",
    "list_type": "请写成列表，每行一项，以“- ”开头",
    "dict_type": "请写成一组“键: 值”，每行一个",
    "model_type": "请写成一组“键: 值”，每行一个",
    "too_short": "再多写几项：每个问题至少要有8个例句，其他列表至少要有1项",
    "too_long": "删掉几项",
    "string_too_short": "这里要写上文字",
    "string_too_long": "写短一些",
    "literal_error": "只能用规定的几个词",
    "value_error": "",
}

# pydantic's own messages, by error type, in plain Chinese; {…} are the error's ctx
_MESSAGES = {
    "extra_forbidden": "不认识的键",
    "missing": "缺少这一项",
    "string_type": "这里要写文字",
    "int_type": "这里要写整数",
    "int_parsing": "这里要写整数",
    "int_from_float": "这里要写整数，不能带小数",
    "float_type": "这里要写一个数",
    "float_parsing": "这里要写一个数",
    "bool_type": "这里要写 true 或 false",
    "bool_parsing": "这里要写 true 或 false",
    "list_type": "这里要写一个列表",
    "dict_type": "这里要写一组“键: 值”",
    "model_type": "这里要写一组“键: 值”",
    "too_short": "太少了：至少要{min_length}项，现在只有{actual_length}项",
    "too_long": "太多了：最多{max_length}项，现在有{actual_length}项",
    "string_too_short": "不能是空的",
    "string_too_long": "太长了：最多{max_length}个字",
    "literal_error": "只能写这些词之一：{expected}",
}

# Chinese words an officer may write for an intent's `aspect:` (FORMAT.md lists them)
ASPECT_ALIASES = {
    "是什么": "what", "什么是": "what", "介绍": "what",
    "谁能享受": "who", "谁能办": "who", "条件": "who", "对象": "who",
    "多少钱": "amount", "给多少": "amount", "标准": "amount",
    "怎么办": "apply", "怎么申请": "apply", "怎么领": "apply",
    "找谁": "contact", "问谁": "contact",
    "多少人": "stats", "统计": "stats", "数据": "stats",
    "哪几种": "kinds", "有哪些": "kinds", "种类": "kinds",
    "其他": "other", "其它": "other",
}  # fmt: skip


def _message(err: Any) -> str:
    """The Chinese text of one pydantic error (our validators' own texts as they are)."""
    kind, ctx = err["type"], dict(err.get("ctx") or {})
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    if kind == "literal_error":
        words = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        ctx["expected"] = "、".join(words) or str(ctx.get("expected", ""))
    template = _MESSAGES.get(kind)
    if template is None:
        return f"写得不对（{err['msg']}）"
    try:
        return template.format(**ctx)
    except (KeyError, IndexError, ValueError):
        return template.split("：")[0]


def _canonical_aspects(data: Any) -> Any:
    """A topic file's data with Chinese `aspect:` words (是什么, 多少钱 …) made canonical."""
    if not isinstance(data, dict) or not isinstance(data.get("intents"), list):
        return data
    intents = []
    for intent in data["intents"]:
        aspect = intent.get("aspect") if isinstance(intent, dict) else None
        if isinstance(aspect, str) and aspect.strip() in ASPECT_ALIASES:
            intent = {**intent, "aspect": ASPECT_ALIASES[aspect.strip()]}
        intents.append(intent)
    return {**data, "intents": intents}


def _loc_text(loc: Iterable[str | int]) -> str:
    return ".".join(str(part) for part in loc) or "(整个文件)"


def _validate(model: type[M], marked: Marked, file: str, problems: list[Problem]) -> M | None:
    data = marked.data if marked.data is not None else {}
    if model is Topic:
        data = _canonical_aspects(data)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            hint = _HINTS.get(err["type"], "")
            if err["type"] == "extra_forbidden":
                known = ", ".join(_fields_at(model, loc[:-1]))
                hint = f"{hint}；这里可以用的键：{known}" if known else hint
            if err["type"] == "literal_error" and loc[-1:] == ("aspect",):
                hint = f"{hint}；也可以写中文：" + "、".join(ASPECT_ALIASES)
            problems.append(
                Problem(file, marked.line_of(loc), f"{_loc_text(loc)}: {_message(err)}", hint)
            )
        return None


def _fields_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    """The keys allowed at `loc` inside `model` (descending through lists and dicts)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part)
            if field is None:
                return []
            current = field.annotation
        else:
            return []
        while get_origin(current) in (list, dict):
            current = get_args(current)[-1]
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


# the largest booklet file is under 20 KB; a file far bigger is a mistake, not a topic
MAX_FILE_BYTES = 2 * 1024 * 1024


def _read(path: Path, root: Path, problems: list[Problem]) -> Marked | None:
    rel = _rel(path, root)
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)  # never more than the limit in memory
        if len(data) > MAX_FILE_BYTES:
            problems.append(
                Problem(
                    rel,
                    1,
                    f"文件超过了 {MAX_FILE_BYTES // (1024 * 1024)} MB",
                    "图册的一个文件只有几页文字：请按主题分成几个文件，或删掉不该放在这里的内容",
                )
            )
            return None
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(rel, 1, "文件不是 UTF-8 编码的文字", "请另存为 UTF-8 编码"))
        return None
    except OSError as exc:
        problems.append(Problem(rel, 1, f"读不了这个文件：{exc.strerror}", ""))
        return None
    try:
        return load_marked(text)
    except YamlProblem as exc:
        problems.append(Problem(rel, exc.line, exc.message, exc.hint))
        return None


def example_key(text: str) -> str:
    """What makes two example questions 'the same': case, width, spaces, punctuation ignored."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def _cross_check(
    topics: list[tuple[Topic, Marked, str]],
    meta: Meta | None,
    problems: list[Problem],
    broken_ids: set[str],
) -> None:
    """Checks across files. `broken_ids` are intent ids of files that failed on their
    own: pointing to them is not reported again."""
    intent_at: dict[str, tuple[str, int]] = {}
    example_at: dict[str, tuple[str, str, int]] = {}
    for topic, marked, file in topics:
        stem = Path(file).stem
        if topic.topic != stem:
            problems.append(
                Problem(
                    file,
                    marked.line_of(("topic",)),
                    f"主题编号 {topic.topic!r} 和文件名 {stem!r} 不一样",
                    f"把文件改名为 {topic.topic}.yaml，或把编号改为 {stem}",
                )
            )
        for k, keyword in enumerate(topic.keywords):
            if len(keyword.strip()) < 2:
                problems.append(
                    Problem(
                        file,
                        marked.line_of(("keywords", k)),
                        f"关键词 {keyword!r} 太短",
                        "关键词至少要2个字",
                    )
                )
        for n, intent in enumerate(topic.intents):
            where = ("intents", n)
            line = marked.line_of((*where, "id"))
            if not intent.id.startswith(topic.topic + "."):
                problems.append(
                    Problem(
                        file,
                        line,
                        f"问题编号 {intent.id!r} 不是以 {topic.topic}. 开头",
                        f"写成 {topic.topic}.名字 的样子（名字用小写字母）",
                    )
                )
            if intent.id in intent_at:
                other, other_line = intent_at[intent.id]
                problems.append(
                    Problem(
                        file,
                        line,
                        f"问题编号 {intent.id!r} 重复了（{other}:{other_line} 也有）",
                        "每个问题要有自己的编号",
                    )
                )
            intent_at.setdefault(intent.id, (file, line))
            for e, example in enumerate(intent.examples):
                key = example_key(example)
                eline = marked.line_of((*where, "examples", e))
                if key in example_at:
                    other_id, other_file, other_line = example_at[key]
                    same = other_id == intent.id
                    problems.append(
                        Problem(
                            file,
                            eline,
                            f"例句 {example!r} "
                            + (
                                "写了两遍"
                                if same
                                else f"也写在了 {other_id} 下面（{other_file}:{other_line}）"
                            ),
                            "删掉一个" if same else "一个例句只能放在一个问题下面",
                        )
                    )
                else:
                    example_at[key] = (intent.id, file, eline)
            if meta is not None:
                for s, source in enumerate(intent.sources):
                    if source not in meta.sources:
                        problems.append(
                            Problem(
                                file,
                                marked.line_of((*where, "sources", s)),
                                f"来源 {source!r} 不在 booklet.yaml 里",
                                "已有的来源：" + ", ".join(meta.sources),
                            )
                        )
        if meta is not None:  # a picture card's points cite sources too
            for c, point in enumerate(topic.card):
                for source in getattr(point, "sources", ()):
                    if source not in meta.sources:
                        problems.append(
                            Problem(
                                file,
                                marked.line_of(("card", c)),
                                f"图片卡片第{c + 1}条的来源 {source!r} 不在 booklet.yaml 里",
                                "已有的来源：" + ", ".join(meta.sources),
                            )
                        )
    for topic, marked, file in topics:
        for n, intent in enumerate(topic.intents):
            for f, target in enumerate(intent.follow_ups):
                if target in broken_ids and target not in intent_at:
                    continue
                if target not in intent_at or target == intent.id:
                    problems.append(
                        Problem(
                            file,
                            marked.line_of(("intents", n, "follow_ups", f)),
                            f"{intent.id} 的后续问题 {target!r} "
                            + ("指向了它自己" if target == intent.id else "不存在"),
                            "请写另一个已有问题的编号",
                        )
                    )


def _check_lexicon(lexicon: Lexicon, marked: Marked, file: str, problems: list[Problem]) -> None:
    for section in ("synonyms", "dialect"):
        seen: dict[str, str] = {}
        table: dict[str, list[str]] = getattr(lexicon, section)
        for canonical, variants in table.items():
            for v, variant in enumerate(variants):
                line = marked.line_of((section, canonical, v))
                if not variant.strip() or variant == canonical:
                    problems.append(
                        Problem(file, line, f"{section}: {variant!r} 对应的是它自己", "删掉它")
                    )
                elif variant in seen and seen[variant] != canonical:
                    problems.append(
                        Problem(
                            file,
                            line,
                            f"{section}: {variant!r} 既对应 {seen[variant]!r} 又对应 {canonical!r}",
                            "一个词只能有一个意思",
                        )
                    )
                seen[variant] = canonical


def _check_urgency(urgency: Urgency, marked: Marked, file: str, problems: list[Problem]) -> None:
    """Rule ids are unique (an officer's list and the alerts name a rule by its id)."""
    seen: dict[str, int] = {}
    for n, rule in enumerate(urgency.rules):
        line = marked.line_of(("rules", n, "id"))
        if rule.id in seen:
            problems.append(
                Problem(
                    file,
                    line,
                    f"紧急规则编号 {rule.id!r} 重复了（第{seen[rule.id]}行也有）",
                    "每条规则要有自己的编号，或把两条规则的词放到一条里",
                )
            )
        seen.setdefault(rule.id, line)


_TOPIC_FILE = re.compile(r"^[^._].*\.ya?ml$")


def check_booklet(folder: Path) -> tuple[Booklet | None, list[Problem]]:
    """Load and check the booklet; return it only when there is no problem."""
    folder = Path(folder)
    problems: list[Problem] = []
    if not folder.is_dir():
        return None, [Problem(str(folder), 1, "图册文件夹不存在", "")]

    marks: dict[str, Marked] = {}

    def one(name: str, model: type[M], required: bool) -> M | None:
        path = folder / name
        if not path.exists():
            if required:
                problems.append(Problem(str(path), 1, "缺少这个文件", f"请新建 {name}"))
            return None
        marked = _read(path, folder, problems)
        if marked is None:
            return None
        marks[name] = marked
        result = _validate(model, marked, _rel(path, folder), problems)
        if isinstance(result, Lexicon):
            _check_lexicon(result, marked, _rel(path, folder), problems)
        if isinstance(result, Urgency):
            _check_urgency(result, marked, _rel(path, folder), problems)
        return result

    meta = one("booklet.yaml", Meta, required=True)
    lexicon = one("synonyms.yaml", Lexicon, required=False) or Lexicon()
    scope = one("scope.yaml", Scope, required=False) or Scope()
    urgency = one("urgency.yaml", Urgency, required=False) or Urgency()

    topic_dir = folder / "topics"
    files = sorted(p for p in topic_dir.glob("*") if p.is_file() and _TOPIC_FILE.match(p.name))
    if not files:
        problems.append(
            Problem(_rel(topic_dir, folder), 1, "没有主题文件", "请加上 topics/<主题>.yaml")
        )
    topics: list[tuple[Topic, Marked, str]] = []
    broken_ids: set[str] = set()
    for path in files:
        marked = _read(path, folder, problems)
        if marked is None:
            continue
        topic = _validate(Topic, marked, _rel(path, folder), problems)
        if topic is not None:
            topics.append((topic, marked, _rel(path, folder)))
        else:
            broken_ids.update(_raw_intent_ids(marked.data))
    _cross_check(topics, meta, problems, broken_ids)
    if meta is not None and "booklet.yaml" in marks:
        _check_roles(meta, marks["booklet.yaml"], _rel(folder / "booklet.yaml", folder),
                     [t for t, _, _ in topics], broken_ids, problems)  # fmt: skip
    if problems or meta is None:
        return None, problems
    return Booklet.build(meta, [t for t, _, _ in topics], lexicon, scope, urgency), []


def _check_roles(
    meta: Meta, marked: Marked, file: str, topics: list[Topic], broken_ids: set[str],
    problems: list[Problem],
) -> None:  # fmt: skip
    """Every role in booklet.yaml names an intent (or, for help_topic, a topic) that exists."""
    intents = {i.id for t in topics for i in t.intents} | broken_ids
    names = {t.topic for t in topics} | {i.split(".")[0] for i in broken_ids}
    for role, given in meta.roles.model_dump().items():
        values = given if isinstance(given, list) else [given]
        for value in values:
            if value is None:
                continue
            known = names if role == "help_topic" else intents
            if value in known:
                continue
            what = "主题" if role == "help_topic" else "问题"
            problems.append(
                Problem(
                    file,
                    marked.line_of(("roles", role)),
                    f"roles: {role} 写的{what} {value!r} 不存在",
                    f"请写一个已有的{what}编号",
                )
            )


def _raw_intent_ids(data: object) -> set[str]:
    """The intent ids a file that failed validation meant to define (best effort)."""
    if not isinstance(data, dict) or not isinstance(data.get("intents"), list):
        return set()
    return {
        i["id"] for i in data["intents"] if isinstance(i, dict) and isinstance(i.get("id"), str)
    }


def _rel(path: Path, folder: Path) -> str:
    try:
        return str(Path(folder.name) / path.relative_to(folder))
    except ValueError:
        return str(path)


def load_booklet(folder: Path) -> Booklet:
    """The booklet, or BookletInvalid with every problem: never half a booklet."""
    booklet, problems = check_booklet(folder)
    if booklet is None:
        raise BookletInvalid(problems)
    return booklet


def dump_problems(problems: list[Problem]) -> str:
    """Problems as lines for a person, in file and line order."""
    ordered = sorted(problems, key=lambda p: (p.file, p.line))
    return "\n".join(str(p) for p in ordered)
