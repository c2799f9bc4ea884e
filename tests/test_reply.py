"""bot/reply.py on a tiny booklet of its own (tests/helpers/tiny_booklet.py): the words
of every kind of reply, the JSON answer object of the contracts (GUIDE.md), and what a
plain-text channel shows. The matcher's decisions are written out by hand (Match and
Candidate), so each rule of the Composer is pinned apart from the matching.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import pytest

from bot.booklet import Booklet, Roles
from bot.loader import load_booklet
from bot.matcher import Candidate, Match, Verdict
from bot.normalize import Kind, Normalized
from bot.reply import Composer, Option, Reply, asks_for_more, caveat
from tests.helpers import tiny_booklet as tiny

ASK = "村扶贫专干"
CAVEAT = "（这是枣庄2017–2018年的政策，现在可能有变，办事前请问村扶贫专干。）"
MENU = "我能回答这些政策：孝善养老、邻里互助、危房改造。"
ASK_LINE = "拿不准的事，请问村扶贫专干。"
CITE = "测试来源（枣庄市，2017年）；信息时间：2017"
BOTH_CITE = "测试来源（枣庄市，2017年）；第二来源（枣庄市，2018年）；信息时间：2018"

AMOUNT_ANSWER = "子女交孝善资金，政府按所交钱数的10%–20%奖补。"
AMOUNT_SHORT = "政府添10%–20%。"
LINLI_ANSWER = "报名找村扶贫专干。\n出处：图册第5页"  # an answer that quotes a page itself


def _help_topic() -> dict[str, Any]:
    def social(name: str, title: str, words: list[str]) -> dict[str, Any]:
        examples = [f"{w}{end}" for w in words for end in ("", "啊", "呀", "哈")]
        return tiny.intent(f"help.{name}", "what", title, examples, answer=f"{title}。")

    return tiny.topic(
        "help",
        "帮助",
        ["帮助"],
        [
            social("greeting", "您好", ["你好", "在吗"]),
            social("thanks", "不客气", ["谢谢", "好的"]),
            social("wrong", "对不起", ["不对", "错了"]),
            social("restart", "重新说", ["新问题", "换个问题"]),
        ],
        order=90,
    )


@pytest.fixture(scope="module")
def booklet(tmp_path_factory: pytest.TempPathFactory) -> Booklet:
    """The tiny booklet with a help topic, roles, two sources (one with a plain name),
    a short answer with follow-ups on 孝善养老's amount, and one answer of two sources."""
    xiaoshan = copy.deepcopy(tiny.XIAOSHAN)
    _, who, amount = xiaoshan["intents"]
    amount.update(
        short=AMOUNT_SHORT,
        answer=f"  {AMOUNT_ANSWER}\n",
        follow_ups=["xiaoshan.who", "xiaoshan.what"],
    )
    who.update(sources=[tiny.SOURCE, "src-b"], as_of="2018")
    meta = copy.deepcopy(tiny.META)
    meta["sources"][tiny.SOURCE]["plain"] = "测试报道"
    meta["sources"]["src-b"] = {"title": "第二来源", "place": "枣庄市", "year": "2018"}
    meta["roles"] = {
        "help_topic": "help",
        "greeting": "help.greeting",
        "thanks": "help.thanks",
        "wrong": "help.wrong",
        "restart": "help.restart",
        "choices": ["xiaoshan.what", "linli.what"],
    }
    linli = copy.deepcopy(tiny.LINLI)
    linli["intents"][1].update(short="问村扶贫专干。", answer=LINLI_ANSWER)
    topics = (xiaoshan, linli, tiny.WEIFANG, _help_topic())
    folder = tmp_path_factory.mktemp("reply") / "policies"
    return load_booklet(tiny.write_booklet(folder, topics, meta=meta))


@pytest.fixture
def composer(booklet: Booklet) -> Composer:
    return Composer(booklet)


@pytest.fixture(scope="module")
def bare_booklet(tmp_path_factory: pytest.TempPathFactory) -> Booklet:
    """A booklet with no roles at all: no help topic, no choices."""
    folder = tmp_path_factory.mktemp("bare") / "policies"
    return load_booklet(tiny.write_booklet(folder))


@pytest.fixture
def bare(bare_booklet: Booklet) -> Composer:
    return Composer(bare_booklet)


