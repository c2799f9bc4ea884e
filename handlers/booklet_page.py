"""GET /booklet: the whole booklet as one page, for officers who look rules up or print
them for a family: every topic with its questions, answers, figures and sources, its
picture card, a search box, a link to each answer, and a print stylesheet (A4).

Everything comes from the booklet itself and every value is escaped; the page loads
nothing from elsewhere (its style and script are inline, allowed by their hashes)."""

from __future__ import annotations

import base64
import hashlib
import re
from html import escape
from typing import Any

from aiohttp import web

from bot.booklet import Booklet, Intent, Topic
from bot.reply import caveat
from handlers.http import SERVICE

# a number with its unit (10%–20% is two): shown bold, so a printed page shows the figures
_FIGURE = re.compile(
    r"\d+(?:[.,]\d+)?\s*(?:%|％|万元|亿元|元|块|周岁|岁|个月|月|年|日|号|天|户|万人|人次|人|次|倍|亩)?"
)

STYLE = """
body { font: 17px/1.7 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
  margin: 0 auto; max-width: 46em; padding: 0 1em 3em; color: #222; background: #fff; }
header { border-bottom: 3px solid #1f5fa8; margin-bottom: 1em; }
h1 { font-size: 1.6em; margin: .6em 0 .2em; color: #1f5fa8; }
h2 { font-size: 1.35em; margin: 1.6em 0 .3em; color: #1f5fa8; }
h3 { font-size: 1.1em; margin: 1.2em 0 .2em; }
.search { position: sticky; top: 0; background: #fff; padding: .6em 0; }
.search input { width: 100%; box-sizing: border-box; font-size: 1.1em; padding: .5em;
  border: 2px solid #1f5fa8; border-radius: 6px; }
.summary { color: #444; }
.card { display: block; max-width: 100%; width: 540px; height: auto; margin: .5em 0; }
.intent { border-top: 1px solid #ddd; padding-top: .2em; }
.intent:target { background: #fff8d6; }
.short { font-weight: bold; }
.figure { font-weight: bold; }
.source { color: #555; font-size: .9em; }
.share a { font-size: .9em; color: #1f5fa8; }
#none { color: #a33; }
footer { margin-top: 2em; border-top: 1px solid #ddd; padding-top: .5em; }
@media print {
  @page { size: A4; margin: 18mm 16mm; }
  body { font-size: 14pt; line-height: 1.6; max-width: none; padding: 0; }
  h1 { font-size: 22pt; }
  h2 { font-size: 19pt; }
  h3 { font-size: 16pt; }
  .summary, .short, .answer, .source, footer, p { font-size: 14pt; }
  .search, .share, #none, nav { display: none !important; }
  .topic:not([hidden]) ~ .topic:not([hidden]) { break-before: page; page-break-before: always; }
  .intent { break-inside: avoid; page-break-inside: avoid; }
  .intent:target { background: none; }
  .card { width: 11cm; }
  a { color: inherit; text-decoration: none; }
}
"""

SCRIPT = """
(function () {
  var box = document.getElementById("q");
  var none = document.getElementById("none");
  var topics = Array.prototype.slice.call(document.querySelectorAll(".topic"));
  function filter() {
    var words = box.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var shown = 0;
    topics.forEach(function (topic) {
      var head = topic.querySelector(".topic-head").textContent.toLowerCase();
      var any = false;
      topic.querySelectorAll(".intent").forEach(function (intent) {
        var text = head + " " + intent.textContent.toLowerCase();
        var fits = words.every(function (w) { return text.indexOf(w) >= 0; });
        intent.hidden = !fits;
        any = any || fits;
      });
      topic.hidden = !any;
      if (any) { shown += 1; }
    });
    none.hidden = shown > 0;
  }
  box.addEventListener("input", filter);
  document.querySelectorAll("a.link").forEach(function (a) {
    a.addEventListener("click", function (event) {
      var url = location.origin + a.getAttribute("href");
      if (navigator.clipboard && window.isSecureContext) {
        event.preventDefault();
        navigator.clipboard.writeText(url).then(function () {
          a.textContent = "已复制链接";
          setTimeout(function () { a.textContent = "复制链接"; }, 2000);
        });
      }
    });
  });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("img[loading=lazy]").forEach(function (img) {
      img.loading = "eager";
    });
  });
})();
"""


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


