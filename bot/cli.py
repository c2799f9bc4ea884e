"""The `policybot` command: ask, check, eval (see GUIDE.md for the contract)."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import logging
import os
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from bot.curation import export_examples, export_intent, format_groups, format_stats
from bot.dialogues import evaluate_dialogues, format_dialogue_report, load_dialogues
from bot.engine import Engine
from bot.evaluation import evaluate, format_report, is_dialogue_file, load_items
from bot.frontdoor import FrontDoor, Message
from bot.loader import BookletInvalid, check_booklet, dump_problems
from bot.periods import DEFAULT_DAYS, MAX_DAYS, parse_days
from bot.service import DAY, Service
from bot.settings import PROJECT_ROOT, SettingError, Settings, load_settings
from bot.store import Store, StoreError

log = logging.getLogger("policybot")

DEFAULT_EVAL = PROJECT_ROOT / "tests" / "eval"
MIN_IN_SCOPE = 0.95  # eval fails below these unless told otherwise
MIN_REFUSAL = 0.95


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policybot", description="枣庄2017–2018年扶贫政策问答（依据公开资料）"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer questions (from the arguments, or stdin)")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument("question", nargs="*", help="questions; none: read stdin, one per line")
    serve = sub.add_parser(
        "serve", help="HTTP server and web page; Telegram and WeChat when their settings are set"
    )
    serve.add_argument("--host", help="address to bind (default: POLICYBOT_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: POLICYBOT_PORT or 8080)")
    serve.add_argument(
        "--workers", type=int, default=1,
        help="processes answering on the port, sharing all state through the store"
        " (default 1; PostgreSQL for replicas on several machines)",
    )  # fmt: skip
    report = sub.add_parser("report", help="the curation report: unanswered questions, stats")
    days = f"look back this many days, 1 to {MAX_DAYS} ({DEFAULT_DAYS})"
    report.add_argument("--days", type=_days, default=DEFAULT_DAYS, help=days)
    report.add_argument(
        "--export", type=int, metavar="N", help="print group N as example questions (YAML)"
    )
    report.add_argument("--intent", help="the intent the exported examples belong to")
    menu = sub.add_parser("wechat-menu", help="install the 公众号's menu from the booklet's topics")
    menu.add_argument("--print", action="store_true", help="print the menu's JSON, install nothing")
    check = sub.add_parser("check", help="validate the booklet")
    check.add_argument("dir", nargs="?", type=Path, help="booklet folder (default: settings)")
    ev = sub.add_parser("eval", help="score labelled questions")
    ev.add_argument("file", nargs="*", type=Path, help=f"YAML files (default: {DEFAULT_EVAL})")
    ev.add_argument("--min-in-scope", type=float, default=MIN_IN_SCOPE)
    ev.add_argument("--min-refusal", type=float, default=MIN_REFUSAL)
    ev.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    return parser


def _days(text: str) -> int:
    days = parse_days(text)
    if days is None:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {MAX_DAYS}")
    return days


def _lines(stream: TextIO) -> Iterator[str]:
    interactive = stream.isatty()
    while True:
        if interactive:
            print("问（Ctrl-D 退出）：", end="", flush=True)
        line = stream.readline()
        if not line:
            return
        yield line.rstrip("\r\n")


def _ask(engine: Engine, questions: Sequence[str], as_json: bool) -> int:
    if isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(errors="replace")  # binary input must not crash the reader
    return asyncio.run(_ask_all(engine, questions or _lines(sys.stdin), as_json))


async def _ask_all(engine: Engine, source: Iterable[str], as_json: bool) -> int:
    """Each question through the front door, as every channel's: no budget, no memory."""
    door = FrontDoor(Service.of(engine))
    for question in source:
        reply = (await door.handle(Message("cli", None, None, text=question))).reply
        assert reply is not None  # no budget, no choice: always a reply
        if as_json:
            print(json.dumps(reply.to_json(), ensure_ascii=False), flush=True)
        else:
            print(reply.to_text() + "\n", flush=True)
    return 0


