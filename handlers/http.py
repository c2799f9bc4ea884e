"""HTTP: the JSON API, the web chat page, the admin API and the channels' webhooks (aiohttp)."""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.budgets import Budgets
from bot.cards import NoFont
from bot.engine import Engine
from bot.frontdoor import FrontDoor, Message, Outcome
from bot.periods import MAX_DAYS, parse_days
from bot.ratelimit import Gate
from bot.service import Service
from bot.store import Health
from handlers.channels import Channel
from handlers.metrics import Metrics
from handlers.requests import dumps, error, errors, is_text, read_object
from handlers.visitors import Network, client_address, give_cookie, new_visitor, visitor_of
from handlers.voice import speakable, speech

log = logging.getLogger(__name__)

WEB = Path(__file__).parent / "web"
MAX_BODY = 16 * 1024  # bytes: a question is a few hundred at most
MAX_UPDATE = 1024 * 1024  # bytes: a Telegram update (Chinese is sent as \\uXXXX, 6 bytes each)
SESSION_MAX = 128
IDLE_SECONDS = 15.0  # a connection with no request (or headers still arriving) is closed

SERVICE = web.AppKey("service", Service)
DOOR = web.AppKey("door", FrontDoor)
METRICS = web.AppKey("metrics", Metrics)
ADMIN_TOKEN = web.AppKey("admin_token", str)
TOPICS = web.AppKey("topics", dict[str, Any])
KEY = web.AppKey("key", bytes)  # signs the web cookie
PROXIES = web.AppKey("proxies", tuple[Network, ...])
CHANNEL = "http"

_dumps = dumps


def session_of(data: dict[str, Any]) -> str | None:
    """The optional "session" of a request body, or a 400."""
    session = data.get("session")
    if session is not None and (not is_text(session) or len(str(session)) > SESSION_MAX):
        raise web.HTTPBadRequest(
            reason=f'"session" must be a string of at most {SESSION_MAX} characters'
        )
    return session if isinstance(session, str) else None


def _message(request: web.Request, session: str | None, text: str | None = None) -> Message:
    """The front door's message for a web visitor: counted by their signed cookie (none
    yet: by their address only) and by their address."""
    visitor = visitor_of(request, request.app[KEY])
    address = client_address(request, request.app[PROXIES])
    return Message(CHANNEL, visitor, session, text=text, address=address)


def _refusal(request: web.Request, what: str, outcome: Outcome) -> web.Response:
    """A 429 with the wait, when the visitor, their address or the service is over budget."""
    log.log(logging.WARNING if outcome.first_refusal else logging.DEBUG,
            "rate limit: %s from %s refused for %d s",
            what, client_address(request, request.app[PROXIES]), outcome.wait)  # fmt: skip
    response = error(429, f"too many {what}; please wait {outcome.wait} seconds")
    response.headers["Retry-After"] = str(outcome.wait)
    return response


