"""Telegram HTML: escaped values, messages split under the limit."""

from __future__ import annotations

from dataclasses import replace

from bot.engine import Engine
from bot.reply import Reply
from handlers.telegram_render import MAX_MESSAGE, button_title, html, reply_keyboard, split


def test_values_are_escaped() -> None:
    reply = Reply("q", True, "a < b & c > d", "matched", intent="x.y", topic="x",
                  title="<b>标题</b>", source="《全文》<", source_line="来源：《来源》&",
                  caveat="（<注意>）")  # fmt: skip
    text = html(reply, None)
    assert "&lt;b&gt;标题&lt;/b&gt;" in text and "a &lt; b &amp; c &gt; d" in text
    assert text.startswith("<b>") and "<i>来源：《来源》&amp;</i>" in text
    assert "<i>（&lt;注意&gt;）</i>" in text
    assert "全文" not in text, "the exact citation only under 详细说说"
    details = html(replace(reply, reason="details"), None)
    assert "<i>出处：《全文》&lt;</i>" in details and "来源：《来源》" not in details


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


def test_the_help_topic_is_the_booklets_role_not_a_word_in_code(engine: Engine) -> None:
    """An answer of the help topic (booklet.yaml's roles) gets no title and no buttons
    of its topic; any other topic's answer gets them."""
    booklet = engine.booklet
    help_topic = booklet.meta.roles.help_topic
    assert help_topic is not None
    reply = Reply("q", True, "怎么用", "matched", intent=f"{help_topic}.x", topic=help_topic,
                  title="怎么用", source="s")  # fmt: skip
    assert not html(reply, help_topic).startswith("<b>")
    assert html(reply, "another").startswith("<b>怎么用</b>")
    plain = [b.callback_data for row in reply_keyboard(reply, booklet).inline_keyboard
             for b in row]  # fmt: skip
    assert plain == ["M"], "only the menu"
    other = replace(reply, intent="xiaoshan.what", topic="xiaoshan")
    topical = [b.callback_data for row in reply_keyboard(other, booklet).inline_keyboard
               for b in row]  # fmt: skip
    assert {"f:1:xiaoshan.what", "f:0:xiaoshan.what", "c:xiaoshan", "T:xiaoshan", "M"} <= set(
        topical
    )


def test_long_titles_get_their_short_title_on_buttons(engine: Engine) -> None:
    booklet = engine.booklet
    for intent in booklet.intents.values():
        title = button_title(booklet, intent.id, intent.title)
        assert len(title) <= 16, (intent.id, title)
        assert title == (intent.title if len(intent.title) <= 16 else intent.title_short)