def decided(
    booklet: Booklet,
    verdict: Verdict,
    scored: Sequence[tuple[str, float]] = (),
    kind: Kind = Kind.TEXT,
    subject: str = "",
    length: int = 6,
) -> Match:
    """A decision of the matcher, written by hand."""
    normal = Normalized(text="问题 的 词", kind=kind, length=length)
    candidates = tuple(Candidate(booklet.intents[i], s) for i, s in scored)
    return Match(verdict, normal, candidates, subject=subject)


# --- "详细": the rest of the last answer ---------------------------------------------------


@pytest.mark.parametrize(
    "words",
    [
        "详细", "详细说说", "详细的", "全文", "看全文", "详细点", "再详细点",
        "说详细点", "详细说", "详细讲讲", "细说", "展开说说",
    ],
)  # fmt: skip
def test_every_word_for_the_rest_of_the_answer_asks_for_more(words: str) -> None:
    assert asks_for_more(words)


@pytest.mark.parametrize("edge", list(" \t\r\n。！？!?，,.~～…、：:"))
def test_punctuation_and_spaces_around_the_words_are_ignored(edge: str) -> None:
    assert asks_for_more(f"{edge}详细说说{edge}{edge}")


@pytest.mark.parametrize(
    ("text", "more"),
    [
        ("詳細", True),  # traditional characters
        ("詳細說說", False),  # only 詳細 is simplified here; 說 is not
        ("详细地址是啥", False),
        ("不详细", False),
        ("说说", False),
        ("详 细", False),
        ("", False),
        ("。", False),
        ("孝善养老详细", False),
    ],
)
def test_only_the_words_themselves_ask_for_more(text: str, more: bool) -> None:
    assert asks_for_more(text) is more


# --- the JSON answer object (GUIDE.md) ------------------------------------------------------


def test_an_option_is_the_intent_its_title_and_its_score() -> None:
    assert Option("xiaoshan.who", "孝善养老什么条件", 41.5).to_json() == {
        "intent": "xiaoshan.who",
        "title": "孝善养老什么条件",
        "score": 41.5,
    }
    assert Option("xiaoshan.who", "孝善养老什么条件").score == 0.0


REPLY = Reply(
    question="孝善养老政府添多少",
    matched=True,
    answer="政府添10%–20%。",
    reason="matched",
    intent="xiaoshan.amount",
    topic="xiaoshan",
    title="孝善养老政府添多少",
    score=87.5,
    source=CITE,
    suggestions=(Option("xiaoshan.who", "孝善养老什么条件", 40.0),),
    follow_ups=(Option("xiaoshan.what", "孝善养老是什么"),),
    details=f"{AMOUNT_ANSWER}\n出处：{CITE}",
    source_line="来源：测试报道",
    caveat=CAVEAT,
    normalized="孝善养老 政府 添 多少",
    urgent="money",
)


def test_the_answer_object_has_exactly_the_contract_keys() -> None:
    assert REPLY.to_json() == {
        "question": "孝善养老政府添多少",
        "matched": True,
        "intent": "xiaoshan.amount",
        "topic": "xiaoshan",
        "title": "孝善养老政府添多少",
        "score": 87.5,
        "answer": f"政府添10%–20%。\n{CAVEAT}",
        "source": CITE,
        "suggestions": [{"intent": "xiaoshan.who", "title": "孝善养老什么条件", "score": 40.0}],
    }


def test_what_is_read_first_is_the_answer_then_the_caveat() -> None:
    assert REPLY.first == f"政府添10%–20%。\n{CAVEAT}"
    no_caveat = Reply("谢谢", True, "不客气。", "thanks")
    assert no_caveat.first == "不客气。"
    assert no_caveat.to_json()["answer"] == "不客气。"


def test_an_empty_reply_has_defaults_of_the_contract() -> None:
    assert Reply("", False, "您还没有写问题。", "empty").to_json() == {
        "question": "",
        "matched": False,
        "intent": None,
        "topic": None,
        "title": None,
        "score": 0.0,
        "answer": "您还没有写问题。",
        "source": "",
        "suggestions": [],
    }


