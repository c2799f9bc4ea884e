"""Chinese numerals in running text to Arabic digits: 八十五岁 → 85岁, 一百五 → 150.

Only numbers are converted: a numeral that is part of a term (一站式, 三保障,
两不愁, 四不脱, 六大增收工程) stays as it is.
"""

from __future__ import annotations

import re

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4,
           "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}
_RUN = re.compile(r"[零〇一二两俩三四五六七八九十百千万亿]+")
# After a bare digit (no 十百千万), these show the numeral is a quantity.
_MEASURES = (
    "岁", "元", "块", "毛", "角", "分钱", "个月", "个季度", "季度", "个人", "口人",
    "年", "月", "天", "周", "亩", "户", "人", "次", "成", "倍", "万", "千", "百",
    "号", "点", "刀", "口", "头", "只", "棵",
)  # fmt: skip
# 百分之二十 = 20%, 百分之八点五 = 8.5%, 百分之8.5 = 8.5%: the whole part in Arabic or
# Chinese numerals, then maybe a point (点 or .) and the digits after it
_PERCENT = re.compile(
    r"百分之([0-9]+|[零〇一二两三四五六七八九十百]+)(?:[点.]([0-9]+|[零〇一二两三四五六七八九]+))?"
)
# digits with a Chinese unit, as phones type them: 1千2 = 1200, 2百 = 200, 1万5 = 15000,
# 3千五百 = 3500 (a bare 5万 stays: the booklet writes its sums that way)
_MIXED = re.compile(r"(?<![\d.])(\d{1,4})([百千万])([0-9零〇一二两三四五六七八九十百千]*)")
_TO_CHINESE = str.maketrans("0123456789", "零一二三四五六七八九")
_UNIT_VALUE = {"千": 1000, "百": 100, "万": 10_000}
# a unit alone, or 千万 ("be sure to"), is a word: 十分感谢, 老百姓, 千万别忘
_WORDS = frozenset({"十", "百", "千", "万", "亿", "千万"})
# ...but not before money or an age: 十块钱, 十岁, 百元, 千元
_BARE_UNIT_BEFORE = {"十": ("块", "元", "岁", "户", "人", "口人", "个", "年", "天", "次", "亩"),
                     "百": ("块", "元"), "千": ("块", "元")}  # fmt: skip
_ABOUT = tuple("几数多好上成来")  # 几百块, 数十人: no number to work with
# two neighbouring digits are a guess, not a number: 两三年, 七八十岁, 三五千块
_ROUGHLY = re.compile(r"一两|两三|三四|三五|四五|五六|六七|七八|八九")
# a numeral as it is written: 亿, 万 and the part below, each part 千 百 十 and a digit,
# maybe 零 between, maybe one last digit (一百五 = 150); a part before 万 or 亿 is not
# empty (万一 "in case", 万万, 千千万万, 一五一十 are words)
_D, _Z = "[一二两俩三四五六七八九]", "[零〇]"
_PART = rf"(?:{_D}?千)?{_Z}?(?:{_D}?百)?{_Z}?(?:{_D}?十)?{_Z}?{_D}?"
_NUMERAL = re.compile(rf"(?:(?=[^万亿]){_PART}亿)?(?:(?=[^万亿]){_PART}万)?{_PART}")
# "one" of the next word, not a trailing digit: 两千一年 is 2000 a year (2000每年), not
# 2100 years; the 一 becomes 每, so no digit can run into the number after it
_ONE_OF = ("年", "个", "次", "户", "天", "回", "月", "季", "人", "口", "亩", "头", "棵",
           "只", "间", "周", "家")  # fmt: skip


