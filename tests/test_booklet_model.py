"""bot/booklet.py: the typed booklet, its validation and its lookups, on tiny data.

A mistake in a booklet file must come back as a clear problem (in Chinese, with the
place it is at), never as a crash nor as half a booklet.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from bot.booklet import (
    Booklet,
    CardPoint,
    Intent,
    Lexicon,
    Meta,
    Scope,
    Topic,
    Urgency,
    UrgencyRule,
)
from bot.loader import check_booklet
from tests.helpers import tiny_booklet as tiny

EXAMPLES = [f"孝善例句{n}" for n in range(8)]


def an_intent(**change: Any) -> dict[str, Any]:
    return {**tiny.intent("xiaoshan.what", "what", "孝善养老是什么", EXAMPLES), **change}


def a_topic(name: str = "xiaoshan", order: int = 100, **change: Any) -> dict[str, Any]:
    intent = an_intent(id=f"{name}.what")
    return {**tiny.topic(name, f"{name}的标题", ["关键词"], [intent], order=order), **change}


def errors(model: Any, data: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    """Each problem pydantic finds, as (where, our message or pydantic's type)."""
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    found = []
    for err in caught.value.errors():
        said = err["ctx"]["error"] if err["type"] == "value_error" else err["type"]
        found.append((tuple(err["loc"]), str(said)))
    return found


def built(*topics: dict[str, Any], roles: dict[str, Any] | None = None) -> Booklet:
    meta = {**tiny.META, "roles": roles or {}}
    return Booklet.build(
        Meta.model_validate(meta), [Topic.model_validate(t) for t in topics], Lexicon(), Scope()
    )


# --- lookups -------------------------------------------------------------------------------


def test_topics_are_ordered_by_their_order_then_their_id() -> None:
    booklet = built(a_topic("zeta", order=30), a_topic("beta", order=10), a_topic("alpha", 10))
    assert [t.topic for t in booklet.topics] == ["alpha", "beta", "zeta"]


def test_every_intent_is_found_by_id_with_its_topic() -> None:
    booklet = built(*(copy.deepcopy(t) for t in tiny.TOPICS))
    assert list(booklet.intents) == [
        "xiaoshan.what", "xiaoshan.who", "xiaoshan.amount",
        "linli.what", "linli.apply",
        "weifang.apply", "weifang.amount",
    ]  # fmt: skip
    assert booklet.topic_of["linli.apply"].topic == "linli"
    assert booklet.topic_of["weifang.amount"].title == "危房改造"
    assert booklet.intents["xiaoshan.who"].aspect == "who"


def test_the_menu_leaves_out_the_help_topic_only() -> None:
    booklet = built(a_topic("help", order=1), a_topic("xiaoshan"), roles={"help_topic": "help"})
    assert [t.topic for t in booklet.topics] == ["help", "xiaoshan"]
    assert [t.topic for t in booklet.menu_topics] == ["xiaoshan"]
    assert [t.topic for t in built(a_topic("help")).menu_topics] == ["help"]


def test_an_answer_cites_its_sources_exactly_and_plainly() -> None:
    meta = copy.deepcopy(tiny.META)
    meta["sources"]["daily"] = {"title": "枣庄日报报道", "place": "枣庄市", "year": "2018",
                                "plain": "枣庄日报"}  # fmt: skip
    intent = an_intent(sources=["src-a", "daily", "src-a"])
    booklet = Booklet.build(
        Meta.model_validate(meta),
        [Topic.model_validate(a_topic(intents=[intent]))],
        Lexicon(),
        Scope(),
    )
    one = booklet.intents["xiaoshan.what"]
    assert booklet.cite(one) == (
        "测试来源（枣庄市，2017年）；枣庄日报报道（枣庄市，2018年）；测试来源（枣庄市，2017年）"
        "；信息时间：2017"
    )
    assert booklet.plain_cite(one) == "测试来源、枣庄日报"  # the title without `plain`, once


# --- an intent -------------------------------------------------------------------------

ID_SHAPE = "问题编号要写成 主题.名字（小写字母、数字、_），比如 xiaoshan.amount"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"id": "Xiaoshan.what"}, [(("id",), ID_SHAPE)]),
        ({"id": "xiaoshan"}, [(("id",), ID_SHAPE)]),
        ({"id": "a." + "b" * 39}, [(("id",), "问题编号最多40个字符")]),
        ({"examples": EXAMPLES[:7]}, [(("examples",), "too_short")]),
        ({"examples": ["   ", *EXAMPLES[1:]]}, [(("examples",), "不能是空的")]),
        ({"title": "   "}, [(("title",), "string_too_short")]),
        ({"answer": ""}, [(("answer",), "string_too_short")]),
        ({"sources": []}, [(("sources",), "too_short")]),
        ({"aspect": "money"}, [(("aspect",), "literal_error")]),
        ({"short": "字" * 81}, [(("short",), "string_too_long")]),
        ({"title_short": "字" * 17}, [(("title_short",), "string_too_long")]),
        ({"keywords": ["孝善", True]}, [(("keywords", 1), "string_type")]),
        ({"colour": "red"}, [(("colour",), "extra_forbidden")]),
    ],
)  # fmt: skip
def test_a_wrong_intent_is_refused_saying_where_and_why(
    change: dict[str, Any], expected: list[tuple[tuple[Any, ...], str]]
) -> None:
    assert errors(Intent, an_intent(**change)) == expected


