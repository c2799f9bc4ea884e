"""Urgency: a question that signals an emergency (住院没钱, 房子要塌, 断顿, 不想活了) is
answered as usual and flagged, so that an officer hears of it at once (pure, no I/O).

The rules are the booklet's (`policies/urgency.yaml`); nothing here names one."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.booklet import UrgencyRule
from bot.normalize import Normalized, _t2s, sanitize
from bot.numerals import arabize
from bot.privacy import mask

MAX_QUESTION_CHARS = 500  # of the (masked) question an alert carries
_LIGHT_CHARS = 5_000  # of a message too long to be normalized, read for urgency alone


@dataclass(frozen=True)
class Rule:
    """A rule of urgency.yaml, its words written as questions are (simplified,
    lower-case, numerals as digits: 一分钱 → 1分钱), ready to compare."""

    id: str
    label: str
    entries: tuple[tuple[tuple[str, ...], ...], ...]  # entry -> part -> alternatives
    patterns: tuple[re.Pattern[str], ...] = ()
    unless: tuple[str, ...] = ()

    def flags(self, text: str) -> bool:
        """Whether the text shows this emergency: every part of one entry is there (or a
        pattern is), and none of the `unless` words."""
        if any(w in text for w in self.unless):
            return False
        return any(
            all(any(w in text for w in part) for part in entry) for entry in self.entries
        ) or any(p.search(text) for p in self.patterns)


def _as_asked(word: str) -> str:
    """A word of a rule as the normalizer writes a question."""
    return arabize(_t2s(unicodedata.normalize("NFKC", word).strip()).lower())


def compile_rules(rules: Iterable[UrgencyRule]) -> tuple[Rule, ...]:
    """The booklet's rules ready to compare (done once, when the booklet is loaded)."""
    return tuple(
        Rule(
            rule.id,
            rule.label,
            tuple(
                tuple(tuple(_as_asked(w) for w in part.split("|")) for part in entry.split())
                for entry in rule.words
            ),
            tuple(re.compile(r) for r in rule.regex),
            tuple(_as_asked(w) for w in rule.unless),
        )
        for rule in rules
    )


def flag(rules: Sequence[Rule], normalized_text: str) -> str | None:
    """The id of the first rule the text shows, or None."""
    for rule in rules:
        if rule.flags(normalized_text):
            return rule.id
    return None


def urgency_text(question: str, normalized: Normalized | None) -> str:
    """What the rules read: the question in the booklet's words and, on a line of its own,
    the person's words before any was replaced (synonyms turn 房子要塌 into 危房 and
    俺娘 into 老人: a rule may name either). A message that was not normalized (too long,
    a greeting, an error) is read cleaned, simplified and lower-cased."""
    if normalized is not None and normalized.text:
        return f"{normalized.text}\n{normalized.surface}"
    return arabize(_t2s(sanitize(question[:_LIGHT_CHARS])).lower())


@dataclass(frozen=True)
class Alert:
    """An urgent question, for the officers: which rule, what was asked (masked), where."""

    rule: str
    label: str
    question: str  # masked (bot.privacy.mask): no ID, phone, card or house address
    channel: str
    at: datetime  # aware (UTC)

    @classmethod
    def of(cls, rule: str, label: str, question: str, channel: str,
           at: datetime | None = None) -> Alert:  # fmt: skip
        """An alert with the question masked, then cut to a readable length."""
        return cls(rule, label, mask(question)[:MAX_QUESTION_CHARS], channel,
                   at or datetime.now(UTC))  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        """The body posted to POLICYBOT_ALERT_WEBHOOK."""
        return {
            "rule": self.rule,
            "label": self.label,
            "question": self.question,
            "channel": self.channel,
            "at": self.at.isoformat(),
        }
