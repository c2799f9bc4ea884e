"""Look-alike typos repaired into the booklet's terms, and only into them (issue 9)."""

from __future__ import annotations

import pytest

from bot.engine import Engine
from bot.shapes import ShapeRepair, load_groups


def _rare(word: str) -> int:
    return 0


def test_the_shipped_groups_are_sound() -> None:
    groups = load_groups()
    assert len(groups) >= 40
    seen: set[str] = set()
    for group in groups:
        assert len(set(group)) == len(group) >= 2, group
        assert not seen & set(group), group  # a character belongs to one group
        seen |= set(group)


def test_a_look_alike_becomes_the_term() -> None:
    repair = ShapeRepair(["扶贫贷款", "孝善"], _rare, ["贷货", "孝考"])
    assert repair.fix("扶贫货款咋办") == "扶贫贷款咋办"
    assert repair.fix("考善是啥") == "孝善是啥"


def test_a_word_of_its_own_is_kept() -> None:
    common = {"货款": 50}
    repair = ShapeRepair(["贷款"], lambda w: common.get(w, 0), ["贷货"])
    assert repair.fix("货款还没结") == "货款还没结"


def test_two_terms_of_one_shape_are_left_alone() -> None:
    repair = ShapeRepair(["贷款", "货款"], _rare, ["贷货"])
    assert repair.fix("贸款") == "贸款"


def test_too_many_differences_are_no_typo() -> None:
    repair = ShapeRepair(["扶贫"], _rare, ["扶抚", "贫贪"])
    assert repair.fix("抚贪") == "抚贪"  # both characters of a two-character term


@pytest.mark.parametrize(
    ("question", "topic"),
    [("扶贫货款咋申请", "xindai"), ("考善养老是啥", "xiaoshan"), ("补充保脸谁给交", "buchong")],
)
def test_the_bot_reads_look_alike_typos(engine: Engine, question: str, topic: str) -> None:
    reply = engine.ask(question)
    assert reply.matched and reply.topic == topic
