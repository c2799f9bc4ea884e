"""What the person means: places and years the rules do not hold for, neighbouring
programmes, who asks versus what about, vague messages, the overview (issue 9)."""

from __future__ import annotations

import opencc
import pytest

from bot.engine import Engine
from bot.matcher import Verdict
from bot.places import load_gazetteer

_T2S = opencc.OpenCC("t2s")


def test_every_place_in_the_gazetteer_gets_no_zaozhuang_figure(engine: Engine) -> None:
    """No Zaozhuang rule is ever given as another place's: every name of every province,
    city and county outside Zaozhuang is told "I only know Zaozhuang's rules"."""
    places = load_gazetteer()
    assert len(places) > 4000
    blocked = set(engine.booklet.scope.not_places)
    home = set(engine.booklet.scope.home_places)
    answered = []
    for said, place in places.items():
        if said in home or place.name in home or said in blocked:
            continue
        for question in (f"{said}贫困户住院能报多少", f"{said}孝善养老政府添多少"):
            reply = engine.ask(question)
            shown = _T2S.convert(said)  # 乾县 reaches the bot as 干县
            if reply.matched or reply.reason != "elsewhere" or shown not in reply.answer:
                answered.append((question, reply.reason, reply.intent))
    assert not answered, answered[:10]


@pytest.mark.parametrize(
    "question",
    [
        "枣庄孝善养老政府添多少",
        "滕州贫困户住院能报多少",
        "峄城区邻里互助是啥",
        "俺在济南打工，老家枣庄，孝善养老咋办",
        "山东省贫困户的补充保险谁给交",
        "俺在上海打工，俺娘住院能报多少",
    ],
)
def test_the_home_region_is_not_refused(engine: Engine, question: str) -> None:
    assert engine.ask(question).reason != "elsewhere"


def test_a_district_of_another_city_is_that_city(engine: Engine) -> None:
    """济南市中区 is Jinan's 市中区, not Zaozhuang's."""
    reply = engine.ask("济南市中区低保一个月多少钱")
    assert not reply.matched and reply.reason == "elsewhere" and "济南" in reply.answer


@pytest.mark.parametrize(
    ("question", "year"),
    [("2021年危房改造补助标准", "2021"), ("2025最新扶贫政策有哪些", "2025")],
)
def test_a_later_year_is_told_so(engine: Engine, question: str, year: str) -> None:
    reply = engine.ask(question)
    assert not reply.matched and reply.reason == "outdated"
    assert year in reply.answer and "2017–2018" in reply.answer


@pytest.mark.parametrize(
    "question",
    [
        "低保一个月多少钱",
        "低保户一个月多少钱",
        "低保户住院能报多少",
        "申请低保需要什么条件",
        "五保户一年给多少钱",
        "高龄补贴多大岁数能领",
        "农村养老保险一个月领多少",
        "独生子女父母奖励扶助多少钱",
        "残疾人两项补贴标准",
        "异地就医怎么报销",
        "门诊慢性病怎么办理",
        "种粮补贴一亩多少钱",
        "雨露计划补助多少",
        "职工医保住院报销比例是多少",
    ],
)
def test_neighbouring_programmes_are_refused_plainly(engine: Engine, question: str) -> None:
    reply = engine.ask(question)
    assert not reply.matched, (question, reply.intent)
    assert reply.reason in ("neighbour", "out_of_scope")
    assert "村扶贫专干" in reply.answer


def test_the_booklets_own_dibao_question_is_answered(engine: Engine) -> None:
    reply = engine.ask("脱贫了低保还给吗")
    assert reply.matched and reply.intent == "tuopin.dibao"


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("建档立卡户小额贷款怎么贷", "xindai"),
        ("建档立卡户住院要交押金吗", "jiankang"),
        ("贫困人口孝善养老政府添多少", "xiaoshan"),
    ],
)
def test_who_asks_is_not_the_topic(engine: Engine, question: str, topic: str) -> None:
    reply = engine.ask(question)
    assert reply.matched and reply.topic == topic, (question, reply.intent)


def test_an_asker_word_alone_is_the_topic(engine: Engine) -> None:
    reply = engine.ask("怎么知道俺家是不是建档立卡户")
    assert reply.matched and reply.topic == "jianda"


@pytest.mark.parametrize("question", ["多少钱", "怎么申请", "咋办理啊", "给不给钱", "问问"])
def test_a_vague_first_message_asks_which_policy(engine: Engine, question: str) -> None:
    reply = engine.ask(question)
    assert not reply.matched and reply.reason == "vague"
    assert "哪项政策" in reply.answer and len(reply.suggestions) >= 4


def test_how_much_offers_each_topics_amount_answer(engine: Engine) -> None:
    offered = {s.intent for s in engine.ask("多少钱").suggestions}
    assert {"xiaoshan.amount", "linli.pay"} <= offered


