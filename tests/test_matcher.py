"""The matcher on a tiny booklet of its own (tests/helpers/tiny_booklet.py), so that each
of its rules is pinned apart from the real content in policies/.

The scores below are worked out by hand from bot/matcher.py's formula,

    score = (0.50 fuzzy + 0.30 words + 0.20 topic + 0.05 aspect + 0.15 intent) / 1.20

with each kind of evidence 0-100: `fuzzy` is rapidfuzz's token_set_ratio against the
intent's closest example (2·common characters / both lengths, on the sorted words),
`words` the share of the question's words, weighted by ln(1 + 7 / intents using it),
that the intent's examples use (a word no example uses weighs ln 8), `topic` 100 when
a keyword of the intent's topic is in the question, `aspect` 100 when the question asks
what the intent answers (or asks nothing and the intent says what a programme is),
`intent` 100 for one of the intent's own keywords.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from bot.booklet import Booklet
from bot.engine import Engine
from bot.loader import load_booklet
from bot.matcher import Match, Matcher, Tuning, Verdict
from bot.normalize import Kind
from tests.helpers import tiny_booklet as tiny


@pytest.fixture(scope="module")
def booklet(tmp_path_factory: pytest.TempPathFactory) -> Booklet:
    return load_booklet(tiny.write_booklet(tmp_path_factory.mktemp("tiny") / "policies"))


@pytest.fixture(scope="module")
def matcher(booklet: Booklet) -> Matcher:
    return Matcher(booklet)


def ids(match: Match) -> list[str]:
    return [c.intent.id for c in match.candidates]


def best(match: Match) -> str:
    assert match.best is not None, match.verdict
    return match.best.intent.id


def score_of(match: Match, intent_id: str) -> float:
    return next(c.score for c in match.candidates if c.intent.id == intent_id)


# --- the score and the threshold (Tuning.threshold = 46) ---------------------------------


def test_an_example_asked_word_for_word_scores_87_5(matcher: Matcher) -> None:
    # fuzzy 100, words 100, topic 100 (孝善养老), aspect 100 (是什么), no keyword:
    # (50 + 30 + 20 + 5) / 1.2 = 87.5
    match = matcher.match("孝善养老是什么")
    assert match.verdict is Verdict.MATCHED
    assert best(match) == "xiaoshan.what"
    assert match.best is not None and match.best.score == 87.5


def test_a_topic_named_with_no_question_is_about_what_it_is(matcher: Matcher) -> None:
    # 孝善 is in an example of each of its intents (fuzzy 100, words 100, topic 100);
    # asking nothing counts as asking what it is: 87.5 for `what`, 100 / 1.2 for the others
    match = matcher.match("孝善")
    assert match.verdict is Verdict.MATCHED
    assert ids(match)[:3] == ["xiaoshan.what", "xiaoshan.who", "xiaoshan.amount"]
    assert [c.score for c in match.candidates[:3]] == [87.5, 83.3, 83.3]


def test_a_question_just_under_the_threshold_is_unsure(matcher: Matcher) -> None:
    # xiaoshan.amount: words 子女 and 添多少 are its own (ln 8 each), 资格 is who's (ln 8):
    # words 2/3; fuzzy against 孝善资金 添多少: "添多少 子女 资格" / "添多少 孝善资金", 5 common
    # of 9 + 8 characters = 58.82; aspect 100 (添多少); no topic named:
    # (29.41 + 20 + 5) / 1.2 = 45.34 < 46
    match = matcher.match("子女添多少资格")
    assert match.verdict is Verdict.UNSURE
    assert best(match) == "xiaoshan.amount"
    assert match.best is not None and match.best.score == pytest.approx(45.3, abs=0.05)


def test_a_question_just_over_the_threshold_is_matched(matcher: Matcher) -> None:
    # weifang.amount: 房子 is in no example (ln 8), 补助 is its own (ln 8), 补多少 is in
    # two intents (ln 4.5): words (2.079 + 1.504) / (2 * 2.079 + 1.504) = 63.28; fuzzy
    # against 危房改造 补多少 钱: "补多少 房子 补助" / "补多少 危房改造 钱", 6 common of
    # 9 + 10 = 63.16; aspect 100: (31.58 + 18.98 + 5) / 1.2 = 46.30 >= 46
    match = matcher.match("房子补助补多少")
    assert match.verdict is Verdict.MATCHED
    assert best(match) == "weifang.amount"
    assert match.best is not None and match.best.score == pytest.approx(46.3, abs=0.05)


def test_a_score_equal_to_the_threshold_is_answered(booklet: Booklet) -> None:
    at = Matcher(booklet, Tuning(threshold=87.5)).match("孝善养老是什么")
    above = Matcher(booklet, Tuning(threshold=87.6)).match("孝善养老是什么")
    assert (at.verdict, above.verdict) == (Verdict.MATCHED, Verdict.UNSURE)
    # unsure still says what came closest
    assert best(above) == "xiaoshan.what"


def test_candidates_are_the_five_best_intents_best_first_each_once(matcher: Matcher) -> None:
    match = matcher.match("孝善养老是什么")
    scores = [c.score for c in match.candidates]
    assert len(match.candidates) == 5  # of the booklet's 7 intents
    assert len(set(ids(match))) == 5
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 100.0 for s in scores)


# --- the margin between topics (Tuning.margin = 3) --------------------------------------


def test_two_topics_scoring_within_the_margin_are_unsure_with_both_offered(
    matcher: Matcher,
) -> None:
    # 危房 names 危房改造, 奖补 比例 are words of 孝善养老's amount: both above the threshold
    match = matcher.match("危房奖补比例")
    assert match.verdict is Verdict.UNSURE
    assert ids(match)[:2] == ["xiaoshan.amount", "weifang.amount"]
    first, second = (c.score for c in match.candidates[:2])
    assert second >= 46.0  # not the threshold: the other topic is too close
    assert first - second < 3.0


def test_a_rival_topic_just_beyond_the_margin_does_not_stop_the_answer(
    matcher: Matcher,
) -> None:
    # words 子女 + 补多少 for 孝善养老 (its example 子女交孝善资金政府补多少, fuzzy
    # 2·6 / (6 + 8) = 85.71 on "子女 补多少"), 补多少 + 钱 for 危房改造 (fuzzy 76.92 on
    # "补多少 钱"): words 63.28 each; (42.86 + 18.98 + 5) / 1.2 = 55.70 against 52.03
    match = matcher.match("子女补多少钱")
    assert match.verdict is Verdict.MATCHED
    assert ids(match)[:2] == ["xiaoshan.amount", "weifang.amount"]
    assert score_of(match, "xiaoshan.amount") == pytest.approx(55.7, abs=0.05)
    assert score_of(match, "weifang.amount") == pytest.approx(52.0, abs=0.05)


@pytest.mark.parametrize(
    ("margin", "verdict"),
    [(3.6, Verdict.MATCHED), (55.7 - 52.0, Verdict.MATCHED), (3.8, Verdict.UNSURE)],
    ids=["under the gap", "the gap itself", "over the gap"],
)
def test_the_margin_is_the_gap_the_best_needs_over_another_topic(
    booklet: Booklet, margin: float, verdict: Verdict
) -> None:
    # the scores of the test above, 55.7 and 52.0: a gap as large as the margin will do
    assert Matcher(booklet, Tuning(margin=margin)).match("子女补多少钱").verdict is verdict


def test_far_apart_is_a_confident_match(matcher: Matcher) -> None:
    match = matcher.match("孝善养老是什么")
    other = next(c for c in match.candidates if not c.intent.id.startswith("xiaoshan."))
    assert match.verdict is Verdict.MATCHED
    assert match.best is not None and match.best.score - other.score > 40


def test_intents_of_one_topic_scoring_alike_are_no_reason_to_ask(matcher: Matcher) -> None:
    # 孝善养老 has no answer on how to apply: its three intents tie, and only another
    # topic's intent can be a rival; the tie goes to the first in the booklet
    match = matcher.match("孝善养老申请")
    assert match.verdict is Verdict.MATCHED
    assert ids(match)[:3] == ["xiaoshan.what", "xiaoshan.who", "xiaoshan.amount"]
    assert len({c.score for c in match.candidates[:3]}) == 1


# --- without a word of the booklet ------------------------------------------------------


@pytest.mark.parametrize("question", ["天气怎么样", "明天几点开会", "孝"])
def test_a_question_with_no_word_of_the_booklet_is_off_topic(
    matcher: Matcher, question: str
) -> None:
    assert matcher.match(question).verdict is Verdict.OFF_TOPIC


def test_with_no_word_of_the_booklet_only_a_very_close_example_is_answered(
    matcher: Matcher,
) -> None:
    # 互助 alone is no keyword nor domain word. 互助介绍 against 介绍 邻里互助: "介绍 互助"
    # / "介绍 邻里互助", 5 common of 5 + 7 = 83.3 >= 80; 互助申请 against 邻里互助 怎么
    # 申请: "申请 互助" / "申请 怎么 邻里互助", 5 of 5 + 10 = 66.7 < 80
    assert matcher.match("互助介绍").verdict is Verdict.MATCHED
    assert best(matcher.match("互助介绍")) == "linli.what"
    assert matcher.match("互助申请").verdict is Verdict.OFF_TOPIC


# --- the conversation's topic (topic_hint) ----------------------------------------------


def test_a_follow_up_naming_no_topic_goes_to_the_hinted_topic(matcher: Matcher) -> None:
    match = matcher.match("那要什么条件", topic_hint="xiaoshan")
    assert match.verdict is Verdict.MATCHED
    assert best(match) == "xiaoshan.who"
    assert match.best is not None and match.best.score == 100.0  # capped at 100


def test_without_the_hint_the_same_follow_up_asks_which_programme(matcher: Matcher) -> None:
    assert matcher.match("那要什么条件").verdict is Verdict.VAGUE


def test_an_unknown_topic_hint_counts_as_none(matcher: Matcher) -> None:
    assert matcher.match("那要什么条件", topic_hint="nosuch").verdict is Verdict.VAGUE


@pytest.mark.parametrize("hint", ["linli", "weifang"])
def test_a_vague_follow_up_stays_on_the_hinted_topic_though_another_fits_its_words(
    matcher: Matcher, hint: str
) -> None:
    # only 孝善养老 has an answer on conditions; the conversation is about another topic
    match = matcher.match("那要什么条件", topic_hint=hint)
    assert best(match).startswith(f"{hint}.")
    assert all(c.score == 0.0 for c in match.candidates if c.intent.id.startswith("xiaoshan."))


def test_a_follow_up_the_hinted_topic_has_no_answer_for_is_not_answered_at_random(
    matcher: Matcher,
) -> None:
    match = matcher.match("那要什么条件", topic_hint="weifang")
    assert [(c.intent.id, c.score) for c in match.candidates[:2]] == [
        ("weifang.apply", 41.7),
        ("weifang.amount", 41.7),
    ]
    assert match.verdict is not Verdict.MATCHED


def test_a_question_naming_another_topic_leaves_the_hinted_one(matcher: Matcher) -> None:
    match = matcher.match("那邻里互助呢", topic_hint="xiaoshan")
    assert match.verdict is Verdict.MATCHED
    assert best(match) == "linli.what"


def test_a_follow_up_on_the_hinted_topic_may_score_a_little_under_the_threshold(
    matcher: Matcher,
) -> None:
    # nothing of the message is in the booklet but 是 and 的: alone it is off topic; in a
    # conversation on 孝善养老 its best question scores under 46 and is answered
    # (Tuning.threshold - CONTINUED_SLACK = 38)
    alone = matcher.match("这个数是哪年的")
    hinted = matcher.match("这个数是哪年的", topic_hint="xiaoshan")
    assert alone.verdict is Verdict.OFF_TOPIC
    assert hinted.verdict is Verdict.MATCHED
    assert best(hinted) == "xiaoshan.what"
    assert hinted.best is not None and 38.0 <= hinted.best.score < 46.0


def test_a_short_message_giving_an_age_continues_the_conversation_asking_who(
    matcher: Matcher,
) -> None:
    # 12 characters or fewer, with a number: the numbers for the topic's question; an age
    # asks who may have it: topic 100 (the hint) and aspect 100, (20 + 5) / 1.2 + 25
    assert matcher.match("俺娘80岁了").verdict is Verdict.UNSURE
    hinted = matcher.match("俺娘80岁了", topic_hint="xiaoshan")
    assert (hinted.verdict, best(hinted)) == (Verdict.MATCHED, "xiaoshan.who")
    assert hinted.best is not None and hinted.best.score == pytest.approx(45.8, abs=0.05)


def test_a_longer_follow_up_in_other_words_that_fits_the_topic_continues_it(
    matcher: Matcher,
) -> None:
    # no topic named, no 那 or 还有, over 12 characters: it fits 孝善养老's questions
    question = "子女交钱政府添多少钱呀大概"
    assert matcher.match(question).verdict is Verdict.UNSURE
    hinted = matcher.match(question, topic_hint="xiaoshan")
    assert (hinted.verdict, best(hinted)) == (Verdict.MATCHED, "xiaoshan.amount")


def test_a_new_question_drops_the_conversations_topic(matcher: Matcher) -> None:
    assert best(matcher.match("多少钱", topic_hint="xiaoshan")) == "xiaoshan.amount"
    assert matcher.match("多少钱", topic_hint="xiaoshan").verdict is Verdict.MATCHED
    restarted = matcher.match("新问题 多少钱", topic_hint="xiaoshan")
    assert restarted.verdict is Verdict.VAGUE
    assert restarted.normalized.restarted


# --- the last answer (last_intent) and the vague question asked before (pending) ----------


@pytest.mark.parametrize("last", ["xiaoshan.amount", "xiaoshan.who"])
def test_a_message_pointing_back_is_about_the_last_answer(matcher: Matcher, last: str) -> None:
    match = matcher.match("这个数是哪年的", topic_hint="xiaoshan", last_intent=last)
    assert match.verdict is Verdict.MATCHED
    assert best(match) == last
    # nothing of the message itself in either: topic 100 (the hint), intent 100 + 60 (the
    # last answer): (20 + 0.15 * 160) / 1.2 = 36.67, and HINT_BONUS 25
    assert match.best is not None and match.best.score == pytest.approx(61.7, abs=0.05)


def test_the_last_answer_counts_only_in_a_conversation_on_its_topic(matcher: Matcher) -> None:
    alone = matcher.match("这个数是哪年的", last_intent="xiaoshan.amount")
    unknown = matcher.match("这个数是哪年的", topic_hint="xiaoshan", last_intent="nosuch.x")
    assert alone.verdict is Verdict.OFF_TOPIC
    assert best(unknown) == "xiaoshan.what"  # as with no last answer at all


def test_a_reply_naming_only_the_programme_answers_the_pending_question(
    matcher: Matcher,
) -> None:
    match = matcher.match("孝善养老的", pending="多少钱")
    assert match.verdict is Verdict.MATCHED
    assert best(match) == "xiaoshan.amount"
    assert match.text == "多少钱 孝善养老的"
    assert best(matcher.match("孝善养老的")) == "xiaoshan.what"


def test_a_reply_asking_its_own_question_leaves_the_pending_one(matcher: Matcher) -> None:
    match = matcher.match("孝善养老的条件", pending="多少钱")
    assert best(match) == "xiaoshan.who"
    assert match.text == "孝善养老的条件"


def test_an_answer_to_a_pending_question_scores_at_most_100(matcher: Matcher) -> None:
    match = matcher.match("邻里互助护理员", pending="怎么申请")
    assert best(match) == "linli.apply"
    assert match.best is not None and match.best.score == 100.0  # was 104.6: capped


# --- vague questions -------------------------------------------------------------------


def test_a_question_naming_no_programme_is_vague_with_its_answers_offered(
    matcher: Matcher,
) -> None:
    match = matcher.match("多少钱")
    assert match.verdict is Verdict.VAGUE
    assert set(ids(match)[:2]) == {"xiaoshan.amount", "weifang.amount"}


def test_a_message_of_fillers_only_is_vague_with_nothing_offered(matcher: Matcher) -> None:
    match = matcher.match("请问")
    assert (match.verdict, match.candidates) == (Verdict.VAGUE, ())


# --- refusals: out of scope, neighbours, other places, later years --------------------------


@pytest.mark.parametrize("question", ["幼儿园孝善养老", "幼儿园多少钱", "助学贷款怎么申请"])
def test_a_question_with_an_out_of_scope_word_is_refused(matcher: Matcher, question: str) -> None:
    match = matcher.match(question)
    assert match.verdict is Verdict.OUT_OF_SCOPE
    assert match.candidates == ()


def test_the_same_question_without_the_out_of_scope_word_is_answered(matcher: Matcher) -> None:
    match = matcher.match("孝善养老")
    assert match.verdict is Verdict.MATCHED
    assert best(match) == "xiaoshan.what"


def test_an_out_of_scope_word_in_the_story_does_not_refuse_the_question(
    matcher: Matcher,
) -> None:
    match = matcher.match(
        "孩子在幼儿园上学，学费交完了，家里老人七十多了，想问问孝善养老政府添多少？"
    )
    assert match.verdict is Verdict.MATCHED
    assert best(match) == "xiaoshan.amount"


@pytest.mark.parametrize("hint", [None, "xiaoshan"])
def test_a_neighbouring_programme_is_refused_with_its_subject(
    matcher: Matcher, hint: str | None
) -> None:
    match = matcher.match("低保标准多少", topic_hint=hint)
    assert (match.verdict, match.subject, match.candidates) == (Verdict.NEIGHBOUR, "低保的标准", ())


def test_another_place_is_refused_and_the_home_places_are_not(matcher: Matcher) -> None:
    elsewhere = matcher.match("北京孝善养老是什么")
    assert (elsewhere.verdict, elsewhere.subject) == (Verdict.ELSEWHERE, "北京")
    for home in ("枣庄孝善养老", "山东省孝善养老给多少钱"):
        assert matcher.match(home).verdict is Verdict.MATCHED, home


def test_a_year_after_the_booklets_facts_is_outdated(matcher: Matcher) -> None:
    later = matcher.match("2019年孝善养老")
    assert (later.verdict, later.subject) == (Verdict.OUTDATED, "2019")
    assert matcher.match("2018年孝善养老").verdict is Verdict.MATCHED


# --- a long message: its question part ---------------------------------------------------

STORY = (
    "邻里互助挺好，邻居帮忙照看俺娘，邻里互助怎么报名俺也知道了，俺想问一下，孝善养老政府添多少？"
)


def test_a_long_message_is_matched_on_its_question(matcher: Matcher) -> None:
    match = matcher.match(STORY)
    assert match.verdict is Verdict.MATCHED
    assert best(match) == "xiaoshan.amount"


def test_without_its_question_part_the_long_message_is_too_close_to_call(
    booklet: Booklet,
) -> None:
    # the story names 邻里互助 twice: read whole, it scores with 孝善养老 (within 3)
    whole = Matcher(booklet, Tuning(focus_weight=0.0, focus_floor=0.0)).match(STORY)
    assert whole.verdict is Verdict.UNSURE
    assert set(ids(whole)[:2]) == {"xiaoshan.amount", "linli.apply"}


QUESTION_ELSEWHERE = "孝善养老政府添多少我都知道了，村里人都说挺好，大家都很高兴，明天几点开会呢？"


def test_a_story_about_a_topic_with_the_question_elsewhere_is_not_answered(
    booklet: Booklet, matcher: Matcher
) -> None:
    match = matcher.match(QUESTION_ELSEWHERE)
    assert match.verdict is Verdict.UNSURE
    # it is the question part that refuses it: the whole scores over the threshold
    assert match.best is not None and match.best.score >= 46.0
    floorless = Matcher(booklet, Tuning(focus_floor=0.0)).match(QUESTION_ELSEWHERE)
    assert floorless.verdict is Verdict.MATCHED


# --- not a question: empty, social, too long, not text ----------------------------------------


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("", Kind.EMPTY),
        ("   ", Kind.EMPTY),
        ("！！！", Kind.EMPTY),
        ("😀😀", Kind.EMPTY),
        ("\u200b\u200b", Kind.EMPTY),
        ("你好", Kind.GREETING),
        ("在吗", Kind.GREETING),
        ("谢谢", Kind.THANKS),
        ("不对", Kind.WRONG),
        ("换个问题", Kind.RESTART),
    ],
)
def test_a_message_that_is_no_question_is_not_text_of_its_kind(
    matcher: Matcher, message: str, kind: Kind
) -> None:
    match = matcher.match(message)
    assert (match.verdict, match.normalized.kind, match.candidates) == (Verdict.NOT_TEXT, kind, ())


def test_a_message_over_600_characters_is_too_long(matcher: Matcher) -> None:
    too_long = matcher.match("孝" * 601)
    assert (too_long.verdict, too_long.normalized.kind) == (Verdict.NOT_TEXT, Kind.TOO_LONG)
    assert too_long.normalized.length == 601
    assert matcher.match("孝" * 600).normalized.kind is Kind.TEXT


@pytest.mark.parametrize(
    "question", ["你好 孝善养老是什么", "孝善养老是什么 谢谢", "请问孝善养老是什么"]
)
def test_greetings_thanks_and_fillers_around_a_question_are_dropped(
    matcher: Matcher, question: str
) -> None:
    match = matcher.match(question)
    assert (best(match), match.best and match.best.score) == ("xiaoshan.what", 87.5)


@pytest.mark.parametrize("question", [None, 123, b"\xe5\xad\x9d\xe5\x96\x84"])
def test_a_question_that_is_not_text_is_declined_as_not_text(
    booklet: Booklet, question: object
) -> None:
    reply = Engine(booklet).ask(question)
    assert (reply.matched, reply.reason) == (False, "not_text")


# --- the booklet's words: synonyms, dialect, traditional, typos, pinyin --------------------


def test_dialect_and_everyday_words_are_read_as_the_booklets(matcher: Matcher) -> None:
    match = matcher.match("俺闺女交孝心钱公家添多少")
    assert match.normalized.text == "我子女交孝善资金政府添多少"
    # the example 孝善资金添多少 is a subset of its words: as asked word for word
    assert (best(match), match.best and match.best.score) == ("xiaoshan.amount", 87.5)


@pytest.mark.parametrize(
    ("question", "normalized", "intent"),
    [
        ("孝善養老是什麼", "孝善养老是什么", "xiaoshan.what"),  # traditional characters
        ("孝善养劳是什么", "孝善养老是什么", "xiaoshan.what"),  # 劳 for 老: same sound
        ("邻里互住是什么", "邻里互助是什么", "linli.what"),
        ("危防改造怎么申请", "危房改造怎么申请", "weifang.apply"),
        ("xiaoshan yanglao 是什么", "孝善养老 是什么", "xiaoshan.what"),  # pinyin
        ("xiaoshanyanglao是什么", "孝善养老是什么", "xiaoshan.what"),
        ("ＸＩＡＯＳＨＡＮ养老", "孝善养老", "xiaoshan.what"),  # full-width, capitals
        ("linli huzhu shouxu", "邻里互助 手续", "linli.apply"),  # 手续: a word of an example
    ],
)
def test_a_question_is_matched_in_the_booklets_own_words(
    matcher: Matcher, question: str, normalized: str, intent: str
) -> None:
    match = matcher.match(question)
    assert match.normalized.text == normalized
    assert (match.verdict, best(match)) == (Verdict.MATCHED, intent)


# --- keywords, situations, the overview ------------------------------------------------------


def test_an_intents_own_keyword_points_to_that_intent(matcher: Matcher) -> None:
    assert best(matcher.match("邻里互助")) == "linli.what"
    keyword = matcher.match("邻里互助护理员")  # 护理员: a keyword of linli.apply
    assert (keyword.verdict, best(keyword)) == (Verdict.MATCHED, "linli.apply")


def test_an_intents_keyword_alone_is_a_follow_up_on_its_topic(matcher: Matcher) -> None:
    assert matcher.match("护理员").verdict is Verdict.OFF_TOPIC
    hinted = matcher.match("护理员", topic_hint="linli")
    assert (hinted.verdict, best(hinted)) == (Verdict.MATCHED, "linli.apply")


def test_a_situation_with_all_its_parts_names_its_topic(matcher: Matcher) -> None:
    # 孝善养老's situation "老人 交 添": 俺娘 -> 老人, 闺女 -> 子女, and 添
    named = matcher.match("俺娘的钱闺女交了政府能添吗")
    assert (named.verdict, best(named)) == (Verdict.MATCHED, "xiaoshan.amount")
    missing = matcher.match("俺娘的钱闺女交了政府能给吗")  # no 添: no topic named
    assert missing.verdict is Verdict.UNSURE


OVERVIEW = tiny.topic(
    "overview",
    "全部政策",
    ["全部政策", "扶贫政策"],
    [
        tiny.intent(
            "overview.all",
            "what",
            "贫困户能享受哪些政策",
            [
                "贫困户能享受哪些政策",
                "贫困户有什么政策",
                "扶贫政策有哪些",
                "全部政策",
                "贫困户有哪些补助",
                "扶贫都有什么",
                "贫困户能得到什么帮助",
                "扶贫政策介绍",
            ],
        )
    ],
    order=1,
)


@pytest.fixture(scope="module")
def with_overview(tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    meta = copy.deepcopy(tiny.META)
    meta["roles"] = {"overview": "overview.all"}
    folder = tmp_path_factory.mktemp("overview") / "policies"
    return Matcher(load_booklet(tiny.write_booklet(folder, (*tiny.TOPICS, OVERVIEW), meta=meta)))


def test_a_household_asking_what_it_gets_at_all_is_given_the_overview(
    matcher: Matcher, with_overview: Matcher
) -> None:
    match = with_overview.match("贫困户每个月有补助吗")
    assert (match.verdict, best(match)) == (Verdict.MATCHED, "overview.all")
    assert matcher.match("贫困户每个月有补助吗").verdict is not Verdict.MATCHED


def test_a_household_question_naming_no_programme_puts_the_overview_first(
    with_overview: Matcher,
) -> None:
    # 邻里互助's and 危房改造's how-to score higher (48.8), but the question names neither:
    # the overview comes first, at the threshold's score
    match = with_overview.match("贫困户怎么申请")
    assert match.verdict is Verdict.MATCHED
    assert match.best is not None and (best(match), match.best.score) == ("overview.all", 46.0)
    assert score_of(match, "linli.apply") > 46.0


def test_the_overview_close_behind_a_topic_is_no_rival_to_it(with_overview: Matcher) -> None:
    match = with_overview.match("贫困户孝善有什么")
    assert match.verdict is Verdict.MATCHED
    assert best(match).startswith("xiaoshan.")
    assert ids(match)[1] == "overview.all"
    assert match.candidates[0].score - match.candidates[1].score < 3.0


def test_a_question_naming_a_topic_goes_to_the_topic_not_the_overview(
    with_overview: Matcher,
) -> None:
    match = with_overview.match("扶贫政策孝善养老")
    assert (match.verdict, best(match)) == (Verdict.MATCHED, "xiaoshan.what")
    assert score_of(match, "overview.all") == 0.0  # out of the running altogether


# --- the matcher as a whole ---------------------------------------------------------------


def test_matching_is_pure_the_same_question_gives_the_same_match(matcher: Matcher) -> None:
    first = matcher.match("子女补多少钱")
    for other in ("孝善养劳", "xiaoshan yanglao", "那要什么条件", STORY):
        matcher.match(other, topic_hint="linli")
    assert matcher.match("子女补多少钱") == first


def test_a_booklet_with_no_word_lists_still_matches_and_refuses(tmp_path: Path) -> None:
    bare = Matcher(load_booklet(tiny.write_booklet(tmp_path / "policies", lexicon={}, scope={})))
    assert best(bare.match("孝善养老是什么")) == "xiaoshan.what"
    assert bare.match("孝善养老是什么").verdict is Verdict.MATCHED
    assert bare.match("天气怎么样").verdict is Verdict.OFF_TOPIC
    assert bare.match("").verdict is Verdict.NOT_TEXT