def _with_cookie(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    """A visitor without the server's signed cookie gets one."""
    if visitor_of(request, request.app[KEY]) is None:
        give_cookie(response, request, request.app[KEY], new_visitor())
    return response


async def ask(request: web.Request) -> web.StreamResponse:
    """POST /api/ask {"text": "...", "session": "optional", "page": optional} -> the answer
    object (with `details` and `source_line` too when "page" is true)."""
    data = await read_object(request, MAX_BODY, '{"text": "孝善养老是什么"}')
    text = data.get("text")
    if not isinstance(text, str) or not is_text(text):
        return error(400, '"text" is required and must be a string')
    outcome = await request.app[DOOR].handle(_message(request, session_of(data), text))
    if outcome.reply is None:
        return _with_cookie(request, _refusal(request, "questions", outcome))
    # the web page asks with "page": true for what it shows beside the answer object
    reply = outcome.reply
    if data.get("page") is not True:
        return _with_cookie(request, web.json_response(reply.to_json(), dumps=_dumps))
    body = reply.to_page_json()
    help_topic = request.app[SERVICE].engine.booklet.meta.roles.help_topic
    if reply.matched and reply.intent and reply.topic != help_topic and speakable():
        body["speech"] = f"/speech/{reply.intent}.mp3"  # the short answer, spoken
    return _with_cookie(request, web.json_response(body, dumps=_dumps))


async def feedback(request: web.Request) -> web.StreamResponse:
    """POST /api/feedback {"question", "intent", "helpful": bool, "session"} -> a reply
    object (after 👎: other answers and whom to ask)."""
    data = await read_object(request, MAX_BODY, '{"question": "...", "helpful": false}')
    helpful, question, intent = data.get("helpful"), data.get("question", ""), data.get("intent")
    if not isinstance(helpful, bool):
        return error(400, '"helpful" is required and must be true or false')
    if (
        not isinstance(question, str)
        or not is_text(question)
        or (intent is not None and not (isinstance(intent, str) and is_text(intent)))
    ):
        return error(400, '"question" and "intent" must be strings')
    message = _message(request, session_of(data))
    outcome = await request.app[DOOR].rate(message, question[:2000], intent, helpful)
    if outcome.reply is None:
        return _with_cookie(request, _refusal(request, "ratings", outcome))
    return _with_cookie(request, web.json_response(outcome.reply.to_json(), dumps=_dumps))


def topics_json(engine: Engine) -> bytes:
    """The booklet's topics and their intents, for menus (built once)."""
    booklet = engine.booklet
    data = {
        "booklet": {
            "title": booklet.meta.title,
            "version": booklet.meta.version,
            "menu": booklet.meta.roles.menu,
        },
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
    try:
        drawn = await request.app[SERVICE].card(request.match_info["topic"])
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


@web.middleware
async def admin_only(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Every admin route: 401 unless the request carries the admin token."""
    return _denied(request) or await handler(request)


def _denied(request: web.Request) -> web.Response | None:
    """401 unless the request carries the admin token (compared in constant time)."""
    token = request.config_dict[ADMIN_TOKEN]
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
    return parse_days(request.query.get("days"))


async def admin_unanswered(request: web.Request) -> web.Response:
    """GET /api/admin/unanswered?days=7: unanswered questions, grouped."""
    if (days := _days(request)) is None:
        return error(400, f'"days" must be a whole number from 1 to {MAX_DAYS}')
    groups = await request.config_dict[SERVICE].unanswered(days)
    body = [{"count": g.count, "questions": list(dict.fromkeys(g.questions)),
             "best_guess": dict(zip(("intent", "score"), g.best_guess, strict=True))
             if g.best_guess else None, "urgent": g.urgent, "label": g.label or None}
            for g in groups]  # fmt: skip
    return web.json_response({"days": days, "groups": body}, dumps=_dumps)


async def admin_stats(request: web.Request) -> web.Response:
    """GET /api/admin/stats?days=7."""
    if (days := _days(request)) is None:
        return error(400, f'"days" must be a whole number from 1 to {MAX_DAYS}')
    return web.json_response(await request.config_dict[SERVICE].stats(days), dumps=_dumps)


async def admin_reload(request: web.Request) -> web.Response:
    """POST /api/admin/reload: a new booklet, or the old one kept and the problems."""
    outcome = await request.config_dict[SERVICE].reload()
    body = {"reloaded": not outcome.problems, "version": outcome.version,
            "problems": [str(p) for p in outcome.problems]}  # fmt: skip
    return web.json_response(body, status=200 if not outcome.problems else 422, dumps=_dumps)


async def admin_version(request: web.Request) -> web.Response:
    """GET /api/admin/version."""
    return web.json_response(request.config_dict[SERVICE].version(), dumps=_dumps)


def make_app(service: Service | Engine, metrics_: Metrics | None = None,
             channels: Sequence[Channel] = (), admin_token: str | None = None,
             rate_limit: int = 10_000, gate: Budgets | None = None,
             proxies: tuple[Network, ...] = (),
             door: FrontDoor | None = None) -> web.Application:  # fmt: skip
    """The aiohttp application: API, page, metrics, admin API and the channels' routes
    (their webhooks); the channels start with the app and stop with it. Given a bare
    Engine, it answers without memory. `door` (else one made of `gate`, else of
    `rate_limit` questions a minute per visitor) is the way in for every channel."""
    service = Service.of(service)
    metrics_ = metrics_ or Metrics()
    if door is None:
        door = FrontDoor(service, gate or Gate(rate_limit), metrics_)
    # each route caps its own body (read_json); this is only the outer bound
    app = web.Application(client_max_size=MAX_UPDATE, middlewares=[errors])
    app[SERVICE] = service
    app[DOOR] = door
    app[METRICS] = metrics_
    app[ADMIN_TOKEN] = admin_token or ""
    app[TOPICS] = {}
    kept = service.store.key if service.store is not None else b""
    app[KEY] = kept or secrets.token_bytes(32)  # replicas share the store's key
    app[PROXIES] = proxies
    app.router.add_post("/api/ask", ask)
    app.router.add_post("/api/feedback", feedback)
    admin = web.Application(middlewares=[admin_only])
    admin.router.add_get("/unanswered", admin_unanswered)
    admin.router.add_get("/stats", admin_stats)
    admin.router.add_post("/reload", admin_reload)
    admin.router.add_get("/version", admin_version)
    app.add_subapp("/api/admin/", admin)
    app.router.add_get("/api/topics", topics)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/", page)
    from handlers.booklet_page import booklet_page  # here: it imports this module

    app.router.add_get("/booklet", booklet_page)  # the whole booklet, printable
    app.router.add_get("/cards/{topic}.png", card)
    app.router.add_get("/speech/{intent}.{fmt}", speech)  # spoken answers (🔊 听一听)
    app.router.add_static("/static/", WEB)
    for channel in channels:
        app.router.add_routes(channel.routes())
    if channels:
        app.cleanup_ctx.append(_running(channels))
    return app


def _running(channels: Sequence[Channel]) -> Callable[[web.Application], Any]:
    """The channels' lifetime is the app's: started with it, stopped after the server
    has stopped taking requests (their replies in flight are finished)."""

    async def context(app: web.Application) -> Any:
        started: list[Channel] = []
        try:
            for channel in channels:
                await channel.start()
                started.append(channel)
            yield
        finally:
            for channel in reversed(started):
                try:
                    await channel.stop()
                except Exception:
                    log.exception("stopping the %s channel failed", channel.name)

    return context
