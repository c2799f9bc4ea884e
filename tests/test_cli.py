"""The `policybot` command line, exactly as GUIDE.md fixes it, run as a real process."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import run_cli


def test_ask_prints_what_a_person_reads() -> None:
    done = run_cli("ask", "俺爹八十了，闺女交的孝善钱公家添多少")
    out = done.stdout.decode()
    assert done.returncode == 0, done.stderr.decode()
    assert "10%–20%" in out and "来源：" in out


def test_ask_json_one_object_per_question_in_order() -> None:
    questions = ["孝善养老是什么", "今天天气怎么样", "邻里互助有什么好处"]
    done = run_cli("ask", "--json", *questions)
    lines = done.stdout.decode().splitlines()
    assert done.returncode == 0
    assert len(lines) == 3
    objects = [json.loads(line) for line in lines]
    assert [o["question"] for o in objects] == questions
    assert [o["matched"] for o in objects] == [True, False, True]
    assert objects[0]["intent"] == "xiaoshan.what" and objects[0]["topic"] == "xiaoshan"
    assert objects[2]["intent"].startswith("linli.")


def test_ask_reads_stdin_one_question_per_line() -> None:
    done = run_cli("ask", "--json", stdin="孝善养老是什么\n\n危房改造 对象\n".encode())
    objects = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [o["question"] for o in objects] == ["孝善养老是什么", "", "危房改造 对象"]
    assert objects[1]["matched"] is False
    assert objects[2]["intent"] == "weifang.who"


def test_ask_survives_binary_stdin() -> None:
    done = run_cli("ask", "--json", stdin=b"\xff\xfe\x00\x81garbage\n\xe5\xad\x9d\xe5\x96\x84\n")
    assert done.returncode == 0, done.stderr.decode()
    assert len(done.stdout.decode().splitlines()) == 2
    assert b"Traceback" not in done.stderr


def test_check_valid_and_broken(booklet_dir: Callable[[str], Path]) -> None:
    ok = run_cli("check")
    assert ok.returncode == 0 and "ok:" in ok.stdout.decode()
    bad = run_cli("check", str(booklet_dir("dangling_follow_up")))
    assert bad.returncode == 1
    assert "topics/xiaoshan.yaml:23:" in bad.stderr.decode()


def test_refuses_to_start_on_an_invalid_booklet(booklet_dir: Callable[[str], Path]) -> None:
    done = run_cli("ask", "孝善", env={"POLICYBOT_POLICIES": str(booklet_dir("duplicate_id"))})
    assert done.returncode == 1
    assert "not valid" in done.stderr.decode() and done.stdout == b""


def test_bad_setting_is_one_clear_line() -> None:
    done = run_cli("ask", "孝善", env={"POLICYBOT_PORT": "eighty"})
    err = done.stderr.decode().strip()
    assert done.returncode == 2
    assert len(err.splitlines()) == 1 and "POLICYBOT_PORT" in err


def test_eval_prints_figures_and_passes_on_the_dev_set(tmp_path: Path) -> None:
    ok = run_cli("eval", "tests/eval/dev.yaml")
    out = ok.stdout.decode()
    assert ok.returncode == 0, out + ok.stderr.decode()
    for part in (
        "in-scope answered",
        "out-of-scope refused",
        "by kind:",
        "by intent",
        "confusions",
    ):
        assert part in out
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("- {q: 孝善养老是什么, intent: linli.what, kind: household}\n", "utf-8")
    bad = run_cli("eval", str(wrong))
    assert bad.returncode == 1
    assert "linli.what -> xiaoshan.what: 1" in bad.stdout.decode()


def test_a_closed_pipe_is_not_a_crash() -> None:
    import subprocess
    import sys

    from bot.settings import PROJECT_ROOT

    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "ask"], cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stdin is not None
    proc.stdin.write("孝善养老是什么\n".encode() * 2000)
    proc.stdin.close()
    proc.stdout.read(10)
    proc.stdout.close()  # the reader goes away, like `| head`
    assert proc.wait(timeout=120) == 0
    assert proc.stderr is not None
    assert b"Traceback" not in proc.stderr.read()


def test_report_and_export(tmp_path: Path) -> None:
    import asyncio

    from bot.engine import Engine
    from bot.service import Service
    from bot.settings import DEFAULT_POLICIES
    from bot.store import Store

    db = tmp_path / "bot.sqlite3"

    async def fill() -> None:
        store = await Store.open(db)
        service = Service(Engine.from_folder(DEFAULT_POLICIES), store, DEFAULT_POLICIES)
        for q in ("俺家的羊生病了政府给治不", "俺家羊病了政府管治不", "孝善养老是什么"):
            await service.ask(q, "telegram", "c")
        await store.close()

    asyncio.run(fill())
    env = {"POLICYBOT_DB": str(db)}
    report = run_cli("report", "--days", "7", env=env)
    out = report.stdout.decode()
    assert report.returncode == 0, report.stderr.decode()
    assert "1. 2次" in out and "俺家的羊生病了政府给治不" in out and "共3问" in out
    export = run_cli("report", "--export", "1", "--intent", "tuoguan.types", env=env)
    assert export.returncode == 0, export.stderr.decode()
    snippet = export.stdout.decode()
    assert "tuoguan.types" in snippet and "      - 俺家的羊生病了政府给治不" in snippet
    missing = run_cli("report", env={"POLICYBOT_DB": str(tmp_path / "none.sqlite3")})
    assert missing.returncode == 1 and b"no store" in missing.stderr


def test_report_shows_titles_and_never_offers_an_answer_said_to_be_wrong(
    tmp_path: Path,
) -> None:
    import asyncio

    from bot.engine import Engine
    from bot.service import Service
    from bot.settings import DEFAULT_POLICIES
    from bot.store import Store

    db = tmp_path / "bot.sqlite3"

    async def ask(*talk: tuple[str, str]) -> None:
        store = await Store.open(db)
        service = Service(Engine.from_folder(DEFAULT_POLICIES), store, DEFAULT_POLICIES)
        for session, question in talk:
            await service.ask(question, "telegram", session)
        await store.close()

    env = {"POLICYBOT_DB": str(db)}
    # unanswered; the closest answer (36 points) is 补充保险's: weak
    asyncio.run(ask(("a", "俺家的羊生病了政府给治不"), ("b", "俺家的羊生病了政府给治不吗")))
    weak = run_cli("report", env=env)
    out = weak.stdout.decode()
    assert weak.returncode == 0, weak.stderr.decode()
    assert "1. 2次 （最接近：「补充保险管什么、能报多少？」，36分，把握不大）" in out
    assert "“把握不大”：不到46分（机器人46分以上才直接回答）" in out
    assert "buchong.coverage" not in out
    refused = run_cli("report", "--export", "1", env=env)
    assert refused.returncode == 1 and refused.stdout == b""
    assert "把握不大（36分，不到46分）" in refused.stderr.decode()

    # someone was answered with 补充保险 and said "不对"
    asyncio.run(ask(("c", "补充保险能报多少"), ("c", "不对")))
    disputed = run_cli("report", env=env)
    out = disputed.stdout.decode()
    assert "1. 2次 （最接近：「补充保险管什么、能报多少？」，36分）" in out
    assert "   ⚠ 有人说这个回答不对（1次）：不要把这组问题加到它下面" in out
    refused = run_cli("report", "--export", "1", env=env)
    assert refused.returncode == 1 and refused.stdout == b""
    assert "有人说这个回答不对（1次），不要把这组问题加到它下面" in refused.stderr.decode()
    named = run_cli("report", "--export", "1", "--intent", "tuoguan.types", env=env)
    assert named.returncode == 0 and b"tuoguan.types" in named.stdout and named.stderr == b""
    insisted = run_cli("report", "--export", "1", "--intent", "buchong.coverage", env=env)
    assert insisted.returncode == 0 and b"buchong.coverage" in insisted.stdout
    assert "注意：有人说「补充保险管什么、能报多少？」的回答不对（1次）" in insisted.stderr.decode()


def test_calculator_on_the_command_line() -> None:
    done = run_cli("ask", "闺女每月给俺娘交150孝善金，公家添多少")
    assert "政府每月添15元到30元" in done.stdout.decode()
