"""Urgency: the booklet's rules flag emergencies (and not policy questions), the checker
reports bad rules with their line, urgent questions come first for the officers, and the
alerts reach a real webhook server and the fake Telegram without touching the answer."""

from __future__ import annotations

import asyncio
import logging
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot

from bot.booklet import Urgency
from bot.curation import format_groups, group
from bot.engine import Engine
from bot.loader import check_booklet, load_booklet
from bot.privacy import mask
from bot.reply import Reply
from bot.service import Service
from bot.settings import DEFAULT_POLICIES, SettingError, load_settings
from bot.store import Store
from bot.urgency import Alert, Rule, compile_rules, flag, urgency_text
from handlers import alerts as alerts_module
from handlers.alerts import TelegramAlert, WebhookAlert, alert_text
from tests.conftest import run_cli
from tests.helpers.fake_telegram import FakeTelegram

# ---------------------------------------------------------------------------------------
# the rules of policies/urgency.yaml, on the real engine

URGENT = {
    "hospital_no_money": [
        "俺娘住院了拿不出钱",
        "住院了没钱交押金",
        "俺爹在医院躺着，一分钱也没有了",
        "住院费凑不齐咋办",
        "孩子病了没钱看",
        "住醫院沒錢，咋辦",  # traditional characters
        "老伴做手术借不着钱了",
        "医院催着交钱，俺家拿不出来钱",
        "俺娘得了大病，治不起啊",
        "俺爹住院押金交不上，医院不给治",
        "俺儿化疗的钱凑不够了",
        "俺娘住院了，家里穷，押金凑不上",
    ],
    "house_collapsing": [
        "房子裂了快塌了",
        "屋子漏雨墙裂了怕塌",
        "俺家房子要塌了咋整",
        "昨晚下大雨，俺家墙倒了",
        "屋顶塌了一半",
        "老屋的梁快断了，房子要倒",
        "下大雨房子被淹了",
        "俺家的土坯房塌了",
        "房子塌了砸伤了人",
        "房子住不了人了，一家人没地方住",
    ],
    "no_food": [
        "家里断顿了",
        "家里揭不开锅了",
        "吃不上饭了",
        "俺家两天没吃饭了",  # 两天 -> 2天: the rule's regex
        "家里没米了，孩子饿肚子",
        "老两口吃了上顿没下顿",
        "好几天没吃的了",
        "俺家没面了",
        "俺家断顿了，低保咋申请",  # refused (低保 is not the booklet's), still flagged
    ],
    "despair": [
        "活着没意思",
        "俺不想活了",
        "活不下去了",
        "寻思喝药算了",
        "我想死",
        "俺寻思不活了",
        "活著沒意思",  # traditional
        "日子过不下去了",
        "俺娘说活着就是拖累孩子",
        "他说要喝农药",
        "实在没活路了",
        "不如死了算了",
    ],
}

CALM = [
    "住院报销多少",
    "危房改造条件",
    "住院押金要交吗",
    "危房改造补多少钱",
    "房子漏雨能不能申请改造",
    "土坯房能改造吗",
    "危房鉴定找谁",
    "看病能报多少",
    "大病保险报销比例",
    "住院要带什么材料",
    "俺娘住院了能报多少",
    "住院证明拿不出来怎么报销",
    "先住院后付费是咋回事",
    "孝善养老政府添多少",
    "俺爹八十了，闺女交的孝善钱公家添多少",
    "小额信贷怎么贷",
    "贫困户吃低保还能领孝善金吗",
    "光伏扶贫分红多少钱",
    "邻里互助有什么好处",
    "医院一站式结算怎么办",
    "贫困户看病自己掏多少钱",
    "老人活着的时候能领孝善资金吗",
    "俺家是低保户，吃低保的能贷款吗",
    "建档立卡户有哪些政策",
    "危房改造的钱啥时候下来",
    "房子翻修政府给补吗",
    "住院一分钱不用交吗",
    "俺爹每天喝药，药费能报吗",
    "医疗救助怎么申请",
    "脱贫了政策还有吗",
    "家庭医生签约有啥用",
    "土地托管一亩地给多少钱",
    "你好",
    "谢谢",
    "",
]