def test_the_longest_intent_id_is_allowed() -> None:
    assert Intent.model_validate(an_intent(id="a." + "b" * 38)).id == "a." + "b" * 38


def test_text_is_kept_without_the_spaces_around_it() -> None:
    intent = Intent.model_validate(
        an_intent(title="  孝善养老是什么 ", examples=[" 例句 ", *EXAMPLES[1:]])
    )
    assert (intent.title, intent.examples[0]) == ("孝善养老是什么", "例句")


def test_keywords_written_as_bare_numbers_are_their_text() -> None:
    assert Intent.model_validate(an_intent(keywords=[116, 8.9, "孝善"])).keywords == [
        "116",
        "8.9",
        "孝善",
    ]


def test_a_validated_intent_cannot_be_changed() -> None:
    intent = Intent.model_validate(an_intent())
    with pytest.raises(ValidationError):
        intent.title = "别的"  # type: ignore[misc]


# --- a topic, its card ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"topic": "xiao-shan"}, [(("topic",), "主题编号只能用小写字母、数字和 _")]),
        ({"topic": "x" * 41}, [(("topic",), "主题编号最多40个字符")]),
        ({"keywords": []}, [(("keywords",), "too_short")]),
        ({"intents": []}, [(("intents",), "too_short")]),
        ({"summary": ""}, [(("summary",), "string_too_short")]),
        ({"order": "first"}, [(("order",), "int_parsing")]),
        ({"card": ["要点"] * 6}, [(("card",), "too_long")]),
        ({"card": ["字" * 25]}, [(("card", 0, "text"), "string_too_long")]),
        ({"card": [{"text": "要点", "icon": "ab"}]},
         [(("card", 0, "icon"), "'ab' 不是一个表情符号：请只写一个图标，比如 👵 🏥 💰 🏠")]),
        ({"card": [{"text": "要点", "icon": "1"}]},
         [(("card", 0, "icon"), "'1' 不是一个表情符号：请只写一个图标，比如 👵 🏥 💰 🏠")]),
    ],
)  # fmt: skip
def test_a_wrong_topic_is_refused_saying_where_and_why(
    change: dict[str, Any], expected: list[tuple[tuple[Any, ...], str]]
) -> None:
    assert errors(Topic, a_topic(**change)) == expected


def test_a_card_point_is_plain_text_or_written_out_in_full() -> None:
    card = ["70岁以上的老人", {"text": "有事找专干", "icon": "👵\ufe0f", "sources": ["src-a"]}]
    topic = Topic.model_validate(a_topic(card=card))
    plain, full = topic.card
    assert isinstance(plain, CardPoint) and plain == "70岁以上的老人"
    assert (plain.icon, plain.sources) == (None, ())
    assert (str(full), full.icon, full.sources) == ("有事找专干", "👵\ufe0f", ("src-a",))
    assert topic.model_dump()["card"] == [
        {"text": "70岁以上的老人", "icon": None, "sources": []},
        {"text": "有事找专干", "icon": "👵\ufe0f", "sources": ["src-a"]},
    ]
    assert Topic.model_validate(topic.model_dump()) == topic  # written out, read back


