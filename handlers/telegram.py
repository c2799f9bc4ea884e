"""Telegram (python-telegram-bot): thin handlers over the core, wired in one place."""

from __future__ import annotations

import asyncio
import hmac
import inspect
import itertools
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    TelegramObject,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.booklet import Topic
from bot.cards import NoFont
from bot.curation import format_groups, format_stats
from bot.engine import Engine
from bot.frontdoor import FrontDoor
from bot.frontdoor import Message as Incoming
from bot.periods import DEFAULT_DAYS, MAX_DAYS, parse_days
from bot.ratelimit import Gate
from bot.reply import Reply, asks_for_more
from bot.service import Service
from bot.settings import (
    SettingError,
    Spec,
    _https,
    _secret,
    _text,
    _url,
    _user_ids,
    read_specs,
)
from bot.store import StoreError
from handlers.alerts import TelegramAlert
from handlers.channels import Setup
from handlers.logfilter import redact_secrets
from handlers.metrics import Metrics
from handlers.requests import error, read_object
from handlers.telegram_render import (
    ANSWER,
    CARD,
    DETAILS,
    HELPFUL,
    MAX_MESSAGE,
    MENU,
    NEW_MENU,
    NEW_TOPIC,
    THANKED,
    TOPIC,
    UNHELPFUL,
    VOICE,
    html,
    menu_keyboard,
    reply_keyboard,
    split,
    topic_keyboard,
    voted,
)
from handlers.voice import VoiceUnavailable, shared_voice, speakable, speech_text

log = logging.getLogger(__name__)

COMMANDS = [
    BotCommand("start", "开始，显示政策菜单"),
    BotCommand("menu", "政策菜单"),
    BotCommand("help", "怎么用"),
]
CADRE_COMMANDS = [
    BotCommand("unanswered", "最近答不上的问题（可加天数，如 /unanswered 30）"),
    BotCommand("stats", "问答统计（可加天数）"),
    BotCommand("reload", "重新载入图册"),
    BotCommand("version", "图册版本"),
]
NOT_TEXT = (
    "我只认得文字，看不了图片、语音、贴纸和文件。\n"
    "请直接打字问，比如：“孝善养老怎么领？”，或者点下面的菜单。"
)
CHOOSE = "请选择您想了解的政策："
PRIVATE_ONLY = "这个命令只在私聊里用：请点我的名字，单独发消息给我再用。"
RETRY_DELAYS = (2, 5, 10, 30, 60)  # seconds between attempts to reach Telegram at start-up
TIMEOUT = 10.0  # seconds to wait for Telegram to answer one call
SEND_RETRIES = 3  # a 429 (retry_after) is waited out and retried this often
SEND_BACKOFF = (0.5, 1.0, 2.0, 4.0)  # seconds between retries of a failed send
MAX_DEPTH = 8  # how deep an update's objects are checked for their required fields
MEDIA = (
    filters.PHOTO
    | filters.Sticker.ALL
    | filters.VOICE
    | filters.AUDIO
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.ANIMATION
    | filters.LOCATION
    | filters.CONTACT
    | filters.Document.ALL
)


CHANNEL = "telegram"
MAX_UPDATE = 1024 * 1024  # bytes: a Telegram update (Chinese is sent as \uXXXX, 6 bytes each)


@dataclass(frozen=True)
class Webhook:
    """Telegram webhook mode: the secret Telegram sends back, and where updates go."""

    secret: str
    feed: Callable[[dict[str, Any]], Awaitable[bool]]  # False: not now, send it again


DEFAULT_RATE_LIMIT = 20  # questions a minute per person, without the server's front door

SPECS: tuple[Spec, ...] = (
    Spec("TELEGRAM_BOT_TOKEN", "token", None, "turns the Telegram bot on", _text),
    Spec("TELEGRAM_API_BASE_URL", "base_url", "https://api.telegram.org/bot",
         "Bot API base, for a self-hosted Bot API server", _url),
    Spec("TELEGRAM_WEBHOOK_URL", "webhook_url", None,
         "public URL (forwarded to /telegram/webhook): webhook mode instead of polling",
         _https),
    Spec("TELEGRAM_WEBHOOK_SECRET", "webhook_secret", None,
         "the secret Telegram must send back (required with the URL)", _secret),
    Spec("POLICYBOT_CADRES", "cadres", frozenset(),
         "Telegram user ids allowed cadre commands (and told of urgent questions)", _user_ids),
)  # fmt: skip


