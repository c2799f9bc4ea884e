"""A fake WeChat on 127.0.0.1, both sides of it.

- As WeChat's servers, it signs XML messages with wechatpy (plaintext, or encrypted in
  safe mode) and posts them to the bot's real aiohttp app, as a follower's phone would
  cause, and reads the passive replies back (decrypting them in safe mode).
- As the WeChat API, it serves cgi-bin/token, message/custom/send, media/upload and
  menu/create, and records every call. Tokens can be made to expire mid-run.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

import xmltodict
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.web_request import FileField
from wechatpy.crypto import WeChatCrypto

TOKEN = "policybotToken2018"
APP_ID = "wx0123456789abcdef"
APP_SECRET = "0123456789abcdef0123456789abcdef"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters
BOT = "gh_zaozhuang"  # the 公众号's own id (ToUserName)
_MSG_IDS = itertools.count(int(time.time()) * 1000)  # WeChat's MsgIds are unique


def sign(token: str, timestamp: str, nonce: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()


@dataclass
class ApiCall:
    path: str
    query: dict[str, str]
    body: Any  # the JSON, or for an upload the file's bytes


@dataclass
class FakeWeChat:
    """The fake API server; `phone(client)` makes the message side."""

    calls: list[ApiCall] = field(default_factory=list)
    tokens_issued: list[str] = field(default_factory=list)
    fail_send: int = 0  # the next customer-service sends that get an error
    token_lifetime: int = 7200

    def __post_init__(self) -> None:
        self._numbers = itertools.count(1)
        self._called = asyncio.Condition()
        self.valid: set[str] = set()
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self._token)
        app.router.add_post("/cgi-bin/message/custom/send", self._send)
        app.router.add_post("/cgi-bin/media/upload", self._upload)
        app.router.add_post("/cgi-bin/menu/create", self._menu)
        self.server = TestServer(app, host="127.0.0.1")

    @property
    def base_url(self) -> str:
        return str(self.server.make_url("/"))

    async def __aenter__(self) -> FakeWeChat:
        await self.server.start_server()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.server.close()

    def expire_tokens(self) -> None:
        """Every token issued so far stops working (WeChat's 42001), as after 2 hours or
        after another program fetched a new one."""
        self.valid.clear()

    async def _record(self, call: ApiCall) -> None:
        async with self._called:
            self.calls.append(call)
            self._called.notify_all()

    async def wait_for(self, path: str, count: int = 1, timeout: float = 10) -> list[ApiCall]:
        """Wait until `count` calls to `path` were received (not a sleep: a condition)."""

        def done() -> bool:
            return len([c for c in self.calls if c.path == path]) >= count

        async with self._called:
            await asyncio.wait_for(self._called.wait_for(done), timeout)
        return [c for c in self.calls if c.path == path]

    def sent(self, path: str = "/cgi-bin/message/custom/send") -> list[ApiCall]:
        return [c for c in self.calls if c.path == path]

    def _authorized(self, request: web.Request) -> web.Response | None:
        token = request.query.get("access_token", "")
        if token not in self.valid:
            code = 42001 if token in self.tokens_issued else 40001
            return web.json_response({"errcode": code, "errmsg": "access_token expired"})
        return None

    async def _token(self, request: web.Request) -> web.Response:
        await self._record(ApiCall(request.path, dict(request.query), None))
        q = request.query
        if q.get("appid") != APP_ID or q.get("secret") != APP_SECRET:
            return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
        token = f"ACCESS_TOKEN_{next(self._numbers)}"
        self.tokens_issued.append(token)
        self.valid.add(token)
        return web.json_response({"access_token": token, "expires_in": self.token_lifetime})

    async def _send(self, request: web.Request) -> web.Response:
        refused = self._authorized(request)
        body = await request.json()
        await self._record(ApiCall(request.path, dict(request.query), body))
        if refused is not None:
            return refused
        if self.fail_send:
            self.fail_send -= 1
            return web.json_response({"errcode": 45015, "errmsg": "response out of time limit"})
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _upload(self, request: web.Request) -> web.Response:
        refused = self._authorized(request)
        form = await request.post()
        media = form.get("media")
        data = media.file.read() if isinstance(media, FileField) else b""
        named = {"filename": media.filename} if isinstance(media, FileField) else {}
        await self._record(ApiCall(request.path, {**request.query, **named}, data))
        if refused is not None:
            return refused
        return web.json_response(
            {"type": "image", "media_id": f"MEDIA_{next(self._numbers)}", "created_at": 1}
        )

    async def _menu(self, request: web.Request) -> web.Response:
        refused = self._authorized(request)
        raw = await request.read()
        await self._record(ApiCall(request.path, dict(request.query), json.loads(raw)))
        return refused or web.json_response({"errcode": 0, "errmsg": "ok"})


class Phone:
    """WeChat's servers posting one follower's messages to the bot, signed; in safe mode
    encrypted, and the replies decrypted."""

    def __init__(self, client: TestClient[Any, Any], openid: str = "oFollower1",
                 token: str = TOKEN, safe: bool = False) -> None:  # fmt: skip
        self.client = client
        self.openid = openid
        self.token = token
        self.crypto = WeChatCrypto(token, AES_KEY, APP_ID) if safe else None
        self._ids = _MSG_IDS
        self._clock = itertools.count(int(time.time()))

    def message(self, kind: str, **fields: Any) -> tuple[str, dict[str, Any]]:
        """A message's XML and its fields (a new MsgId and CreateTime each time)."""
        data: dict[str, Any] = {
            "ToUserName": BOT,
            "FromUserName": self.openid,
            "CreateTime": str(next(self._clock)),
            "MsgType": kind,
        }
        data.update({k: str(v) for k, v in fields.items()})
        if kind != "event" and "MsgId" not in data:
            data["MsgId"] = str(next(self._ids))
        return xmltodict.unparse({"xml": data}, full_document=False), data

    def text(self, content: str) -> str:
        return self.message("text", Content=content)[0]

    def event(self, event: str, key: str | None = None) -> str:
        fields: dict[str, Any] = {"Event": event}
        if key is not None:
            fields["EventKey"] = key
        return self.message("event", **fields)[0]

    def query(self, signature: str | None = None, **extra: str) -> dict[str, str]:
        timestamp, nonce = str(int(time.time())), f"n{next(self._ids)}"
        query = {"timestamp": timestamp, "nonce": nonce, "openid": self.openid,
                 "signature": signature if signature is not None
                 else sign(self.token, timestamp, nonce)}  # fmt: skip
        query.update(extra)
        return query

    async def post(self, xml: str | bytes, query: dict[str, str] | None = None) -> tuple[int, str]:
        """Post one message as WeChat does; the status and the (decrypted) body."""
        query = query or self.query()
        body = xml.encode() if isinstance(xml, str) else xml
        if self.crypto is not None:
            encrypted = self.crypto.encrypt_message(body.decode(), query["nonce"],
                                                    query["timestamp"])  # fmt: skip
            parsed = xmltodict.parse(encrypted)["xml"]
            query = {**query, "encrypt_type": "aes", "msg_signature": parsed["MsgSignature"]}
            body = xmltodict.unparse(
                {"xml": {"ToUserName": BOT, "Encrypt": parsed["Encrypt"]}}, full_document=False
            ).encode()
        response = await self.client.post("/wechat", params=query, data=body)
        text = await response.text()
        if self.crypto is not None and response.status == 200 and text != "success":
            reply = xmltodict.parse(text)["xml"]
            text = self.crypto.decrypt_message(
                text, reply["MsgSignature"], reply["TimeStamp"], reply["Nonce"]
            )
        return response.status, text

    async def say(self, xml: str) -> str:
        """Post a message; the passive reply's text ("" for "success")."""
        status, text = await self.post(xml)
        assert status == 200, (status, text)
        if text == "success":
            return ""
        reply = xmltodict.parse(text)["xml"]
        assert reply["ToUserName"] == self.openid and reply["FromUserName"] == BOT
        assert reply["MsgType"] == "text"
        return str(reply["Content"])
