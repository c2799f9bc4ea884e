"""The curation loop: group what the bot could not answer, export it as examples (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from bot.loader import example_key
from bot.matcher import Tuning

SIMILAR = 70.0  # two unanswered questions this alike belong to one group
# a best guess under the score the bot answers from on its own (Tuning.threshold) is weak:
# "把握不大", and its group is not exported under it unless the officer names the intent
LOW_SCORE = Tuning().threshold


MAX_URGENT_LISTED = 20  # urgent questions of one kind listed in full (each is a person)


@dataclass
class Group:
    """Unanswered questions that ask much the same thing; or the urgent questions of one
    kind (`urgent`: the urgency rule's id, `label`: its name for officers)."""

    key: str  # the normalized text of the group's first question
    questions: list[str] = field(default_factory=list)
    guesses: dict[str, float] = field(default_factory=dict)  # intent -> best score seen
    urgent: str | None = None
    label: str = ""

    @property
    def count(self) -> int:
        return len(self.questions)

    @property
    def best_guess(self) -> tuple[str, float] | None:
        if not self.guesses:
            return None
        intent = max(self.guesses, key=lambda i: self.guesses[i])
        return intent, self.guesses[intent]


def group(rows: Iterable[dict[str, Any]], similar: float = SIMILAR,
          labels: Mapping[str, str] | None = None) -> list[Group]:  # fmt: skip
    """Urgent questions first, one group per urgency rule (the most recent first: rows
    come newest first); then unanswered questions grouped by similarity (rapidfuzz),
    most frequent first. `labels`: rule id -> its label (urgency.yaml)."""
    urgent: dict[str, Group] = {}
    groups: list[Group] = []
    keys: list[str] = []
    for row in rows:
        rule = row.get("urgent")
        key = row.get("normalized") or row["text"]
        if rule:
            if rule not in urgent:
                label = (labels or {}).get(rule, rule)  # a rule since removed: its id
                urgent[rule] = Group(key, urgent=rule, label=label)
            target = urgent[rule]
        else:
            found = process.extractOne(key, keys, scorer=fuzz.ratio, score_cutoff=similar)
            if found is None:
                groups.append(Group(key))
                keys.append(key)
                target = groups[-1]
            else:
                target = groups[found[2]]
        target.questions.append(row["text"])
        for guess in row.get("guesses", []):
            intent, score = guess["intent"], float(guess["score"])
            target.guesses[intent] = max(score, target.guesses.get(intent, 0.0))
    return [*urgent.values(), *sorted(groups, key=lambda g: (-g.count, g.key))]


def export_intent(g: Group, wrong: Mapping[str, int] | None = None,
                  low: float = LOW_SCORE) -> str | None:  # fmt: skip
    """The intent a group may be exported under without the officer naming one: its best
    guess, unless people said that answer was wrong (`wrong`: intent -> how often) or the
    guess is weak (under `low`)."""
    guess = g.best_guess
    if g.urgent or guess is None or guess[0] in (wrong or {}) or guess[1] < low:
        return None
    return guess[0]


def format_groups(
    groups: list[Group],
    days: int,
    titles: Mapping[str, str] | None = None,
    wrong: Mapping[str, int] | None = None,
    low: float = LOW_SCORE,
) -> str:
    """The report a village officer reads: urgent questions first, marked. `titles`: intent
    -> its question's title, shown instead of the id; `wrong`: intent -> how often people
    said its answer was wrong (👎 or "不对"): such a guess is marked, never offered as the
    place for the group; a guess under `low` is marked "把握不大"."""
    if not groups:
        return f"最近{days}天没有答不上的问题。"
    titles, wrong = titles or {}, wrong or {}
    weak = False
    urgent = [g for g in groups if g.urgent]
    other = [g for g in groups if not g.urgent]
    lines = []
    if urgent:
        lines.append(f"⚠ 最近{days}天有{sum(g.count for g in urgent)}个紧急的问题，请尽快联系：")
    for n, g in enumerate(groups, 1):
        if n == len(urgent) + 1:
            lines.append(
                f"最近{days}天答不上的问题，共{sum(g.count for g in other)}个，分成{len(other)}组："
            )
        unique = list(dict.fromkeys(g.questions))
        shown = MAX_URGENT_LISTED if g.urgent else 5
        if g.urgent:
            lines.append(f"{n}. ⚠ 紧急：{g.label} {g.count}次")
        else:
            guess = g.best_guess
            hint = "（没有接近的答案）"
            if guess is not None:
                title = titles.get(guess[0], guess[0])
                sure = "" if guess[1] >= low or guess[0] in wrong else "，把握不大"
                weak = weak or bool(sure)
                hint = f"（最接近：「{title}」，{guess[1]:.0f}分{sure}）"
            lines.append(f"{n}. {g.count}次 {hint}")
            if guess is not None and guess[0] in wrong:
                lines.append(
                    f"   ⚠ 有人说这个回答不对（{wrong[guess[0]]}次）：不要把这组问题加到它下面，"
                    "先看看这个回答要不要改"
                )
        lines.extend(f"   - {q}" for q in unique[:shown])
        if len(unique) > shown:
            lines.append(f"   …另有{len(unique) - shown}个")
    if not other:
        lines.append(f"最近{days}天没有答不上的问题。")
    if weak:
        lines.append(
            f"“把握不大”：不到{low:.0f}分（机器人{low:.0f}分以上才直接回答），"
            "加成例句以前，先确认问的是不是这个问题。"
        )
    return "\n".join(lines)


def export_examples(g: Group, intent: str, existing: Iterable[str] = ()) -> str:
    """A YAML snippet of example questions to paste under `intent`'s examples; questions
    the booklet already has (as `policybot check` compares them) are left out."""
    seen = {example_key(e) for e in existing}
    fresh = []
    for question in dict.fromkeys(q.strip() for q in g.questions):
        if question and example_key(question) not in seen:
            seen.add(example_key(question))
            fresh.append(question)
    body = yaml.safe_dump(fresh, allow_unicode=True, default_flow_style=False, width=1000)
    indented = "".join(f"      {line}\n" for line in body.splitlines())
    return f"    # paste under `examples:` of {intent} ({len(fresh)} questions)\n{indented}"


def format_stats(stats: dict[str, Any], days: int) -> str:
    """Questions per topic, answer and refusal rates, feedback, for a village officer."""
    total = stats.get("questions", 0)
    if not total:
        return f"最近{days}天还没有人提问。"
    answered = stats["answered"]
    lines = [
        f"最近{days}天：共{total}问，答了{answered}（{answered / total:.0%}），"
        f"没答{stats['refused']}（{stats['refused'] / total:.0%}）。",
        "按主题：" + "，".join(f"{t} {n}" for t, n in stats["topics"].items()),
        "没答的原因：" + "，".join(f"{r} {n}" for r, n in stats["refusals"].items()),
        f"评价：👍{stats['feedback']['helpful']} 👎{stats['feedback']['not_helpful']}",
    ]
    return "\n".join(lines)