@dataclass(frozen=True)
class TelegramSettings:
    """The Telegram channel's own settings (its table: SPECS)."""

    token: str
    base_url: str = "https://api.telegram.org/bot"
    webhook_url: str | None = None
    webhook_secret: str | None = None
    cadres: frozenset[int] = frozenset()


def telegram_settings(environ: Mapping[str, str]) -> TelegramSettings | None:
    """The channel's settings, or None without TELEGRAM_BOT_TOKEN; SettingError names a
    bad one."""
    values = read_specs(SPECS, environ)
    if values["webhook_url"] and not values["webhook_secret"]:
        raise SettingError(
            "TELEGRAM_WEBHOOK_SECRET: required when TELEGRAM_WEBHOOK_URL is set "
            "(the secret Telegram must send back)"
        )
    if values["token"] is None:
        return None
    return TelegramSettings(**values)


def check_settings(environ: Mapping[str, str]) -> None:
    """Start-up: a bad Telegram setting stops the server with one line naming it."""
    telegram_settings(environ)


def channel(setup: Setup) -> TelegramBot | None:
    """The Telegram channel, when TELEGRAM_BOT_TOKEN is set."""
    settings = telegram_settings(setup.environ)
    if settings is None:
        return None
    if not settings.webhook_url and not setup.primary:
        return None  # polling: one process only, or Telegram says "terminated by other"
    return TelegramBot(settings, setup.door, setup.metrics, primary=setup.primary)


def alerts(environ: Mapping[str, str]) -> list[TelegramAlert]:
    """Urgent questions go to the officers in POLICYBOT_CADRES, with the bot's token."""
    settings = telegram_settings(environ)
    if settings is None or not settings.cadres:
        return []
    redact_secrets(settings.token)
    bot = Bot(settings.token, base_url=settings.base_url)
    return [TelegramAlert(bot, settings.cadres)]


