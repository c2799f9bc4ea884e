"""The WeChat Official Account (公众号) channel: WeChat's XML in, plain text out.

wechatpy checks the signatures, decrypts and encrypts (safe and compatible modes), parses
the messages and writes the replies. The answer goes back as the passive reply within
WeChat's 5 seconds; when it takes longer, or for a picture card, it goes through the
customer-service API (`handlers.wechat_api`, with aiohttp).

WeChat text has no buttons: follow-ups and suggestions become numbered lines, and a bare
"1" answers the last numbered list the person was sent; an answer too long for one
message is cut, and "详细" sends the rest. Both are kept in the store (replicas share
them), in memory when there is no store.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import (
    InvalidAppIdException,
    InvalidSignatureException,
)
from wechatpy.replies import create_reply
from wechatpy.utils import check_signature

from bot.booklet import Booklet, Intent
from bot.cards import NoFont
from bot.frontdoor import FrontDoor, Message
from bot.reply import SOCIAL, Option, Reply, asks_for_more
from bot.service import CONTEXT_SECONDS
from bot.settings import SettingError, Spec, _url, read_specs
from bot.store import Store, StoreError
from handlers.channels import Setup
from handlers.logfilter import redact_secrets
from handlers.requests import read_body
from handlers.voice import VoiceUnavailable, shared_voice, speakable, speech_text
from handlers.wechat_api import WeChatAPI, WeChatError

log = logging.getLogger(__name__)

CHANNEL = "wechat"
PASSIVE_LIMIT = 2000  # bytes of UTF-8: WeChat drops longer text messages (2048, with a margin)
DEADLINE = 4.0  # seconds: WeChat waits 5 for the passive reply, then retries
MAX_XML = 64 * 1024  # a WeChat message is a few hundred bytes
FRESH_SECONDS = 300  # a signed request's timestamp may be this far from now
LIST_SECONDS = 86_400.0  # a numbered list or a cut answer is remembered for a day
MEDIA_SECONDS = 2.5 * 86_400  # temporary media lives 3 days: upload again before that
MAX_REPLIED = 1_000  # replies kept for a retry of their message (retries come within 15 s)
MAX_REMEMBERED = 10_000  # people whose lists (without a store) or cards are kept in memory
MORE = "回复 详细 看全文"
_CHOICE = re.compile(r"^(?:回复)?\s*(\d{1,2})\s*[.。、，,]?$")
_CUT_AFTER = "。！？；\n"
OTHER_MEDIA = ("image", "video", "shortvideo", "location", "link", "file")

VOICE_UNHEARD = (
    "您的语音我没听清。\n请打字问，或者用手机输入法的话筒（按住说话，会变成字）再发给我。"
)
NOT_TEXT = (
    "我只看得懂文字，看不了图片、视频和链接。\n"
    "请打字问，比如：“孝善养老政府添多少？”；也可以用手机输入法的话筒说话变成字。"
)
GONE = "这一项现在没有了（政策资料更新过）。请直接打字问您想知道的事。"
LISTEN = "回复 听 听语音"
LISTEN_WORDS = frozenset({"听", "听一听", "听听", "念一念", "念念", "读一读", "语音", "听语音",
                          "念给我听", "读给我听"})  # fmt: skip
NO_VOICE = "这个公众号现在发不了语音。请看上面的文字，或者问村扶贫专干。"
NOTHING_TO_READ = "您先问一个问题，我再把回答念给您听。"
READING = "好的，马上把刚才的回答念给您听。"
NOTHING_MORE = "上一条已经是全文了。请直接打字问您想知道的事。"


def _matching(pattern: str, what: str) -> Callable[[str], str]:
    """A setting's parser: the value, stripped, when it is all of `pattern`."""

    def parse(value: str) -> str:
        value = value.strip()
        if not re.fullmatch(pattern, value):
            raise ValueError(f"must be {what}")
        return value

    return parse


_aes_key = _matching(r"[A-Za-z0-9]{43}", "the 43 letters and digits of the EncodingAESKey")
_wechat_token = _matching(
    r"[A-Za-z0-9]{3,32}", "3-32 letters or digits, as set in the 公众号's server settings"
)
_app_id = _matching(
    r"[A-Za-z0-9_-]{4,64}", "the 公众号's AppID (letters and digits, such as wx1234…)"
)
_app_secret = _matching(r"[A-Za-z0-9]{16,64}", "the 公众号's AppSecret (letters and digits)")