def test_there_are_enough_cases() -> None:
    assert sum(len(qs) for qs in URGENT.values()) >= 25 and len(CALM) >= 25


@pytest.mark.parametrize(("rule", "question"), [(r, q) for r, qs in URGENT.items() for q in qs])
def test_an_emergency_is_flagged(engine: Engine, rule: str, question: str) -> None:
    assert engine.ask(question).urgent == rule


@pytest.mark.parametrize("question", CALM)
def test_a_policy_question_is_not_flagged(engine: Engine, question: str) -> None:
    assert engine.ask(question).urgent is None


def test_every_kind_of_reply_carries_the_flag(engine: Engine) -> None:
    answered = engine.ask("俺娘住院了没钱，闺女每月交150孝善钱，公家添多少")
    assert answered.intent == "xiaoshan.amount" and "算一算" in answered.answer  # calculator
    assert answered.urgent == "hospital_no_money"
    refused = engine.ask("不想活了")
    assert not refused.matched and refused.urgent == "despair"
    too_long = engine.ask("孝善 " * 300 + "俺不想活了")  # not normalized: read for urgency
    assert too_long.reason == "too_long" and too_long.urgent == "despair"
    assert engine.ask(["not", "text"]).urgent is None


def test_the_flag_is_not_in_the_json_contract(engine: Engine) -> None:
    reply = engine.ask("俺不想活了")
    assert reply.urgent == "despair"
    assert "urgent" not in reply.to_json()


def test_flag_is_pure_and_reads_both_forms(engine: Engine) -> None:
    rules = engine.urgency
    assert flag(rules, "") is None
    assert flag((), "不想活了") is None
    # synonyms turn 房子要塌 into 危房: the person's own words still count
    normalized = engine.matcher.match("俺家房子要塌了").normalized
    assert "塌" not in normalized.text
    assert flag(rules, urgency_text("俺家房子要塌了", normalized)) == "house_collapsing"


# ---------------------------------------------------------------------------------------
# rules as data


def _rules(*rules: dict[str, Any]) -> tuple[Rule, ...]:
    return compile_rules(Urgency.model_validate({"rules": list(rules)}).rules)


def test_all_parts_of_a_line_must_be_there() -> None:
    rules = _rules({"id": "sick", "label": "住院没钱", "words": ["住院|医院 没钱"]})
    assert flag(rules, "住院了没钱") == "sick"
    assert flag(rules, "在医院 一直没钱") == "sick"
    assert flag(rules, "住院报销多少") is None
    assert flag(rules, "没钱") is None


def test_unless_and_regex_and_numerals() -> None:
    rules = _rules({"id": "food", "label": "断顿", "words": ["一分钱也没有"],
                    "regex": [r"\d+天没吃"], "unless": ["减肥"]})  # fmt: skip
    assert flag(rules, "1分钱也没有了") == "food"  # the word is written as questions are
    assert flag(rules, "3天没吃") == "food"
    assert flag(rules, "减肥3天没吃") is None


def test_the_first_rule_that_fits_names_it() -> None:
    rules = _rules({"id": "a", "label": "甲", "words": ["不想活"]},
                   {"id": "b", "label": "乙", "words": ["住院 没钱"]})  # fmt: skip
    assert flag(rules, "住院没钱 不想活了") == "a"


# ---------------------------------------------------------------------------------------
# policybot check


