"""The few WeChat API calls the 公众号 channel makes, with aiohttp (never blocking the loop).

The access token is fetched and refreshed here and nowhere else. It is kept in the store,
so several replicas share one token: fetching a new one makes the old one invalid, and a
replica that finds its token rejected first looks whether another replica has already
kept a newer one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from bot.store import Store, StoreError

log = logging.getLogger(__name__)

EARLY = 300.0  # seconds before its expiry a token is replaced
TIMEOUT = aiohttp.ClientTimeout(total=10)
EXPIRED = {40001, 40014, 42001}  # invalid, malformed or expired access token


class WeChatError(RuntimeError):
    """WeChat refused a call or could not be reached; the message says which and why."""


class WeChatAPI:
    """Customer-service messages, image media and the custom menu of one 公众号."""

    def __init__(self, base_url: str, app_id: str, app_secret: str,
                 store: Store | None) -> None:  # fmt: skip
        self.base = base_url if base_url.endswith("/") else base_url + "/"
        self.app_id = app_id
        self._secret = app_secret
        self.store = store
        self._token: tuple[str, float] | None = None  # (token, expires at)
        self._lock = asyncio.Lock()  # one fetch at a time; the others wait and share it
        self._http: aiohttp.ClientSession | None = None

    @property
    def _name(self) -> str:
        return f"wechat:{self.app_id}"

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()

    # the access token -----------------------------------------------------------

    async def access_token(self, rejected: str | None = None) -> str:
        """A token valid for a while yet. `rejected`: the token WeChat just refused."""

        def usable(kept: tuple[str, float] | None) -> bool:
            return kept is not None and kept[0] != rejected and kept[1] - EARLY > time.time()

        async with self._lock:
            if usable(self._token):  # the usual case: no database read per call
                assert self._token is not None
                return self._token[0]
            kept = await self._kept()  # another replica's newer token, perhaps
            if kept is not None and usable(kept):
                self._token = kept
                return kept[0]
            token, expires = await self._fetch()
            self._token = (token, expires)
            if self.store is not None:
                try:
                    await self.store.keep_token(self._name, token, expires)
                except StoreError:
                    log.error("wechat: the new access token could not be kept in the store")
            return token

    async def _kept(self) -> tuple[str, float] | None:
        if self.store is None:
            return None
        try:
            return await self.store.token(self._name)
        except StoreError:
            return None

    async def _fetch(self) -> tuple[str, float]:
        params = {"grant_type": "client_credential", "appid": self.app_id,
                  "secret": self._secret}  # fmt: skip
        data = await self._request("GET", "cgi-bin/token", params=params)
        token, lifetime = data.get("access_token"), data.get("expires_in", 7200)
        if not isinstance(token, str) or not token or not isinstance(lifetime, int):
            raise WeChatError(f"cgi-bin/token: no access token in the answer ({_errors(data)})")
        log.info("wechat: new access token, valid %d s", lifetime)
        return token, time.time() + lifetime

    # calls ------------------------------------------------------------------------

    async def call(self, path: str, body: dict[str, Any] | None = None,
                   form: Callable[[], aiohttp.FormData] | None = None,
                   params: dict[str, str] | None = None) -> dict[str, Any]:  # fmt: skip
        """POST to an API endpoint with the token; a rejected token is replaced once."""
        token = await self.access_token()
        for attempt in (1, 2):
            query = {"access_token": token, **(params or {})}
            data = await self._request(  # a form is made anew for each attempt
                "POST", path, params=query, body=body, form=form() if form else None
            )
            code = data.get("errcode", 0)
            if code in EXPIRED and attempt == 1:
                log.warning("wechat: access token refused (%s); getting another", code)
                token = await self.access_token(rejected=token)
                continue
            if code:
                raise WeChatError(f"{path}: {_errors(data)}")
            return data
        raise AssertionError("unreachable")

    async def _request(self, method: str, path: str, params: dict[str, str],
                       body: dict[str, Any] | None = None,
                       form: aiohttp.FormData | None = None) -> dict[str, Any]:  # fmt: skip
        # WeChat shows \\u escapes literally (menu names): send the characters themselves
        payload: Any = form
        headers = {}
        if body is not None:
            payload = json.dumps(body, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json; charset=utf-8"
        try:
            async with self._session().request(
                method, self.base + path, params=params, data=payload, headers=headers
            ) as response:
                text = await response.text()
                if response.status != 200:
                    raise WeChatError(f"{path}: HTTP {response.status}")
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise WeChatError(f"{path}: {type(exc).__name__} {exc}") from None
        try:
            data = json.loads(text)
        except ValueError:
            raise WeChatError(f"{path}: the answer is not JSON") from None
        if not isinstance(data, dict):
            raise WeChatError(f"{path}: the answer is not a JSON object")
        return data

    # what the channel sends ---------------------------------------------------------

    async def send_text(self, openid: str, text: str) -> None:
        body = {"touser": openid, "msgtype": "text", "text": {"content": text}}
        await self.call("cgi-bin/message/custom/send", body)

    async def send_image(self, openid: str, media_id: str) -> None:
        body = {"touser": openid, "msgtype": "image", "image": {"media_id": media_id}}
        await self.call("cgi-bin/message/custom/send", body)

    async def send_voice(self, openid: str, media_id: str) -> None:
        body = {"touser": openid, "msgtype": "voice", "voice": {"media_id": media_id}}
        await self.call("cgi-bin/message/custom/send", body)

    async def upload_image(self, png: bytes, name: str) -> str:
        """Temporary image media (WeChat keeps it 3 days); its media_id."""
        return await self.upload(png, name, "image", "image/png")

    async def upload(self, content: bytes, name: str, kind: str, content_type: str) -> str:
        """Temporary media of a kind (image; voice: MP3 up to 2 MB and 60 s), kept 3 days
        by WeChat; its media_id."""

        def form() -> aiohttp.FormData:
            made = aiohttp.FormData()
            made.add_field("media", content, filename=name, content_type=content_type)
            return made

        data = await self.call("cgi-bin/media/upload", form=form, params={"type": kind})
        media = data.get("media_id")
        if not isinstance(media, str) or not media:
            raise WeChatError("cgi-bin/media/upload: no media_id in the answer")
        return media

    async def create_menu(self, menu: dict[str, Any]) -> None:
        await self.call("cgi-bin/menu/create", menu)


def _errors(data: dict[str, Any]) -> str:
    return f"errcode {data.get('errcode')}: {data.get('errmsg', '')}"