SPECS: tuple[Spec, ...] = (
    Spec("WECHAT_TOKEN", "token", None, "the 公众号 server token; turns WeChat on", _wechat_token),
    Spec("WECHAT_APP_ID", "app_id", None, "the 公众号's AppID", _app_id),
    Spec("WECHAT_APP_SECRET", "app_secret", None, "the 公众号's AppSecret", _app_secret),
    Spec("WECHAT_AES_KEY", "aes_key", None, "EncodingAESKey: safe or compatible mode", _aes_key),
    Spec(
        "WECHAT_API_BASE_URL", "api_base_url", "https://api.weixin.qq.com/", "WeChat API root", _url
    ),
)


@dataclass(frozen=True)
class WeChatSettings:
    token: str
    app_id: str | None = None
    app_secret: str | None = None
    aes_key: str | None = None
    api_base_url: str = "https://api.weixin.qq.com/"


def wechat_settings(environ: Mapping[str, str]) -> WeChatSettings | None:
    """The channel's settings, or None when WECHAT_TOKEN is unset; SettingError names a
    bad or missing one."""
    values = read_specs(SPECS, environ)
    if values["token"] is None:
        return None
    if values["aes_key"] and not values["app_id"]:
        raise SettingError("WECHAT_APP_ID: required when WECHAT_AES_KEY is set (safe mode)")
    if bool(values["app_id"]) != bool(values["app_secret"]) and values["app_secret"]:
        raise SettingError("WECHAT_APP_ID: required when WECHAT_APP_SECRET is set")
    return WeChatSettings(**values)


def check_settings(environ: Mapping[str, str]) -> None:
    """Start-up: a bad WeChat setting stops the server with one line naming it."""
    wechat_settings(environ)


def channel(setup: Setup) -> WeChatChannel | None:
    """The 公众号 channel, when WECHAT_TOKEN is set."""
    settings = wechat_settings(setup.environ)
    if settings is None:
        return None
    redact_secrets(None, settings.app_secret, settings.aes_key)
    return WeChatChannel(settings, setup.door, setup.store)


# what a person reads ------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    """One WeChat text message, the intents its numbers stand for, and what was cut."""

    text: str
    numbered: tuple[str, ...] = ()
    rest: str | None = None


def _bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def _cut(text: str, budget: int) -> tuple[str, str]:
    """The longest start of `text` within `budget` bytes, ending at a sentence when one
    ends in its second half; and the rest."""
    data = text.encode("utf-8")
    if len(data) <= budget:
        return text, ""
    head = data[:budget].decode("utf-8", errors="ignore")
    end = max(head.rfind(mark) for mark in _CUT_AFTER)
    if end >= len(head) // 2:
        head = head[: end + 1]
    return head.rstrip(), text[len(head) :].lstrip()


def options_block(header: str, options: tuple[Option, ...]) -> str:
    lines = [header] + [f"回复 {n}：{o.title}" for n, o in enumerate(options, 1)]
    return "\n".join(lines)


def render(reply: Reply, limit: int = PASSIVE_LIMIT,
           options: tuple[Option, ...] | None = None,
           header: str | None = None) -> Rendered:  # fmt: skip
    """A reply as WeChat text: the answer, its source, numbered choices; cut to `limit`
    bytes with "回复 详细 看全文" when longer (the cut part is `rest`)."""
    body = reply.first.strip()
    if reply.matched and reply.title and reply.reason not in SOCIAL:
        body = f"【{reply.title}】\n{body}"
    source = reply.source_line
    details = reply.details.strip()
    if options is None:
        if reply.suggestions:
            options, header = reply.suggestions, "您是不是想问（回复数字）："
        else:
            options, header = reply.follow_ups, "还可以问（回复数字）："
    tail = options_block(header or "回复数字：", options) if options else ""
    whole = "\n".join(p for p in (body, source, tail, MORE if details else "") if p)
    numbered = tuple(o.intent for o in options)
    if _bytes(whole) <= limit:
        return Rendered(whole, numbered, details or None)
    fixed = "\n".join(p for p in ("……", source, tail, MORE) if p)
    if _bytes(fixed) > limit * 3 // 4:  # no room for the answer: the choices give way
        tail, numbered = "", ()
        fixed = "\n".join(p for p in ("……", source, MORE) if p)
    head, rest = _cut(body, max(limit - _bytes(fixed) - 1, 0))
    text = "\n".join(p for p in (head + "……", source, tail, MORE) if p)
    rest = "\n".join(p for p in (rest, details) if p)
    return Rendered(text, numbered, rest or None)


