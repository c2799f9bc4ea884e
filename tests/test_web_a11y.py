"""The web chat page for older people and for screen readers, in headless Chromium:
answers in two parts (详细说说, 🔊 听一听), error cards that say what to do and whom to
ask, focus and tab order, whose message is whose, axe-core's checks, and the 适老化
rules (text size, line height, contrast, tap targets); screenshots at 360×740.

The answer's newer keys (details, source_line, speech) and the failures come from a
small server of this file: the real page files, the real booklet's answers, and
canned additions."""

from __future__ import annotations

import json
import os
import struct
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, ViewportSize
from playwright.async_api import expect as playwright_expect

from bot.engine import Engine
from bot.service import Service
from handlers.http import WEB, make_app, topics_json
from tests.helpers.axe import axe_source, check_tarball

PHONE: ViewportSize = {"width": 390, "height": 844}
SMALL_PHONE: ViewportSize = {"width": 360, "height": 740}
WAIT_MS = 15_000  # generous: a slow 2-core CI machine
ASK_PERSON = "村扶贫专干或您家的帮扶干部"  # the page's own words when the booklet's are not sent
RETRY_AFTER = 37
# what a newer server adds to the answer to 孝善养老是什么 (the others keep what the
# server of the day gives, or not)
DETAILS = (
    "孝善养老是枣庄对70岁以上贫困老人的扶贫政策：子女给老人缴纳孝善资金，"
    "政府再按子女所交钱数的10%–20%奖补。\n"
    "它讲的是物质保障和精神慰藉相结合，老人手里有钱，子女也尽了孝心。\n"
    "具体用哪个比例、钱怎么交怎么领，以您所在区（市）和村里的规定为准。\n"
    "找谁：村扶贫专干或您家的帮扶干部。"
)
SOURCE_LINE = "来源：枣庄日报 2018 年的报道"

expect = type(playwright_expect)()  # this file's own, with longer waits
expect.set_options(timeout=WAIT_MS)