def _check_rules(folder: Path, text: str) -> list[str]:
    (folder / "urgency.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    booklet, problems = check_booklet(folder)
    assert booklet is None
    return [str(p) for p in problems]


def test_the_real_rules_are_valid() -> None:
    booklet = load_booklet(DEFAULT_POLICIES)
    ids = [r.id for r in booklet.urgency.rules]
    assert {"hospital_no_money", "house_collapsing", "no_food", "despair"} <= set(ids)
    assert all(r.label for r in booklet.urgency.rules)


def test_no_urgency_file_means_no_rules(booklet_dir: Callable[[str], Path]) -> None:
    booklet = load_booklet(booklet_dir("valid"))
    assert booklet.urgency.rules == []
    assert Engine(booklet).ask("不想活了").urgent is None


def test_an_unknown_key_is_reported_with_its_line(booklet_dir: Callable[[str], Path]) -> None:
    found = _check_rules(
        booklet_dir("valid"),
        """\
        rules:
          - id: despair
            label: 不想活了
            wrods: [不想活]
        """,
    )
    assert any(p.startswith("policies/urgency.yaml:4:") and "wrods" in p for p in found), found
    assert any("这里可以用的键：id, label, words" in p for p in found), found


def test_empty_patterns_are_reported(booklet_dir: Callable[[str], Path]) -> None:
    found = _check_rules(
        booklet_dir("valid"),
        """\
        rules:
          - id: sick
            label: 住院没钱
            words:
              - 住院 没钱
              - "住院|| 没钱"
              - ""
          - id: nothing
            label: 什么也没有
        """,
    )
    assert any(p.startswith("policies/urgency.yaml:6:") and "里有一个空词" in p for p in found)
    assert any(p.startswith("policies/urgency.yaml:7:") and "不能是空的" in p for p in found)
    assert any(p.startswith("policies/urgency.yaml:8:") and "规则要有 `words`" in p for p in found)


def test_duplicate_ids_are_reported(booklet_dir: Callable[[str], Path]) -> None:
    found = _check_rules(
        booklet_dir("valid"),
        """\
        rules:
          - id: despair
            label: 不想活了
            words: [不想活]
          - id: despair
            label: 活不下去
            words: [活不下去]
        """,
    )
    assert any(
        p.startswith("policies/urgency.yaml:5:") and "紧急规则编号 'despair' 重复了" in p
        and "第2行" in p for p in found
    ), found  # fmt: skip


def test_a_bad_regex_is_reported(booklet_dir: Callable[[str], Path]) -> None:
    found = _check_rules(
        booklet_dir("valid"),
        """\
        rules:
          - id: food
            label: 断顿
            regex:
              - '\\d+天没吃'
              - '(没吃'
              - '.*'
        """,
    )
    assert any(p.startswith("policies/urgency.yaml:6:") and "不是正确的正则表达式" in p
               for p in found), found  # fmt: skip
    assert any(p.startswith("policies/urgency.yaml:7:") and "每个问题都会被标成紧急" in p
               for p in found), found  # fmt: skip
    assert not any(":5:" in p for p in found)


def test_a_bad_id_and_a_missing_label_are_reported(booklet_dir: Callable[[str], Path]) -> None:
    found = _check_rules(
        booklet_dir("valid"),
        """\
        rules:
          - id: Not-An-Id
            words: [不想活]
        """,
    )
    assert any(p.startswith("policies/urgency.yaml:2:") and "规则编号只能用" in p for p in found)
    assert any("label: 缺少这一项" in p for p in found), found


def test_policybot_check_prints_the_problem(booklet_dir: Callable[[str], Path]) -> None:
    folder = booklet_dir("valid")
    (folder / "urgency.yaml").write_text(
        "rules:\n  - id: food\n    label: 断顿\n    regex: ['(没吃']\n", encoding="utf-8"
    )
    result = run_cli("check", str(folder))
    assert result.returncode == 1
    assert "policies/urgency.yaml:4: rules.0.regex.0:" in result.stderr.decode()


# ---------------------------------------------------------------------------------------
# the store and the curation report


def _reply(question: str, matched: bool, urgent: str | None) -> Reply:
    return Reply(question, matched, "…", "matched" if matched else "unsure",
                 intent="jiankang.deposit" if matched else None, urgent=urgent,
                 normalized=question)  # fmt: skip


async def test_the_store_lists_urgent_questions_first(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "bot.sqlite3")
    try:
        await store.record(_reply("助学贷款咋办", False, None), "助学贷款咋办", "http")
        await store.record(_reply("住院了没钱交押金", True, "hospital_no_money"), "", "http")
        await store.record(_reply("孝善养老是什么", True, None), "", "http")  # answered: out
        await store.record(_reply("俺不想活了", False, "despair"), "", "telegram")
        rows = await store.unanswered(since=0)
    finally:
        await store.close()
    assert [r["text"] for r in rows] == ["俺不想活了", "住院了没钱交押金", "助学贷款咋办"]
    assert [r["urgent"] for r in rows] == ["despair", "hospital_no_money", None]


def test_the_report_puts_urgent_groups_first_and_marks_them() -> None:
    rows: list[dict[str, Any]] = [
        {"text": "俺不想活了", "normalized": "我不想活了", "urgent": "despair", "guesses": []},
        {"text": "住院没钱", "normalized": "住院没钱", "urgent": "hospital_no_money",
         "guesses": [{"intent": "jiankang.deposit", "score": 90.0}]},
        {"text": "活不下去了", "normalized": "活不下去了", "urgent": "despair", "guesses": []},
        {"text": "助学贷款咋办", "normalized": "助学贷款怎么办", "urgent": None, "guesses": []},
        {"text": "助学贷款怎么办", "normalized": "助学贷款怎么办", "urgent": None, "guesses": []},
        {"text": "养老院", "normalized": "养老院", "urgent": None, "guesses": []},
    ]  # fmt: skip
    groups = group(rows, labels={"despair": "说不想活了"})
    assert [(g.urgent, g.count) for g in groups] == [
        ("despair", 2), ("hospital_no_money", 1), (None, 2), (None, 1)
    ]  # fmt: skip
    text = format_groups(groups, 7)
    lines = text.splitlines()
    assert lines[0].startswith("⚠") and "3个紧急" in lines[0]
    assert lines[1] == "1. ⚠ 紧急：说不想活了 2次"
    assert "2. ⚠ 紧急：hospital_no_money 1次" in lines  # a rule since removed: its id
    assert "最近7天答不上的问题，共3个，分成2组：" in lines
    assert text.index("活不下去了") < text.index("助学贷款咋办")
    only_urgent = format_groups(groups[:1], 7)
    assert "没有答不上的问题" in only_urgent


# ---------------------------------------------------------------------------------------
# the service: alerts in the background


class Recorder:
    """A fake alert: keeps what it is sent."""

    def __init__(self) -> None:
        self.alerts: list[Alert] = []
        self.got = asyncio.Event()

    async def __call__(self, alert: Alert) -> None:
        self.alerts.append(alert)
        self.got.set()


async def explode(alert: Alert) -> None:
    raise RuntimeError("the alert system is down")


@pytest.fixture
async def store(tmp_path: Path) -> Any:
    opened = await Store.open(tmp_path / "bot.sqlite3")
    yield opened
    await opened.close()


async def test_the_service_alerts_and_an_exploding_alert_changes_nothing(
    engine: Engine, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder()
    service = Service(engine, store, DEFAULT_POLICIES, alerts=[explode, recorder])
    plain = Service(engine, store, DEFAULT_POLICIES)
    question = "俺娘住院了拿不出钱，俺电话13905371234"
    expected = (await plain.ask(question, "http", "s0")).to_json()
    with caplog.at_level(logging.ERROR, logger="bot.service"):
        reply = await service.ask(question, "http", "s1")
        await asyncio.wait_for(recorder.got.wait(), timeout=5)
        await service.alerts_sent()
    assert reply.to_json() == expected and reply.urgent == "hospital_no_money"
    [alert] = recorder.alerts
    assert (alert.rule, alert.label, alert.channel) == ("hospital_no_money", "住院看病没钱", "http")
    assert alert.question == mask(question) and "13905371234" not in alert.question
    assert alert.at.tzinfo is not None
    assert any("explode" in r.getMessage() and "the alert system is down" in r.getMessage()
               for r in caplog.records)  # fmt: skip
    assert not any("13905371234" in r.getMessage() or "住院" in r.getMessage()
                   for r in caplog.records)  # fmt: skip
    rows = await store.unanswered(since=0)
    assert rows[0]["urgent"] == "hospital_no_money"  # answered, and listed first anyway
    groups = await service.unanswered(days=1)
    assert groups[0].urgent == "hospital_no_money" and groups[0].label == "住院看病没钱"


async def test_a_slow_alert_does_not_delay_the_answer(engine: Engine) -> None:
    release = asyncio.Event()
    started = asyncio.Event()

    async def slow(alert: Alert) -> None:
        started.set()
        await release.wait()

    service = Service(engine, None, DEFAULT_POLICIES, alerts=[slow])
    reply = await asyncio.wait_for(service.ask("家里断顿了", "telegram", "c"), timeout=2)
    assert reply.urgent == "no_food"
    await asyncio.wait_for(started.wait(), timeout=2)
    assert service._alerting  # kept referenced while it runs
    release.set()
    await service.alerts_sent()
    assert not service._alerting


async def test_no_alert_for_an_ordinary_question(engine: Engine) -> None:
    recorder = Recorder()
    service = Service(engine, None, DEFAULT_POLICIES, alerts=[recorder])
    await service.ask("住院报销多少", "http", "s")
    await service.alerts_sent()
    assert recorder.alerts == []


# ---------------------------------------------------------------------------------------
# the webhook, against a real aiohttp server on 127.0.0.1

ALERT = Alert.of(
    "despair", "说不想活了", "俺不想活了", "http", datetime(2026, 12, 3, 6, 5, tzinfo=UTC)
)


def _receiver(status: int = 200, delay: float = 0.0) -> tuple[web.Application, list[Any]]:
    received: list[Any] = []

    async def take(request: web.Request) -> web.Response:
        received.append((request.content_type, await request.json()))
        await asyncio.sleep(delay)
        return web.json_response({"ok": True}, status=status)

    app = web.Application()
    app.router.add_post("/hooks/urgent", take)
    return app, received


async def test_the_webhook_receives_the_json(aiohttp_server: Any) -> None:
    app, received = _receiver()
    server = await aiohttp_server(app, host="127.0.0.1")
    url = str(server.make_url("/hooks/urgent"))
    await WebhookAlert(url, None)(ALERT)  # its own short-lived session
    async with aiohttp.ClientSession() as session:
        await WebhookAlert(url, session)(ALERT)  # a shared one
    assert received == [("application/json", {
        "rule": "despair", "label": "说不想活了", "question": "俺不想活了",
        "channel": "http", "at": "2026-12-03T06:05:00+00:00",
    })] * 2  # fmt: skip


async def test_a_failing_webhook_is_logged_not_raised(
    aiohttp_server: Any, unused_tcp_port: int, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    app, received = _receiver(status=500)
    server = await aiohttp_server(app, host="127.0.0.1")
    slow_app, _ = _receiver(delay=2.0)
    slow = await aiohttp_server(slow_app, host="127.0.0.1")
    monkeypatch.setattr(alerts_module, "WEBHOOK_TIMEOUT", 0.3)
    with caplog.at_level(logging.ERROR, logger="handlers.alerts"):
        await WebhookAlert(str(server.make_url("/hooks/urgent?key=SECRET")))(ALERT)
        await WebhookAlert(f"http://127.0.0.1:{unused_tcp_port}/hooks/urgent")(ALERT)
        await asyncio.wait_for(WebhookAlert(str(slow.make_url("/hooks/urgent")))(ALERT), 2)
    messages = [r.getMessage() for r in caplog.records]
    assert len(received) == 1 and len(messages) == 3, messages
    assert "HTTP 500" in messages[0] and "Timeout" in messages[2]
    assert not any("SECRET" in m or "不想活" in m for m in messages)


# ---------------------------------------------------------------------------------------
# Telegram, against the fake Bot API server


async def test_telegram_alert_reaches_every_cadre(caplog: pytest.LogCaptureFixture) -> None:
    async with FakeTelegram() as fake, Bot(fake.token, base_url=fake.base_url) as bot:
        await TelegramAlert(bot, frozenset({501, 502}))(ALERT)
        sent = fake.sent()
        assert sorted(int(c.params["chat_id"]) for c in sent) == [501, 502]
        assert all(c.params["text"] == alert_text(ALERT) for c in sent)
        text = sent[0].params["text"]
        assert "⚠ 紧急：说不想活了" in text and "俺不想活了" in text
        assert "网页" in text and "12月03日 14:05" in text  # Beijing time
        fake.fail_next["sendMessage"] = 1  # the first officer cannot be reached
        with caplog.at_level(logging.ERROR, logger="handlers.alerts"):
            await TelegramAlert(bot, frozenset({501, 502}))(ALERT)
        assert [int(c.params["chat_id"]) for c in fake.sent()[2:]] == [502]
        assert any("501" in r.getMessage() for r in caplog.records)


async def test_an_urgent_question_reaches_a_cadre_and_the_webhook(
    engine: Engine, aiohttp_server: Any
) -> None:
    app, received = _receiver()
    server = await aiohttp_server(app, host="127.0.0.1")
    async with FakeTelegram() as fake, Bot(fake.token, base_url=fake.base_url) as bot:
        service = Service(engine, None, DEFAULT_POLICIES, alerts=[
            TelegramAlert(bot, frozenset({501})),
            WebhookAlert(str(server.make_url("/hooks/urgent")), None),
        ])  # fmt: skip
        reply = await service.ask("俺家房子要塌了咋整", "telegram", "77")
        assert reply.matched and reply.urgent == "house_collapsing"
        [call] = await fake.wait_for("sendMessage")
        await service.alerts_sent()
    assert int(call.params["chat_id"]) == 501 and "房子要塌" in call.params["text"]
    assert [body["rule"] for _, body in received] == ["house_collapsing"]


# ---------------------------------------------------------------------------------------
# the setting


def test_the_alert_webhook_setting() -> None:
    assert load_settings({}).alert_webhook is None
    url = "https://alerts.example.org/zz?key=abc"
    assert load_settings({"POLICYBOT_ALERT_WEBHOOK": url}).alert_webhook == url
    for bad in ("ftp://example.org", "example.org/hook", "https://", "http://a b"):
        with pytest.raises(SettingError, match="POLICYBOT_ALERT_WEBHOOK"):
            load_settings({"POLICYBOT_ALERT_WEBHOOK": bad})


# ---------------------------------------------------------------------------------------
# policybot report


async def test_policybot_report_lists_urgent_questions_first(engine: Engine,
                                                             tmp_path: Path) -> None:  # fmt: skip
    db = tmp_path / "report.sqlite3"
    store = await Store.open(db)
    try:
        service = Service(engine, store, DEFAULT_POLICIES)
        await service.ask("孩子上大学的助学贷款咋办", "http", "a")
        await service.ask("俺不想活了", "http", "b")
        await service.ask("住院了没钱交押金", "http", "c")  # answered, and urgent
    finally:
        await store.close()
    result = run_cli("report", env={"POLICYBOT_DB": str(db)})
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    lines = out.splitlines()
    assert lines[0].startswith("⚠")
    assert lines[1].startswith("1. ⚠ 紧急：") and lines[3].startswith("2. ⚠ 紧急：")
    assert out.index("住院了没钱交押金") < out.index("助学贷款咋办")
    assert "说不想活了" in out and "住院看病没钱" in out


async def test_telegram_alert_needs_no_initialized_bot() -> None:
    async with FakeTelegram() as fake:
        alert = TelegramAlert(Bot(fake.token, base_url=fake.base_url), frozenset({501}))
        await alert(ALERT)
        await alert.close()
        await alert.close()  # twice is fine
        assert [c.method for c in fake.calls] == ["sendMessage"]  # no getMe at start
        assert alert.bot.request._client.is_closed  # type: ignore[attr-defined]