# --- the other files' models ---------------------------------------------------------------

NO_WORDS = "规则要有 `words`（或 `regex`），说明什么样的问题算紧急"
EMPTY_WORD = "里有一个空词（两个 | 连在一起，或 | 在开头或结尾）：这样每个问题都会被标成紧急"


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"id": "a", "label": "住院没钱"}, [((), NO_WORDS)]),
        ({"id": "a", "label": "住院没钱", "words": ["住院||医院 没钱"]},
         [(("words", 0), "'住院||医院' " + EMPTY_WORD)]),
        ({"id": "a", "label": "住院没钱", "words": ["   "]}, [(("words", 0), "不能是空的")]),
        ({"id": "a", "label": "住院没钱", "regex": ["催.*"]}, []),
        ({"id": "a", "label": "住院没钱", "regex": ["(催)?"]},
         [(("regex", 0), "这个正则表达式能匹配空的文字：这样每个问题都会被标成紧急")]),
        ({"id": "A", "label": "住院没钱", "words": ["住院"]},
         [(("id",), "规则编号只能用小写字母、数字和 _（比如 hospital_no_money）")]),
        ({"id": "a", "label": "字" * 21, "words": ["住院"]}, [(("label",), "string_too_long")]),
        ({"id": "a", "label": "住院没钱", "words": ["住院"], "unless": [" "]},
         [(("unless", 0), "不能是空的")]),
    ],
)  # fmt: skip
def test_an_urgency_rule_that_would_flag_everything_or_nothing_is_refused(
    rule: dict[str, Any], expected: list[tuple[tuple[Any, ...], str]]
) -> None:
    if not expected:
        assert UrgencyRule.model_validate(rule).regex == ["催.*"]
    else:
        assert errors(UrgencyRule, rule) == expected


def test_a_broken_regex_is_refused_with_where_python_stopped_reading_it() -> None:
    [(where, said)] = errors(UrgencyRule, {"id": "a", "label": "住院没钱", "regex": ["医院(催"]})
    assert where == ("regex", 0)
    assert said.startswith("不是正确的正则表达式：")
    assert said.endswith("at position 2")


def test_urgency_labels_are_by_rule_id() -> None:
    urgency = Urgency.model_validate(
        {"rules": [{"id": "hospital", "label": "住院没钱", "words": ["住院 没钱"]},
                   {"id": "house", "label": "房子要塌", "regex": ["房.{0,2}塌"]}]}
    )  # fmt: skip
    assert urgency.labels == {"hospital": "住院没钱", "house": "房子要塌"}


def test_the_booklet_needs_a_source_and_knows_only_its_aspects() -> None:
    assert errors(Meta, {**tiny.META, "sources": {}}) == [(("sources",), "too_short")]
    assert errors(Lexicon, {"aspects": {"money": ["钱"]}}) == [
        (("aspects", "money", "[key]"), "literal_error")
    ]
    assert errors(Scope, {"neighbours": [{"subject": "低保"}]}) == [
        (("neighbours", 0, "words"), "missing")
    ]


# --- a booklet folder with a mistake: problems, not a crash ----------------------------------


def _folder(tmp_path: Path, **parts: Any) -> Path:
    return tiny.write_booklet(tmp_path / "policies", **parts)


def test_the_tiny_booklet_itself_has_no_problem(tmp_path: Path) -> None:
    booklet, problems = check_booklet(_folder(tmp_path))
    assert problems == []
    assert booklet is not None and [t.topic for t in booklet.topics] == [
        "xiaoshan",
        "linli",
        "weifang",
    ]


NOT_A_MAPPING = "(整个文件): 这里要写一组“键: 值”（提示 hint: 请写成一组“键: 值”，每行一个）"


def _topic_is_a_list(folder: Path) -> None:
    (folder / "topics" / "xiaoshan.yaml").write_text("- 孝善\n- 养老\n", encoding="utf-8")


