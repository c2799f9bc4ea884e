"""Spoken answers with the real programs (espeak-ng, opusenc, lame): the audio fits its
text, the route serves it, each text is made once, and missing programs give a 503."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import wave
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.engine import Engine
from bot.settings import DEFAULT_POLICIES, PROJECT_ROOT
from bot.speech import load_phrases, syllables
from handlers.http import make_app
from handlers.voice import VOICE, Tools, Voice, VoiceUnavailable, speech_text

Client = TestClient[Any, Any]
MakeClient = Callable[[web.Application], Awaitable[Client]]
PHRASES = load_phrases((DEFAULT_POLICIES / "speech.yaml").read_text(encoding="utf-8"))
SHORT = "help.thanks"  # an intent whose first line is short: quick to render


def is_ogg_opus(audio: bytes) -> bool:
    return audio.startswith(b"OggS") and b"OpusHead" in audio[:100]


def is_mp3(audio: bytes) -> bool:
    # an ID3 tag, or an MPEG audio frame's sync word and layer III
    return audio.startswith(b"ID3") or (audio[0] == 0xFF and audio[1] & 0xE6 == 0xE2)


def seconds_of(audio: bytes, fmt: str, folder: Path) -> float:
    """The audio's length, by decoding it to WAV with the format's own tools."""
    encoded, decoded = folder / f"audio.{fmt}", folder / "audio.wav"
    encoded.write_bytes(audio)
    decoder = ["opusdec", "--quiet"] if fmt == "ogg" else ["lame", "--quiet", "--decode"]
    subprocess.run([*decoder, str(encoded), str(decoded)], check=True, timeout=30)
    with wave.open(str(decoded)) as wav:
        return wav.getnframes() / wav.getframerate()


@pytest.fixture
def voice() -> Voice:
    return Voice()


@pytest.mark.parametrize("fmt", ["ogg", "mp3"])
@pytest.mark.parametrize(
    "text",
    ["不客气！", "这是枣庄给每个贫困人口买的医疗商业补充保险，每人116元。"],
)
async def test_the_audio_fits_its_text(
    voice: Voice, engine: Engine, tmp_path: Path, text: str, fmt: str
) -> None:
    audio = await voice.audio(text, fmt, engine.booklet, DEFAULT_POLICIES)
    assert is_ogg_opus(audio) if fmt == "ogg" else is_mp3(audio)
    spoken = len(syllables(text, PHRASES))
    per_syllable = seconds_of(audio, fmt, tmp_path) / spoken
    assert 0.08 < per_syllable < 0.6, f"{per_syllable:.2f} s per syllable"


async def test_each_text_is_made_once_per_format(voice: Voice, engine: Engine) -> None:
    first = await voice.audio("好。", "ogg", engine.booklet, DEFAULT_POLICIES)
    assert await voice.audio("好。", "ogg", engine.booklet, DEFAULT_POLICIES) is first
    assert voice.renders == 1
    await voice.audio("好。", "mp3", engine.booklet, DEFAULT_POLICIES)
    assert voice.renders == 2


async def test_the_cache_is_bounded_in_bytes(engine: Engine) -> None:
    voice = Voice(cache_bytes=6000)
    for text in ("好。", "不好。", "很好。"):
        await voice.audio(text, "mp3", engine.booklet, DEFAULT_POLICIES)
        assert voice.cached_bytes <= 6000
    await voice.audio("好。", "mp3", engine.booklet, DEFAULT_POLICIES)
    assert voice.renders == 4, "the oldest was let go"


async def test_a_folder_keeps_the_audio_across_restarts(engine: Engine, tmp_path: Path) -> None:
    made = await Voice(folder=tmp_path).audio("好。", "ogg", engine.booklet, DEFAULT_POLICIES)
    again = Voice(folder=tmp_path)
    assert await again.audio("好。", "ogg", engine.booklet, DEFAULT_POLICIES) == made
    assert again.renders == 0 and [p.suffix for p in tmp_path.iterdir()] == [".ogg"]


async def test_a_missing_program_is_named(engine: Engine) -> None:
    cases = [
        (Tools(espeak="/nonexistent/espeak-ng"), "apt-get install espeak-ng"),
        (Tools(lame="/nonexistent/lame"), "apt-get install lame"),
        (Tools(opusenc="/nonexistent/opusenc"), "apt-get install opus-tools"),
    ]
    for tools, named in cases:
        voice = Voice(tools)
        for fmt in ("mp3", "ogg"):
            try:
                await voice.audio("好。", fmt, engine.booklet, DEFAULT_POLICIES)
            except VoiceUnavailable as exc:
                assert named in str(exc)
                break
        else:
            raise AssertionError(f"no error for {tools}")


async def test_a_program_over_its_time_is_stopped(engine: Engine) -> None:
    voice = Voice(seconds=0.000_001)
    with pytest.raises(VoiceUnavailable, match="took longer than"):
        await voice.audio("好。", "mp3", engine.booklet, DEFAULT_POLICIES)


async def test_a_bad_phrase_list_is_logged_and_not_used(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "speech.yaml").write_text("phrases:\n  银行: yin2\n", encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="handlers.voice"):
        assert await Voice().phrases(engine.booklet, tmp_path) == {}
    assert "1 syllables" in caplog.text and "speech.yaml" in caplog.text
    assert await Voice().phrases(engine.booklet, DEFAULT_POLICIES) == PHRASES


def test_a_server_loads_pypinyin_only_when_asked_to_speak() -> None:
    """pypinyin's tables take some 56 MB (bot/phonetic.py keeps them out of answering)."""
    script = (
        "import sys\n"
        "from bot.engine import Engine\n"
        "from bot.settings import DEFAULT_POLICIES\n"
        "from handlers.http import make_app\n"
        "make_app(Engine.from_folder(DEFAULT_POLICIES))\n"
        "print('pypinyin' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, check=True, timeout=120)  # fmt: skip
    assert done.stdout.strip() == "False", done.stderr


def test_speech_text_is_the_short_answer(engine: Engine) -> None:
    intent = engine.booklet.intents["buchong.what"]
    assert intent.short and speech_text(intent) == intent.short
    assert "116元" in speech_text(intent)
    whole = intent.model_copy(update={"short": ""})  # a booklet without short answers
    assert speech_text(whole) == "这是枣庄给每个贫困人口买的医疗商业补充保险，每人116元。"


# --- the route ---------------------------------------------------------------------------


async def client_with(
    engine: Engine, aiohttp_client: MakeClient, voice: Voice
) -> tuple[Client, Voice]:
    app = make_app(engine)
    app[VOICE] = voice
    return await aiohttp_client(app), voice


@pytest.mark.parametrize(("fmt", "content_type"), [("mp3", "audio/mpeg"), ("ogg", "audio/ogg")])
async def test_the_route_serves_audio(
    engine: Engine, aiohttp_client: MakeClient, fmt: str, content_type: str
) -> None:
    client, _ = await client_with(engine, aiohttp_client, Voice())
    resp = await client.get(f"/speech/{SHORT}.{fmt}")
    assert resp.status == 200 and resp.content_type == content_type
    audio = await resp.read()
    assert is_ogg_opus(audio) if fmt == "ogg" else is_mp3(audio)


async def test_the_route_answers_byte_ranges(engine: Engine, aiohttp_client: MakeClient) -> None:
    client, _ = await client_with(engine, aiohttp_client, Voice())
    whole = await (await client.get(f"/speech/{SHORT}.mp3")).read()
    resp = await client.get(f"/speech/{SHORT}.mp3", headers={"Range": "bytes=0-99"})
    assert resp.status == 206 and await resp.read() == whole[:100]
    assert resp.headers["Content-Range"] == f"bytes 0-99/{len(whole)}"
    resp = await client.get(f"/speech/{SHORT}.mp3", headers={"Range": "bytes=-10"})
    assert resp.status == 206 and await resp.read() == whole[-10:]
    resp = await client.get(f"/speech/{SHORT}.mp3", headers={"Range": f"bytes={len(whole)}-"})
    assert resp.status == 416 and resp.headers["Content-Range"] == f"bytes */{len(whole)}"
    resp = await client.get(f"/speech/{SHORT}.mp3", headers={"Range": "lines=1-2"})
    assert resp.status == 200 and await resp.read() == whole


async def test_two_requests_at_once_share_one_render(
    engine: Engine, aiohttp_client: MakeClient
) -> None:
    client, voice = await client_with(engine, aiohttp_client, Voice())
    first, second = await asyncio.gather(
        client.get(f"/speech/{SHORT}.mp3"), client.get(f"/speech/{SHORT}.mp3")
    )
    assert first.status == second.status == 200
    assert await first.read() == await second.read()
    assert voice.renders == 1
    assert (await client.get(f"/speech/{SHORT}.mp3")).status == 200 and voice.renders == 1


@pytest.mark.parametrize("path", ["/speech/nowhere.what.mp3", f"/speech/{SHORT}.wav",
                                  f"/speech/{SHORT}", "/speech/.mp3"])  # fmt: skip
async def test_unknown_intents_and_formats_are_404(
    engine: Engine, aiohttp_client: MakeClient, path: str
) -> None:
    client, voice = await client_with(engine, aiohttp_client, Voice())
    resp = await client.get(path)
    assert resp.status == 404 and list(await resp.json()) == ["error"]
    assert voice.renders == 0


async def test_a_missing_program_is_a_503(
    engine: Engine, aiohttp_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    missing = Voice(Tools(espeak="/nonexistent/espeak-ng"))
    client, _ = await client_with(engine, aiohttp_client, missing)
    with caplog.at_level(logging.ERROR, logger="handlers.voice"):
        resp = await client.get(f"/speech/{SHORT}.ogg")
    assert resp.status == 503
    assert (await resp.json())["error"] == "spoken answers are not available on this server"
    assert "apt-get install espeak-ng" in caplog.text