def test_the_page_gets_the_answer_object_and_the_rest_of_the_answer() -> None:
    assert REPLY.to_page_json() == {
        **REPLY.to_json(),
        "details": f"{AMOUNT_ANSWER}\n出处：{CITE}",
        "source_line": "来源：测试报道",
    }
    assert list(REPLY.to_page_json())[-2:] == ["details", "source_line"]


# --- plain text (the terminal) ----------------------------------------------------------------


def test_plain_text_shows_the_title_answer_caveat_details_choices_and_follow_ups() -> None:
    assert REPLY.to_text() == (
        "【孝善养老政府添多少】\n"
        "政府添10%–20%。\n"
        f"{CAVEAT}\n"
        "来源：测试报道\n"
        "—— 详细 ——\n"
        f"{AMOUNT_ANSWER}\n出处：{CITE}\n"
        "您是不是想问：\n"
        "  1. 孝善养老什么条件\n"
        "还可以问：孝善养老是什么"
    )


def test_plain_text_without_details_names_the_exact_source() -> None:
    reply = Reply("q", True, "答案。", "matched", title="标题", source=CITE)
    assert reply.to_text() == f"【标题】\n答案。\n来源：{CITE}"


@pytest.mark.parametrize("reason", ["greeting", "thanks", "wrong", "restart"])
def test_a_social_reply_has_no_title_line(reason: str) -> None:
    assert Reply("你好", True, "您好。", reason, title="您好").to_text() == "您好。"


def test_a_reply_that_does_not_answer_has_no_title_line_and_numbers_its_choices() -> None:
    reply = Reply(
        "q",
        False,
        "我不太确定。",
        "unsure",
        title="标题",
        suggestions=(Option("a.b", "一"), Option("a.c", "二"), Option("a.d", "三")),
        follow_ups=(Option("a.e", "四"), Option("a.f", "五")),
    )
    assert reply.to_text() == (
        "我不太确定。\n您是不是想问：\n  1. 一\n  2. 二\n  3. 三\n还可以问：四 / 五"
    )


def test_the_caveat_names_the_rules_years_and_whom_to_ask(booklet: Booklet) -> None:
    assert caveat(booklet) == "这是枣庄2017–2018年的政策，现在可能有变，办事前请问村扶贫专干。"


# --- answers ------------------------------------------------------------------------------------


def test_an_answer_with_a_short_form_says_it_first_and_keeps_the_rest(
    composer: Composer, booklet: Booklet
) -> None:
    intent = booklet.intents["xiaoshan.amount"]
    reply = composer.answer("政府添多少", intent, 87.5, "matched")
    assert reply == Reply(
        question="政府添多少",
        matched=True,
        answer=AMOUNT_SHORT,
        reason="matched",
        intent="xiaoshan.amount",
        topic="xiaoshan",
        title="孝善养老政府添多少",
        score=87.5,
        source=CITE,
        follow_ups=(
            Option("xiaoshan.who", "孝善养老什么条件"),
            Option("xiaoshan.what", "孝善养老是什么"),
        ),
        details=f"{AMOUNT_ANSWER}\n出处：{CITE}",
        source_line="来源：测试报道",
        caveat=CAVEAT,
    )


def test_an_answer_without_a_short_form_is_said_whole_and_has_no_details(
    composer: Composer, booklet: Booklet
) -> None:
    reply = composer.answer("条件", booklet.intents["xiaoshan.who"], 60.0, "matched")
    assert (reply.answer, reply.details, reply.follow_ups) == ("孝善养老什么条件的回答。", "", ())
    assert reply.source == BOTH_CITE
    assert reply.source_line == "来源：测试报道、第二来源"  # a source's plain name, else title


def test_a_social_answer_has_no_caveat_and_no_source_line(
    composer: Composer, booklet: Booklet
) -> None:
    reply = composer.answer("谢谢", booklet.intents["help.thanks"], 100.0, "thanks")
    assert (reply.answer, reply.caveat, reply.source_line) == ("不客气。", "", "")
    assert reply.to_json()["answer"] == "不客气。"


def test_the_rest_of_an_answer_is_the_whole_answer_and_its_exact_citation(
    composer: Composer, booklet: Booklet
) -> None:
    reply = composer.details("详细说说", booklet.intents["xiaoshan.amount"])
    assert (reply.answer, reply.details, reply.source) == (AMOUNT_ANSWER, "", CITE)
    assert reply.question == "详细说说"
    assert (reply.reason, reply.score, reply.matched) == ("details", 100.0, True)
    assert reply.caveat == CAVEAT


