"""`policybot serve` as a real process: serves on localhost, stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from bot.settings import PROJECT_ROOT

T = TypeVar("T")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, data: bytes | None = None) -> dict[str, object]:
    with urllib.request.urlopen(url, data=data, timeout=5) as resp:
        assert resp.status == 200, url  # urlopen raises only from 400 on
        return dict(json.loads(resp.read()))


def _once_up(proc: subprocess.Popen[bytes], attempt: Callable[[], T]) -> T:
    """`attempt` as soon as the server answers (it is retried while the port is closed)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return attempt()
        except (urllib.error.URLError, ConnectionError):
            assert time.monotonic() < deadline, "the server did not come up"
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else b""
            time.sleep(0.2)


def test_serve_without_token_then_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env["POLICYBOT_DB"] = str(tmp_path / "bot.sqlite3")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        health = _once_up(proc, lambda: _get(base + "/healthz"))
        assert health["status"] == "ok"
        answer = _get(base + "/api/ask", json.dumps({"text": "邻里互助有什么好处"}).encode())
        assert answer["intent"] == "linli.what"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        output = proc.stdout.read().decode() if proc.stdout else ""
        assert "shutting down" in output and "Traceback" not in output
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_serve_refuses_a_busy_port(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
            cwd=PROJECT_ROOT, capture_output=True, timeout=60, check=False,
            env={**os.environ, "POLICYBOT_DB": str(tmp_path / "bot.sqlite3")},
        )  # fmt: skip
    assert done.returncode == 1
    assert b"cannot serve" in done.stderr and b"Traceback" not in done.stderr


async def test_serve_with_telegram_then_sigterm(tmp_path: Path) -> None:
    """The real process polls a fake Bot API, answers /start, and stops cleanly."""
    import asyncio

    from tests.helpers.fake_telegram import FakeTelegram

    async with FakeTelegram() as fake:
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": fake.token,
               "TELEGRAM_API_BASE_URL": fake.base_url,
               "POLICYBOT_DB": str(tmp_path / "bot.sqlite3")}  # fmt: skip
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "serve", "--port", str(_free_port()),
            cwd=PROJECT_ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        try:
            await fake.wait_for("setMyCommands", timeout=60)
            fake.text("/start")
            assert "您好" in (await fake.wait_for("sendMessage", timeout=30))[0].params["text"]
            proc.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(proc.wait(), timeout=20) == 0
            assert proc.stdout is not None
            output = (await proc.stdout.read()).decode()
            assert "polling as @" in output and "shutting down" in output
            assert "Traceback" not in output
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda p: p.write_bytes(b"this is not a database at all" * 100), "file is not a database"),
        (lambda p: (p.parent / "afile").write_text("x") or None, "cannot create the folder"),
    ],
)
def test_serve_fails_fast_on_a_bad_database(
    tmp_path: Path, make: Callable[[Path], None], said: str
) -> None:
    """A garbage database file, or a path whose parent is a file (issue 10, item 3): one
    line naming the file and the problem, a non-zero exit, no traceback, no hang."""
    db = tmp_path / "bot.sqlite3"
    make(db)
    if said.startswith("cannot create"):
        db = tmp_path / "afile" / "bot.sqlite3"
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(_free_port())],
        cwd=PROJECT_ROOT, capture_output=True, timeout=60, check=False,
        env={**os.environ, "POLICYBOT_DB": str(db)},
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    err = done.stderr.decode()
    assert said in err and str(db) in err and "Traceback" not in err, err


def test_serve_with_wechat_answers_a_signed_message_then_sigterm(tmp_path: Path) -> None:
    """WECHAT_TOKEN turns the 公众号 channel on in the real process: the URL check, a
    signed text message, and a clean stop."""
    import xmltodict

    from tests.helpers.fake_wechat import BOT, TOKEN, sign

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WECHAT_"))}
    env.update(WECHAT_TOKEN=TOKEN, POLICYBOT_DB=str(tmp_path / "bot.sqlite3"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        timestamp, nonce = str(int(time.time())), "n1"
        query = f"signature={sign(TOKEN, timestamp, nonce)}&timestamp={timestamp}&nonce={nonce}"

        def check_url() -> bytes:
            with urllib.request.urlopen(f"{base}/wechat?{query}&echostr=42", timeout=5) as r:
                return bytes(r.read())

        assert _once_up(proc, check_url) == b"42"
        xml = (f"<xml><ToUserName>{BOT}</ToUserName><FromUserName>oServe</FromUserName>"
               "<CreateTime>1</CreateTime><MsgType>text</MsgType>"
               "<Content>邻里互助有什么好处</Content><MsgId>77</MsgId></xml>")  # fmt: skip
        with urllib.request.urlopen(f"{base}/wechat?{query}", data=xml.encode(), timeout=5) as r:
            reply = xmltodict.parse(r.read())["xml"]
        assert reply["ToUserName"] == "oServe" and "邻里互助" in reply["Content"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        output = proc.stdout.read().decode() if proc.stdout else ""
        assert "公众号 channel on /wechat" in output and "Traceback" not in output
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize(
    ("name", "value"),
    [("WECHAT_AES_KEY", "too-short"), ("TELEGRAM_WEBHOOK_URL", "http://example.org/hook")],
)
def test_serve_stops_on_a_bad_channel_setting_with_one_line(
    tmp_path: Path, name: str, value: str
) -> None:
    env = {**os.environ, "POLICYBOT_DB": str(tmp_path / "bot.sqlite3"), name: value}
    if name.startswith("WECHAT_"):
        env["WECHAT_TOKEN"] = "policybotToken2018"
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(_free_port())],
        cwd=PROJECT_ROOT, capture_output=True, timeout=60, check=False, env=env,
    )  # fmt: skip
    assert done.returncode == 2
    lines = done.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "bad setting" in lines[0] and name.split("_")[0] in lines[0]
    assert not (tmp_path / "bot.sqlite3").exists(), "stopped before opening the store"


def test_workers_refuse_a_busy_port_with_one_error(tmp_path: Path) -> None:
    """A worker that cannot start stops them all, with its error, not a restart loop."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "serve", "--port", str(port), "--workers", "2"],
            cwd=PROJECT_ROOT, capture_output=True, timeout=60, check=False,
            env={**os.environ, "POLICYBOT_DB": str(tmp_path / "bot.sqlite3")},
        )  # fmt: skip
    assert done.returncode == 1
    assert b"cannot serve" in done.stderr and b"Traceback" not in done.stderr
    assert b"starting it again" not in done.stderr


@pytest.mark.parametrize(
    ("args", "db", "said"),
    [
        (["--workers", "0"], None, b"--workers must be between 1 and 64"),
        (["--workers", "65"], None, b"--workers must be between 1 and 64"),
        (["--workers", "2"], ":memory:", b"needs a store they can share"),
    ],
)
def test_bad_workers_stop_with_one_line(
    tmp_path: Path, args: list[str], db: str | None, said: bytes
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--port", "1", *args],
        cwd=PROJECT_ROOT, capture_output=True, timeout=60, check=False,
        env={**os.environ, "POLICYBOT_DB": db or str(tmp_path / "bot.sqlite3")},
    )  # fmt: skip
    assert done.returncode == 2 and said in done.stderr