def _check(folder: Path) -> int:
    booklet, problems = check_booklet(folder)
    if booklet is None:
        print(dump_problems(problems), file=sys.stderr)
        print(f"共{len(problems)}个问题：图册没有通过检查，请按上面的提示改正", file=sys.stderr)
        return 1
    intents = len(booklet.intents)
    examples = sum(len(i.examples) for i in booklet.intents.values())
    print(
        f"ok: {folder} — 版本 {booklet.meta.version}，{len(booklet.topics)}个主题，"
        f"{intents}个问题，{examples}个例句"
    )
    return 0


def _eval(engine: Engine, files: list[Path], args: argparse.Namespace) -> int:
    paths = files or sorted(DEFAULT_EVAL.glob("*.yaml"))
    failed = False
    for path in paths:
        if is_dialogue_file(path):
            talks = evaluate_dialogues(engine, load_dialogues(path))
            print(format_dialogue_report(talks, str(path), args.verbose) + "\n")
            if talks.conversations.rate < args.min_in_scope or talks.unknown_labels:
                failed = True
                print(f"FAIL: {path}: conversations right {talks.conversations}, below "
                      f"{args.min_in_scope:.0%}, or unknown labels", file=sys.stderr)  # fmt: skip
            continue
        report = evaluate(engine, load_items(path))
        print(format_report(report, str(path), args.verbose) + "\n")
        low = report.in_scope.rate < args.min_in_scope or report.refusal.rate < args.min_refusal
        if low or report.unknown_labels:
            failed = True
            print(
                f"FAIL: {path} below the thresholds (in-scope {args.min_in_scope:.0%}, "
                f"refusal {args.min_refusal:.0%}) or has unknown labels",
                file=sys.stderr,
            )
    return 1 if failed else 0