def silent_mp3(seconds: float) -> bytes:
    """An MP3 of silence: MPEG-1 Layer III frames, 32 kbit/s, 44.1 kHz, mono, no data."""
    header = struct.pack(">I", 0xFFFB10C4)
    frame = header + bytes(144 * 32_000 // 44_100 - len(header))
    return frame * max(1, round(seconds * 44_100 / 1152))


class Canned:
    """The page's server for these tests: the page, the real topics and answers, and
    what the newer server adds (or an older or broken one sends)."""

    def __init__(self, engine: Engine, folder: Path, ask_person: str | None = None) -> None:
        self.engine = engine
        self.service = Service.of(engine)
        self.ask_person = ask_person
        self.sent: list[dict[str, Any]] = []  # the answers, as sent
        self.asked = 0
        (folder / "long.mp3").write_bytes(silent_mp3(60))
        (folder / "short.mp3").write_bytes(silent_mp3(1))
        self.folder = folder

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/", self.page)
        app.router.add_static("/static/", WEB)
        app.router.add_get("/api/topics", self.topics)
        app.router.add_post("/api/ask", self.ask)
        app.router.add_post("/api/feedback", self.feedback)
        app.router.add_get("/cards/{topic}.png", self.card)
        app.router.add_get("/speech/{name}.mp3", self.speech)
        return app

    async def page(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(WEB / "index.html")

    async def topics(self, request: web.Request) -> web.Response:
        body = json.loads(topics_json(self.engine))
        if self.ask_person is not None:  # a server that sends the booklet's ask_person
            body["booklet"]["ask_person"] = self.ask_person
        return web.json_response(body)

    async def card(self, request: web.Request) -> web.Response:
        drawn = await self.service.card(request.match_info["topic"])
        if drawn is None:
            raise web.HTTPNotFound()
        return web.Response(body=drawn.png, content_type="image/png")

    async def speech(self, request: web.Request) -> web.StreamResponse:
        path = self.folder / f"{request.match_info['name']}.mp3"
        if not path.exists():
            raise web.HTTPNotFound()
        return web.FileResponse(path, headers={"Content-Type": "audio/mpeg"})

    async def feedback(self, request: web.Request) -> web.Response:
        thanks = {"question": "", "matched": False, "intent": None, "answer": "谢谢您！",
                  "source": "", "suggestions": []}  # fmt: skip
        return web.json_response(thanks)

    async def ask(self, request: web.Request) -> web.Response:
        self.asked += 1
        text = str((await request.json()).get("text", ""))
        if text == "太快了":
            return web.json_response({"error": "too many questions"}, status=429,
                                     headers={"Retry-After": str(RETRY_AFTER)})  # fmt: skip
        if text == "服务器坏了":
            return web.json_response({"error": "internal"}, status=500)
        body = self.engine.ask(text).to_json()
        if text.startswith("旧的"):  # an older server: none of the newer keys
            for key in ("details", "source_line", "speech"):
                body.pop(key, None)
        elif text.startswith("怪的"):  # a broken one: the newer keys of the wrong kinds
            body.update(details=42, source_line=None, speech="javascript:alert(1)")
        else:
            if body.get("intent") == "xiaoshan.what":
                body.update(details=DETAILS, source_line=SOURCE_LINE)
            if body.get("intent") in ("xiaoshan.what", "linli.what"):
                body["speech"] = "/speech/long.mp3"
            elif body.get("intent") == "xiaoshan.who":
                body["speech"] = "/speech/short.mp3"
        self.sent.append(body)
        return web.json_response(body)


async def _serve(app: web.Application) -> TestServer:
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


@pytest.fixture
async def canned(engine: Engine, tmp_path: Path) -> AsyncIterator[tuple[Canned, str]]:
    fake = Canned(engine, tmp_path)
    server = await _serve(fake.app())
    try:
        yield fake, str(server.make_url("/"))
    finally:
        await server.close()


@pytest.fixture
async def real(engine: Engine) -> AsyncIterator[str]:
    server = await _serve(make_app(engine))
    try:
        yield str(server.make_url("/"))
    finally:
        await server.close()


async def _open(browser: Browser, url: str, viewport: ViewportSize = PHONE) -> Page:
    context = await browser.new_context(viewport=viewport)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    setattr(page, "errors", errors)  # noqa: B010 (read back by _close)
    page.set_default_timeout(WAIT_MS)
    await page.goto(url)
    await expect(page.locator(".topic-button").first).to_be_visible()
    return page


async def _close(page: Page) -> None:
    errors = getattr(page, "errors", [])
    await page.context.close()
    assert not errors, errors


@pytest.fixture
async def page(browser: Browser, canned: tuple[Canned, str]) -> AsyncIterator[Page]:
    page = await _open(browser, canned[1])
    yield page
    await _close(page)


async def _ask(page: Page, text: str) -> None:
    before = await page.locator("#messages .bot-message").count()
    await page.locator("#question").fill(text)
    await page.locator("#send").click()
    await expect(page.locator("#messages .bot-message")).to_have_count(before + 1)


# ---------- answers in two parts ----------


async def test_details_open_in_the_same_card_without_a_request(
    page: Page, canned: tuple[Canned, str]
) -> None:
    fake, _ = canned
    await _ask(page, "孝善养老是什么")
    card = page.locator(".bot-message").last
    sent = fake.sent[-1]
    await expect(card.locator(".answer-text")).to_have_text(sent["answer"])
    button = card.locator(".details-button")
    await expect(button).to_have_text("详细说说")
    await expect(button).to_have_attribute("aria-expanded", "false")
    details = card.locator(".answer-details")
    await expect(details).to_be_hidden()
    asked = fake.asked
    await button.click()
    await expect(details).to_be_visible()
    await expect(details).to_have_text(sent["details"])
    await expect(button).to_have_attribute("aria-expanded", "true")
    assert await button.get_attribute("aria-controls") == await details.get_attribute("id")
    # the short answer comes first, the details under it, in the same card
    answer_box = await card.locator(".answer-text").bounding_box()
    details_box = await details.bounding_box()
    assert answer_box and details_box and details_box["y"] > answer_box["y"]
    await expect(card.locator(".answer-source")).to_have_text(SOURCE_LINE)
    await button.click()  # 收起
    await expect(details).to_be_hidden()
    await expect(button).to_have_text("详细说说")
    assert fake.asked == asked, "details come with the answer: no new request"


async def test_no_details_no_button_and_the_source_line_falls_back(page: Page) -> None:
    await _ask(page, "旧的孝善养老是什么")  # an older server: no details, no source_line
    card = page.locator(".bot-message").last
    await expect(card.locator(".answer-text")).to_contain_text("孝善")
    await expect(card.locator(".answer-source")).to_contain_text("来源：《枣庄日报》")
    assert await card.locator(".details-button, .listen-button, .answer-details").count() == 0
    await _ask(page, "怪的孝善养老是什么")  # the keys of the wrong kinds break nothing
    card = page.locator(".bot-message").last
    await expect(card.locator(".answer-source")).to_contain_text("来源：《枣庄日报》")
    assert await card.locator(".details-button, .listen-button, .answer-details").count() == 0
    await expect(card.locator(".menu-button")).to_be_visible()


async def _playing(page: Page) -> bool:
    return bool(await page.evaluate(
        "() => { const a = document.querySelector('audio');"
        " return !!a && !a.paused && !a.ended; }"
    ))  # fmt: skip


async def test_listen_plays_one_answer_at_a_time(page: Page) -> None:
    cards = page.locator("#messages .bot-message")
    await _ask(page, "孝善养老是什么")
    first = cards.nth(0).locator(".listen-button")
    await expect(first).to_have_text("🔊 听一听")
    await first.click()
    await expect(first).to_have_text("⏸ 停")
    await page.wait_for_function(
        "() => { const a = document.querySelector('audio');"
        " return a && !a.paused && a.currentTime > 0 && a.src.endsWith('/speech/long.mp3'); }"
    )
    assert await page.locator("audio").count() == 1
    await first.click()  # ⏸ 停
    await expect(first).to_have_text("🔊 听一听")
    assert not await _playing(page)

    await first.click()
    await expect(first).to_have_text("⏸ 停")
    await _ask(page, "邻里互助是什么")
    second = cards.nth(1).locator(".listen-button")
    await second.click()  # another answer: the first one stops
    await expect(second).to_have_text("⏸ 停")
    await expect(first).to_have_text("🔊 听一听")
    assert await page.locator("audio").count() == 1
    assert await _playing(page)

    await _ask(page, "谁能享受孝善养老")  # a short recording: the button comes back alone
    short = cards.nth(2).locator(".listen-button")
    await short.click()
    await expect(second).to_have_text("🔊 听一听")
    await page.wait_for_function("() => document.querySelector('audio').ended")
    await expect(short).to_have_text("🔊 听一听")


# ---------- errors ----------


async def test_too_fast_says_how_long_to_wait_and_whom_to_ask(page: Page) -> None:
    box = page.locator("#question")
    await box.fill("太快了")
    async with page.expect_response("**/api/ask") as answered:
        await page.locator("#send").click()
    assert (await answered.value).headers["retry-after"] == str(RETRY_AFTER)
    error = page.locator(".error-message").last
    await expect(error).to_contain_text(f"您问得太快了，请等 {RETRY_AFTER} 秒再问")
    await expect(error).not_to_contain_text("网络不好")
    await expect(error.locator(".error-ask")).to_contain_text(ASK_PERSON)
    await expect(error).to_be_focused()
    await expect(box).to_have_value("太快了")
    await error.locator(".menu-button").click()  # the error card keeps the way to the menu
    await expect(page.locator("#menu .topic-button").first).to_be_visible()


async def test_a_server_error_names_the_booklets_person(
    browser: Browser, engine: Engine, tmp_path: Path
) -> None:
    fake = Canned(engine, tmp_path, ask_person="村里的第一书记")
    server = await _serve(fake.app())
    try:
        page = await _open(browser, str(server.make_url("/")))
        await page.locator("#question").fill("服务器坏了")
        await page.locator("#question").press("Enter")
        error = page.locator(".error-message").last
        await expect(error).to_contain_text("网络不好")
        await expect(error.locator(".error-ask")).to_have_text("着急的话，请问村里的第一书记。")
        await expect(error.locator(".menu-button")).to_be_visible()
        await _close(page)
    finally:
        await server.close()


# ---------- focus, tab order, whose message ----------

RECORD_FOCUS = """
window.focusCalls = [];
const focus = HTMLElement.prototype.focus;
HTMLElement.prototype.focus = function (options) {
  window.focusCalls.push({ node: this, preventScroll: !!(options && options.preventScroll) });
  return focus.call(this, options);
};
"""


async def _answer_has_focus(page: Page) -> None:
    card = page.locator("#messages .bot-message").last
    await expect(card).to_be_focused()
    assert await card.get_attribute("tabindex") == "-1"
    assert await page.evaluate(  # focused without scrolling: reveal() placed it
        "() => window.focusCalls.filter(c => c.node === document.activeElement)"
        ".every(c => c.preventScroll)"
    )
    assert await page.evaluate(  # and its beginning is in view
        "() => { const chat = document.getElementById('chat').getBoundingClientRect();"
        " const card = document.activeElement.getBoundingClientRect();"
        " return card.top >= chat.top - 1 && card.top < chat.bottom - 40; }"
    )


async def test_focus_moves_to_the_new_answer(browser: Browser, real: str) -> None:
    context = await browser.new_context(viewport=PHONE)
    await context.add_init_script(RECORD_FOCUS)
    page = await context.new_page()
    page.set_default_timeout(WAIT_MS)
    try:
        await page.goto(real)
        await page.locator('.topic-button[data-topic="xiaoshan"]').click()
        await page.locator('.question-button[data-intent="xiaoshan.amount"]').click()
        await expect(page.locator(".bot-message .answer-title").last).to_be_visible()
        await _answer_has_focus(page)
        for text in ("孝善养老是什么", "那要什么条件"):  # typed, sent with Enter
            before = await page.locator("#messages .bot-message").count()
            await page.locator("#question").fill(text)
            await page.locator("#question").press("Enter")
            await expect(page.locator("#messages .bot-message")).to_have_count(before + 1)
            await _answer_has_focus(page)
        # from the answer, Tab goes on to its own buttons
        await page.keyboard.press("Tab")
        assert await page.evaluate(
            "() => document.activeElement.closest('.bot-message') ==="
            " [...document.querySelectorAll('#messages .bot-message')].pop()"
        )
    finally:
        await context.close()


async def test_the_text_box_comes_first_in_tab_order(browser: Browser, real: str) -> None:
    page = await _open(browser, real)
    try:
        await page.keyboard.press("Tab")
        await expect(page.locator("#question")).to_be_focused()
        await page.keyboard.press("Tab")
        await expect(page.locator("#send")).to_be_focused()
        await page.keyboard.press("Tab")
        await expect(page.locator(".topic-button").first).to_be_focused()
        # and it is still drawn at the bottom, under the chat
        box = await page.locator("#question").bounding_box()
        chat = await page.locator("#chat").bounding_box()
        assert box and chat and box["y"] >= chat["y"] + chat["height"] - 1
    finally:
        await _close(page)


async def test_messages_say_whose_they_are(page: Page) -> None:
    log = page.locator("#messages")
    await expect(log).to_have_attribute("role", "log")
    await expect(log).to_have_attribute("aria-live", "polite")
    await _ask(page, "孝善养老是什么")
    mine = page.locator("#messages > .user-message").last
    bots = page.locator("#messages > .bot-message").last
    assert await mine.evaluate("n => n.tagName") == "ARTICLE"
    await expect(mine).to_have_attribute("aria-label", "您说")
    await expect(mine.locator(".visually-hidden")).to_have_text("您说：")
    await expect(mine).to_have_text("您说：孝善养老是什么")
    assert await bots.evaluate("n => n.tagName") == "ARTICLE"
    await expect(bots).to_have_attribute("aria-label", "小助手说")
    await expect(bots.locator(".visually-hidden").first).to_have_text("小助手说：")
    await expect(page.locator("#messages > .greeting")).to_have_attribute("aria-label", "小助手说")
    await expect(page.get_by_role("article", name="您说")).to_have_count(1)
    await expect(page.get_by_role("article", name="小助手说")).to_have_count(2)


# ---------- axe-core and the 适老化 rules ----------


async def _axe(page: Page, where: str) -> None:
    """No serious or critical violation of axe-core's rules in the page as it is."""
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.add_script_tag(content=axe_source())
    violations = await page.evaluate(
        "async () => (await axe.run(document, { resultTypes: ['violations'] })).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — '"
        " + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    assert not violations, f"{where}: {violations}"


ELDERLY_RULES = """
() => {
  const problems = [];
  const rgba = (text) => {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, below) => {
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + below[i] * (1 - a)).concat([1]);
  };
  const background = (node) => {  // the colours under a node, down to the first opaque one
    const layers = [];
    for (let e = node; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    return layers.reverse().reduce((below, c) => over(c, below), [255, 255, 255, 1]);
  };
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map(v => {
      v /= 255;
      return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (e) => {
    const bg = background(e);
    const fg = over(rgba(getComputedStyle(e).color), bg);
    const [hi, lo] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const name = (e, text) => e.tagName.toLowerCase() + (e.className ? "." + e.className : "")
    + ' "' + text.trim().slice(0, 16) + '"';
  let texts = 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const e = n.parentElement;
    if (!n.textContent.trim() || e.closest(".visually-hidden, noscript, script, style")) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    const box = range.getBoundingClientRect();
    if (box.width < 2 || box.height < 2) continue;  // not shown
    const s = getComputedStyle(e);
    if (s.visibility === "hidden") continue;
    texts += 1;
    const size = parseFloat(s.fontSize);
    const height = parseFloat(s.lineHeight);  // "normal" is NaN: a failure
    if (!(size >= 18)) problems.push(name(e, n.textContent) + ": " + size + " px text");
    if (!(height / size >= 1.3)) {
      problems.push(name(e, n.textContent) + ": line height " + s.lineHeight + " at " + size);
    }
    if (e.closest("button:disabled")) continue;  // inactive controls are exempt (WCAG 1.4.3)
    const ratio = contrast(e);
    if (!(ratio >= 4.5)) problems.push(name(e, n.textContent) + ": contrast " + ratio.toFixed(2));
  }
  let targets = 0;
  const controls = "button, a[href], input, textarea, select, [role=button]";
  for (const t of document.querySelectorAll(controls)) {
    const box = t.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;  // not shown
    targets += 1;
    if (box.width < 48 || box.height < 48) {
      problems.push(name(t, t.textContent || t.id) + ": a " + Math.round(box.width) + "×"
        + Math.round(box.height) + " px target");
    }
  }
  return { problems, texts, targets };
}
"""


async def _elderly_rules(page: Page, where: str) -> None:
    """适老化: text of 18 px or more, line height 1.3 or more, contrast 4.5:1 or more,
    buttons, links and the text box 48 px or more each way."""
    found = await page.evaluate(ELDERLY_RULES)
    assert found["texts"] >= 3 and found["targets"] >= 2, f"{where}: nothing measured: {found}"
    assert not found["problems"], f"{where}: {found['problems']}"


async def _check(page: Page, where: str) -> None:
    await _axe(page, where)
    await _elderly_rules(page, where)


@pytest.mark.parametrize("viewport", [PHONE, SMALL_PHONE], ids=["390", "360"])
async def test_axe_and_the_elderly_rules(
    browser: Browser, canned: tuple[Canned, str], viewport: ViewportSize
) -> None:
    page = await _open(browser, canned[1], viewport)
    try:
        await _check(page, "the start screen")
        await page.locator('.topic-button[data-topic="xiaoshan"]').click()
        await expect(page.locator(".question-button").first).to_be_visible()
        await _check(page, "a topic's questions")
        await _ask(page, "孝善养老是什么")
        card = page.locator("#messages .bot-message").nth(0)
        await card.locator(".details-button").click()
        await expect(card.locator(".answer-details")).to_be_visible()
        await card.locator(".listen-button").click()
        await expect(card.locator(".listen-button")).to_have_text("⏸ 停")
        await _check(page, "an answer with its details open, playing")
        await card.locator(".feedback-up").click()
        await expect(card.locator(".feedback-up")).to_be_disabled()
        await _check(page, "after 👍")
        await _ask(page, "保险")
        await expect(page.locator(".bot-message").last.locator(".suggestion").first).to_be_visible()
        await _check(page, "an unsure answer with suggestions")
        await page.locator("#question").fill("太快了")
        await page.locator("#send").click()
        await expect(page.locator(".error-message").last).to_contain_text("您问得太快了")
        await _check(page, "an error")
        await page.locator(".error-message .menu-button").last.click()
        await expect(page.locator("#menu .topic-button").first).to_be_visible()
        await _check(page, "the menu again")
        assert await page.evaluate(  # nothing wider than the phone
            "() => document.documentElement.scrollWidth <= window.innerWidth"
        )
    finally:
        await _close(page)


# ---------- screenshots (docs/screenshots/ with POLICYBOT_SCREENSHOTS=docs/screenshots) ----------


async def test_screenshots_at_360_by_740(
    browser: Browser, canned: tuple[Canned, str], tmp_path: Path
) -> None:
    folder = Path(os.environ.get("POLICYBOT_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page = await _open(browser, canned[1], SMALL_PHONE)
    try:
        await page.evaluate("document.fonts.ready")
        await page.screenshot(path=str(folder / "start.png"))

        await _ask(page, "孝善养老是什么")
        card = page.locator("#messages .bot-message").nth(0)
        await page.wait_for_function(  # its picture card drawn and loaded
            "() => [...document.images].every(i => i.complete && i.naturalWidth > 0)"
        )
        await page.screenshot(path=str(folder / "answer.png"))  # the short answer first
        await card.locator(".details-button").click()
        await expect(card.locator(".answer-details")).to_be_visible()
        await page.screenshot(path=str(folder / "answer-details.png"))  # as the page scrolled

        await card.locator(".menu-button").click()
        await expect(page.locator("#menu .topic-button").first).to_be_visible()
        await page.locator('.topic-button[data-topic="xiaoshan"]').click()
        await expect(page.locator(".question-button").first).to_be_visible()
        await page.screenshot(path=str(folder / "menu.png"))
        for name in ("start.png", "answer.png", "answer-details.png", "menu.png"):
            assert (folder / name).stat().st_size > 5_000
    finally:
        await _close(page)


def test_the_axe_tarball_must_match_its_pinned_integrity() -> None:
    with pytest.raises(RuntimeError, match="not the pinned"):
        check_tarball(b"not axe-core")
