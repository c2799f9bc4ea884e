"""Replies as Telegram HTML messages and inline keyboards (pure: no network)."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.booklet import Booklet, Topic
from bot.reply import Reply

MAX_MESSAGE = 4096  # Telegram's limit, in characters
MAX_CALLBACK = 64  # Telegram's limit, in bytes

MENU = "m"  # callback data: the topic menu
TOPIC = "t:"  # callback data prefix: one topic's questions
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
    """The reply as Telegram HTML, every inserted value escaped."""
    parts = []
    if reply.matched and reply.title and reply.topic != help_topic:
        parts.append(f"<b>{escape(reply.title)}</b>")
    parts.append(escape(reply.answer))
    if reply.source:
        parts.append(f"<i>来源：{escape(reply.source)}</i>")
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


def topic_keyboard(topic: Topic) -> InlineKeyboardMarkup:
    """A topic's questions, and the way back."""
    rows = [
        [InlineKeyboardButton(i.title, callback_data=callback(ANSWER + i.id))]
        for i in topic.intents
    ]
    rows.append([InlineKeyboardButton("« 返回菜单", callback_data=callback(MENU))])
    return InlineKeyboardMarkup(rows)


def reply_keyboard(reply: Reply, help_topic: str | None) -> InlineKeyboardMarkup:
    """Under a reply: 👍/👎, its follow-ups or suggestions, then back and menu."""
    options = reply.suggestions or reply.follow_ups
    rows = [
        [InlineKeyboardButton(o.title, callback_data=callback(ANSWER + o.intent))] for o in options
    ]
    if reply.matched and reply.intent and reply.topic != help_topic:
        vote = [
            InlineKeyboardButton("👍 有用", callback_data=callback(HELPFUL + reply.intent)),
            InlineKeyboardButton("👎 没用", callback_data=callback(UNHELPFUL + reply.intent)),
        ]
        rows.insert(0, vote)
    last = []
    if reply.matched and reply.topic and reply.topic != help_topic:
        last.append(InlineKeyboardButton("📷 图片", callback_data=callback(CARD + reply.topic)))
        last.append(InlineKeyboardButton("« 返回", callback_data=callback(TOPIC + reply.topic)))
    last.append(InlineKeyboardButton("🏠 菜单", callback_data=callback(MENU)))
    rows.append(last)
    return InlineKeyboardMarkup(rows)