# nothing from elsewhere: the inline style and script by their hashes, pictures from here
CSP = (
    f"default-src 'none'; img-src 'self'; style-src {_hash(STYLE)}; "
    f"script-src {_hash(SCRIPT)}; base-uri 'none'; form-action 'none'"
)


def _figures(text: str) -> str:
    """Escaped text with its figures bold."""
    out, at = [], 0
    for found in _FIGURE.finditer(text):
        out.append(escape(text[at : found.start()]))
        out.append(f'<strong class="figure">{escape(found.group())}</strong>')
        at = found.end()
    out.append(escape(text[at:]))
    return "".join(out)


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{_figures(line)}</p>" for line in text.splitlines() if line.strip())


def _intent(booklet: Booklet, intent: Intent) -> str:
    anchor = escape(intent.id)
    short = getattr(intent, "short", "")
    parts = [
        f'<article class="intent" id="{anchor}">',
        f"<h3>{escape(intent.title)}</h3>",
        f'<p class="short">{_figures(short)}</p>' if short else "",
        f'<div class="answer">{_paragraphs(intent.answer)}</div>',
        f'<p class="source">来源：{escape(booklet.cite(intent))}</p>',
        f'<p class="share"><a class="link" href="/booklet#{anchor}" '
        f'title="复制这条回答的链接，发给别人">复制链接</a></p>',
        "</article>",
    ]
    return "".join(parts)


def _topic(booklet: Booklet, topic: Topic) -> str:
    name = escape(topic.topic)
    points = "；".join(str(point) for point in topic.card)
    alt = f"{topic.title}的图片卡" + (f"：{points}" if points else f"：{topic.summary}")
    intents = "".join(_intent(booklet, i) for i in topic.intents)
    return (
        f'<section class="topic" id="topic-{name}">'
        f'<div class="topic-head"><h2>{escape(topic.title)}</h2>'
        f'<p class="summary">{_figures(topic.summary)}</p></div>'
        f'<img class="card" src="/cards/{name}.png" loading="lazy" alt="{escape(alt)}">'
        f"{intents}</section>"
    )


def render(booklet: Booklet) -> str:
    """The page for a booklet: its menu topics (the help topic's greetings are left out)."""
    meta = booklet.meta
    topics = booklet.menu_topics
    nav = "".join(
        f'<li><a href="#topic-{escape(t.topic)}">{escape(t.title)}</a></li>' for t in topics
    )
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(meta.title)}（全部政策）</title><style>{STYLE}</style></head><body>"
        f"<header><h1>{escape(meta.title)}</h1>"
        f"<p>{escape(meta.region)} · 版本 {escape(meta.version)} · 共{len(topics)}个主题"
        f"，有不清楚的请问{escape(meta.ask_person)}</p>"
        f'<p class="caveat"><strong>{escape(caveat(booklet))}</strong></p></header>'
        '<div class="search"><input id="q" type="search" autocomplete="off" '
        'placeholder="搜索：输入 孝善、住院、多少钱 …" aria-label="搜索图册"></div>'
        '<p id="none" hidden>没有找到。换个词试试，或者问村扶贫专干。</p>'
        f'<nav><ul class="toc">{nav}</ul></nav>'
        f"<main>{''.join(_topic(booklet, t) for t in topics)}</main>"
        f"<footer>以上政策来自{escape(meta.title)}，版本 {escape(meta.version)}。"
        f"您家的具体情况，请问{escape(meta.ask_person)}。</footer>"
        f"<script>{SCRIPT}</script></body></html>"
    )


def page_bytes(booklet: Booklet, cache: dict[str, Any]) -> bytes:
    """The page, built once per booklet (a reload brings a new one)."""
    if cache.get("booklet") is not booklet:
        cache.update(booklet=booklet, body=render(booklet).encode())
    body: bytes = cache["body"]
    return body


_CACHE: dict[str, Any] = {}  # the page of the booklet last shown (one per process)


async def booklet_page(request: web.Request) -> web.Response:
    """GET /booklet: the whole booklet on one page (printable)."""
    body = page_bytes(request.app[SERVICE].engine.booklet, _CACHE)
    return web.Response(
        body=body,
        content_type="text/html",
        charset="utf-8",
        headers={"Content-Security-Policy": CSP, "Cache-Control": "no-cache"},
    )