def more(rest: str, limit: int = PASSIVE_LIMIT) -> Rendered:
    """The next part of a cut answer (cut again when it is still too long)."""
    if _bytes(rest) <= limit:
        return Rendered(rest)
    head, left = _cut(rest, limit - _bytes(MORE) - 8)
    return Rendered(f"{head}……\n{MORE}", (), left or None)


def menu(booklet: Booklet) -> dict[str, Any]:
    """The 公众号's custom menu, from the booklet's topics: "常问政策" holds the topics
    offered first (booklet.yaml's roles.choices), "更多政策" the next five, "全部政策"
    the rest and, when they do not all fit, the whole list as numbered lines."""
    topics = list(booklet.menu_topics)
    first_ids = [booklet.topic_of[i].topic for i in booklet.meta.roles.choices
                 if i in booklet.topic_of]  # fmt: skip
    ordered = [t for i in dict.fromkeys(first_ids) for t in topics if t.topic == i]
    ordered += [t for t in topics if t not in ordered]
    groups: list[tuple[str, list[dict[str, str]]]] = []
    for name in ("常问政策", "更多政策", "全部政策"):
        chunk, ordered = ordered[:5], ordered[5:]
        if not chunk:
            break
        groups.append((name, [_button(t.title, f"topic:{t.topic}") for t in chunk]))
    if ordered:  # more topics than 15 buttons: the last button lists them all
        groups[-1][1][-1] = _button("全部目录", "menu")
    return {"button": [{"name": name, "sub_button": subs} for name, subs in groups]}


def _button(title: str, key: str) -> dict[str, str]:
    name = title.encode("utf-8")[:60].decode("utf-8", errors="ignore")  # WeChat: 60 bytes
    return {"type": "click", "name": name, "key": key}


# the channel --------------------------------------------------------------------------


class Refused(Exception):
    """A request WeChat's servers did not sign, or that cannot be read: (status, why)."""

    def __init__(self, status: int, why: str) -> None:
        super().__init__(why)
        self.status = status