def _booklet_is_text(folder: Path) -> None:
    (folder / "booklet.yaml").write_text("只是一行字\n", encoding="utf-8")


def _renamed(folder: Path) -> None:
    (folder / "topics" / "xiaoshan.yaml").rename(folder / "topics" / "laoren.yaml")


@pytest.mark.parametrize(
    ("spoil", "expected"),
    [
        (_topic_is_a_list, "policies/topics/xiaoshan.yaml:1: " + NOT_A_MAPPING),
        (_booklet_is_text, "policies/booklet.yaml:1: " + NOT_A_MAPPING),
        (_renamed,
         "policies/topics/laoren.yaml:1: 主题编号 'xiaoshan' 和文件名 'laoren' 不一样"
         "（提示 hint: 把文件改名为 xiaoshan.yaml，或把编号改为 laoren）"),
    ],
)  # fmt: skip
def test_a_file_of_the_wrong_shape_is_one_clear_problem(
    tmp_path: Path, spoil: Callable[[Path], None], expected: str
) -> None:
    folder = _folder(tmp_path)
    spoil(folder)
    booklet, problems = check_booklet(folder)
    assert booklet is None
    assert [str(p) for p in problems] == [expected]


def _xiaoshan(change: Callable[[dict[str, Any]], None]) -> tuple[dict[str, Any], ...]:
    xiaoshan = copy.deepcopy(tiny.XIAOSHAN)
    change(xiaoshan)
    return (xiaoshan, tiny.LINLI, tiny.WEIFANG)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t["intents"].append("孝善"), "intents.3: 这里要写一组“键: 值”"),
        (lambda t: t["keywords"].append("孝"), "关键词 '孝' 太短"),
        (lambda t: t["intents"][1].update(follow_ups=["xiaoshan.who"]),
         "xiaoshan.who 的后续问题 'xiaoshan.who' 指向了它自己"),
        (lambda t: t["intents"][1].update(follow_ups=["linli.who"]),
         "xiaoshan.who 的后续问题 'linli.who' 不存在"),
        (lambda t: t["intents"][0].update(id="linli.other"),
         "问题编号 'linli.other' 不是以 xiaoshan. 开头"),
        (lambda t: t["intents"][0].update(sources=["nosuch"]),
         "来源 'nosuch' 不在 booklet.yaml 里"),
        (lambda t: t["intents"][1]["examples"].__setitem__(0, "孝善养老 是什么！"),
         "例句 '孝善养老 是什么！' 也写在了 xiaoshan.what 下面"),
        (lambda t: t["intents"][2].update(aspect="统计"), None),
    ],
)  # fmt: skip
def test_a_mistake_in_a_topic_is_a_problem_at_its_file(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], message: str | None
) -> None:
    booklet, problems = check_booklet(_folder(tmp_path, topics=_xiaoshan(change)))
    if message is None:  # an aspect written in Chinese is no mistake: 统计 is stats
        assert problems == []
        assert booklet is not None and booklet.intents["xiaoshan.amount"].aspect == "stats"
        return
    assert booklet is None
    assert len(problems) == 1, [str(p) for p in problems]
    assert problems[0].file == "policies/topics/xiaoshan.yaml"
    assert problems[0].line > 1
    assert message in problems[0].message


def test_a_word_with_two_meanings_and_a_role_that_names_nothing_are_problems(
    tmp_path: Path,
) -> None:
    lexicon = copy.deepcopy(tiny.LEXICON)
    lexicon["synonyms"]["孝善养老"] = ["孝心钱"]  # already 孝善资金
    meta = {**tiny.META, "roles": {"overview": "overview.all"}}
    booklet, problems = check_booklet(_folder(tmp_path, lexicon=lexicon, meta=meta))
    assert booklet is None
    assert sorted((p.file, p.message) for p in problems) == [
        ("policies/booklet.yaml", "roles: overview 写的问题 'overview.all' 不存在"),
        ("policies/synonyms.yaml", "synonyms: '孝心钱' 既对应 '孝善资金' 又对应 '孝善养老'"),
    ]
