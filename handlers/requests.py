"""Reading requests and writing errors, the same way on every route of the server."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

log = logging.getLogger(__name__)


class PathOnlyAccessLog(AbstractAccessLogger):
    """The access log without query strings: WeChat puts the follower's OpenID and a
    signature in them (the store keeps only hashes; the log must not undo that)."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info('%s "%s %s" %d %.1f ms', request.remote, request.method,
                         request.path, response.status, time * 1000)  # fmt: skip


BODY_SECONDS = 10.0  # a body still arriving after this long is refused (408)

dumps = partial(json.dumps, ensure_ascii=False)
_dumps = dumps


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


async def read_body(request: web.Request, limit: int) -> bytes:
    """The request's body, at most `limit` bytes; 413 when longer, 408 when it trickles."""
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
    return b"".join(chunks)


async def read_json(request: web.Request, limit: int) -> object:
    """The request's JSON body, at most `limit` bytes; HTTP errors for anything else."""
    body = await read_body(request, limit)
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # bad UTF-8, bad JSON, absurd nesting or numbers
        raise web.HTTPBadRequest(reason="the body must be JSON") from None


def is_text(value: object) -> bool:
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