def test_the_rest_of_an_answer_that_was_said_whole_says_so(
    composer: Composer, booklet: Booklet
) -> None:
    reply = composer.details("详细", booklet.intents["xiaoshan.who"])
    assert reply.answer == "这就是全部了。\n孝善养老什么条件的回答。"
    assert (reply.details, reply.source) == ("", BOTH_CITE)


# --- what the Composer says for each decision ------------------------------------------


def test_a_matched_question_is_answered_with_its_score_and_normalized_words(
    composer: Composer, booklet: Booklet
) -> None:
    match = decided(booklet, Verdict.MATCHED, [("xiaoshan.amount", 87.5), ("xiaoshan.who", 50)])
    reply = composer.compose("孝善养老政府添多少", match)
    assert (reply.matched, reply.reason, reply.intent, reply.score) == (
        True,
        "matched",
        "xiaoshan.amount",
        87.5,
    )
    assert reply.answer == AMOUNT_SHORT
    assert reply.suggestions == ()
    assert reply.normalized == "问题 的 词"


def test_an_unsure_reply_offers_the_best_three_guesses_not_weaker_than_35(
    composer: Composer, booklet: Booklet
) -> None:
    scored = [
        ("xiaoshan.amount", 45.0),
        ("weifang.amount", 44.9),
        ("linli.apply", 35.0),
        ("weifang.apply", 35.0),  # a fourth: not offered
    ]
    reply = composer.compose("补多少", decided(booklet, Verdict.UNSURE, scored))
    assert reply.answer == (
        "我不太确定您问的是哪一项，怕说错。\n"
        "您看看下面哪一个是您想问的；也可以换个说法再问一次。\n"
        f"{ASK_LINE}"
    )
    assert (reply.matched, reply.reason, reply.score) == (False, "unsure", 45.0)
    assert reply.suggestions == (
        Option("xiaoshan.amount", "孝善养老政府添多少", 45.0),
        Option("weifang.amount", "危房改造补多少钱", 44.9),
        Option("linli.apply", "邻里互助怎么参加", 35.0),
    )
    assert reply.normalized == "问题 的 词"


def test_an_unsure_reply_leaves_out_a_guess_under_35(composer: Composer, booklet: Booklet) -> None:
    scored = [("xiaoshan.amount", 40.0), ("weifang.amount", 34.9), ("linli.apply", 50.0)]
    reply = composer.compose("补多少", decided(booklet, Verdict.UNSURE, scored))
    assert [s.intent for s in reply.suggestions] == ["xiaoshan.amount", "linli.apply"]


def test_an_unsure_reply_with_no_guess_to_offer_does_not_point_below(
    composer: Composer, booklet: Booklet
) -> None:
    """Every guess is too weak to offer: there is nothing "below" to look at, so it asks
    again and says what it can answer (it said "看看下面哪一个" over an empty list)."""
    scored = [("xiaoshan.amount", 34.9), ("weifang.amount", 20.0)]
    reply = composer.compose("老黄牛不吃草", decided(booklet, Verdict.UNSURE, scored))
    assert reply.answer == (
        "我不太确定您问的是哪一项，怕说错。\n"
        "请换个说法再问一次，说清是哪项政策、想知道啥。\n"
        f"{MENU}\n{ASK_LINE}"
    )
    assert (reply.reason, reply.score, reply.suggestions) == ("unsure", 34.9, ())
    assert "下面" not in reply.to_text()


def test_a_question_outside_the_booklet_says_so_and_what_it_can_answer(
    composer: Composer, booklet: Booklet
) -> None:
    match = decided(booklet, Verdict.OUT_OF_SCOPE, [("xiaoshan.what", 50.0)])
    reply = composer.compose("幼儿园", match)
    assert reply.answer == (
        f"这件事我们这里的资料里没有，我答不了，也不敢乱说。\n{ASK_LINE}\n{MENU}"
    )
    assert (reply.reason, reply.score, reply.suggestions) == ("out_of_scope", 50.0, ())


