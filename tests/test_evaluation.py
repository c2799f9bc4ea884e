"""Accuracy on labelled questions written apart from the booklet: the suite fails below these.

dev*.yaml were used to develop and tune the matcher; final.yaml was written last, blind,
and measured once after all tuning; it now guards against regressions. real-dev.yaml holds
real people's own words (each with its page) and dialogues-dev.yaml whole conversations;
both are tuned on, and their floors below are today's figures, not the goal (95%, issue 9).
holdout/ keeps real-final.yaml and dialogues-final.yaml, not yet measured: they are
measured once, after all tuning. Figures: README.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.dialogues import evaluate_dialogues, load_dialogues
from bot.engine import Engine
from bot.evaluation import evaluate, is_dialogue_file, load_items

EVAL = Path(__file__).parent / "eval"

# file: (minimum share of in-scope questions answered by the right intent,
#        minimum share of out-of-scope questions refused)
THRESHOLDS = {
    "dev.yaml": (0.95, 0.97),
    "dev2.yaml": (0.89, 0.94),
    "dev3.yaml": (0.90, 0.96),
    "dev4.yaml": (0.93, 0.96),
    "final.yaml": (0.95, 0.95),
    "real-dev.yaml": (0.80, 0.94),  # floors at today's figures: the goal is 95% / 95%
}
# conversations right in every turn
DIALOGUE_THRESHOLDS = {
    "dialogues-dev.yaml": 0.93,
    "dialogues-dev2.yaml": 0.85,
    "dialogues-dev3.yaml": 0.58,  # measured before tuning
}  # floors: the goal is 95%


@pytest.mark.parametrize("name", sorted(THRESHOLDS))
def test_accuracy(engine: Engine, name: str) -> None:
    report = evaluate(engine, load_items(EVAL / name))
    min_in_scope, min_refusal = THRESHOLDS[name]
    assert not report.unknown_labels
    assert report.in_scope.rate >= min_in_scope, f"{name}: in-scope {report.in_scope}"
    assert report.refusal.rate >= min_refusal, f"{name}: refusal {report.refusal}"


@pytest.mark.parametrize("name", sorted(DIALOGUE_THRESHOLDS))
def test_conversations(engine: Engine, name: str) -> None:
    report = evaluate_dialogues(engine, load_dialogues(EVAL / name))
    assert not report.unknown_labels
    assert report.conversations.rate >= DIALOGUE_THRESHOLDS[name], report.failures[:10]


def test_every_set_has_a_threshold() -> None:
    assert {p.name for p in EVAL.glob("*.yaml")} == set(THRESHOLDS) | set(DIALOGUE_THRESHOLDS)


def test_held_out_sets_are_whole() -> None:
    """The final sets wait in holdout/ to be measured once; they must load and be big
    enough to say something (at least 100 out-of-scope questions, 90 conversations)."""
    real = load_items(EVAL / "holdout" / "real-final.yaml")
    assert sum(it.intent is None for it in real) >= 100
    assert all(it.url for it in real)
    assert len(load_dialogues(EVAL / "holdout" / "dialogues-final.yaml")) >= 90


def test_real_questions_cite_their_page() -> None:
    assert all(it.url and it.url.startswith("http") for it in load_items(EVAL / "real-dev.yaml"))


def test_sets_are_apart_from_the_booklet(engine: Engine) -> None:
    """Written apart from the booklet: only the odd terse query ("小额信贷 贴息") coincides
    with a booklet example once normalized, as it would between any two writers."""
    for path in sorted(EVAL.glob("*.yaml")):
        if is_dialogue_file(path):
            continue
        report = evaluate(engine, load_items(path))
        assert report.same_as_example <= 0.12 * report.in_scope.total, path.name


def test_sets_cover_every_intent_and_kind() -> None:
    items = [it for p in sorted(EVAL.glob("dev*.yaml")) for it in load_items(p)]
    kinds = {it.kind for it in items}
    assert kinds == {"household", "officer", "noisy", "long", "out_of_scope"}
    assert sum(it.intent is None for it in items) >= 60
    assert sum(it.hard for it in items) >= 30
