"""Score the engine on labelled questions: accuracy per kind and intent, confusions, refusals."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from bot.engine import Engine

# team-written kinds, then real people's words: a search query, a Q&A title, a post
EvalKind = Literal["household", "officer", "noisy", "long", "out_of_scope", "query", "qa", "post"]


class Item(BaseModel):
    """One labelled question: the intent that answers it, or null when none does."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    q: str
    intent: str | None
    kind: EvalKind
    hard: bool = False
    also: list[str] = Field(default_factory=list)
    url: str | None = None  # where a real person asked it
    category: str | None = None  # why an out-of-scope question is refused (place, dibao …)


_ITEMS = TypeAdapter(list[Item])


def load_items(path: Path) -> list[Item]:
    """The labelled questions of one file."""
    return _ITEMS.validate_python(yaml.safe_load(path.read_text(encoding="utf-8")))


def is_dialogue_file(path: Path) -> bool:
    """A file of conversations (each with `turns`) rather than of single questions."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return (
        isinstance(data, list) and bool(data) and isinstance(data[0], dict) and ("turns" in data[0])
    )


@dataclass
class Tally:
    right: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.right += ok
        self.total += 1

    @property
    def rate(self) -> float:
        return self.right / self.total if self.total else 1.0

    def __str__(self) -> str:
        return f"{self.rate:6.1%} ({self.right}/{self.total})"


@dataclass
class Report:
    """The figures of one evaluation run."""

    in_scope: Tally = field(default_factory=Tally)
    refusal: Tally = field(default_factory=Tally)
    hard_refusal: Tally = field(default_factory=Tally)
    by_kind: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_intent: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    misses: list[tuple[str, str, str, float]] = field(default_factory=list)
    unknown_labels: set[str] = field(default_factory=set)
    same_as_example: int = 0  # in-scope questions equal to a booklet example once normalized


def evaluate(engine: Engine, items: Iterable[Item]) -> Report:
    """Ask every question and compare the reply with its label."""
    report = Report()
    normalize = engine.matcher.normalizer
    examples = {
        normalize(text).text
        for intent in engine.booklet.intents.values()
        for text in (intent.title, *intent.examples)
    }
    examples.discard("")
    for item in items:
        reply = engine.ask(item.q)
        got = reply.intent if reply.matched else "(refused)"
        if item.intent is None:
            ok = not reply.matched
            report.refusal.add(ok)
            if item.hard:
                report.hard_refusal.add(ok)
            report.by_kind["out_of_scope"].add(ok)
            if item.category:
                report.by_kind[f"out:{item.category}"].add(ok)
            expected = "(out of scope)"
        else:
            for label in (item.intent, *item.also):
                if label not in engine.booklet.intents:
                    report.unknown_labels.add(label)
            report.same_as_example += normalize(item.q).text in examples
            ok = reply.matched and reply.intent in (item.intent, *item.also)
            report.in_scope.add(ok)
            report.by_kind[item.kind if item.kind != "out_of_scope" else "in_scope"].add(ok)
            report.by_intent[item.intent].add(ok)
            expected = item.intent
        if not ok:
            report.confusions[(expected, str(got))] += 1
            report.misses.append((item.q, expected, str(got), reply.score))
    return report


def format_report(report: Report, name: str, verbose: bool = False) -> str:
    """The report as a person reads it."""
    lines = [f"== {name}"]
    lines.append(f"in-scope answered with the right intent: {report.in_scope}")
    lines.append(
        f"  ({report.same_as_example} of them coincide with a booklet example once normalized)"
    )
    lines.append(f"out-of-scope refused:                    {report.refusal}")
    lines.append(f"  of which hard negatives refused:       {report.hard_refusal}")
    lines.append("by kind:")
    for kind in sorted(report.by_kind):
        lines.append(f"  {kind:<13} {report.by_kind[kind]}")
    lines.append("by intent (below 100%):")
    weak = [(k, t) for k, t in sorted(report.by_intent.items()) if t.rate < 1.0]
    lines.extend(f"  {k:<20} {t}" for k, t in weak)
    if not weak:
        lines.append("  (none)")
    lines.append("confusions (expected -> got: count):")
    for (expected, got), count in report.confusions.most_common():
        lines.append(f"  {expected} -> {got}: {count}")
    if verbose:
        lines.append("misses:")
        for q, expected, got, score in report.misses:
            lines.append(f"  [{expected} -> {got} {score:.1f}] {q}")
    if report.unknown_labels:
        lines.append("labels not in the booklet: " + ", ".join(sorted(report.unknown_labels)))
    return "\n".join(lines)
