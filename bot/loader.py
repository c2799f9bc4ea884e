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
        super().__init__(f"the booklet has {len(problems)} problem(s)")
        self.problems = problems


_HINTS = {
    "extra_forbidden": "unknown key: check its spelling against policies/FORMAT.md",
    "missing": "add this key (see policies/FORMAT.md)",
    "string_type": "write it as text; quote values such as 2017-08-15, yes or 116",
    "int_type": "write a whole number",
    "int_parsing": "write a whole number",
    "list_type": "write a list, one '- item' per line",
    "dict_type": "write a block of 'key: value' lines",
    "too_short": "add more: an intent needs at least 8 examples, lists need one item",
    "string_too_short": "write some text here",
    "string_too_long": "shorten it",
    "literal_error": "use one of the allowed words",
    "value_error": "",
}


def _loc_text(loc: Iterable[str | int]) -> str:
    return ".".join(str(part) for part in loc) or "(file)"


def _validate(model: type[M], marked: Marked, file: str, problems: list[Problem]) -> M | None:
    try:
        return model.model_validate(marked.data if marked.data is not None else {})
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            hint = _HINTS.get(err["type"], "")
            if err["type"] == "extra_forbidden":
                known = ", ".join(_fields_at(model, loc[:-1]))
                hint = f"{hint}; known keys here: {known}" if known else hint
            problems.append(
                Problem(file, marked.line_of(loc), f"{_loc_text(loc)}: {err['msg']}", hint)
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
                    f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB",
                    "a booklet file is a few pages of text: split it into topics "
                    "or remove what does not belong",
                )
            )
            return None
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(rel, 1, "the file is not UTF-8 text", "save it as UTF-8"))
        return None
    except OSError as exc:
        problems.append(Problem(rel, 1, f"cannot read the file: {exc.strerror}", ""))
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
                    f"topic id {topic.topic!r} differs from the file name {stem!r}",
                    f"rename the file to {topic.topic}.yaml or the id to {stem}",
                )
            )
        for k, keyword in enumerate(topic.keywords):
            if len(keyword.strip()) < 2:
                problems.append(
                    Problem(
                        file,
                        marked.line_of(("keywords", k)),
                        f"keyword {keyword!r} is too short",
                        "use words of 2 or more characters",
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
                        f"intent id {intent.id!r} does not start with {topic.topic}.",
                        f"name it {topic.topic}.something",
                    )
                )
            if intent.id in intent_at:
                other, other_line = intent_at[intent.id]
                problems.append(
                    Problem(
                        file,
                        line,
                        f"duplicate intent id {intent.id!r} (also at {other}:{other_line})",
                        "give each intent its own id",
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
                            f"example {example!r} is "
                            + (
                                "listed twice"
                                if same
                                else f"also under {other_id} ({other_file}:{other_line})"
                            ),
                            "delete one" if same else "an example question belongs to one intent",
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
                                f"source {source!r} is not in booklet.yaml",
                                "known sources: " + ", ".join(meta.sources),
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
                            f"follow-up {target!r} of {intent.id} points "
                            + ("to itself" if target == intent.id else "nowhere"),
                            "use the id of another intent",
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
                        Problem(file, line, f"{section}: {variant!r} maps to itself", "remove it")
                    )
                elif variant in seen and seen[variant] != canonical:
                    problems.append(
                        Problem(
                            file,
                            line,
                            f"{section}: {variant!r} maps to both {seen[variant]!r} "
                            f"and {canonical!r}",
                            "a word can mean one thing only",
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
                    f"duplicate urgency rule id {rule.id!r} (also at line {seen[rule.id]})",
                    "give each rule its own id, or put both rules' words under one",
                )
            )
        seen.setdefault(rule.id, line)


_TOPIC_FILE = re.compile(r"^[^._].*\.ya?ml$")


def check_booklet(folder: Path) -> tuple[Booklet | None, list[Problem]]:
    """Load and check the booklet; return it only when there is no problem."""
    folder = Path(folder)
    problems: list[Problem] = []
    if not folder.is_dir():
        return None, [Problem(str(folder), 1, "the booklet folder does not exist", "")]

    marks: dict[str, Marked] = {}

    def one(name: str, model: type[M], required: bool) -> M | None:
        path = folder / name
        if not path.exists():
            if required:
                problems.append(Problem(str(path), 1, "missing file", f"create {name}"))
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
            Problem(_rel(topic_dir, folder), 1, "no topic files", "add topics/<topic>.yaml")
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
            what = "topic" if role == "help_topic" else "intent"
            problems.append(
                Problem(
                    file,
                    marked.line_of(("roles", role)),
                    f"roles: {role} names the {what} {value!r}, which does not exist",
                    f"use an existing {what} id",
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
