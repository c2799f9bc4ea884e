"""The curation report: question titles, not ids; answers people said were wrong are never
offered as the place for a group; weak guesses are marked, with what "weak" means."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.curation import LOW_SCORE, export_intent, format_groups, group
from bot.engine import Engine
from bot.matcher import Tuning
from bot.service import Service
from bot.settings import DEFAULT_POLICIES
from bot.store import Store

TITLES = {"xiaoshan.amount": "子女交了孝善资金，政府给添多少？", "linli.what": "邻里互助是什么？"}


def _rows() -> list[dict[str, Any]]:
    return [
        {"text": "闺女交钱公家添不添", "normalized": "子女交钱政府添不添", "urgent": None,
         "guesses": [{"intent": "xiaoshan.amount", "score": 52.0}]},
        {"text": "闺女交钱公家添不添啊", "normalized": "子女交钱政府添不添啊", "urgent": None,
         "guesses": [{"intent": "xiaoshan.amount", "score": 50.0}]},
        {"text": "隔壁能帮俺干活不", "normalized": "隔壁能帮我干活不", "urgent": None,
         "guesses": [{"intent": "linli.what", "score": 38.0}]},
        {"text": "羊病了咋整", "normalized": "羊病了怎么办", "urgent": None, "guesses": []},
    ]  # fmt: skip


def test_low_is_the_score_the_bot_answers_from() -> None:
    assert LOW_SCORE == Tuning().threshold == 46.0


def test_the_report_shows_titles_and_marks_weak_guesses() -> None:
    groups = group(_rows())
    text = format_groups(groups, 7, TITLES)
    lines = text.splitlines()
    assert lines[1] == "1. 2次 （最接近：「子女交了孝善资金，政府给添多少？」，52分）"
    assert lines[4] == "2. 1次 （没有接近的答案）"
    assert lines[6] == "3. 1次 （最接近：「邻里互助是什么？」，38分，把握不大）"
    assert lines[-1] == (
        "“把握不大”：不到46分（机器人46分以上才直接回答），加成例句以前，先确认问的是不是这个问题。"
    )
    assert "xiaoshan.amount" not in text and "linli.what" not in text
    assert [export_intent(g) for g in groups] == ["xiaoshan.amount", None, None]
    assert "把握不大" not in format_groups(groups, 7, TITLES, low=30.0)  # the engine's own


def test_an_answer_said_to_be_wrong_is_marked_and_never_offered() -> None:
    groups = group(_rows())
    wrong = {"xiaoshan.amount": 3}
    text = format_groups(groups, 7, TITLES, wrong)
    lines = text.splitlines()
    assert lines[1] == "1. 2次 （最接近：「子女交了孝善资金，政府给添多少？」，52分）"
    assert lines[2] == (
        "   ⚠ 有人说这个回答不对（3次）：不要把这组问题加到它下面，先看看这个回答要不要改"
    )
    assert export_intent(groups[0], wrong) is None
    assert export_intent(groups[0], {"linli.what": 1}) == "xiaoshan.amount"


def test_without_titles_the_id_is_shown_and_nothing_weak_no_legend() -> None:
    rows = _rows()[:2]
    text = format_groups(group(rows), 7)
    assert "（最接近：「xiaoshan.amount」，52分）" in text and "把握不大" not in text


@pytest.mark.parametrize("target", [":memory:", "sqlite"])
async def test_the_store_counts_wrong_answers(engine: Engine, tmp_path: Path, target: str) -> None:
    store = await Store.open(":memory:" if target == ":memory:" else tmp_path / "bot.sqlite3")
    try:
        service = Service(engine, store, DEFAULT_POLICIES)
        await service.ask("补充保险能报多少", "http", "a")  # buchong.coverage
        await service.ask("不对", "http", "a")  # ... was wrong
        await service.ask("孝善养老是什么", "http", "b")
        await service.ask("你好", "http", "b")
        await service.ask("不对", "http", "b")  # after a greeting: no answer was wrong
        await service.ask("不对", "http", "c")  # nothing before it
        await service.ask("邻里互助有什么好处", "http", None)
        await service.ask("不对", "http", None)  # no conversation: whose answer?
        await service.feedback("http", "d", "孝善钱添多少", "xiaoshan.amount", False)
        await service.feedback("http", "d", "孝善钱添多少", "xiaoshan.amount", False)
        await service.feedback("http", "e", "邻里互助", "linli.what", True)  # 👍: fine
        await service.feedback("http", "e", "你好", None, False)  # 👎 on no answer
        assert await store.wrong_answers(since=0) == {
            "buchong.coverage": 1,
            "xiaoshan.amount": 2,
        }
        assert await store.wrong_answers(since=4_000_000_000) == {}
    finally:
        await store.close()
