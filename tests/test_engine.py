"""Questions a person asks -> the intent that answers them, or an honest refusal."""

from __future__ import annotations

import pytest

from bot.engine import Engine

# (question, expected intent). Written for these tests, not copied from the booklet.
ANSWERED = [
    ("俺爹八十了，闺女交的孝善钱公家添多少", "xiaoshan.amount"),
    ("孝善养老", "xiaoshan.what"),
    ("孝善养老 对象", "xiaoshan.who"),
    ("邻里互助有什么好处", "linli.what"),
    ("116元的补充保险要俺自己掏钱不", "buchong.cost"),
    ("一站式结算从啥时候开始的", "jiesuan.what"),
    ("危房改造 对象", "weifang.who"),
    ("扶贫贷款利息谁出", "xindai.interest"),
    ("脱贫了低保还给不给", "tuopin.dibao"),
    ("土地托管 对象", "tuoguan.who"),
    ("俺家的帮扶干部电话多少", "bangfu.helper"),
]


@pytest.mark.parametrize(("question", "intent"), ANSWERED)
def test_answers_with_the_right_intent(engine: Engine, question: str, intent: str) -> None:
    reply = engine.ask(question)
    assert reply.reason == "matched", reply.answer  # not "error", not a refusal
    assert reply.matched and reply.intent == intent
    assert reply.source, "every answer names its source"
    assert 0 <= reply.score <= 100


def test_the_done_when_question(engine: Engine) -> None:
    reply = engine.ask("俺爹八十了，闺女交的孝善钱公家添多少")
    assert (reply.reason, reply.intent) == ("matched", "xiaoshan.amount")
    assert "10%–20%" in reply.answer
    assert "枣庄日报" in reply.source
    assert reply.follow_ups, "an answer offers what to ask next"


LONG_ANSWERED = [
    (
        "俺家是贫困户，前些日子下了好几天大雨，后墙塌了一块，俺和老伴七十多了没处住，"
        "听人说公家给修房子，这危房改造到底能补多少钱？",
        "weifang.amount",
    ),
    (
        "俺是替俺爹问的，他七十六了，俺在外地打工，每个月给他打三百块钱，"
        "听说交孝善资金公家还给添一些，能添多少啊？",
        "xiaoshan.amount",
    ),
]


@pytest.mark.parametrize(("question", "intent"), LONG_ANSWERED)
def test_the_question_inside_a_long_message(engine: Engine, question: str, intent: str) -> None:
    reply = engine.ask(question)
    assert reply.reason == "matched", reply.answer
    assert reply.matched and reply.intent == intent


def test_a_story_full_of_booklet_words_asking_something_else(engine: Engine) -> None:
    reply = engine.ask(
        "俺家是建档立卡贫困户，老伴去年住院报销了不少，帮扶干部也常来。"
        "这几天俺家那头老黄牛不吃草了，肚子胀得老大，该喂点啥药？"
    )
    assert reply.reason == "unsure" and not reply.matched and reply.intent is None
    assert reply.answer.startswith("我不太确定您问的是哪一项，怕说错。")
    # no guess is good enough to offer, so it does not say "look below" over nothing
    assert reply.suggestions == ()
    assert "下面" not in reply.answer and "请换个说法再问一次" in reply.answer


# (question, the reason of the refusal)
REFUSED = [
    ("孩子上大学的助学贷款咋办", "out_of_scope"),  # shares 贷款 with 小额信贷
    ("养老院一个月收多少钱", "out_of_scope"),  # shares 养老 with 孝善养老
    ("宠物狗打疫苗去哪", "out_of_scope"),  # not 畜禽代养
    ("今天天气怎么样", "out_of_scope"),
    ("asdfghjkl", "off_topic"),  # shares no word with the booklet
]


@pytest.mark.parametrize(("question", "reason"), REFUSED)
def test_refuses_what_the_booklet_does_not_cover(
    engine: Engine, question: str, reason: str
) -> None:
    reply = engine.ask(question)
    assert reply.reason == reason, reply.answer
    assert not reply.matched and reply.suggestions == ()
    assert reply.intent is None
    assert "村扶贫专干" in reply.answer, "a refusal points to a person who knows"


def test_greeting_gets_the_menu(engine: Engine) -> None:
    reply = engine.ask("你好")
    assert (reply.reason, reply.intent) == ("greeting", "help.greeting") and reply.matched
    assert "孝善养老" in reply.answer


def test_thanks(engine: Engine) -> None:
    reply = engine.ask("谢谢啊")
    assert (reply.reason, reply.intent) == ("thanks", "help.thanks") and reply.matched


# (one word, the reason of the reply, the intents offered, in order)
UNCLEAR = [
    # two topics too close: the best guesses, at most three
    ("保险", "unsure", ("buchong.what", "buchong.coverage", "jiesuan.what")),
    ("结对", "unsure", ("linli.what", "bangfu.what", "linli.who")),
    # names no programme: the main topics (booklet.yaml's choices), each at its amount
    ("补贴", "vague", ("xiaoshan.amount", "linli.pay", "buchong.cost", "jiesuan.what",
                      "overview.all")),
]  # fmt: skip


@pytest.mark.parametrize(("question", "reason", "offered"), UNCLEAR)
def test_unsure_and_vague_questions_offer_choices(
    engine: Engine, question: str, reason: str, offered: tuple[str, ...]
) -> None:
    reply = engine.ask(question)
    assert reply.reason == reason, reply.answer
    assert not reply.matched and reply.intent is None
    assert tuple(s.intent for s in reply.suggestions) == offered
    assert [s.title for s in reply.suggestions] == [
        engine.booklet.intents[i].title for i in offered
    ]


def test_json_object_has_exactly_the_contract_keys(engine: Engine) -> None:
    for question, reason in (("孝善养老是什么", "matched"), ("今天天气怎么样", "out_of_scope")):
        reply = engine.ask(question)
        assert reply.reason == reason
        data = reply.to_json()
        assert list(data) == [
            "question", "matched", "intent", "topic", "title",
            "score", "answer", "source", "suggestions",
        ]  # fmt: skip
        assert isinstance(data["score"], float)


# the titles of the help topic's social intents are read as what they say, not matched
SOCIAL_TITLES = {"help.thanks": "thanks", "help.wrong": "wrong", "help.restart": "restart"}


def test_titles_match_their_own_intent(engine: Engine) -> None:
    for intent in engine.booklet.intents.values():
        reply = engine.ask(intent.title)
        reason = SOCIAL_TITLES.get(intent.id, "matched")
        assert (reply.intent, reply.reason) == (intent.id, reason), intent.title


def test_answer_by_intent_id(engine: Engine) -> None:
    reply = engine.answer("linli.who")
    assert reply is not None and reply.matched and reply.intent == "linli.who"
    assert engine.answer("no.such") is None


def test_search_for_an_officer(engine: Engine) -> None:
    found = engine.search("孝善")
    assert found and all(r.topic == "xiaoshan" for r in found[:3])
    assert engine.search("今天天气怎么样") == []
    assert engine.search("") == []