class TelegramBot:
    """The bot's Telegram channel: updates in (polling, or the webhook route), replies
    out; everything else goes through the front door."""

    name = CHANNEL

    def __init__(self, settings: TelegramSettings, door: FrontDoor | Service | Engine,
                 metrics: Metrics, primary: bool = True) -> None:  # fmt: skip
        assert settings.token
        self.primary = primary  # the first worker sets the webhook; the others serve it
        redact_secrets(settings.token, settings.webhook_secret)
        if not isinstance(door, FrontDoor):
            door = FrontDoor(Service.of(door), Gate(DEFAULT_RATE_LIMIT), metrics)
        self.door = door
        self.service = door.service
        self.metrics = metrics
        self.settings = settings
        base = settings.base_url
        file_base = base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base
        self.application: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder()
            .token(settings.token)
            .base_url(base)
            .base_file_url(file_base)
            .get_updates_request(UpdatesRequest(connection_pool_size=1))
            .rate_limiter(AIORateLimiter(max_retries=SEND_RETRIES))  # Telegram's limits, 429s
            .read_timeout(TIMEOUT)
            .write_timeout(TIMEOUT)
            .build()
        )
        self.ready = asyncio.Event()
        self._voice = shared_voice()  # spoken answers (🔊 听一听), shared with the page
        self._starting: asyncio.Task[None] | None = None
        self._closing = False
        self._wire()

    @property
    def engine(self) -> Engine:
        """The current booklet's engine (a reload replaces it)."""
        return self.service.engine

    @property
    def _help(self) -> str | None:
        """The help topic of the current booklet (booklet.yaml's roles): no title, no
        follow-up buttons, no card."""
        return self.engine.booklet.meta.roles.help_topic

    @property
    def webhook(self) -> Webhook | None:
        """The webhook the HTTP server exposes, in webhook mode."""
        if not self.settings.webhook_url or not self.settings.webhook_secret:
            return None
        return Webhook(self.settings.webhook_secret, self.feed)

    def routes(self) -> list[web.RouteDef]:
        """POST /telegram/webhook in webhook mode; nothing when polling."""
        return [web.post("/telegram/webhook", self.receive)] if self.webhook else []

    async def receive(self, request: web.Request) -> web.Response:
        """POST /telegram/webhook: an update from Telegram, checked by its secret token."""
        hook = self.webhook
        assert hook is not None
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), hook.secret.encode()):
            log.warning("webhook call with a missing or wrong secret token")
            return error(403, "wrong or missing secret token")
        data = await read_object(request, MAX_UPDATE, "a Telegram update")
        try:
            accepted = await hook.feed(data)
        except ValueError as exc:
            log.warning("webhook: %s", exc)
            return error(400, "not a Telegram update")
        if not accepted:
            return error(503, "not taking updates right now; send it again later")
        return web.json_response({"ok": True})

    def _wire(self) -> None:
        app = self.application
        app.add_handler(TypeHandler(Update, self.drop_malformed), group=-1)  # before all
        app.add_handler(CommandHandler("start", self.start_command))
        app.add_handler(CommandHandler("help", self.help_command))
        app.add_handler(CommandHandler("menu", self.menu_command))
        for name in ("unanswered", "stats", "reload", "version"):
            app.add_handler(CommandHandler(name, self.cadre_command))
        app.add_handler(CallbackQueryHandler(self.button))
        app.add_handler(InlineQueryHandler(self.inline))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self.text))
        app.add_handler(MessageHandler(MEDIA & filters.ChatType.PRIVATE, self.not_text))
        app.add_error_handler(self.on_error)

    # lifecycle ---------------------------------------------------------------

    async def start(self) -> None:
        """Connect in the background: a Telegram outage must not stop the web page.
        (Once: a second call does nothing.)"""
        if self._starting is not None:
            return
        self._starting = asyncio.create_task(self._connect(), name="telegram-start")
        self._starting.add_done_callback(_log_failure)

    async def _connect(self) -> None:
        delays = itertools.chain([0], RETRY_DELAYS, itertools.repeat(RETRY_DELAYS[-1]))
        for attempt, delay in enumerate(delays, 1):
            await asyncio.sleep(delay)
            try:
                await self._start_once()
                self.ready.set()
                return
            except InvalidToken:
                log.error("Telegram refused the token (TELEGRAM_BOT_TOKEN); the bot stays off")
                return
            except TelegramError as exc:
                log.warning("cannot reach Telegram (attempt %d, retrying): %s", attempt, exc)
                if self.application.running:
                    await self.application.stop()

    async def _start_once(self) -> None:
        """initialize, commands, start, then webhook or polling; any step may fail."""
        app = self.application
        await app.initialize()  # does nothing once it has succeeded
        try:
            await app.bot.set_my_commands(COMMANDS)
            for cadre in sorted(self.settings.cadres):  # officers see their commands too
                await app.bot.set_my_commands(
                    COMMANDS + CADRE_COMMANDS, scope=BotCommandScopeChat(cadre)
                )
        except TelegramError as exc:
            log.warning("could not register the bot's commands: %s", exc)
        await app.start()
        if self.webhook is not None and not self.primary:
            log.warning("Telegram: serving the webhook (the first worker sets it)")
        elif self.webhook is not None:
            await app.bot.set_webhook(
                self.settings.webhook_url or "",
                secret_token=self.settings.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
            log.warning("Telegram: webhook mode at %s", self.settings.webhook_url)
        else:
            assert app.updater is not None
            await app.updater.start_polling(
                poll_interval=0.0, timeout=10, allowed_updates=Update.ALL_TYPES
            )
            log.warning("Telegram: polling as @%s", app.bot.username)

    async def stop(self) -> None:
        """Stop taking updates, finish the replies in flight, close. (Once.)"""
        if self._closing:
            return
        self._closing = True
        if self._starting is not None and not self._starting.done():
            self._starting.cancel()
            await asyncio.gather(self._starting, return_exceptions=True)
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()  # waits for the handlers in flight, queued updates included
        await app.shutdown()

    async def feed(self, data: dict[str, Any]) -> bool:
        """An update that came by webhook; False when it cannot be handled now (closing,
        not started), so that Telegram sends it again later."""
        if self._closing or not self.application.running:
            return False
        try:
            update = Update.de_json(data, self.application.bot)
        except Exception as exc:  # untrusted: whatever PTB cannot read is not an update
            raise ValueError(f"not a Telegram update: {_reason(exc)}") from exc
        await self.application.update_queue.put(update)
        return True

    # handlers ----------------------------------------------------------------

    async def drop_malformed(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Before every handler: an update lacking a field Telegram always sends (a message's
        chat, a button press's sender) is logged in one line and goes no further."""
        if (field := _missing(update)) is not None:
            log.warning("dropped Telegram update %s: %s is missing", update.update_id, field)
            raise ApplicationHandlerStop

    async def start_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start: a warm greeting and the topic menu; the conversation begins again."""
        chat = update.effective_chat
        if chat is not None:
            await self.service.restart("telegram", str(chat.id))
        await self._send_intent(update, self.engine.booklet.meta.roles.greeting, menu=True)

    async def help_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/help: what the bot can answer, and the menu."""
        await self._send_intent(update, self.engine.booklet.meta.roles.menu, menu=True)

    async def menu_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/menu: the topic menu."""
        await self._with_menu(update, CHOOSE)

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A menu, topic or answer button."""
        query = update.callback_query
        if query is None:
            return
        data = query.data or ""
        if data.startswith((HELPFUL, UNHELPFUL)):
            await self._feedback(update, context, data)  # answers the query with a toast
            return
        if data.startswith(VOICE):
            await self._speak(update, context, data[len(VOICE) :])  # a toast while it is made
            return
        await query.answer("已收到，谢谢" if data == THANKED else None)
        booklet = self.engine.booklet
        chat = update.effective_chat
        if data == MENU:  # within a menu message: the menu replaces it
            await self._edit(query.message, CHOOSE, menu_keyboard(booklet))
        elif data == NEW_MENU and chat is not None:  # under an answer: the answer stays
            await self._deliver(context.bot.send_message, chat.id, CHOOSE,
                                reply_markup=menu_keyboard(booklet))  # fmt: skip
        elif data.startswith((TOPIC, NEW_TOPIC)) and (
            topic := _topic(self.engine, data.split(":", 1)[1])
        ):
            text = f"<b>{escape(topic.title)}</b>\n{escape(topic.summary)}\n请选择您的问题："
            if data.startswith(TOPIC):
                await self._edit(query.message, text, topic_keyboard(topic, booklet))
            elif chat is not None:
                await self._deliver(context.bot.send_message, chat.id, text,
                                    parse_mode=ParseMode.HTML,
                                    reply_markup=topic_keyboard(topic, booklet))  # fmt: skip
        elif data.startswith(DETAILS) and chat is not None:
            more = self.engine.details(data[len(DETAILS) :])
            if more is not None:
                answered = query.message if isinstance(query.message, Message) else None
                await self._send(chat.id, more, context,
                                 reply_to=answered.message_id if answered else None)  # fmt: skip
        elif data == THANKED:
            pass  # the vote was taken: nothing more to do
        elif data.startswith(ANSWER):
            chat = update.effective_chat
            if chat is not None:
                user = update.effective_user
                outcome = await self.door.handle(Incoming(
                    CHANNEL, str(user.id if user else chat.id), str(chat.id),
                    choice=data[len(ANSWER) :],
                ))  # fmt: skip
                if outcome.reply is not None:
                    await self._send(chat.id, outcome.reply, context)
        elif data.startswith(CARD) and update.effective_chat is not None:
            await self._send_card(update.effective_chat.id, data[len(CARD) :], context)
        else:  # a button from an older booklet
            await self._edit(query.message, "这个按钮已经过期了。" + CHOOSE, menu_keyboard(booklet))

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A question in free text (in groups: only when the bot is mentioned or replied to)."""
        message = update.effective_message
        if message is None or message.text is None:
            return
        question: str | None = message.text
        if message.chat.type != ChatType.PRIVATE:
            question = self._addressed(message)
        if question is None:
            return
        person = message.from_user.id if message.from_user else message.chat_id
        outcome = await self.door.handle(
            Incoming(CHANNEL, str(person), str(message.chat_id), text=question)
        )
        if outcome.reply is None:
            if outcome.first_refusal:  # said once; further messages wait quietly
                await message.reply_text(f"您问得太快了，请歇一会儿，大约{outcome.wait}秒后再问。")
            return
        await self._send(message.chat_id, outcome.reply, context, reply_to=message.message_id)

    async def not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Photos, stickers, voice, files: say kindly what the bot understands."""
        await self._with_menu(update, NOT_TEXT)

    async def inline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """@bot 孝善 in any chat: answers an officer can forward to a family."""
        query = update.inline_query
        if query is None:
            return
        if query.query.strip():
            replies = self.engine.search(query.query, limit=8)
        else:
            replies = [
                r
                for t in self.engine.booklet.menu_topics
                for r in [self.engine.answer(t.intents[0].id)]
                if r is not None
            ][:8]
        results = [
            InlineQueryResultArticle(
                id=reply.intent or str(n),
                title=reply.title or "",
                description=reply.answer.split("\n", 1)[0][:100],
                input_message_content=InputTextMessageContent(
                    split(html(reply, self._help))[0], parse_mode=ParseMode.HTML
                ),
            )
            for n, reply in enumerate(replies)
        ]
        await query.answer(results, cache_time=60)

    async def cadre_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/unanswered, /stats, /reload, /version: for the officers in POLICYBOT_CADRES."""
        message, user = update.effective_message, update.effective_user
        if message is None or message.text is None:
            return
        if message.chat.type != ChatType.PRIVATE:  # a group must not see others' questions
            await message.reply_text(PRIVATE_ONLY)
            return
        if user is None or user.id not in self.settings.cadres:
            await message.reply_text("这个命令是给村干部用的。您有问题直接打字问就行。")
            return
        command = message.text.split()[0].lstrip("/").split("@")[0]
        days = _days_argument(message.text)
        if days is None:
            await message.reply_text(
                f"天数要写成1到{MAX_DAYS}的整数，比如 /{command} 30（不写就是{DEFAULT_DAYS}天）。"
            )
            return
        if command == "unanswered":
            text = await self._unanswered(days)
        elif command == "stats":
            text = format_stats(await self.service.stats(days), days)
        elif command == "reload":
            outcome = await self.service.reload()
            text = (
                f"已重新载入图册，版本 {outcome.version}。"
                if not outcome.problems
                else f"新图册有{len(outcome.problems)}个问题，仍在用旧版 {outcome.version}：\n"
                + "\n".join(str(p) for p in outcome.problems[:20])
            )
        else:
            v = self.service.version()
            text = (f"图册版本 {v['version']}：{v['topics']}个主题，{v['intents']}个问题，"
                    f"{v['examples']}个例句。")  # fmt: skip
        for chunk in split(escape(text)):
            await message.reply_text(chunk, parse_mode=ParseMode.HTML)

    async def _feedback(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, data: str
    ) -> None:
        query, chat = update.callback_query, update.effective_chat
        if query is None or chat is None:
            return
        helpful = data.startswith(HELPFUL)
        intent = data[len(HELPFUL) :]
        answered = query.message if isinstance(query.message, Message) else None
        asked = answered.reply_to_message if answered else None
        question = asked.text if asked and asked.text else ""
        from_bot = asked is not None and asked.from_user is not None and asked.from_user.is_bot
        if from_bot or asks_for_more(question):
            question = ""  # under 详细说说: the question is the answer's, not the bot's text
        if not question and intent in self.engine.booklet.intents:
            question = self.engine.booklet.intents[intent].title  # chosen from the menu
        user = update.effective_user
        outcome = await self.door.rate(
            Incoming(CHANNEL, str(user.id if user else chat.id), str(chat.id)),
            question, intent, helpful,
        )  # fmt: skip
        reply = outcome.reply
        await query.answer("已收到，谢谢")  # a toast; the buttons say it stays
        if answered is not None:
            try:
                await answered.edit_reply_markup(voted(answered.reply_markup))
            except BadRequest as exc:  # already replaced by a tap a moment before
                if "not modified" not in str(exc).lower():
                    raise
        if reply is None or helpful:  # 👍: the toast is thanks enough
            return
        await context.bot.send_message(
            chat.id, escape(reply.answer), parse_mode=ParseMode.HTML,
            reply_markup=reply_keyboard(reply, self.engine.booklet),
        )  # fmt: skip

    async def _unanswered(self, days: int) -> str:
        """/unanswered: the report `policybot report` prints, titles and marks included."""
        engine, store = self.engine, self.service.store
        wrong: dict[str, int] = {}
        if store is not None:
            try:
                wrong = await store.wrong_answers(time.time() - days * 86_400)
            except StoreError as exc:
                log.warning("no wrong-answer counts for /unanswered: %s", exc)
        titles = {i.id: i.title for i in engine.booklet.intents.values()}
        groups = await self.service.unanswered(days)
        return format_groups(groups, days, titles, wrong, engine.matcher.tuning.threshold)

    async def _speak(self, update: Update, context: ContextTypes.DEFAULT_TYPE,
                     intent_id: str) -> None:  # fmt: skip
        """🔊 听一听: the short answer as a voice message, under the answer."""
        query, chat = update.callback_query, update.effective_chat
        intent = self.engine.booklet.intents.get(intent_id)
        if query is None or chat is None or intent is None:
            if query is not None:
                await query.answer("这个按钮已经过期了")
            return
        await query.answer("正在准备声音，请稍等")
        try:
            booklet = self.engine.booklet
            audio = await self._voice.audio(speech_text(intent, booklet), "ogg", booklet,
                                            self.service.folder)  # fmt: skip
        except VoiceUnavailable as exc:
            log.error("spoken answers: %s", exc)
            sorry = "对不起，现在读不了声音。请看上面的文字，或问村扶贫专干。"
            await self._deliver(context.bot.send_message, chat.id, sorry)
            return
        answered = query.message if isinstance(query.message, Message) else None
        under = answered.message_id if answered else None
        await self._deliver(context.bot.send_voice, chat.id, audio, reply_to_message_id=under)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """One error handler: log with the traceback, tell the person, keep their question."""
        log.error("error while handling a Telegram update", exc_info=context.error)
        try:
            await self._apologize(update)
        except Exception as exc:  # the error handler must not fail in its turn
            log.warning("could not tell the person about the error either: %s", _reason(exc))

    async def _apologize(self, update: object) -> None:
        if not isinstance(update, Update) or update.effective_message is None:
            return
        if update.effective_chat is None:
            return
        asked = update.message.text if update.message else None
        text = "对不起，我这里出了点问题，没能回答。"
        if isinstance(asked, str) and asked:
            text += f"\n您的问题是：“{asked[:200]}”，请再发一次。"
        text += f"\n着急的话请问{self.engine.booklet.meta.ask_person}。"
        await update.effective_message.reply_text(text)

    # helpers -----------------------------------------------------------------

    def _addressed(self, message: Message) -> str | None:
        """In a group: the question if the bot is mentioned or replied to, else None."""
        me = self.application.bot
        text = message.text or ""
        mention = f"@{me.username}" if me.username else None
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and replied.from_user.id == me.id:
            return text
        if mention and mention.lower() in text.lower():
            start = text.lower().index(mention.lower())
            return (text[:start] + text[start + len(mention) :]).strip()
        return None

    async def _with_menu(self, update: Update, text: str) -> None:
        if update.effective_message:
            await update.effective_message.reply_text(
                text, reply_markup=menu_keyboard(self.engine.booklet)
            )

    async def _send_intent(self, update: Update, intent_id: str | None, menu: bool) -> None:
        """A role's answer (booklet.yaml's roles: greeting, menu); without it, the menu."""
        reply = self.engine.answer(intent_id) if intent_id else None
        message = update.effective_message
        if message is None:
            return
        text = html(reply, self._help) if reply else CHOOSE
        markup = menu_keyboard(self.engine.booklet) if menu else None
        for n, chunk in enumerate(chunks := split(text)):
            last = n == len(chunks) - 1
            await message.reply_text(
                chunk, parse_mode=ParseMode.HTML, reply_markup=markup if last else None
            )

    async def _send(
        self,
        chat_id: int,
        reply: Reply,
        context: ContextTypes.DEFAULT_TYPE,
        reply_to: int | None = None,
    ) -> None:
        markup = reply_keyboard(reply, self.engine.booklet, voice=speakable())
        chunks = split(html(reply, self._help), MAX_MESSAGE)
        sent: Message | None = None
        for n, chunk in enumerate(chunks):
            last = n == len(chunks) - 1
            message = await self._deliver(
                context.bot.send_message,
                chat_id,
                chunk,
                parse_mode=ParseMode.HTML,
                reply_markup=markup if last else None,
                reply_to_message_id=reply_to if n == 0 else None,
            )
            sent = sent or message
        topic = reply.topic if reply.matched and reply.reason != "details" else None
        if topic and await self.service.card_due(CHANNEL, str(chat_id), topic):  # first answer
            await self._send_card(chat_id, topic, context,
                                  reply_to=sent.message_id if sent else None)  # fmt: skip

    async def _deliver(self, send: Callable[..., Awaitable[Message]], *args: Any,
                       **kwargs: Any) -> Message:  # fmt: skip
        """Send, retrying a Telegram server error or time-out with backoff; 429s are
        retried by the rate limiter. The fault is logged once, with its reason."""
        for attempt, pause in enumerate((*SEND_BACKOFF, None), start=1):
            try:
                return await send(*args, **kwargs)
            except (NetworkError, TimedOut) as exc:
                if isinstance(exc, BadRequest) or pause is None:
                    raise
                if attempt == 1:
                    log.warning("Telegram send failed (%s); retrying", exc)
                await asyncio.sleep(pause)
        raise AssertionError("unreachable")

    async def _send_card(
        self, chat_id: int, topic: str, context: ContextTypes.DEFAULT_TYPE,
        reply_to: int | None = None,
    ) -> None:  # fmt: skip
        """The topic's picture card, under the answer it illustrates, with a caption;
        without a font the text answers alone."""
        try:
            drawn = await self.service.card(topic)
        except NoFont as exc:
            log.warning("no picture card: %s", exc)
            return
        found = _topic(self.engine, topic)
        if drawn is not None:
            caption = f"图解：{found.title}" if found else "图解"
            await self._deliver(context.bot.send_photo, chat_id, drawn.png, caption=caption,
                                reply_to_message_id=reply_to)  # fmt: skip

    async def _edit(self, message: object, text: str, markup: InlineKeyboardMarkup) -> None:
        if not isinstance(message, Message):
            return
        try:
            await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                raise


class UpdatesRequest(HTTPXRequest):
    """The connection getUpdates uses: an update PTB cannot read (a date past the year
    9999, say) is logged and replaced by a bare one, so it is confirmed with the others.
    Otherwise PTB fails on the whole batch and fetches it again, forever."""

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        data: dict[str, Any] = HTTPXRequest.parse_json_payload(payload)
        if isinstance(data, dict) and isinstance(data.get("result"), list):
            data["result"] = [u for u in map(_readable, data["result"]) if u is not None]
        return data


def _readable(item: object) -> object | None:
    """The update if PTB can read it, else a bare update with its id (or None)."""
    update_id = item.get("update_id") if isinstance(item, dict) else None
    valid_id = isinstance(update_id, int) and not isinstance(update_id, bool)
    try:
        if not valid_id:
            raise ValueError("no update_id")
        Update.de_json(item, None)  # type: ignore[arg-type]
        return item
    except Exception as exc:  # untrusted: whatever PTB cannot read is dropped
        log.warning("dropped Telegram update %s: %s", update_id, _reason(exc))
        return {"update_id": update_id} if valid_id else None


def _reason(exc: BaseException) -> str:
    """An exception in one short line."""
    return f"{type(exc).__name__}: {' '.join(str(exc).split())[:120]}"


_FIELDS: dict[type[TelegramObject], tuple[tuple[str, bool], ...]] = {}


def _fields(cls: type[TelegramObject]) -> tuple[tuple[str, bool], ...]:
    """A PTB class's fields (its __init__ parameters), each with whether it is required."""
    if cls not in _FIELDS:
        kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        _FIELDS[cls] = tuple(
            (p.name, p.default is p.empty)
            for p in inspect.signature(cls).parameters.values()
            if p.kind in kinds and p.name != "api_kwargs"
        )
    return _FIELDS[cls]


def _missing(obj: TelegramObject, path: str = "", depth: int = 0) -> str | None:
    """The first required field that is None, as a path ("message.chat"). PTB leaves a
    missing object None even where Telegram always sends it, and handlers rely on it."""
    for name, required in _fields(type(obj)) if depth <= MAX_DEPTH else ():
        value = getattr(obj, name, None)
        where = f"{path}.{name}" if path else name
        if value is None and required:
            return where
        for item in _objects(value):
            if (found := _missing(item, where, depth + 1)) is not None:
                return found
    return None


def _objects(value: object) -> list[TelegramObject]:
    """The PTB objects in a field: itself, or those in its (nested) tuples."""
    if isinstance(value, TelegramObject):
        return [value]
    if isinstance(value, tuple):
        return [o for v in value for o in _objects(v)]
    return []


def _days_argument(text: str) -> int | None:
    """/unanswered 30: the days (the default when none is given); None when not a number
    of days (the same rule as the admin API's ?days=)."""
    parts = text.split()
    return parse_days(parts[1] if len(parts) > 1 else None)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("Telegram start-up failed", exc_info=task.exception())


def _topic(engine: Engine, topic_id: str) -> Topic | None:
    return next((t for t in engine.booklet.topics if t.topic == topic_id), None)
