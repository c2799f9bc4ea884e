"""Score whole conversations through the service the channels use (context included)."""

from __future__ import annotations

import asyncio
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from bot.engine import Engine
from bot.evaluation import Tally
from bot.reply import Reply
from bot.service import Service
from bot.store import Store


class Turn(BaseModel):
    """One message and what must come back: an intent, a refusal, or "which policy?"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    q: str
    intent: str | None = None
    also: list[str] = Field(default_factory=list)
    expect: Literal["refuse", "clarify"] | None = None
    contains: list[str] = Field(default_factory=list)  # strings the answer must hold

    @model_validator(mode="after")
    def _one_expectation(self) -> Turn:
        if (self.intent is None) == (self.expect is None):
            raise ValueError("a turn has either `intent` or `expect`")
        return self

    def judge(self, reply: Reply) -> str:
        """ "" when the reply is right, else what was wrong."""
        if self.expect == "refuse":
            return "" if not reply.matched else f"answered {reply.intent}"
        if self.expect == "clarify":
            return "" if reply.reason == "vague" else f"{reply.reason} {reply.intent}"
        if not reply.matched or reply.intent not in (self.intent, *self.also):
            return f"{reply.reason} {reply.intent}"
        missing = [c for c in self.contains if c not in reply.answer]
        return f"answer lacks {missing}" if missing else ""


class Dialogue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    kind: str
    turns: list[Turn] = Field(min_length=2, max_length=6)


_DIALOGUES = TypeAdapter(list[Dialogue])


def load_dialogues(path: Path) -> list[Dialogue]:
    return _DIALOGUES.validate_python(yaml.safe_load(path.read_text(encoding="utf-8")))


@dataclass
class DialogueReport:
    conversations: Tally = field(default_factory=Tally)
    turns: Tally = field(default_factory=Tally)
    by_kind: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    failures: list[tuple[str, int, str, str]] = field(default_factory=list)
    unknown_labels: set[str] = field(default_factory=set)


async def _score(engine: Engine, dialogues: list[Dialogue]) -> DialogueReport:
    report = DialogueReport()
    with tempfile.TemporaryDirectory() as folder:
        store = await Store.open(Path(folder) / "eval.db")
        try:
            service = Service(engine, store, Path(folder))
            for dialogue in dialogues:
                right = True
                for n, turn in enumerate(dialogue.turns, start=1):
                    for label in (turn.intent, *turn.also):
                        if label is not None and label not in engine.booklet.intents:
                            report.unknown_labels.add(label)
                    reply = await service.ask(turn.q, "eval", dialogue.id)
                    wrong = turn.judge(reply)
                    report.turns.add(not wrong)
                    if wrong:
                        right = False
                        report.failures.append((dialogue.id, n, turn.q, wrong))
                report.conversations.add(right)
                report.by_kind[dialogue.kind].add(right)
        finally:
            await store.close()
    return report


def evaluate_dialogues(engine: Engine, dialogues: list[Dialogue]) -> DialogueReport:
    """Play every conversation in its own session and judge every turn."""
    return asyncio.run(_score(engine, dialogues))


def format_dialogue_report(report: DialogueReport, name: str, verbose: bool = False) -> str:
    lines = [f"== {name} (conversations)"]
    lines.append(f"conversations right in every turn: {report.conversations}")
    lines.append(f"turns right:                       {report.turns}")
    lines.append("by kind:")
    lines.extend(f"  {k:<13} {t}" for k, t in sorted(report.by_kind.items()))
    shown = report.failures if verbose else report.failures[:20]
    lines.append(f"failures ({len(report.failures)}):")
    lines.extend(f"  {d} turn {n}: {q}  -> {why}" for d, n, q, why in shown)
    if report.unknown_labels:
        lines.append("labels not in the booklet: " + ", ".join(sorted(report.unknown_labels)))
    return "\n".join(lines)