@pytest.mark.parametrize("verdict", [Verdict.OFF_TOPIC, Verdict.UNSURE])
def test_a_question_with_no_guess_at_all_is_asked_again_with_an_example(
    composer: Composer, booklet: Booklet, verdict: Verdict
) -> None:
    reply = composer.compose("今天天气", decided(booklet, verdict))
    assert reply.answer == (
        "抱歉，我没看明白您问的是哪项扶贫政策。\n"
        f"{MENU}\n请换个说法再问，比如：“孝善养老怎么领？”\n{ASK_LINE}"
    )
    assert (reply.reason, reply.score, reply.suggestions) == (verdict.value, 0.0, ())


def test_another_place_is_named_and_its_rules_not_told_as_zaozhuangs(
    composer: Composer, booklet: Booklet
) -> None:
    match = decided(booklet, Verdict.ELSEWHERE, [("xiaoshan.amount", 80.0)], subject="临沂")
    reply = composer.compose("临沂孝善养老", match)
    assert reply.answer == (
        "您问的是临沂的政策吧？我只知道枣庄市2017–2018年的扶贫政策，"
        "临沂的规定我不知道，不能拿枣庄的说法告诉您。\n"
        "请问临沂当地的村干部。要是问枣庄的，请直接问，比如“孝善养老政府添多少”。"
    )
    assert (reply.matched, reply.reason, reply.score, reply.suggestions) == (
        False,
        "elsewhere",
        80.0,
        (),
    )


def test_a_later_year_is_named_and_not_answered(composer: Composer, booklet: Booklet) -> None:
    match = decided(booklet, Verdict.OUTDATED, [("xiaoshan.amount", 80.0)], subject="2023")
    reply = composer.compose("2023年孝善养老", match)
    assert reply.answer == (
        "您问的是2023年的政策。我这里只有枣庄2017–2018年的规定，"
        "2023年的可能已经变了，我不能乱说。\n请问村扶贫专干。"
    )
    assert reply.reason == "outdated"


def test_a_neighbouring_programme_is_named_and_not_answered(
    composer: Composer, booklet: Booklet
) -> None:
    match = decided(booklet, Verdict.NEIGHBOUR, [("xiaoshan.amount", 30.0)], subject="低保的标准")
    reply = composer.compose("低保标准多少", match)
    assert reply.answer == (
        f"低保的标准的事，我这里的资料没有写，我答不了，也不敢乱说。\n请问村扶贫专干。\n{MENU}"
    )
    assert (reply.reason, reply.suggestions) == ("neighbour", ())


def test_a_vague_question_offers_each_choice_at_the_answer_to_what_it_asked(
    composer: Composer, booklet: Booklet
) -> None:
    """多少钱: 孝善养老 has an amount answer, 邻里互助 has none (its 'what' is offered)."""
    match = decided(booklet, Verdict.VAGUE, [("weifang.amount", 40.0), ("xiaoshan.who", 30.0)])
    reply = composer.compose("多少钱", match)
    assert reply.answer == (
        "您想问哪项政策？请点下面的一项，或者把政策的名字说出来，"
        "比如“孝善养老政府添多少”“住院能报多少”。"
    )
    assert reply.reason == "vague"
    assert reply.suggestions == (
        Option("xiaoshan.amount", "孝善养老政府添多少"),
        Option("linli.what", "邻里互助是什么"),
    )


def test_a_vague_question_skips_a_choice_the_booklet_does_not_have(booklet: Booklet) -> None:
    composer = Composer(booklet)
    composer.roles = Roles(choices=["gone.what", "linli.what"])
    match = decided(booklet, Verdict.VAGUE, [("linli.apply", 40.0)])
    reply = composer.compose("咋报名", match)
    assert reply.suggestions == (Option("linli.apply", "邻里互助怎么参加"),)


def test_a_vague_question_with_no_choices_offers_nothing(bare: Composer, booklet: Booklet) -> None:
    reply = bare.compose("多少钱", decided(booklet, Verdict.VAGUE, [("xiaoshan.amount", 40.0)]))
    assert (reply.reason, reply.suggestions) == ("vague", ())


