"""What the Mandarin voice should read: an answer's text as words, then as tone-numbered pinyin.

Three steps, all pure (the caller reads `policies/speech.yaml` and runs espeak-ng):

1. `spoken`: numbers become Chinese words, as a person reads them aloud: 116元 →
   一百一十六元, 10%–20% → 百分之十到百分之二十, 2017年 → 二零一七年 (years digit by
   digit), 0.5 → 零点五, 1:1 → 一比一; full-width digits too.
2. `syllables`: Chinese characters become tone-numbered pinyin (pypinyin, Style.TONE3,
   neutral tone 5, 不/一 and third-tone changes applied); the booklet's phrase list
   (`load_phrases`) overrides pypinyin for words it reads wrongly (银行 yin2 hang2).
3. `pinyin_for_espeak`: the whole text for espeak-ng's `cmn-latn-pinyin` voice, with
   punctuation as pauses. Latin letters in runs of up to LETTER_RUN_MAX (CT, B超, APP) are
   spelt with the letter names Chinese speakers use; longer runs (words, web addresses) and
   emoji are dropped. `unread` lists what is dropped that an editor should look at.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

LETTER_RUN_MAX = 5  # longer Latin runs are words or addresses: dropped, and reported
_DIGIT_WORDS = "零一二三四五六七八九"
_PHONE_DIGITS = "零幺二三四五六七八九"  # telephone numbers say 1 as 幺
_FULL_WIDTH = str.maketrans("０１２３４５６７８９％．：～", "0123456789%.:~")
_DASH = "[–—~\\-－]"  # between two numbers: 到
_NUM = r"\d+(?:\.\d+)?"
# a measure word after 2 makes it 两: 两个, 两万, 两户
_LIANG_AFTER = tuple("个名户人次项份种家口位条只头亩天周倍成块间套千万亿")
_YEAR = re.compile(rf"(?<![\d.])(\d{{4}})(?:\s*{_DASH}\s*(\d{{4}}))?(?=\s*年)")
_PERCENT_RANGE = re.compile(rf"({_NUM})\s*%?\s*{_DASH}\s*({_NUM})\s*%")
_PERCENT = re.compile(rf"({_NUM})\s*%")
_PERMILLE = re.compile(rf"({_NUM})\s*‰")
_RATIO = re.compile(r"(?<![\d.])(\d+)\s*[:：]\s*(\d+)(?![\d.])")
_RANGE = re.compile(rf"(?<=\d)(\s*(?:%|[元万千百亿岁年月日个户人名]{{0,2}}))\s*{_DASH}\s*(?=\d)")
_LIST_MARK = re.compile(r"(?m)^([ \t·•]*)(\d{1,2})[.．、)）](?!\d)\s*")
_PHONE = re.compile(  # read digit by digit, a pause at the dash: 零六三二，三三幺二三四五
    r"(?<![\d.])(?:0\d{2,3}\s*-\s*\d{7,8}|1\d{10}|0\d+|\d{5,8}(?=\s*热线)"
    r"|(?<=电话)\s*\d{3,}|(?<=打)\s*\d{3,})(?![\d.])"
)
_GROUPED = re.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})+(?![\d])")
_MONEY = re.compile(rf"[¥￥]\s*({_NUM})")
_NUMBER = re.compile(rf"(?<![\d.])({_NUM})")
_WORDS = {"+": "加", "＋": "加", "=": "等于", "＝": "等于", "×": "乘", "÷": "除以",
          "&": "和", "＆": "和", "℃": "摄氏度", "㎡": "平方米", "㎏": "公斤"}  # fmt: skip


def digits(text: str, names: str = _DIGIT_WORDS) -> str:
    """Digit by digit, as years and telephone numbers are read: 2017 → 二零一七."""
    return "".join(names[int(ch)] if ch.isdigit() else ch for ch in text)


def _section(n: int) -> str:
    """A number below 10000 in words, zeros inside said once: 8054 → 八千零五十四."""
    out: list[str] = []
    zero = False
    for unit, value in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
        d = n // value % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(_DIGIT_WORDS[d] + unit)
    return "".join(out)


def cardinal(n: int) -> str:
    """A whole number in words: 116 → 一百一十六, 10978 → 一万零九百七十八, 15 → 十五."""
    if n < 0:
        return "负" + cardinal(-n)
    if n == 0:
        return "零"
    sections: list[int] = []
    while n:
        sections.append(n % 10_000)
        n //= 10_000
    if len(sections) > 4:
        return digits(str(sum(s * 10_000**i for i, s in enumerate(sections))))
    units = ("", "万", "亿", "万亿")
    out: list[str] = []
    zero = False
    for i in range(len(sections) - 1, -1, -1):
        s = sections[i]
        if s == 0:
            zero = bool(out)
            continue
        if out and (zero or s < 1000):
            out.append("零")
        out.append(_section(s) + units[i])
        zero = False
    words = "".join(out)
    return words[1:] if words.startswith("一十") else words  # 十五, not 一十五


def decimal(number: str) -> str:
    """A number as written (116, 0.5, 19910.14) in words: 零点五, 一万九千九百一十点一四."""
    whole, _, fraction = number.partition(".")
    words = cardinal(int(whole))
    return f"{words}点{digits(fraction)}" if fraction else words


def _amount(number: str, after: str) -> str:
    words = decimal(number)
    if number == "2" and after.startswith(_LIANG_AFTER):
        return "两"  # 两个人, 两万元
    if words.startswith("二") and words[1:2] in ("千", "万", "亿") and "." not in number:
        return "两" + words[1:]  # 两千, 两万三千
    return words


def spoken(text: str) -> str:
    """The text with every number, percentage, sum, range, ratio and year as Chinese words."""
    text = text.translate(_FULL_WIDTH)
    text = _GROUPED.sub(lambda m: m.group(0).replace(",", ""), text)
    text = _PHONE.sub(lambda m: digits(re.sub(r"\s*-\s*", "，", m[0].strip()), _PHONE_DIGITS), text)
    text = _YEAR.sub(lambda m: digits(m.group(1)) + (f"到{digits(m[2])}" if m[2] else ""), text)
    text = _PERCENT_RANGE.sub(lambda m: f"百分之{decimal(m[1])}到百分之{decimal(m[2])}", text)
    text = _PERCENT.sub(lambda m: f"百分之{decimal(m[1])}", text)
    text = _PERMILLE.sub(lambda m: f"千分之{decimal(m[1])}", text)
    text = _MONEY.sub(lambda m: f"{m[1]}元", text)
    text = _RATIO.sub(lambda m: f"{cardinal(int(m[1]))}比{cardinal(int(m[2]))}", text)
    text = _LIST_MARK.sub(lambda m: f"{m[1]}{cardinal(int(m[2]))}，", text)
    text = _RANGE.sub(lambda m: f"{m[1]}到", text)
    text = _NUMBER.sub(lambda m: _amount(m[1], m.string[m.end() : m.end() + 1]), text)
    text = "".join(_WORDS.get(ch, ch) for ch in text)
    return digits(text)  # a digit left over (1.2.3) is read one by one


# --- the phrase list ---------------------------------------------------------------------


class PhraseListError(ValueError):
    """policies/speech.yaml is malformed; the message names the entry and what is wrong."""


_TONE3 = re.compile(r"^([a-zü]+)([1-5])$")
_HAN = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ffff〇]+$")


@lru_cache(maxsize=1)
def _known_syllables() -> frozenset[str]:
    """Every toneless syllable pypinyin knows (ü written v): yin, hang, lve, ..."""
    from pypinyin.contrib.tone_convert import to_normal
    from pypinyin.pinyin_dict import pinyin_dict

    marked = {p for value in set(pinyin_dict.values()) for p in value.split(",")}
    return frozenset(to_normal(p, v_to_u=False) for p in marked)


def load_phrases(text: str) -> dict[str, tuple[str, ...]]:
    """The phrase list of `policies/speech.yaml` (its text): phrase → syllables. Raises
    PhraseListError naming the first bad entry."""
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PhraseListError(f"speech.yaml is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("phrases"), dict):
        raise PhraseListError('speech.yaml needs a mapping "phrases:" of phrase: pinyin')
    unknown = set(data) - {"phrases"}
    if unknown:
        raise PhraseListError(f"speech.yaml: unknown keys {sorted(map(str, unknown))}")
    phrases: dict[str, tuple[str, ...]] = {}
    for phrase, reading in data["phrases"].items():
        where = f"speech.yaml, phrase {phrase!r}"
        if not isinstance(phrase, str) or not _HAN.match(phrase) or len(phrase) < 2:
            raise PhraseListError(f"{where}: a phrase is two or more Chinese characters")
        if not isinstance(reading, str) or not reading.strip():
            raise PhraseListError(f"{where}: give its pinyin as text, such as 'yin2 hang2'")
        syllables = tuple(reading.replace("ü", "v").split())
        if len(syllables) != len(phrase):
            raise PhraseListError(
                f"{where}: {len(phrase)} characters but {len(syllables)} syllables "
                f"({reading!r}); give one syllable per character"
            )
        for syllable in syllables:
            match = _TONE3.match(syllable)
            if not match or match.group(1) not in _known_syllables():
                raise PhraseListError(
                    f"{where}: {syllable!r} is not a pinyin syllable with its tone number "
                    "(1-4, 5 for the neutral tone), such as hang2"
                )
        phrases[phrase] = syllables
    return phrases


# --- pinyin ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Piece:
    """A run of the spoken text: its syllables, a pause (',' or '.') or nothing, and what
    in it is not read."""

    syllables: tuple[str, ...] = ()
    pause: str = ""
    unread: tuple[str, ...] = ()


_LETTERS = {
    "a": "ei1", "b": "bi4", "c": "xi1", "d": "di4", "e": "yi4", "f": "ai2 fu5",
    "g": "ji4", "h": "ai2 qi1", "i": "ai4", "j": "jie4", "k": "kai4", "l": "ai2 le5",
    "m": "ai2 mu5", "n": "en1", "o": "ou1", "p": "pi4", "q": "kiu1", "r": "a4 er5",
    "s": "ai2 si1", "t": "ti4", "u": "you1", "v": "wei1", "w": "da2 bu5 liu5",
    "x": "ai2 ke4 si1", "y": "wai4", "z": "zei4",
}  # fmt: skip
_SHORT_PAUSE = set("，、；：,;:（）()《》〈〉【】[]{}「」『』·•—–-~／/|\t")
_LONG_PAUSE = set("。！？!?…\n")
_RUNS = re.compile(
    r"(?P<han>[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ffff〇]+)"
    r"|(?P<latin>[A-Za-zＡ-Ｚａ-ｚ]+)"
    r"|(?P<other>.)",
    re.DOTALL,
)
_SILENT = ("Zs", "Cc", "Cf", "Mn", "Me", "Sk", "So", "Pi", "Pf", "Ps", "Pe", "Pd", "Pc", "Po")


def _han(run: str, phrases: Mapping[str, tuple[str, ...]]) -> list[str]:
    """Syllables of a run of Chinese characters; a listed phrase wins over pypinyin."""
    longest = max((len(p) for p in phrases), default=0)
    out: list[str] = []
    start = i = 0
    while i < len(run):
        found = next(
            (
                run[i : i + n]
                for n in range(min(longest, len(run) - i), 1, -1)
                if run[i : i + n] in phrases
            ),
            None,
        )
        if found is None:
            i += 1
            continue
        out += _pypinyin(run[start:i])
        out += phrases[found]
        i += len(found)
        start = i
    return out + _pypinyin(run[start:])


def _pypinyin(chunk: str) -> list[str]:
    if not chunk:
        return []
    # imported on first use: its tables take some 56 MB, and a server that is never asked
    # for a spoken answer should not carry them (see bot/phonetic.py)
    from pypinyin import Style, lazy_pinyin

    syllables: list[str] = lazy_pinyin(
        chunk,
        style=Style.TONE3,
        neutral_tone_with_five=True,
        tone_sandhi=True,
        errors=lambda chars: "?" + chars,  # called once per character with no reading
    )
    # a character with no reading comes back marked (and, from neutral_tone_with_five, a 5)
    return [s.rstrip("5") if s.startswith("?") else s for s in syllables]


def _pieces(text: str, phrases: Mapping[str, tuple[str, ...]]) -> Iterator[_Piece]:
    for match in _RUNS.finditer(spoken(text)):
        if han := match.group("han"):
            syllables = _han(han, phrases)
            unread = tuple(s[1:] for s in syllables if s.startswith("?"))
            yield _Piece(tuple(s for s in syllables if not s.startswith("?")), unread=unread)
        elif latin := match.group("latin"):
            word = unicodedata.normalize("NFKC", latin).lower()
            if len(word) > LETTER_RUN_MAX:
                yield _Piece(unread=(latin,))
            else:
                yield _Piece(tuple(" ".join(_LETTERS[ch] for ch in word).split()))
        else:
            ch = match.group("other")
            if ch in _LONG_PAUSE:
                yield _Piece(pause=".")
            elif ch in _SHORT_PAUSE:
                yield _Piece(pause=",")
            elif ch.isspace():
                yield _Piece()
            elif unicodedata.category(ch) in _SILENT or "\U0001f000" <= ch <= "\U0001faff":
                yield _Piece()  # quotation marks, emoji, symbols: not read
            else:
                yield _Piece(unread=(ch,))


def syllables(text: str, phrases: Mapping[str, tuple[str, ...]]) -> list[str]:
    """The tone-numbered syllables the voice reads, without the pauses."""
    return [s for piece in _pieces(text, phrases) for s in piece.syllables]


def pinyin_for_espeak(text: str, phrases: Mapping[str, tuple[str, ...]]) -> str:
    """The text for `espeak-ng -v cmn-latn-pinyin`: syllables separated by spaces, ', '
    for a short pause and '. ' for a long one; ends with '.'."""
    out: list[str] = []
    pause = ""
    for piece in _pieces(text, phrases):
        if piece.pause:
            pause = "." if "." in (pause, piece.pause) else ","
        if piece.syllables:
            if pause and out:
                out[-1] += pause
            pause = ""
            out.extend(piece.syllables)
    return " ".join(out) + "." if out else ""


def unread(text: str, phrases: Mapping[str, tuple[str, ...]]) -> list[str]:
    """What the voice would drop that carries meaning, each once, in order: a Chinese
    character with no known reading, a Latin word longer than LETTER_RUN_MAX letters (as
    one item), an unknown symbol. Punctuation, quotation marks and emoji are dropped on
    purpose and are not listed."""
    seen: dict[str, None] = {}
    for piece in _pieces(text, phrases):
        for item in piece.unread:
            seen.setdefault(item, None)
    return list(seen)
