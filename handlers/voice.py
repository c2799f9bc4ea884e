"""Spoken answers (🔊 听一听), made offline: espeak-ng's Mandarin voice reads the answer's
tone-numbered pinyin (bot/speech.py), then opusenc makes OGG/Opus for Telegram and lame
makes MP3 for the web page (Debian: espeak-ng, opus-tools, lame).

Each text's audio is made once per (text, booklet version, format) and kept in memory
(an LRU bounded in bytes) and, if given a folder, on disk; requests for a text being
made wait for that one render. Without the programs, the route answers 503 and the log
says what to install."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import os
import re
import shutil
import struct
import tempfile
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from bot.booklet import Booklet, Intent
from bot.reply import caveat
from bot.speech import PhraseListError, load_phrases, pinyin_for_espeak
from handlers.requests import error

log = logging.getLogger(__name__)

VOICE_NAME = "cmn-latn-pinyin"  # espeak-ng's Mandarin voice that reads tone-numbered pinyin
WORDS_PER_MINUTE = 150  # syllables, for Mandarin: slower than espeak's 175, for old ears
SECONDS = 20.0  # one program's time limit for one text
MAX_TEXT = 2000  # characters: a whole answer is a few hundred
CACHE_BYTES = 32 * 1024 * 1024
RENDERS_AT_ONCE = 2  # programs running at once; more requests wait their turn
PHRASES_FILE = "speech.yaml"  # in the booklet folder
READINGS_KEPT = 4096  # texts whose pinyin is kept


@dataclass(frozen=True)
class Format:
    """One audio format: its content type and the encoder that makes it from WAV on stdin."""

    content_type: str
    program: str  # the Tools field that names the encoder
    package: str  # the Debian package with it
    arguments: tuple[str, ...]


FORMATS: Mapping[str, Format] = {
    # Telegram plays OGG/Opus as a voice message; 24 kbit/s is plenty for speech
    "ogg": Format("audio/ogg", "opusenc", "opus-tools",
                  ("--quiet", "--speech", "--bitrate", "24", "-", "-")),
    # every browser plays MP3; 32 kbit/s mono at espeak's 22 kHz
    "mp3": Format("audio/mpeg", "lame", "lame", ("--quiet", "-b", "32", "-m", "m", "-", "-")),
}  # fmt: skip


@dataclass(frozen=True)
class Tools:
    """The programs, by name on PATH or by path."""

    espeak: str = "espeak-ng"
    opusenc: str = "opusenc"
    lame: str = "lame"


class VoiceUnavailable(RuntimeError):
    """Audio cannot be made here; the message says why (and what to install)."""


def speech_text(intent: Intent, booklet: Booklet | None = None) -> str:
    """What is read aloud for an intent: its short answer (the first line of the whole
    answer where it has none), then, but for the help topic's, the caveat: those who
    listen are those who cannot read it."""
    text = intent.short or intent.answer.strip().splitlines()[0]
    if booklet is None or intent.id.split(".")[0] == booklet.meta.roles.help_topic:
        return text
    return f"{text}{caveat(booklet)}"


@functools.cache
def speakable(tools: Tools = Tools()) -> bool:
    """Whether this server has the programs that make spoken answers (on PATH)."""
    return all(shutil.which(p) for p in (tools.espeak, tools.opusenc, tools.lame))


def _fixed_wav(wav: bytes) -> bytes:
    """espeak-ng's WAV on stdout, with its RIFF and data sizes filled in (it writes
    'unknown', as a stream must)."""
    start = wav.find(b"data", 12)
    if not wav.startswith(b"RIFF") or start < 0 or len(wav) < start + 8:
        raise VoiceUnavailable("espeak-ng gave no WAV audio")
    data = len(wav) - start - 8
    return b"".join((b"RIFF", struct.pack("<I", len(wav) - 8), wav[8:start], b"data",
                     struct.pack("<I", data), wav[start + 8 :]))  # fmt: skip


class Voice:
    """Makes and keeps the audio of texts."""

    def __init__(self, tools: Tools = Tools(), *, cache_bytes: int = CACHE_BYTES,
                 folder: Path | None = None, seconds: float = SECONDS,
                 renders_at_once: int = RENDERS_AT_ONCE) -> None:  # fmt: skip
        self.tools = tools
        self.cache_bytes = cache_bytes
        self.folder = folder  # audio kept across restarts, one file per text and format
        self.seconds = seconds
        self.renders = 0  # texts actually rendered (not from a cache)
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._cached_bytes = 0
        self._making: dict[str, asyncio.Task[bytes]] = {}
        self._slots = asyncio.Semaphore(renders_at_once)
        self._phrases: tuple[Booklet, Path, dict[str, tuple[str, ...]]] | None = None
        self._readings: OrderedDict[str, str] = OrderedDict()  # text → its pinyin
        self._voice_checked = False

    @property
    def cached_bytes(self) -> int:
        """The bytes of audio kept in memory."""
        return self._cached_bytes

    # the phrase list ---------------------------------------------------------------

    async def phrases(self, booklet: Booklet, folder: Path) -> dict[str, tuple[str, ...]]:
        """The booklet's phrase list (policies/speech.yaml), read once per booklet. A
        missing or bad list is logged; the voice then reads with pypinyin alone."""
        if self._phrases is not None and self._phrases[:2] == (booklet, folder):
            return self._phrases[2]
        path = folder / PHRASES_FILE
        phrases: dict[str, tuple[str, ...]] = {}
        try:
            phrases = await asyncio.to_thread(_read_phrases, path)
        except FileNotFoundError:
            log.warning("spoken answers: no %s; words with two readings may be misread", path)
        except (OSError, UnicodeDecodeError, PhraseListError) as exc:
            log.error("spoken answers: %s is not used: %s", path, exc)
        self._phrases = (booklet, folder, phrases)
        self._readings.clear()
        return phrases

    # audio -------------------------------------------------------------------------

    async def audio(self, text: str, fmt: str, booklet: Booklet, folder: Path) -> bytes:
        """The audio of `text` in `fmt` ("ogg" or "mp3"), made once per text, booklet
        version and format. Raises VoiceUnavailable."""
        if fmt not in FORMATS:
            raise ValueError(f"unknown audio format {fmt!r}")
        if len(text) > MAX_TEXT:
            raise VoiceUnavailable(f"a text of {len(text)} characters is too long to read")
        phrases = await self.phrases(booklet, folder)
        pinyin = self._readings.get(text)
        if pinyin is None:  # a few ms for an answer: off the event loop, once
            pinyin = await asyncio.to_thread(pinyin_for_espeak, text, phrases)
            self._readings[text] = pinyin
            if len(self._readings) > READINGS_KEPT:
                self._readings.popitem(last=False)
        # what is read and how: the same reading in the same booklet version is made once
        how = (VOICE_NAME, str(WORDS_PER_MINUTE), *FORMATS[fmt].arguments)
        parts = (pinyin, booklet.meta.version, fmt, *how)
        key = hashlib.sha256("\0".join(parts).encode()).hexdigest()
        if (kept := self._cache.get(key)) is not None:
            self._cache.move_to_end(key)
            return kept
        task = self._making.get(key)
        if task is None:
            task = asyncio.create_task(self._make(key, pinyin, fmt))
            self._making[key] = task
            task.add_done_callback(lambda done: self._made(key, done))
        return await asyncio.shield(task)  # a client going away does not stop the render

    def _made(self, key: str, task: asyncio.Task[bytes]) -> None:
        self._making.pop(key, None)
        if not task.cancelled():
            task.exception()  # seen, even when every request for it has gone away

    def _keep(self, key: str, audio: bytes) -> None:
        if len(audio) > self.cache_bytes:
            return
        self._cache[key] = audio
        self._cached_bytes += len(audio)
        while self._cached_bytes > self.cache_bytes:
            _, old = self._cache.popitem(last=False)
            self._cached_bytes -= len(old)

    async def _make(self, key: str, pinyin: str, fmt: str) -> bytes:
        path = self.folder / f"{key}.{fmt}" if self.folder is not None else None
        if path is not None:
            with contextlib.suppress(OSError):
                audio = await asyncio.to_thread(path.read_bytes)
                self._keep(key, audio)
                return audio
        async with self._slots:
            audio = await self.render(pinyin, fmt)
        self._keep(key, audio)
        if path is not None:
            try:
                await asyncio.to_thread(_write, path, audio)
            except OSError as exc:
                log.warning("spoken answers: cannot keep audio in %s: %s", path.parent, exc)
        return audio

    async def render(self, pinyin: str, fmt: str) -> bytes:
        """Run espeak-ng on the pinyin, then the format's encoder (no cache)."""
        self.renders += 1
        if not self._voice_checked:
            voices = await self._run(self.tools.espeak, "espeak-ng", ["--voices=cmn"], b"")
            if VOICE_NAME not in voices.decode("utf-8", "replace").lower():
                raise VoiceUnavailable(
                    f"espeak-ng has no {VOICE_NAME} voice (it came with espeak-ng 1.51)"
                )
            self._voice_checked = True
        wav = await self._run(self.tools.espeak, "espeak-ng",
                              ["-v", VOICE_NAME, "-s", str(WORDS_PER_MINUTE), "--stdin",
                               "--stdout"], pinyin.encode() or b".")  # fmt: skip
        spec = FORMATS[fmt]
        program = getattr(self.tools, spec.program)
        return await self._run(program, spec.package, list(spec.arguments), _fixed_wav(wav))

    async def _run(self, program: str, package: str, arguments: list[str], data: bytes) -> bytes:
        """A program's stdout for `data` on its stdin, within the time limit."""
        name = Path(program).name
        try:
            process = await asyncio.create_subprocess_exec(
                program, *arguments, stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
        except (FileNotFoundError, PermissionError, NotADirectoryError):
            raise VoiceUnavailable(
                f"{program} is not installed (Debian: apt-get install {package})"
            ) from None
        try:
            async with asyncio.timeout(self.seconds):
                out, err = await process.communicate(data)
        except TimeoutError:
            raise VoiceUnavailable(f"{name} took longer than {self.seconds:g} s") from None
        finally:
            if process.returncode is None:  # timed out or cancelled: no process left behind
                process.kill()
                await process.wait()
        if process.returncode != 0:
            said = re.sub(r"\s+", " ", err.decode("utf-8", "replace")).strip()[-300:]
            raise VoiceUnavailable(f"{name} failed (exit {process.returncode}): {said}")
        return out


def _read_phrases(path: Path) -> dict[str, tuple[str, ...]]:
    return load_phrases(path.read_text(encoding="utf-8"))


def _write(path: Path, audio: bytes) -> None:
    """Write a file whole or not at all (another process may read it meanwhile)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(audio)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


VOICE = web.AppKey("voice", Voice)  # set before the app starts to choose the programs
_shared: Voice | None = None


def voice_of(app: web.Application) -> Voice:
    """The app's Voice, else the process's own (made on first use)."""
    if VOICE in app:
        return app[VOICE]
    return shared_voice()


def shared_voice() -> Voice:
    """The process's one Voice (its cache and its renders): the web page, Telegram and
    WeChat share it."""
    global _shared
    if _shared is None:
        _shared = Voice()
    return _shared


async def speech(request: web.Request) -> web.StreamResponse:
    """GET /speech/{intent}.{fmt}: the spoken answer of an intent, fmt mp3 or ogg."""
    from handlers.http import SERVICE  # handlers.http imports this module in make_app

    fmt = request.match_info["fmt"]
    if fmt not in FORMATS:
        return error(404, f"no such audio format; use {' or '.join(FORMATS)}")
    service = request.app[SERVICE]
    booklet = service.engine.booklet
    intent = booklet.intents.get(request.match_info["intent"])
    if intent is None:
        return error(404, "no such intent")
    try:
        audio = await voice_of(request.app).audio(
            speech_text(intent, booklet), fmt, booklet, service.folder
        )
    except VoiceUnavailable as exc:
        log.error("spoken answers: %s", exc)
        return error(503, "spoken answers are not available on this server")
    return _ranged(request, audio, FORMATS[fmt].content_type)


def _ranged(request: web.Request, audio: bytes, content_type: str) -> web.Response:
    """The audio, or the byte range asked for (Safari plays media only from a server that
    answers ranges)."""
    headers = {"Cache-Control": "public, max-age=3600", "Accept-Ranges": "bytes"}
    try:
        wanted = request.http_range
    except ValueError:  # a malformed Range header is ignored, as RFC 9110 allows
        wanted = slice(None)
    if wanted.start is None and wanted.stop is None:
        return web.Response(body=audio, content_type=content_type, headers=headers)
    start, stop, _ = wanted.indices(len(audio))
    if start >= stop:
        headers["Content-Range"] = f"bytes */{len(audio)}"
        return web.Response(status=416, headers=headers)
    headers["Content-Range"] = f"bytes {start}-{stop - 1}/{len(audio)}"
    return web.Response(status=206, body=audio[start:stop], content_type=content_type,
                        headers=headers)  # fmt: skip
