"""A fake Telegram Bot API server on 127.0.0.1: it serves /bot{token}/{method}, hands out
the updates a test pushes, and records every call the real PTB Application makes."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

BOT_ID = 4242
USERNAME = "zz_policy_test_bot"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    result: Any = None  # what the fake answered


@dataclass
class FakeTelegram:
    token: str = "4242:TEST-token"
    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    fail_next: dict[str, int] = field(default_factory=dict)  # method -> how many 500s
    too_many: dict[str, int] = field(default_factory=dict)  # method -> how many 429s
    slow: dict[str, float] = field(default_factory=dict)  # method -> seconds before answering

    def __post_init__(self) -> None:
        self._new = asyncio.Event()
        self._called = asyncio.Condition()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self.server = TestServer(app, host="127.0.0.1")

    @property
    def base_url(self) -> str:
        return str(self.server.make_url("/bot"))

    async def __aenter__(self) -> FakeTelegram:
        await self.server.start_server()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.server.close()

    async def outage(self, seconds: float) -> None:
        """Nobody listens for a while (connection refused), then the same address is back."""
        port = self.server.port
        app = self.server.app
        await self.server.close()
        await asyncio.sleep(seconds)
        self.server = TestServer(app, host="127.0.0.1", port=port)
        await self.server.start_server()

    # what the bot does ---------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params = await _params(request)
        if self.slow.get(method):
            delay = self.slow.pop(method)  # once
            await asyncio.sleep(delay)
        if self.too_many.get(method):
            self.too_many[method] -= 1
            return web.json_response(
                {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                 "parameters": {"retry_after": 1}}, status=429,
            )  # fmt: skip
        if self.fail_next.get(method):
            self.fail_next[method] -= 1
            return web.json_response(
                {"ok": False, "error_code": 500, "description": "Internal Server Error"},
                status=500,
            )
        if method == "getUpdates":
            result: Any = await self._get_updates(params)
        else:
            result = self._result(method, params)
            async with self._called:
                self.calls.append(Call(method, params, result))
                self._called.notify_all()
        return web.json_response({"ok": True, "result": result})

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        timeout = float(params.get("timeout") or 0)
        if not self.updates and timeout > 0:
            self._new.clear()
            with contextlib.suppress(TimeoutError):  # long polling, shortened for tests
                await asyncio.wait_for(self._new.wait(), timeout=min(timeout, 0.5))
        return list(self.updates)

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "政策小助手",
                "username": USERNAME,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": True,
            }
        if method == "sendVoice":
            return {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": int(params.get("chat_id") or 0), "type": "private"},
                "voice": {"file_id": "v1", "file_unique_id": "vu1", "duration": 9},
            }
        if method == "sendPhoto":
            return {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": int(params.get("chat_id") or 0), "type": "private"},
                "photo": [{"file_id": "p1", "file_unique_id": "pu1", "width": 1080,
                           "height": 1350}],
            }  # fmt: skip
        if method in ("sendMessage", "editMessageText"):
            chat_id = int(params.get("chat_id") or 0)
            return {
                "message_id": int(params.get("message_id") or next(self._message_ids)),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "政策小助手"},
                "text": params.get("text", ""),
            }
        return True

    # what a test does --------------------------------------------------------

    def push(self, kind: str, payload: dict[str, Any]) -> None:
        self.updates.append({"update_id": next(self._update_ids), kind: payload})
        self._new.set()

    def text(self, text: str, chat_id: int = 77, chat_type: str = "private",
             reply_to_bot: bool = False) -> None:  # fmt: skip
        message: dict[str, Any] = _message(chat_id, chat_type, next(self._message_ids))
        message["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if reply_to_bot:
            message["reply_to_message"] = {
                **_message(chat_id, chat_type, 1),
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "政策小助手"},
                "text": "…",
            }
        self.push("message", message)

    def sticker(self, chat_id: int = 77) -> None:
        message = _message(chat_id, "private", next(self._message_ids))
        message["sticker"] = {"file_id": "s1", "file_unique_id": "u1", "type": "regular",
                              "width": 512, "height": 512, "is_animated": False,
                              "is_video": False}  # fmt: skip
        self.push("message", message)

    def button(self, data: str, chat_id: int = 77, message_id: int = 1,
               under: dict[str, Any] | None = None) -> None:  # fmt: skip
        """A tap on a button; `under`: the params of the message it is under (as sent)."""
        message = {**_message(chat_id, "private", message_id), "text": "menu",
                   "from": {"id": BOT_ID, "is_bot": True, "first_name": "政策小助手"}}  # fmt: skip
        if under is not None:
            message["text"] = under.get("text", "")
            if isinstance(under.get("reply_markup"), dict):
                message["reply_markup"] = under["reply_markup"]
        self.push("callback_query", {"id": f"cq{next(self._update_ids)}", "data": data,
                                     "chat_instance": "ci", "from": _user(chat_id),
                                     "message": message})  # fmt: skip

    def inline(self, query: str) -> None:
        self.push("inline_query", {"id": "iq1", "from": _user(77), "query": query, "offset": ""})

    async def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """The first `count` calls of `method` made since the start, waiting for them."""

        def found() -> list[Call]:
            return [c for c in self.calls if c.method == method]

        async with self._called:
            await asyncio.wait_for(
                self._called.wait_for(lambda: len(found()) >= count), timeout=timeout
            )
        return found()[:count]

    def sent(self) -> list[Call]:
        return [c for c in self.calls if c.method == "sendMessage"]

    def results(self, method: str) -> list[Any]:
        """What the fake answered to each call of `method`, in order."""
        return [c.result for c in self.calls if c.method == method]


def _user(user_id: int) -> dict[str, Any]:
    return {"id": abs(user_id), "is_bot": False, "first_name": "老王"}


def _message(chat_id: int, chat_type: str, message_id: int) -> dict[str, Any]:
    chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
    if chat_type != "private":
        chat["title"] = "村民群"
    return {"message_id": message_id, "date": int(time.time()), "chat": chat,
            "from": _user(chat_id)}  # fmt: skip


async def _params(request: web.Request) -> dict[str, Any]:
    """PTB posts form fields (non-strings JSON-encoded) or JSON."""
    if request.content_type == "application/json":
        data = await request.json()
        return dict(data) if isinstance(data, dict) else {}
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        if isinstance(value, web.FileField):  # an upload (photo, voice): its bytes too
            params[f"{key}_bytes"] = value.file.read()
        if isinstance(value, str) and value[:1] in "[{":
            try:
                params[key] = json.loads(value)
                continue
            except json.JSONDecodeError:
                pass
        params[key] = value
    return params
