"""HTTP: the JSON API, the web chat page and the Telegram webhook (aiohttp)."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import math
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.cards import Cards, NoFont
from bot.engine import Engine
from bot.ratelimit import Gate
from bot.service import Service
from bot.store import Health
from handlers.metrics import Metrics
from handlers.visitors import Network, client_address, give_cookie, new_visitor, visitor_of

log = logging.getLogger(__name__)

WEB = Path(__file__).parent / "web"
MAX_BODY = 16 * 1024  # bytes: a question is a few hundred at most
MAX_UPDATE = 1024 * 1024  # bytes: a Telegram update (Chinese is sent as \\uXXXX, 6 bytes each)
SESSION_MAX = 128
BODY_SECONDS = 10.0  # a body still arriving after this long is refused (408)
IDLE_SECONDS = 15.0  # a connection with no request (or headers still arriving) is closed

SERVICE = web.AppKey("service", Service)
METRICS = web.AppKey("metrics", Metrics)
ADMIN_TOKEN = web.AppKey("admin_token", str)
TOPICS = web.AppKey("topics", dict[str, Any])
GATE = web.AppKey("gate", Gate)
KEY = web.AppKey("key", bytes)  # signs the web cookie
PROXIES = web.AppKey("proxies", tuple[Network, ...])
CARDS = web.AppKey("cards", dict[str, Any])
MAX_DAYS = 365

_dumps = partial(json.dumps, ensure_ascii=False)


@dataclass(frozen=True)
class Webhook:
    """Telegram webhook mode: the secret Telegram sends back, and where updates go."""

    secret: str
    feed: Callable[[dict[str, Any]], Awaitable[bool]]  # False: not now, send it again


WEBHOOK = web.AppKey("webhook", Webhook)


def error(status: int, message: str) -> web.Response:
    """The one JSON error shape of the API."""
    return web.json_response({"error": message}, status=status, dumps=_dumps)


@web.middleware
async def errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Every error as JSON; nothing a client sends can cause a 500."""
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:
        return error(413, "the body is too large")
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = error(exc.status, exc.reason)
        if "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error(500, "internal error")


async def read_json(request: web.Request, limit: int) -> object:
    """The request's JSON body, at most `limit` bytes; HTTP errors for anything else."""
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    # a body comes in as many packets as the network makes of it: read to its end
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(BODY_SECONDS):  # a body trickling in holds no one up
            while size <= limit:
                chunk = await request.content.read(limit + 1 - size)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
    except TimeoutError:
        raise web.HTTPRequestTimeout(reason="the body did not arrive in time") from None
    if size > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=size)
    body = b"".join(chunks)
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # bad UTF-8, bad JSON, absurd nesting or numbers
        raise web.HTTPBadRequest(reason="the body must be JSON") from None


def _text(value: object) -> bool:
    """A string that can be written back as UTF-8 (no lone surrogates)."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


async def read_object(request: web.Request, limit: int, example: str) -> dict[str, Any]:
    """The body as a JSON object of at most `limit` bytes, or a 400 / 413."""
    try:
        data = await read_json(request, limit)
    except web.HTTPBadRequest:
        raise web.HTTPBadRequest(reason=f"the body must be JSON such as {example}") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(reason=f"the body must be a JSON object such as {example}")
    return data


def session_of(data: dict[str, Any]) -> str | None:
    """The optional "session" of a request body, or a 400."""
    session = data.get("session")
    if session is not None and (not _text(session) or len(str(session)) > SESSION_MAX):
        raise web.HTTPBadRequest(
            reason=f'"session" must be a string of at most {SESSION_MAX} characters'
        )
    return session if isinstance(session, str) else None


def _over_budget(request: web.Request, what: str) -> web.Response | None:
    """A 429 with the wait when the visitor, their address or the whole service is over
    its budget; None when this request may go on (and is counted)."""
    visitor = visitor_of(request, request.app[KEY])
    person = f"{what}:{visitor}" if visitor else None  # no cookie: the address's budget
    address = client_address(request, request.app[PROXIES])
    decision = request.app[GATE].check(person, f"ip:{address}")
    if decision.allowed:
        return None
    wait = max(1, math.ceil(decision.retry_after))
    log.log(logging.WARNING if decision.first_refusal else logging.DEBUG,
            "rate limit: %s from %s refused for %d s", what, address, wait)  # fmt: skip
    response = error(429, f"too many {what}; please wait {wait} seconds")
    response.headers["Retry-After"] = str(wait)
    return response


def _with_cookie(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    """A visitor without the server's signed cookie gets one."""
    if visitor_of(request, request.app[KEY]) is None:
        give_cookie(response, request, request.app[KEY], new_visitor())
    return response