def parse_chinese_number(text: str) -> int | None:
    """Value of a numeral such as 八十五, 一百五, 两千, 一万五; None if not a number."""
    if not text or any(ch not in _DIGITS and ch not in _UNITS for ch in text):
        return None
    if all(ch in _DIGITS for ch in text):
        # 一五〇 read digit by digit
        return int("".join(str(_DIGITS[ch]) for ch in text))
    if not _NUMERAL.fullmatch(text):
        return None  # 千千万万, 一万两万, 六七十: not one number
    total = 0  # the part already multiplied by 万 or 亿
    section = 0  # the part below 万
    digit: int | None = None
    last_unit = 0  # the unit just before a trailing digit
    zero_seen = False
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
            zero_seen = zero_seen or digit == 0
            continue
        unit = _UNITS[ch]
        if unit == 10_000:  # 两亿五千万: the 万 multiplies the part after 亿 only
            total += (section + (digit or 0)) * unit
            section = 0
        elif unit > 10_000:
            total = (total + section + (digit or 0)) * unit
            section = 0
        else:
            section += (1 if digit is None else digit) * unit
        digit, last_unit, zero_seen = None, unit, False
    if digit is not None:
        # colloquial: 一百五 = 150, 两千三 = 2300, 一万五 = 15000; 一百零五 = 105
        section += digit if zero_seen else digit * last_unit // 10
    return total + section


def _replace(match: re.Match[str]) -> str:
    run, text, end = match.group(0), match.string, match.end()
    if run in _WORDS:
        before = text[match.start() - 1 : match.start()]
        if text.startswith(_BARE_UNIT_BEFORE.get(run, ()), end) and before not in _ABOUT:
            return str(_UNITS[run])  # 十块钱, 百元 (not 几百块, 好几十年)
        return run  # 十分, 老百姓, 千万别忘 as words, not numbers
    if run[0] in _UNITS and text[match.start() - 1 : match.start()].isdigit():
        return run  # 1千二: digits with a Chinese unit, read by _mixed
    has_unit = any(ch in _UNITS for ch in run)
    if not has_unit and not text.startswith(_MEASURES, end):
        return run
    if _ROUGHLY.search(run) or (run[0] in "百千" and len(run) > 1):
        return run  # 七八十岁, 两三年, 百八十块: about, not a number to work with
    if len(run) > 2 and run[-1] == "一" and run[-2] in "百千万" and text.startswith(_ONE_OF, end):
        value = parse_chinese_number(run[:-1])  # 两千一年: 2000 a year, 2000每年
        return run if value is None else f"{value}每"
    value = parse_chinese_number(run)
    return run if value is None else str(value)


def _percent(match: re.Match[str]) -> str:
    whole, tenths = match.group(1), match.group(2)
    value = int(whole) if whole.isascii() else parse_chinese_number(whole)
    if value is None:
        return match.group(0)  # 百分之十十: not a number
    if tenths is None:
        return f"{value}%"
    return f"{value}.{''.join(str(_DIGITS.get(ch, ch)) for ch in tenths)}%"


def _mixed(match: re.Match[str]) -> str:
    lead, unit_word, rest = match.groups()
    unit = _UNIT_VALUE[unit_word]
    one = ""
    if rest in ("一", "1") and match.string.startswith(_ONE_OF, match.end()):
        rest, one = "", "每"  # 5千一次: 5000 a time, 5000每次; 5万一年: 5万每年
    if not rest:
        return (f"{lead}万" if unit_word == "万" else str(int(lead) * unit)) + one
    rest = rest.translate(_TO_CHINESE)
    if len(rest) == 1:
        tail = _DIGITS.get(rest)  # 1千2: the digit after the unit counts in the next unit down
        return match.group(0) if tail is None else str(int(lead) * unit + tail * unit // 10)
    if rest[0] not in ("零", "〇") and all(ch in _DIGITS for ch in rest):
        return match.group(0)  # 1千23: not a way to write a number
    value = parse_chinese_number(rest)  # 3千五百, 1万5千, 1千零五
    if value is None or value >= unit:
        return match.group(0)
    return str(int(lead) * unit + value)


def arabize(text: str) -> str:
    """Replace the Chinese numerals that are quantities with Arabic digits."""
    text = _PERCENT.sub(_percent, text)
    text = _RUN.sub(_replace, text)
    return _MIXED.sub(_mixed, text)