# --- messages that are not a question -----------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "intent", "answer"),
    [
        (Kind.GREETING, "help.greeting", "您好。"),
        (Kind.THANKS, "help.thanks", "不客气。"),
        (Kind.WRONG, "help.wrong", "对不起。"),
        (Kind.RESTART, "help.restart", "重新说。"),
    ],
)
def test_greetings_thanks_and_corrections_are_answered_from_the_help_topic(
    composer: Composer, booklet: Booklet, kind: Kind, intent: str, answer: str
) -> None:
    reply = composer.compose("你好", decided(booklet, Verdict.NOT_TEXT, kind=kind))
    assert (reply.matched, reply.intent, reply.answer, reply.reason, reply.score) == (
        True,
        intent,
        answer,
        kind.value,
        100.0,
    )
    assert (reply.caveat, reply.source_line) == ("", "")


@pytest.mark.parametrize("kind", [Kind.GREETING, Kind.THANKS, Kind.WRONG, Kind.RESTART])
def test_without_a_help_topic_a_greeting_gets_the_menu(
    bare: Composer, booklet: Booklet, kind: Kind
) -> None:
    reply = bare.compose("你好", decided(booklet, Verdict.NOT_TEXT, kind=kind))
    assert reply.answer == f"您好！{MENU}\n请直接打字问。"
    assert (reply.matched, reply.reason) == (False, kind.value)


def test_a_message_too_long_is_asked_to_be_shortened_with_its_length(
    composer: Composer, booklet: Booklet
) -> None:
    match = decided(booklet, Verdict.NOT_TEXT, kind=Kind.TOO_LONG, length=601)
    reply = composer.compose("长" * 601, match)
    assert reply.answer == (
        "您的消息有601个字，太长了，我看不过来。\n"
        "请用一两句话问（600字以内），比如：“孝善养老政府添多少？”"
    )
    assert (reply.matched, reply.reason, reply.score) == (False, "too_long", 0.0)


def test_an_empty_message_is_asked_for_a_question_with_examples(
    composer: Composer, booklet: Booklet
) -> None:
    reply = composer.compose("", decided(booklet, Verdict.NOT_TEXT, kind=Kind.EMPTY, length=0))
    assert reply.answer == (
        f"您还没有写问题。\n请直接打字问，比如：“孝善养老怎么领？”“住院能报多少？”\n{MENU}"
    )
    assert (reply.matched, reply.reason) == (False, "empty")


def test_a_declined_reply_without_a_decision_has_no_score_and_no_choices(
    composer: Composer,
) -> None:
    reply = composer.decline("123", "请用文字提问。", "not_text", None)
    assert reply == Reply("123", False, "请用文字提问。", "not_text")


def test_the_rest_of_an_answer_keeps_a_page_the_answer_quotes_itself(
    composer: Composer, booklet: Booklet
) -> None:
    reply = composer.details("详细", booklet.intents["linli.apply"])
    assert (reply.answer, reply.source) == (LINLI_ANSWER, CITE)


@pytest.mark.parametrize(
    ("verdict", "kind", "scored"),
    [
        (Verdict.MATCHED, Kind.TEXT, [("xiaoshan.amount", 87.5)]),
        (Verdict.UNSURE, Kind.TEXT, [("xiaoshan.amount", 40.0)]),
        (Verdict.OFF_TOPIC, Kind.TEXT, []),
        (Verdict.VAGUE, Kind.TEXT, [("xiaoshan.amount", 40.0)]),
        (Verdict.NOT_TEXT, Kind.GREETING, []),
        (Verdict.NOT_TEXT, Kind.EMPTY, []),
    ],
)
def test_every_reply_keeps_the_question_as_it_was_typed(
    composer: Composer, booklet: Booklet, verdict: Verdict, kind: Kind, scored: list[Any]
) -> None:
    reply = composer.compose("俺娘 孝善钱？", decided(booklet, verdict, scored, kind=kind))
    assert reply.question == "俺娘 孝善钱？"
    assert reply.to_json()["question"] == "俺娘 孝善钱？"


def test_a_greeting_role_naming_no_intent_gets_the_menu(
    composer: Composer, booklet: Booklet
) -> None:
    composer.roles = Roles(greeting="help.gone")  # the loader refuses this; the reply copes
    reply = composer.compose("你好", decided(booklet, Verdict.NOT_TEXT, kind=Kind.GREETING))
    assert (reply.matched, reply.answer) == (False, f"您好！{MENU}\n请直接打字问。")
