"""Replies as Telegram HTML messages and inline keyboards (pure: no network)."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.booklet import BUTTON_MAX, Booklet, Topic
from bot.reply import Reply

MAX_MESSAGE = 4096  # Telegram's limit, in characters
MAX_CALLBACK = 64  # Telegram's limit, in bytes

MENU = "m"  # callback data: the topic menu, in place of the menu it is under
TOPIC = "t:"  # callback data prefix: one topic's questions, in place of the menu
NEW_MENU = "M"  # callback data: the topic menu as a new message (under an answer)
NEW_TOPIC = "T:"  # callback data prefix: a topic's questions as a new message
DETAILS = "d:"  # callback data prefix: the rest of an intent's answer ("详细说说")
VOICE = "v:"  # callback data prefix: an intent's short answer, spoken
THANKED = "ok"  # callback data: the button left after a vote
ANSWER = "a:"  # callback data prefix: one intent's answer
HELPFUL = "f:1:"  # callback data prefix: 👍 on an intent's answer
UNHELPFUL = "f:0:"  # callback data prefix: 👎 on an intent's answer
CARD = "c:"  # callback data prefix: a topic's picture card


def callback(data: str) -> str:
    """Callback data, checked against Telegram's limit (ids, never text)."""
    if len(data.encode()) > MAX_CALLBACK:
        raise ValueError(f"callback data over {MAX_CALLBACK} bytes: {data!r}")
    return data


def html(reply: Reply, help_topic: str | None) -> str:
    """The reply as Telegram HTML, every inserted value escaped: the answer, the caveat
    and one plain source line (the exact citation is under "详细说说")."""
    parts = []
    if reply.matched and reply.title and reply.topic != help_topic:
        parts.append(f"<b>{escape(reply.title)}</b>")
    parts.append(escape(reply.answer))
    if reply.caveat:
        parts.append(f"<i>{escape(reply.caveat)}</i>")
    if reply.reason == "details" and reply.source:
        parts.append(f"<i>出处：{escape(reply.source)}</i>")
    elif reply.source_line:
        parts.append(f"<i>{escape(reply.source_line)}</i>")
    if reply.suggestions:
        parts.append("您是不是想问：（点下面的按钮）")
    return "\n".join(parts)


def split(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Split a message under Telegram's limit at line breaks; a longer line is cut
    where no HTML tag or entity is open (our tags never span lines)."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            cut = _safe_cut(line, limit)
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current)
    return chunks


def _safe_cut(line: str, limit: int) -> int:
    cut = limit
    amp, semi = line.rfind("&", 0, cut), line.rfind(";", 0, cut)
    if amp > semi:
        cut = amp  # do not cut &amp; in half
    lt, gt = line.rfind("<", 0, cut), line.rfind(">", 0, cut)
    if lt > gt:
        cut = lt  # do not cut a tag in half
    return max(cut, 1)


def menu_keyboard(booklet: Booklet) -> InlineKeyboardMarkup:
    """One button per topic."""
    rows = [
        [InlineKeyboardButton(t.title, callback_data=callback(TOPIC + t.topic))]
        for t in booklet.menu_topics
    ]
    return InlineKeyboardMarkup(rows)


def button_title(booklet: Booklet, intent_id: str, title: str) -> str:
    """A button's title: the intent's short title when its title is long."""
    intent = booklet.intents.get(intent_id)
    if intent is not None and intent.title_short and len(title) > BUTTON_MAX:
        return intent.title_short
    return title


def topic_keyboard(topic: Topic, booklet: Booklet) -> InlineKeyboardMarkup:
    """A topic's questions, and the way back."""
    rows = [
        [InlineKeyboardButton(button_title(booklet, i.id, i.title),
                              callback_data=callback(ANSWER + i.id))]
        for i in topic.intents
    ]  # fmt: skip
    rows.append([InlineKeyboardButton("« 返回菜单", callback_data=callback(MENU))])
    return InlineKeyboardMarkup(rows)


def reply_keyboard(reply: Reply, booklet: Booklet, voice: bool = False) -> InlineKeyboardMarkup:
    """Under a reply: 详细说说 and 听一听, 👍/👎, its follow-ups or suggestions, then the
    topic and the menu (sent as new messages: the answer stays to be read again)."""
    help_topic = booklet.meta.roles.help_topic
    options = reply.suggestions or reply.follow_ups
    rows = [
        [InlineKeyboardButton(button_title(booklet, o.intent, o.title),
                              callback_data=callback(ANSWER + o.intent))]
        for o in options
    ]  # fmt: skip
    answered = reply.matched and reply.intent and reply.topic != help_topic
    if answered and reply.intent:
        rows.insert(0, vote_row(reply.intent))
        extra = []
        if reply.details:
            extra.append(_button("📖 详细说说", DETAILS + reply.intent))
        if voice:
            extra.append(_button("🔊 听一听", VOICE + reply.intent))
        if extra:
            rows.insert(0, extra)
    last = []
    if reply.matched and reply.topic and reply.topic != help_topic:
        last.append(_button("📷 图片", CARD + reply.topic))
        last.append(_button("本项其他问题", NEW_TOPIC + reply.topic))
    last.append(_button("🏠 菜单", NEW_MENU))
    rows.append(last)
    return InlineKeyboardMarkup(rows)


def _button(title: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(title, callback_data=callback(data))


def vote_row(intent: str) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton("👍 有用", callback_data=callback(HELPFUL + intent)),
        InlineKeyboardButton("👎 没用", callback_data=callback(UNHELPFUL + intent)),
    ]


def voted(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The buttons after a vote: 👍/👎 become "已收到，谢谢", the rest stay."""
    if markup is None:
        return None
    rows = []
    for row in markup.inline_keyboard:
        datas = [b.callback_data for b in row]
        if any(isinstance(d, str) and d.startswith((HELPFUL, UNHELPFUL)) for d in datas):
            rows.append([InlineKeyboardButton("✅ 已收到，谢谢", callback_data=THANKED)])
        else:
            rows.append(list(row))
    return InlineKeyboardMarkup(rows)
