"""Telegram HTML: escaped values, messages split under the limit."""

from __future__ import annotations

from bot.reply import Reply
from handlers.telegram_render import MAX_MESSAGE, html, reply_keyboard, split


def test_values_are_escaped() -> None:
    reply = Reply("q", True, "a < b & c > d", "matched", intent="x.y", topic="x",
                  title="<b>标题</b>", source="《来源》&")  # fmt: skip
    text = html(reply, None)
    assert "&lt;b&gt;标题&lt;/b&gt;" in text and "a &lt; b &amp; c &gt; d" in text
    assert text.startswith("<b>") and "<i>来源：《来源》&amp;</i>" in text


def test_long_messages_are_split_under_the_limit() -> None:
    text = "\n".join(["孝善养老" * 100] * 40)  # 16,000 characters in lines of 400
    chunks = split(text)
    assert len(chunks) > 1 and all(len(c) <= MAX_MESSAGE for c in chunks)
    assert "\n".join(chunks) == text


def test_a_single_huge_line_is_cut_outside_entities() -> None:
    line = "&amp;" * 2000  # 10,000 characters of entities
    chunks = split(line)
    assert all(len(c) <= MAX_MESSAGE for c in chunks)
    assert all(c.endswith(";") for c in chunks[:-1]), "no entity cut in half"
    assert "".join(chunks) == line


def test_short_message_is_one_chunk() -> None:
    assert split("你好") == ["你好"]
    assert split("") == [""]


def test_the_help_topic_is_the_booklets_role_not_a_word_in_code() -> None:
    """An answer of the help topic (booklet.yaml's roles) gets no title and no buttons
    of its topic; a topic called "help" in a booklet whose help topic is another is an
    ordinary topic."""
    reply = Reply("q", True, "怎么用", "matched", intent="guide.use", topic="guide",
                  title="怎么用", source="s")  # fmt: skip
    assert not html(reply, "guide").startswith("<b>")
    assert html(reply, "help").startswith("<b>怎么用</b>")
    plain = [b.callback_data for row in reply_keyboard(reply, "guide").inline_keyboard
             for b in row]  # fmt: skip
    topical = [b.callback_data for row in reply_keyboard(reply, "help").inline_keyboard
               for b in row]  # fmt: skip
    assert len(topical) > len(plain)