@pytest.mark.parametrize(
    "question", ["贫困户能享受哪些政策", "国家每个月给贫困户发钱吗", "精准扶贫都有啥政策"]
)
def test_what_a_poor_household_can_get(engine: Engine, question: str) -> None:
    reply = engine.ask(question)
    assert reply.matched and reply.intent == "overview.all"
    for programme in ("孝善养老", "邻里互助", "116元"):
        assert programme in reply.answer, "the main ones in the short answer"
    for programme in ("孝善养老", "邻里互助", "116元", "小额信贷", "危房改造"):
        assert programme in reply.details, "every one under 详细说说"


def test_wrong_and_restart_have_their_own_replies(engine: Engine) -> None:
    assert engine.ask("不对").intent == "help.wrong"
    assert engine.ask("换个问题").intent == "help.restart"
    assert engine.ask("不对，我问的是孝善养老政府添多少").intent == "xiaoshan.amount"


def test_the_matcher_says_why(engine: Engine) -> None:
    assert engine.matcher.match("临沂孝善养老").verdict is Verdict.ELSEWHERE
    assert engine.matcher.match("高龄补贴多少钱").verdict in (
        Verdict.NEIGHBOUR,
        Verdict.OUT_OF_SCOPE,
    )
    assert engine.matcher.match("多少钱").verdict is Verdict.VAGUE


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("立卡建档是啥意思", "jianda"),
        ("建卡立档是干啥的", "jianda"),
        ("改造危房要啥条件", "weifang"),
    ],
)
def test_a_policy_name_with_its_parts_swapped(engine: Engine, question: str, topic: str) -> None:
    reply = engine.ask(question)
    assert reply.matched and reply.topic == topic


def test_a_replacement_does_not_repeat_what_comes_before(engine: Engine) -> None:
    """小额 + 扶贫贷款 is 小额信贷, not 小额小额信贷."""
    assert engine.matcher.normalizer("小额扶贫贷款咋办").text == "小额信贷怎么办"


def test_a_booklet_name_that_holds_a_neighbours_word(engine: Engine) -> None:
    """孝心养老金 holds 养老金, but it is the booklet's 孝善 money."""
    assert engine.ask("孝心养老金咋领").topic == "xiaoshan"
    assert engine.ask("养老金咋领").reason == "neighbour"


def test_a_comparison_with_a_neighbour_is_about_the_booklets_programme(engine: Engine) -> None:
    assert engine.ask("孝善养老跟养老金是一回事不").topic == "xiaoshan"
    assert engine.ask("养老金一个月多少").reason == "neighbour"


@pytest.mark.parametrize(
    "question", ["贫困户一个月有啥补助不", "国家给贫困户的补助标准", "贫困户每年能领多少补贴"]
)
def test_a_general_question_about_poor_households_gets_the_overview(
    engine: Engine, question: str
) -> None:
    reply = engine.ask(question)
    assert reply.matched and reply.intent == "overview.all"


def test_the_overview_gives_way_to_a_named_programme(engine: Engine) -> None:
    assert engine.ask("精准扶贫的小额贷款能贷多少").topic == "xindai"
    assert engine.ask("什么是贫困户").intent != "overview.all"


def test_a_cue_inside_a_longer_cue_does_not_count(engine: Engine) -> None:
    """鉴定标准 asks who; 标准 alone asks how much."""
    matcher = engine.matcher
    assert matcher._asked("危房鉴定标准是啥") >= {"who"}
    assert "amount" not in matcher._asked("危房鉴定标准是啥")
    assert "amount" in matcher._asked("危房补助标准是啥")


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("俺每个月给俺娘交一百 公家还添不", "xiaoshan"),
        ("俺家房子漏得厉害 能帮着修修不", "weifang"),
        ("俺老两口没劳力了 地种不了咋办", "tuoguan"),
    ],
)
def test_the_situation_in_everyday_words_names_the_topic(
    engine: Engine, question: str, topic: str
) -> None:
    reply = engine.ask(question)
    assert reply.matched and reply.topic == topic


@pytest.mark.parametrize(
    "question",
    ["监测户是啥意思", "银行贷款要担保人吗", "光伏板一千瓦一天发电量多少", "扶贫办是啥单位"],
)
def test_more_neighbours_are_refused(engine: Engine, question: str) -> None:
    reply = engine.ask(question)
    assert not reply.matched and reply.reason == "neighbour"


@pytest.mark.parametrize("question", ["扶贫贷款要担保人吗", "fupin daikuan 要担保人不"])
def test_the_booklets_loan_is_not_a_bank_loan(engine: Engine, question: str) -> None:
    reply = engine.ask(question)
    assert reply.matched and reply.topic == "xindai"
