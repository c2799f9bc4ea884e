"""The web chat page in headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, Route, expect

from bot.engine import Engine
from bot.service import Service
from bot.settings import DEFAULT_POLICIES
from bot.store import Store
from handlers.http import make_app


@pytest.fixture
async def server(engine: Engine, tmp_path: Path) -> AsyncIterator[str]:
    store = await Store.open(tmp_path / "bot.sqlite3")
    server = TestServer(make_app(Service(engine, store, DEFAULT_POLICIES)), host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("/"))
    finally:
        await server.close()
        await store.close()


@pytest.fixture
async def page(browser: Browser, server: str) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(server)
    yield page
    await context.close()
    assert not errors, errors


async def test_browse_the_menu_to_an_answer(page: Page) -> None:
    topic = page.locator('.topic-button[data-topic="xiaoshan"]')
    await expect(topic).to_be_visible()
    await topic.click()
    question = page.locator('.question-button[data-intent="xiaoshan.amount"]')
    await question.click()
    reply = page.locator(".bot-message").last
    await expect(reply.locator(".answer-text")).to_contain_text("10%–20%")
    await expect(reply.locator(".answer-source")).to_contain_text("来源")
    assert await reply.locator(".follow-up").count() >= 1
    before = await page.locator(".bot-message").count()
    follow_up = reply.locator(".follow-up").first
    wanted = await follow_up.get_attribute("data-intent")
    await follow_up.click()
    await expect(page.locator(".bot-message")).to_have_count(before + 1)
    assert wanted and wanted.startswith(("xiaoshan.", "bangfu."))
    await expect(page.locator(".bot-message").last.locator(".answer-title")).to_be_visible()


async def test_ask_in_the_chat_box(page: Page) -> None:
    await page.locator("#question").fill("俺爹八十了，闺女交的孝善钱公家添多少")
    await page.locator("#send").click()
    await expect(page.locator(".user-message").last).to_contain_text("俺爹八十了")
    reply = page.locator(".bot-message").last
    await expect(reply.locator(".answer-title")).to_contain_text("政府给添多少")
    await expect(reply.locator(".answer-source")).to_contain_text("来源：枣庄日报2018年的报道")
    await expect(page.locator("#question")).to_have_value("")
    # the real server sends the rest of the answer with it: shown on 详细说说, in place
    await reply.locator(".details-button").click()
    await expect(reply).to_contain_text("峄城区的做法是：儿子每季度交900元")
    await expect(reply).to_contain_text("出处：《枣庄日报》")
    await expect(page.locator("#booklet")).to_contain_text("枣庄2017–2018年")


async def test_unsure_shows_suggestions_and_enter_sends(page: Page) -> None:
    await page.locator("#question").fill("保险")
    await page.locator("#question").press("Enter")
    reply = page.locator(".bot-message").last
    await expect(reply.locator(".suggestion").first).to_be_visible()
    await reply.locator(".suggestion").first.click()
    await expect(page.locator(".bot-message .answer-title").last).to_be_visible()


async def test_text_is_never_markup(page: Page) -> None:
    """Even if the server's answer held markup, the page shows it as text."""
    evil = "<img src=x onerror=\"document.title='pwned'\">"
    body = {"question": evil, "matched": True, "intent": "xiaoshan.what", "topic": "xiaoshan",
            "title": evil, "score": 90.0, "answer": evil + "\n第二行", "source": evil,
            "suggestions": [{"intent": "xiaoshan.who", "title": evil, "score": 50.0}]}  # fmt: skip

    async def fake_answer(route: Route) -> None:
        await route.fulfill(json=body)

    await page.route("**/api/ask", fake_answer)
    await page.locator("#question").fill(evil)
    await page.locator("#send").click()
    reply = page.locator(".bot-message").last
    await expect(reply.locator(".answer-text")).to_contain_text("<img src=x")
    await expect(reply.locator(".answer-title")).to_contain_text("<img")
    assert await page.locator("#messages img:not(.answer-card)").count() == 0
    cards = page.locator("#messages img.answer-card")
    for n in range(await cards.count()):  # our own card image, from a checked topic id
        assert await cards.nth(n).get_attribute("src") == "/cards/xiaoshan.png"
    assert await page.title() != "pwned"


async def test_follow_up_question_keeps_the_topic(page: Page) -> None:
    await page.locator("#question").fill("孝善养老是什么")
    await page.locator("#send").click()
    await expect(page.locator(".bot-message .answer-title").last).to_contain_text("孝善养老")
    await page.locator("#question").fill("那要什么条件")
    await page.locator("#send").click()
    reply = page.locator(".bot-message").nth(1)
    await expect(reply.locator(".answer-title")).to_contain_text("谁能享受孝善养老")


async def test_thumbs_down_offers_other_answers(page: Page) -> None:
    await page.locator("#question").fill("孝善养老是什么")
    await page.locator("#send").click()
    answer = page.locator(".bot-message").nth(0)  # pinned: a new card will follow
    await expect(answer.locator(".feedback-down")).to_be_visible()
    await answer.locator(".feedback-down").click()
    await expect(answer.locator(".feedback-down")).to_be_disabled()
    await expect(answer.locator(".feedback-up")).to_be_disabled()
    after = page.locator(".bot-message").nth(1)
    await expect(after.locator(".answer-text")).to_contain_text("村扶贫专干")
    await expect(after.locator(".suggestion").first).to_be_visible()


async def test_a_topics_first_answer_shows_its_card(page: Page) -> None:
    await page.locator("#question").fill("孝善养老是什么")
    await page.locator("#send").click()
    card = page.locator(".bot-message .answer-card").first
    await expect(card).to_be_visible()
    assert await card.get_attribute("src") == "/cards/xiaoshan.png"
    await page.wait_for_function(  # the image really loads, at its full size
        "() => { const i = document.querySelector('.answer-card');"
        " return i && i.complete && i.naturalWidth === 1080; }",
        timeout=10_000,
    )


async def test_over_the_limit_the_page_says_to_wait_not_network(
    engine: Engine, browser: Browser
) -> None:
    """Over the bot's limit the page used to say the network was bad (issue 10/13):
    it says how long to wait, keeps the question in the box, and the limit is the
    browser's (its server-signed cookie), whatever session the page sends."""
    server = TestServer(make_app(engine, rate_limit=1), host="127.0.0.1")
    await server.start_server()
    context = await browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = await context.new_page()
        await page.goto(str(server.make_url("/")))
        box = page.locator("#question")
        await box.fill("孝善养老是什么")
        await page.locator("#send").click()
        await expect(page.locator(".bot-message .answer-title").last).to_be_visible()
        await page.evaluate("localStorage.clear()")  # a new session buys nothing
        await box.fill("一站式结算怎么办")
        async with page.expect_response("**/api/ask") as refused:
            await page.locator("#send").click()
        wait = (await refused.value).headers["retry-after"]
        error = page.locator(".error-message").last
        await expect(error).to_contain_text(f"您问得太快了，请等 {wait} 秒再问")
        await expect(error).not_to_contain_text("网络不好")
        await expect(box).to_have_value("一站式结算怎么办")
        # the error card says whom to ask, and keeps the way to the menu
        await expect(error).to_contain_text("村扶贫专干或您家的帮扶干部")
        await error.locator(".menu-button").click()
        await expect(page.locator("#menu .topic-button").first).to_be_visible()
    finally:
        await context.close()
        await server.close()