async def ask(request: web.Request) -> web.StreamResponse:
    """POST /api/ask {"text": "...", "session": "optional"} -> the answer object."""
    data = await read_object(request, MAX_BODY, '{"text": "孝善养老是什么"}')
    text = data.get("text")
    if not isinstance(text, str) or not _text(text):
        return error(400, '"text" is required and must be a string')
    session = session_of(data)
    if (refused := _over_budget(request, "questions")) is not None:
        return _with_cookie(request, refused)
    service, metrics = request.app[SERVICE], request.app[METRICS]
    started = time.perf_counter()
    reply = await service.ask(text, "http", session)
    metrics.observe(reply, time.perf_counter() - started, "http")
    return _with_cookie(request, web.json_response(reply.to_json(), dumps=_dumps))


async def feedback(request: web.Request) -> web.StreamResponse:
    """POST /api/feedback {"question", "intent", "helpful": bool, "session"} -> a reply
    object (after 👎: other answers and whom to ask)."""
    data = await read_object(request, MAX_BODY, '{"question": "...", "helpful": false}')
    helpful, question, intent = data.get("helpful"), data.get("question", ""), data.get("intent")
    if not isinstance(helpful, bool):
        return error(400, '"helpful" is required and must be true or false')
    if (
        not isinstance(question, str)
        or not _text(question)
        or (intent is not None and not (isinstance(intent, str) and _text(intent)))
    ):
        return error(400, '"question" and "intent" must be strings')
    session = session_of(data)
    if (refused := _over_budget(request, "ratings")) is not None:
        return _with_cookie(request, refused)
    reply = await request.app[SERVICE].feedback("http", session, question[:2000], intent, helpful)
    return _with_cookie(request, web.json_response(reply.to_json(), dumps=_dumps))


def topics_json(engine: Engine) -> bytes:
    """The booklet's topics and their intents, for menus (built once)."""
    booklet = engine.booklet
    data = {
        "booklet": {"title": booklet.meta.title, "version": booklet.meta.version},
        "topics": [
            {
                "topic": t.topic,
                "title": t.title,
                "summary": t.summary,
                "intents": [
                    {"intent": i.id, "title": i.title, "follow_ups": i.follow_ups}
                    for i in t.intents
                ],
            }
            for t in booklet.menu_topics
        ],
    }
    return _dumps(data).encode()


async def topics(request: web.Request) -> web.Response:
    """GET /api/topics (built once per booklet version)."""
    engine, cache = request.app[SERVICE].engine, request.app[TOPICS]
    if cache.get("booklet") is not engine.booklet:  # a reload brings a new booklet
        cache.update(booklet=engine.booklet, body=topics_json(engine))
    return web.Response(body=cache["body"], content_type="application/json")


def _health(service: Service, health: Health | None) -> dict[str, Any]:
    """The health body: the booklet, and the store's state (`health`: None without one)."""
    booklet = service.engine.booklet
    writable = health is None or health.writable
    body: dict[str, Any] = {
        "status": "ok" if writable else "degraded",
        "booklet": {"version": booklet.meta.version, "intents": len(booklet.intents)},
    }
    if health is not None:
        body["store"] = {"writable": health.writable, "backlog": health.backlog}
        if not writable:
            body["reason"] = health.reason
    return body


async def healthz(request: web.Request) -> web.Response:
    """GET /healthz: liveness, always 200 while the process answers; "degraded" (with
    the reason) while questions cannot be stored, as the last write found."""
    service = request.app[SERVICE]
    health = service.store.health() if service.store is not None else None
    return web.json_response(_health(service, health), dumps=_dumps)


async def readyz(request: web.Request) -> web.Response:
    """GET /readyz: 200 only while the booklet is loaded and the store takes a write now,
    else 503 {"status": "degraded", "reason": ...} (a load balancer sends people
    elsewhere)."""
    service = request.app[SERVICE]
    health = await service.store.probe() if service.store is not None else None
    body = _health(service, health)
    return web.json_response(body, status=200 if body["status"] == "ok" else 503, dumps=_dumps)


async def metrics(request: web.Request) -> web.Response:
    """GET /metrics in the Prometheus text format."""
    return web.Response(
        body=request.app[METRICS].render(), headers={"Content-Type": CONTENT_TYPE_LATEST}
    )


async def card(request: web.Request) -> web.Response:
    """GET /cards/{topic}.png: the topic's picture card (drawn once per booklet)."""
    engine, state = request.app[SERVICE].engine, request.app[CARDS]
    if state.get("booklet") is not engine.booklet:
        state.update(booklet=engine.booklet, cards=Cards(engine.booklet))
    try:
        loop = asyncio.get_running_loop()  # drawing takes tens of milliseconds
        drawn = await loop.run_in_executor(None, state["cards"].card, request.match_info["topic"])
    except NoFont as exc:
        log.error("cards: %s", exc)
        return error(503, "picture cards need a Chinese font on the server")
    if drawn is None:
        return error(404, "no such topic")
    return web.Response(body=drawn.png, content_type="image/png",
                        headers={"Cache-Control": "public, max-age=3600"})  # fmt: skip