class WeChatChannel:
    """`/wechat`: the URL check (GET) and the messages and events (POST)."""

    name = CHANNEL

    def __init__(self, settings: WeChatSettings, door: FrontDoor, store: Store | None,
                 limit: int = PASSIVE_LIMIT, deadline: float = DEADLINE) -> None:  # fmt: skip
        self.settings = settings
        self.door = door
        self.store = store
        self.limit = limit
        self.deadline = deadline
        self.crypto = (
            WeChatCrypto(settings.token, settings.aes_key, settings.app_id)
            if settings.aes_key
            else None
        )
        self.api = (
            WeChatAPI(settings.api_base_url, settings.app_id, settings.app_secret, store)
            if settings.app_id and settings.app_secret
            else None
        )
        self._inflight: dict[str, asyncio.Future[str | None]] = {}
        self._seen: OrderedDict[str, None] = OrderedDict()  # also when the store fails
        self._replied: OrderedDict[str, str | None] = OrderedDict()  # for WeChat's retries
        self._lists: OrderedDict[str, tuple[tuple[str, ...], str | None, float]] = OrderedDict()
        self._media: dict[tuple[str, str], tuple[str, float]] = {}  # (version, topic)
        self._tasks: set[asyncio.Task[None]] = set()
        self._voice = shared_voice()  # spoken answers ("听"), shared with the page
        self._late: set[asyncio.Future[str | None]] = set()

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/wechat", self.check_url), web.post("/wechat", self.receive)]

    async def start(self) -> None:
        log.warning(
            "wechat: 公众号 channel on /wechat (%s mode%s)",
            "safe/compatible" if self.crypto else "plaintext",
            ", customer-service API" if self.api else ", passive replies only",
        )

    async def stop(self) -> None:
        """Let the answers being sent through the API finish (a few seconds at most)."""
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)
        if self.api is not None:
            await self.api.close()

    @property
    def engine(self) -> Any:
        return self.door.service.engine

    # HTTP ---------------------------------------------------------------------------

    def _check(self, query: Mapping[str, str]) -> None:
        try:
            check_signature(self.settings.token, query.get("signature", ""),
                            query.get("timestamp", ""), query.get("nonce", ""))  # fmt: skip
        except InvalidSignatureException:
            raise Refused(403, "wrong or missing signature") from None

    async def check_url(self, request: web.Request) -> web.Response:
        """GET /wechat: WeChat checks the server URL; the echo proves we hold the token."""
        try:
            self._check(request.query)
        except Refused as exc:
            log.warning("wechat: URL check refused from %s: %s", request.remote, exc)
            return web.Response(status=exc.status, text="forbidden")
        return web.Response(text=request.query.get("echostr", ""))

    async def receive(self, request: web.Request) -> web.Response:
        """POST /wechat: one message or event; the passive reply, or "success"."""
        query = request.query
        try:
            self._check(query)
            self._fresh(query)
            body = await self._body(request)
            message = self._parse(body, query)
        except Refused as exc:
            log.warning("wechat: request refused (%d) from %s: %s",
                        exc.status, request.remote, exc)  # fmt: skip
            return web.Response(status=exc.status, text=str(exc))
        text = await self._once(message)
        if not text:
            return web.Response(text="success")
        xml = create_reply(text, message, render=True)
        if self.crypto is not None and query.get("encrypt_type") == "aes":
            xml = self.crypto.encrypt_message(xml, query.get("nonce", ""),
                                              query.get("timestamp"))  # fmt: skip
        return web.Response(text=xml, content_type="application/xml")

    async def _body(self, request: web.Request) -> bytes:
        """The whole body, however many packets it comes in; 413 over 64 KiB, 408 when it
        has not all arrived in 10 s."""
        try:
            return await read_body(request, MAX_XML)
        except web.HTTPRequestEntityTooLarge:
            raise Refused(413, f"body over {MAX_XML} bytes") from None
        except web.HTTPRequestTimeout:
            raise Refused(408, "body not received in time") from None

    def _fresh(self, query: Mapping[str, str]) -> None:
        """A signature is good for 5 minutes around now: an old one copied from a log or
        the network cannot be used again later."""
        try:
            timestamp = int(query.get("timestamp", ""))
        except ValueError:
            raise Refused(403, "timestamp is not a number") from None
        if abs(time.time() - timestamp) > FRESH_SECONDS:
            raise Refused(403, "timestamp too far from now (an old or replayed request)")

    def _parse(self, body: bytes, query: Mapping[str, str]) -> Any:
        if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
            raise Refused(400, "XML with a DOCTYPE or entities is not accepted")
        xml: Any = body
        if query.get("encrypt_type") == "aes":
            if self.crypto is None:
                raise Refused(400, "an encrypted message, but WECHAT_AES_KEY is not set")
            try:
                xml = self.crypto.decrypt_message(body, query.get("msg_signature", ""),
                                                  query.get("timestamp", ""),
                                                  query.get("nonce", ""))  # fmt: skip
            except (InvalidSignatureException, InvalidAppIdException) as exc:
                raise Refused(403, f"encrypted message: {type(exc).__name__}") from None
            except Exception as exc:  # wechatpy raises what its parsers raise
                raise Refused(400, f"encrypted message unreadable: {type(exc).__name__}") from None
        try:
            message = parse_message(xml)
            if message is None or not message.source or not isinstance(message.source, str):
                raise ValueError("no FromUserName")
            # wechatpy converts MsgId and CreateTime when they are read: read them now
            if message.type != "event":
                int(message.id or 0)
            int(message.time or 0)
        except Exception as exc:  # expat, a missing field, a wrong type
            raise Refused(400, f"malformed XML: {type(exc).__name__}: {exc}"[:200]) from None
        return message

    # once per message ---------------------------------------------------------------

    @staticmethod
    def _key(message: Any) -> str:
        """WeChat's advice: messages by MsgId, events by FromUserName + CreateTime."""
        if message.type != "event" and getattr(message, "id", None):
            return f"msg:{message.source}:{message.id}"
        event, key = getattr(message, "event", ""), getattr(message, "key", "")
        return f"event:{message.source}:{message.time}:{event}:{key}"

    async def _once(self, message: Any) -> str | None:
        """The reply to a message, worked out once however often WeChat sends it."""
        key = self._key(message)
        running = self._inflight.get(key)
        if running is not None and running in self._late:
            return None  # the answer goes through the API: once, not also as this reply
        if running is None:  # (registered before any await: a retry finds it)
            running = asyncio.ensure_future(self._first_answer(key, message))
            self._inflight[key] = running
            running.add_done_callback(lambda done: self._done(key, done))
        return await self._within_deadline(running, message)

    async def _first_answer(self, key: str, message: Any) -> str | None:
        if not await self._first_time(key):
            log.info("wechat: a retried message answered before (%s)", key.split(":")[0])
            return self._replied.get(key)  # the same words again; another replica's: none
        return await self._answer(message)

    def _done(self, key: str, future: asyncio.Future[str | None]) -> None:
        self._inflight.pop(key, None)
        if future in self._late:  # sent through the API: a retry gets "success"
            self._replied[key] = None
        elif not future.cancelled() and future.exception() is None and future.result():
            self._replied[key] = future.result()
            if len(self._replied) > MAX_REPLIED:
                self._replied.popitem(last=False)

    async def _first_time(self, key: str) -> bool:
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > MAX_REMEMBERED:
            self._seen.popitem(last=False)
        if self.store is None:
            return True
        try:
            return await self.store.first_time(key)
        except StoreError:
            return True  # the store is failing: this process's memory decides

    async def _within_deadline(self, future: asyncio.Future[str | None],
                               message: Any) -> str | None:  # fmt: skip
        try:
            return await asyncio.wait_for(asyncio.shield(future), self.deadline)
        except TimeoutError:
            if future not in self._late:  # the first request to give up sends it later
                self._late.add(future)
                future.add_done_callback(lambda f: self._send_late(f, message.source))
            return None  # "success": WeChat stops waiting and retrying

    def _send_late(self, future: asyncio.Future[str | None], openid: str) -> None:
        self._late.discard(future)
        if future.cancelled() or future.exception() is not None:
            return
        text = future.result()
        if not text:
            return
        if self.api is None:
            log.error("wechat: an answer took over %.0f s and no WECHAT_APP_ID/APP_SECRET "
                      "is set, so it could not be sent", self.deadline)  # fmt: skip
            return
        self._background(self._send_text(openid, text))

    async def _send_text(self, openid: str, text: str) -> None:
        assert self.api is not None
        try:
            await self.api.send_text(openid, text)
        except WeChatError as exc:
            log.error("wechat: a late answer could not be sent: %s", exc)
        except Exception:
            log.exception("wechat: sending a late answer failed")

    def _background(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # what each kind of message gets -----------------------------------------------------

    async def _answer(self, message: Any) -> str | None:
        try:
            return await self._reply_to(message)
        except Exception:  # never a 500 to WeChat ("该公众号暂时无法提供服务")
            log.exception("wechat: answering a %s failed", message.type)
            return "对不起，我这里出了点问题，没能回答。请过一会儿再问，或者问村扶贫专干。"

    async def _reply_to(self, message: Any) -> str | None:
        openid: str = message.source
        kind = message.type
        if kind == "text":
            return await self._text(openid, str(message.content or ""))
        if kind == "voice":
            heard = str(getattr(message, "recognition", None) or "").strip()
            return await self._text(openid, heard) if heard else VOICE_UNHEARD
        if kind in OTHER_MEDIA:
            return NOT_TEXT
        if kind == "event":
            event = str(getattr(message, "event", "")).lower()
            if event in ("subscribe", "subscribe_scan"):
                return await self._greeting(openid)
            if event == "click":
                return await self._clicked(openid, str(getattr(message, "key", "") or ""))
        return None  # unsubscribe, a menu link opened, location reports: nothing to say

    async def _text(self, openid: str, text: str) -> str:
        said = text.strip()
        if asks_for_more(said):
            return await self._more(openid)
        if said in LISTEN_WORDS:
            return await self._listen(openid)
        chosen = _CHOICE.match(said)
        if chosen:
            numbered, _ = await self._last_list(openid)
            number = int(chosen.group(1))
            if 1 <= number <= len(numbered):
                return await self._choice(openid, numbered[number - 1])
        return await self._ask(openid, Message(CHANNEL, openid, openid, text=text))

    async def _ask(self, openid: str, message: Message,
                   options: tuple[Option, ...] | None = None,
                   header: str | None = None) -> str:  # fmt: skip
        outcome = await self.door.handle(message)
        if outcome.refused:
            return f"您问得太快了，请等 {outcome.wait} 秒再问。"
        if outcome.reply is None:
            return GONE
        reply = outcome.reply
        rendered = render(reply, self.limit, options, header)
        await self._keep_list(openid, rendered.numbered, rendered.rest)
        self._card(openid, reply)
        text = rendered.text
        spoken = reply.matched and reply.topic != self.engine.booklet.meta.roles.help_topic
        if spoken and self._can_speak() and _bytes(f"{text}\n{LISTEN}") <= self.limit:
            head, more, _ = text.rpartition(f"\n{MORE}")  # "回复 详细" stays the last line
            text = f"{head}\n{LISTEN}{more}" if more else f"{text}\n{LISTEN}"
        return text

    # spoken answers -------------------------------------------------------------------

    def _can_speak(self) -> bool:
        return self.api is not None and speakable()

    async def _listen(self, openid: str) -> str:
        """ "听": the last answer's short answer as a voice message (customer-service API,
        after the passive reply)."""
        if not self._can_speak():
            return NO_VOICE
        context = None
        if self.store is not None:
            try:
                context = await self.store.context(CHANNEL, openid, CONTEXT_SECONDS)
            except StoreError as exc:
                log.warning("wechat: no context to read aloud: %s", exc)
        intent = self.engine.booklet.intents.get(context.intent or "") if context else None
        if intent is None:
            return NOTHING_TO_READ
        self._background(self._send_voice(openid, intent))
        return READING

    async def _send_voice(self, openid: str, intent: Intent) -> None:
        assert self.api is not None
        booklet: Booklet = self.engine.booklet
        key = (booklet.meta.version, f"voice:{intent.id}")
        try:
            kept = self._media.get(key)
            if kept is None or kept[1] <= time.time():
                audio = await self._voice.audio(speech_text(intent, booklet), "mp3", booklet,
                                                self.door.service.folder)  # fmt: skip
                media = await self.api.upload(audio, f"{intent.id}.mp3", "voice", "audio/mpeg")
                kept = (media, time.time() + MEDIA_SECONDS)
                self._media[key] = kept
            await self.api.send_voice(openid, kept[0])
        except (WeChatError, VoiceUnavailable) as exc:
            log.error("wechat: the spoken answer could not be sent: %s", exc)
            await self._send_text(openid, NO_VOICE)
        except Exception:  # background work: logged here, or nowhere
            log.exception("wechat: sending the spoken answer failed")

    async def _choice(self, openid: str, intent: str) -> str:
        return await self._ask(openid, Message(CHANNEL, openid, openid, choice=intent))

    async def _more(self, openid: str) -> str:
        _, rest = await self._last_list(openid)
        if not rest:
            return NOTHING_MORE
        numbered, _ = await self._last_list(openid)
        rendered = more(rest, self.limit)
        await self._keep_list(openid, numbered, rendered.rest)  # "1" still means the same
        return rendered.text

    async def _greeting(self, openid: str) -> str:
        """A new follower: who the bot is, how to ask, the commonest questions."""
        booklet: Booklet = self.engine.booklet
        await self.door.service.restart(CHANNEL, openid)
        options = tuple(Option(i, booklet.intents[i].title) for i in booklet.meta.roles.choices
                        if i in booklet.intents)  # fmt: skip
        greeting = booklet.meta.roles.greeting
        intro = booklet.intents[greeting].answer.strip() if greeting in booklet.intents else ""
        text = "\n".join(p for p in (intro, options_block("常问的（回复数字）：", options)) if p)
        await self._keep_list(openid, tuple(o.intent for o in options), None)
        return text

    async def _clicked(self, openid: str, key: str) -> str | None:
        """A button of the custom menu: a topic (its first answer and the rest of its
        questions, numbered), or the list of every topic."""
        booklet: Booklet = self.engine.booklet
        if key == "menu":
            topics = booklet.menu_topics
            options = tuple(Option(t.intents[0].id, t.title) for t in topics if t.intents)
            menu_intent = booklet.meta.roles.menu
            if menu_intent in booklet.intents:
                return await self._ask(openid, Message(CHANNEL, openid, openid,
                                                       choice=menu_intent),
                                       options, "请回复数字选一项：")  # fmt: skip
            await self._keep_list(openid, tuple(o.intent for o in options), None)
            return options_block("请回复数字选一项：", options)
        topic = next((t for t in booklet.menu_topics if f"topic:{t.topic}" == key), None)
        if topic is None or not topic.intents:
            log.warning("wechat: a menu button with an unknown key %r (install the menu "
                        "again: policybot wechat-menu)", key[:64])  # fmt: skip
            return GONE
        first, others = topic.intents[0], topic.intents[1:]
        options = tuple(Option(i.id, i.title) for i in others)
        return await self._ask(openid, Message(CHANNEL, openid, openid, choice=first.id),
                               options, "这项政策还可以问（回复数字）：")  # fmt: skip

    # what is remembered -----------------------------------------------------------------

    async def _keep_list(self, openid: str, numbered: tuple[str, ...],
                         rest: str | None) -> None:  # fmt: skip
        if self.store is not None:
            try:
                await self.store.keep_numbered(CHANNEL, openid, list(numbered), rest)
                self._lists.pop(openid, None)  # the store has the newer list
                return
            except StoreError:
                pass  # kept in memory instead, below
        self._lists[openid] = (numbered, rest, time.time())
        self._lists.move_to_end(openid)
        if len(self._lists) > MAX_REMEMBERED:
            self._lists.popitem(last=False)

    async def _last_list(self, openid: str) -> tuple[tuple[str, ...], str | None]:
        kept = self._lists.get(openid)
        if kept is not None and kept[2] > time.time() - LIST_SECONDS:
            return kept[0], kept[1]
        if self.store is not None:
            try:
                found = await self.store.numbered(CHANNEL, openid, LIST_SECONDS)
            except StoreError:
                found = None
            if found is not None:
                return tuple(found[0]), found[1]
        return (), None

    # picture cards --------------------------------------------------------------------

    def _card(self, openid: str, reply: Reply) -> None:
        """A topic's first answer to a person also brings its picture card (through the
        customer-service API, after the text)."""
        if self.api is None or not reply.matched or not reply.topic:
            return
        self._background(self._card_if_due(openid, reply.topic))

    async def _card_if_due(self, openid: str, topic: str) -> None:
        if await self.door.service.card_due(CHANNEL, openid, topic):
            await self._send_card(openid, topic)

    async def _send_card(self, openid: str, topic: str) -> None:
        assert self.api is not None
        booklet: Booklet = self.engine.booklet
        await asyncio.sleep(0.5)  # after the passive text has reached the person
        try:
            media = await self._media_of(booklet, topic)
            if media is not None:
                await self.api.send_image(openid, media)
        except WeChatError as exc:
            log.error("wechat: the picture card could not be sent: %s", exc)
        except Exception:  # background work: logged here, or nowhere
            log.exception("wechat: sending the picture card failed")

    async def _media_of(self, booklet: Booklet, topic: str) -> str | None:
        key = (booklet.meta.version, topic)
        kept = self._media.get(key)
        if kept is not None and kept[1] > time.time():
            return kept[0]
        try:
            drawn = await self.door.service.card(topic)
        except NoFont as exc:
            log.warning("wechat: no picture card: %s", exc)
            return None
        if drawn is None:
            return None
        assert self.api is not None
        media = await self.api.upload_image(drawn.png, f"{topic}.png")
        self._media[key] = (media, time.time() + MEDIA_SECONDS)
        return media