MAX_WORKERS = 64  # processes of `serve --workers` at most


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `policybot` console script."""
    try:
        return _main(argv)
    except BrokenPipeError:
        # the reader went away (policybot ask … | head): not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _main(argv: Sequence[str] | None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingError as exc:
        print(f"policybot: bad setting: {exc}", file=sys.stderr)
        return 2
    if args.command == "check":
        return _check(args.dir or settings.policies)
    try:
        engine = Engine.from_folder(settings.policies)
    except BookletInvalid as exc:
        print(dump_problems(exc.problems), file=sys.stderr)
        print("policybot: the booklet is not valid; not starting", file=sys.stderr)
        return 1
    if args.command == "ask":
        return _ask(engine, args.question, args.json)
    if args.command == "serve":
        return _serve(engine, settings, args)
    if args.command == "report":
        return asyncio.run(_report(engine, settings, args))
    if args.command == "wechat-menu":
        return asyncio.run(_wechat_menu(engine, settings, args))
    return _eval(engine, args.file, args)


async def _report(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    if isinstance(settings.db, Path) and not settings.db.exists():
        print(f"policybot: no store at {settings.db} (POLICYBOT_DB) yet", file=sys.stderr)
        return 1
    try:
        store = await Store.open(settings.db)
    except StoreError as exc:
        print(f"policybot: {exc}", file=sys.stderr)
        return 1
    try:
        service = Service(engine, store, settings.policies)
        groups = await service.unanswered(args.days)
        wrong = await store.wrong_answers(time.time() - args.days * DAY)
        titles = {i.id: i.title for i in engine.booklet.intents.values()}
        low = engine.matcher.tuning.threshold  # the bot answers on its own from this score
        if args.export is None:
            print(format_groups(groups, args.days, titles, wrong, low))
            print("\n" + format_stats(await service.stats(args.days), args.days))
            return 0
        if not 1 <= args.export <= len(groups):
            print(f"policybot: there is no group {args.export}", file=sys.stderr)
            return 1
        chosen = groups[args.export - 1]
        intent = args.intent or export_intent(chosen, wrong, low)
        if intent is None:
            print(_no_export(chosen.best_guess, titles, wrong, low), file=sys.stderr)
            return 1
        if intent not in engine.booklet.intents:
            print("policybot: say which intent with --intent ID", file=sys.stderr)
            return 1
        if intent in wrong:  # named by the officer: their call, but they are told
            print(f"policybot: 注意：有人说「{titles[intent]}」的回答不对（{wrong[intent]}次）",
                  file=sys.stderr)  # fmt: skip
        existing = [e for i in engine.booklet.intents.values() for e in i.examples]
        print(export_examples(chosen, intent, existing), end="")
        return 0
    finally:
        await store.close()


def _no_export(guess: tuple[str, float] | None, titles: dict[str, str],
               wrong: dict[str, int], low: float) -> str:  # fmt: skip
    """Why a group is not exported under its best guess without --intent."""
    if guess is None:
        return "policybot: say which intent with --intent ID"
    title = titles.get(guess[0], guess[0])
    if guess[0] in wrong:
        why = f"有人说这个回答不对（{wrong[guess[0]]}次），不要把这组问题加到它下面"
    else:
        why = f"把握不大（{guess[1]:.0f}分，不到{low:.0f}分）"
    return (f"policybot: 最接近的是「{title}」，{why}；"
            "确定这组问题该放在哪个问题下面，再用 --intent ID 指定")  # fmt: skip


async def _wechat_menu(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    """`policybot wechat-menu`: the 公众号's custom menu, built from the booklet's topics."""
    from handlers.wechat import menu, wechat_settings  # the channel, only for this command
    from handlers.wechat_api import WeChatAPI, WeChatError

    built = menu(engine.booklet)
    if args.print:
        print(json.dumps(built, ensure_ascii=False, indent=2))
        return 0
    try:
        wechat = wechat_settings(os.environ)
    except SettingError as exc:
        print(f"policybot: bad setting: {exc}", file=sys.stderr)
        return 2
    if wechat is None or not wechat.app_id or not wechat.app_secret:
        print("policybot: set WECHAT_TOKEN, WECHAT_APP_ID and WECHAT_APP_SECRET to install "
              "the menu (or use --print)", file=sys.stderr)  # fmt: skip
        return 2
    api = WeChatAPI(wechat.api_base_url, wechat.app_id, wechat.app_secret, None)
    try:
        await api.create_menu(built)
    except WeChatError as exc:
        print(f"policybot: WeChat refused the menu: {exc}", file=sys.stderr)
        return 1
    finally:
        await api.close()
    count = sum(len(b["sub_button"]) for b in built["button"])
    print(f"policybot: menu installed: {len(built['button'])} buttons, {count} topics")
    return 0


def _serve(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    if args.port is not None and not 0 < args.port < 65536:
        print("policybot: --port must be between 1 and 65535", file=sys.stderr)
        return 2
    if not 1 <= args.workers <= MAX_WORKERS:
        print(f"policybot: --workers must be between 1 and {MAX_WORKERS}", file=sys.stderr)
        return 2
    if args.workers > 1 and settings.db == ":memory:":
        print("policybot: --workers needs a store they can share (POLICYBOT_DB is :memory:)",
              file=sys.stderr)  # fmt: skip
        return 2
    settings = replace(settings, host=args.host or settings.host, port=args.port or settings.port)
    logging.getLogger().setLevel(logging.INFO)
    if args.workers == 1:
        return _serve_one(settings, engine, 0, 1)
    from handlers.workers import serve_workers

    try:
        return serve_workers(settings, engine, args.workers, _serve_one)
    except StoreError as exc:
        print(f"policybot: {exc}", file=sys.stderr)
        return 1


def _serve_one(settings: Settings, engine: Engine, worker: int, workers: int) -> int:
    # the channels live in handlers/; the core imports them only to start them
    from handlers.serve import serve

    try:
        asyncio.run(serve(settings, engine, worker=worker, workers=workers))
    except SettingError as exc:  # a channel's own setting (WECHAT_…)
        print(f"policybot: bad setting: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:  # a bad database: one line naming the file, a non-zero exit
        print(f"policybot: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"policybot: cannot serve on {settings.host}:{settings.port}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