async def page(request: web.Request) -> web.StreamResponse:
    """GET / : the web chat page (and the visitor's signed cookie)."""
    return _with_cookie(request, web.FileResponse(WEB / "index.html"))


async def telegram_webhook(request: web.Request) -> web.Response:
    """POST /telegram/webhook: an update from Telegram, checked by its secret token."""
    hook = request.app[WEBHOOK]
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


def _admin(request: web.Request) -> web.Response | None:
    """401 unless the request carries the admin token (compared in constant time)."""
    token = request.app[ADMIN_TOKEN]
    scheme, _, given = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer":
        given = ""  # the token alone, without its scheme, is not accepted
    given = given.strip()
    if (
        not token
        or not given
        or not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), token.encode())
    ):
        return error(401, "an admin token is required (Authorization: Bearer …)")
    return None


def _days(request: web.Request) -> int | None:
    try:
        days = int(request.query.get("days", "7"))
    except ValueError:
        return None
    return days if 1 <= days <= MAX_DAYS else None


async def admin_unanswered(request: web.Request) -> web.Response:
    """GET /api/admin/unanswered?days=7: unanswered questions, grouped."""
    if (denied := _admin(request)) is not None:
        return denied
    if (days := _days(request)) is None:
        return error(400, f'"days" must be a whole number from 1 to {MAX_DAYS}')
    groups = await request.app[SERVICE].unanswered(days)
    body = [{"count": g.count, "questions": list(dict.fromkeys(g.questions)),
             "best_guess": dict(zip(("intent", "score"), g.best_guess, strict=True))
             if g.best_guess else None} for g in groups]  # fmt: skip
    return web.json_response({"days": days, "groups": body}, dumps=_dumps)


async def admin_stats(request: web.Request) -> web.Response:
    """GET /api/admin/stats?days=7."""
    if (denied := _admin(request)) is not None:
        return denied
    if (days := _days(request)) is None:
        return error(400, f'"days" must be a whole number from 1 to {MAX_DAYS}')
    return web.json_response(await request.app[SERVICE].stats(days), dumps=_dumps)


async def admin_reload(request: web.Request) -> web.Response:
    """POST /api/admin/reload: a new booklet, or the old one kept and the problems."""
    if (denied := _admin(request)) is not None:
        return denied
    outcome = await request.app[SERVICE].reload()
    body = {"reloaded": not outcome.problems, "version": outcome.version,
            "problems": [str(p) for p in outcome.problems]}  # fmt: skip
    return web.json_response(body, status=200 if not outcome.problems else 422, dumps=_dumps)


async def admin_version(request: web.Request) -> web.Response:
    """GET /api/admin/version."""
    if (denied := _admin(request)) is not None:
        return denied
    return web.json_response(request.app[SERVICE].version(), dumps=_dumps)


def make_app(service: Service | Engine, metrics_: Metrics | None = None,
             webhook: Webhook | None = None, admin_token: str | None = None,
             rate_limit: int = 10_000, gate: Gate | None = None,
             proxies: tuple[Network, ...] = ()) -> web.Application:  # fmt: skip
    """The aiohttp application: API, page, metrics, admin API and, in webhook mode,
    the webhook. Given a bare Engine, it answers without memory. `gate` holds the
    limits (else `rate_limit` questions a minute per visitor, no address limit)."""
    if isinstance(service, Engine):
        service = Service(service, None, Path("."))
    # each route caps its own body (read_json); this is only the outer bound
    app = web.Application(client_max_size=MAX_UPDATE, middlewares=[errors])
    app[SERVICE] = service
    app[METRICS] = metrics_ or Metrics()
    app[ADMIN_TOKEN] = admin_token or ""
    app[TOPICS] = {}
    app[GATE] = gate or Gate(rate_limit)
    kept = service.store.key if service.store is not None else b""
    app[KEY] = kept or secrets.token_bytes(32)  # replicas share the store's key
    app[PROXIES] = proxies
    app[CARDS] = {}
    app.router.add_post("/api/ask", ask)
    app.router.add_post("/api/feedback", feedback)
    app.router.add_get("/api/admin/unanswered", admin_unanswered)
    app.router.add_get("/api/admin/stats", admin_stats)
    app.router.add_post("/api/admin/reload", admin_reload)
    app.router.add_get("/api/admin/version", admin_version)
    app.router.add_get("/api/topics", topics)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/", page)
    app.router.add_get("/cards/{topic}.png", card)
    app.router.add_static("/static/", WEB)
    if webhook is not None:
        app[WEBHOOK] = webhook
        app.router.add_post("/telegram/webhook", telegram_webhook)
    return app
