"""Mask personal data before anything is stored or logged (pure).

`mask` replaces resident ID numbers, mobile and landline numbers, bank card numbers and
addresses down to the house with placeholders. It works on a question as typed and on its
normalized form (half-width, punctuation turned into spaces, 十五 turned into 15), and
masking twice gives the same text as masking once.

The patterns run on a "shadow" of the text of the same length, in which full-width
digits and punctuation are half-width and the Chinese digits people dictate numbers with
(一三九零…, 幺 for 1, 〇 for 0; 叉 for an ID's X) are Arabic digits; the spans they
find are then cut out of the text itself. Ordinary figures (116元, 19910.14万元, 80岁,
15号, 3户) and the numerals in policy terms (一站式, 第三季度) are left alone.
"""

from __future__ import annotations

import re
from typing import Final

ID_MASK = "[身份证号]"
PHONE_MASK = "[电话]"
CARD_MASK = "[银行卡号]"
ADDRESS_MASK = "[地址]"

# the digits people dictate a number with: 一三九零…, 幺 for 1 and 〇 for 0
_CHINESE_DIGITS: Final = dict(zip("零〇一幺二三四五六七八九", "001123456789", strict=True))
# one character for one character, so that a span in the shadow is the same span in the text
_SHADOW: Final = str.maketrans(
    {
        **{chr(0xFF10 + d): str(d) for d in range(10)},  # full-width ０-９
        **_CHINESE_DIGITS,
        **dict.fromkeys("－—–‐‑﹣", "-"),
        **dict.fromkeys("．·", "."),
        **dict.fromkeys("\u3000\xa0", " "),
        "Ｘ": "X",
        "ｘ": "x",
        "叉": "X",  # the check digit dictated: 三七零四…一二三叉
        "＋": "+",
        "（": "(",
        "）": ")",
    }
)
_ANY_DIGIT: Final = re.compile(r"[\d十百]")

# -- numbers -------------------------------------------------------------------------------
_S = r"[\s-]?"  # a space or dash between groups of an ID or card number
_SEP = r"(?:\s*[-.]\s*|\s+)?"  # between the groups of a phone number: 139-0537-1234
_MONTH = r"(?:0[1-9]|1[0-2])"
_DAY = r"(?:0[1-9]|[12]\d|3[01])"
# 18 digits: area (6), birth date YYYYMMDD, sequence (3), check digit or X; a space or dash
# may stand where people group it: 6-8-4 (370402 19500315 1234), 6-4-4-4 (370402 1950
# 0315 1234) or in fours
_ID18 = (
    rf"[1-9]\d{{3}}{_S}\d{{2}}{_S}(?:19|20){_S}\d{{2}}{_S}{_MONTH}{_S}{_DAY}{_S}\d{{2}}{_S}\d[\dXx]"
)
# the old 15-digit ID: area (6), YYMMDD, sequence (3)
_ID15 = rf"[1-9]\d{{3}}{_S}\d{{2}}{_S}\d{{2}}{_S}{_MONTH}{_DAY}{_S}\d{{3}}"
# 11 digits 13x-19x, maybe after +86 / 86 / 0086, grouped 3-4-4; not round sums in a row
# ("150 2000 3000": the amounts a conversation gave, kept for a calculation)
_ROUND_SUMS = r"(?!\d{3}\s+\d{2}00\s+\d{2}00(?!\d))"
_MOBILE = rf"(?:\(?(?:\+|00)?86\)?{_SEP})?{_ROUND_SUMS}1[3-9]\d{_SEP}\d{{4}}{_SEP}\d{{4}}"
# area code (010, 0632) and a 7-8 digit number, maybe an extension: 0632-1234567转801
_LANDLINE = rf"\(?0[1-9]\d{{1,2}}\)?{_SEP}[1-9]\d{{6,7}}(?:\s?(?:-|转)\s?\d{{1,5}})?"
# 15 or more digits in a row; or four groups of four (a card's first digit is 3-6 or 9,
# and 3000 4000 5000 6000 are sums), maybe with a fifth group of three: 6222 0216 0200 1234 567;
# or the bank's six digits and the rest: 621799 0012345678912
_UNIT = r"(?:元|块|毛|角|万|千|百|亿|%|岁|人|户|亩|斤|公斤|次|年|月|日|号|天|个|份|头|只|平|米)"
_CARD = (
    rf"\d{{15,30}}"
    rf"|(?!(?:\d{{2}}00{_S}){{4}})[3-69]\d{{3}}(?:{_S}\d{{4}}){{3}}(?:{_S}\d{{3}}(?!\s?{_UNIT}))?"
    rf"|[3-69]\d{{5}}[\s-]\d{{10,13}}"
)
# a bare 7-8 digit local number counts only next to a phone word (not 1234567元); the
# placeholder's own brackets end the search, so that masking twice changes nothing
_LOCAL = rf"[1-9]\d{{6,7}}(?![\d.])(?!\s?{_UNIT})"
_PHONE_WORD = r"(?:电话|座机|固话|手机|号码|联系方式|tel)"
_NEAR = r"[^\d\[\]]"

_NUMBERS: Final = re.compile(
    rf"(?<![\d.])(?:(?P<id>{_ID18}(?![\dXx])|{_ID15}(?!\d))"
    rf"|(?P<mobile>{_MOBILE})(?!\d)"
    rf"|(?P<land>{_LANDLINE})(?!\d)"
    rf"|(?P<card>{_CARD})(?!\d)"
    rf"|(?P<after>{_LOCAL})(?={_NEAR}{{0,5}}?(?:电话|座机|固话)))"
    # (not the first seven digits of a mobile written 1390537 1234)
    rf"|(?:{_PHONE_WORD}{_NEAR}{{0,6}}?|[打拨]\s?)(?P<before>(?!{_MOBILE}(?!\d)){_LOCAL})"
)
# a number written in groups with any separator (139，0537，1234; 1 3 9 0 5 3 7 1 2 3 4;
# 370 402 1950 0315 1234): what its digits make together decides what it is
_GROUPED: Final = re.compile(
    rf"(?<![\d.])\d+(?:[\s,，、/.\-]{{1,3}}\d+)+[Xx]?(?![\d.])(?!\s?{_UNIT})"
)
_GROUPED_PARTS: Final = re.compile(r"\d+[Xx]?")
_WHOLE_ID: Final = re.compile(rf"(?:{_ID18}|{_ID15})")
_WHOLE_MOBILE: Final = re.compile(r"(?:0086|86)?1[3-9]\d{9}")
_WHOLE_CARD: Final = re.compile(r"[3-69]\d{15,18}")


def _grouped(match: re.Match[str]) -> str:
    """The placeholder for a number written in groups, or the groups as they were (sums:
    每月100，每季300)."""
    parts = _GROUPED_PARTS.findall(match.group(0))
    if all(p.endswith("0") for p in parts):
        return match.group(0)  # 150 2000 3000, 100，200: round sums in a row
    digits = "".join(parts)
    if _WHOLE_ID.fullmatch(digits):
        return ID_MASK
    if _WHOLE_MOBILE.fullmatch(digits):
        return PHONE_MASK
    if _WHOLE_CARD.fullmatch(digits):
        return CARD_MASK
    return match.group(0)


_NUMBER_MASKS: Final = (
    ("id", ID_MASK),
    ("mobile", PHONE_MASK),
    ("land", PHONE_MASK),
    ("card", CARD_MASK),
    ("after", PHONE_MASK),
    ("before", PHONE_MASK),
)

# -- addresses -----------------------------------------------------------------------------
_NUM = r"[\d十百]+"  # in the shadow: 12, 15, 十2 (十二), 301
_SP = r"\s?"
_DIR = r"(?:[东西南北中前后](?:头|边|面|首|侧)?)"
# what may stand between a place and the house: 二组, 3排, 第三排, 东头
_MID = rf"(?:{_NUM}{_SP}(?:组|队|排)|第{_NUM}(?:组|队|排)|{_DIR})"
# the house itself: 12号, 12-3号, 3号院, 5栋, 2单元, 301室; 第三户, 第二家 only after a group,
# a row or a side of the village (东庄村东头第三户), since 俺村第一家 is not an address
_HOUSE = rf"(?:{_NUM}(?:[-\s]\d{{1,4}})?{_SP}(?:号院|号楼|号|栋|幢|单元|室)|第{_NUM}号)"
_NTH = rf"第{_NUM}(?:户|家|间)"
# a landmark between: 村西头老槐树下第二家
_LANDMARK = rf"(?:{_DIR}|口)[\u4e00-\u9fff]{{0,7}}?第{_NUM}(?:户|家)"
# more of the same house: 3号楼 2单元 301室, 2单元301, 5号楼201
_MORE = (
    rf"(?:{_SP}{_NUM}{_SP}(?:号院|号楼|号|栋|幢|单元|室|楼|层)"
    rf"|(?:(?<=单元)|(?<=号楼)|(?<=[栋幢])){_SP}\d{{3,4}}(?![\d.])(?!{_SP}{_UNIT})"
    rf"|{_SP}第{_NUM}(?:户|家|间))"
)
_VILLAGES = "村|庄|屯|寨"
_ROADS = "大道|大街|胡同|路|街|巷|弄"
_ESTATES = "小区|花园|家园|新村|社区|公寓|大院|宿舍"
_ADDRESS: Final = re.compile(
    rf"(?P<place>{_ESTATES}|{_VILLAGES}|{_ROADS})"
    rf"(?:(?:{_MID}{_SP}){{0,3}}?{_HOUSE}|(?:{_MID}{_SP}){{1,3}}{_NTH}|{_LANDMARK})(?:{_MORE})*"
    # 5-2-301: building, unit and room after an estate's name
    # (not a range of months, people or sums: 社区1-12月份, 新村1-3月, 社区5-10人)
    rf"|(?P<estate>{_ESTATES}){_SP}\d{{1,3}}(?:[-\s]\d{{1,4}}){{1,2}}(?![\d.])"
    rf"(?!{_SP}(?:月|人|户|天|年|岁|元|块|个|次|日|万|千|百|%))(?:号|室)?"
    # a group and a house with no village named: 二组十五号
    rf"|(?<![\d十百]){_NUM}{_SP}(?:组|队)(?:{_SP}{_MID}){{0,3}}?{_SP}(?:{_HOUSE}|{_NTH})(?:{_MORE})*"
    # a building and a flat in it, with no place named: 3号楼2单元301室 (not 3号楼2楼)
    rf"|(?<![\d十百]){_NUM}{_SP}(?:号楼|栋|幢|单元)"
    rf"(?:{_SP}{_NUM}{_SP}(?:单元|室)|(?<=单元){_SP}\d{{3,4}}(?![\d.]))(?:{_MORE})*"
)
# how many characters of a name a place word takes with it: 东庄|村, 文化东|路, 阳光|小区;
# a road in the name takes its own name too: 光明路幸福|小区
_NAME_LENGTH: Final = {
    **dict.fromkeys(_VILLAGES.split("|"), 3),
    **dict.fromkeys(_ROADS.split("|"), 4),
    **dict.fromkeys(_ESTATES.split("|"), 4),
}
# characters that are never part of the name before 村/路/小区: admin areas above the
# village (西集镇 stays), pronouns, verbs and particles (俺住在…, …是…)
_NOT_NAME: Final = frozenset(
    "镇乡县区市省州旗盟道在住是的了俺我咱你他她它们跟到从于就也还都说叫问有个这那哪去来回址"
)
# a road inside an estate's name (光明路幸福小区): the road's name goes with it
_ROAD_ENDS: Final = frozenset("路街巷")
# words of the question that end the name before them (低保怎么办理|光明路幸福小区)
_ENDS_NAME: Final = frozenset({"办理", "找谁", "改造", "申请", "请问", "问问", "报名", "参加",
                               "登记", "地址", "住址", "家住", "一下", "补贴", "补助", "养老",
                               "低保", "危房"})  # fmt: skip
# 家 is part of 张家庄 but not of 俺家东庄村; 里 of 八里庄 but not of 那里东庄村
_BEFORE_HOME: Final = frozenset("俺我咱你他她老娘婆回住在人全本自农")
_BEFORE_IN: Final = frozenset("那这哪村城屋家")


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _name_start(text: str, end: int, floor: int, longest: int) -> int:
    """Where the name directly before text[end] (a place word) begins: at most `longest`
    characters back (and as many as a road takes past a road in it), never before `floor`,
    stopping at words that are not the name."""
    start = end
    while start > floor and end - start < longest:
        ch = text[start - 1]
        if not _is_han(ch) or ch in _NOT_NAME:
            break
        before = text[start - 2] if start - 2 >= floor else ""
        if ch == "家" and (not _is_han(before) or before in _BEFORE_HOME):
            break
        if ch == "里" and before in _BEFORE_IN:
            break
        if before + ch in _ENDS_NAME:
            break
        if ch in _ROAD_ENDS:
            longest = end - start + 1 + _NAME_LENGTH["路"]
        start -= 1
    return start


def mask(text: str) -> str:
    """The text with resident ID numbers, phone numbers, bank card numbers and street
    addresses with house numbers replaced by placeholders."""
    shadow = text.translate(_SHADOW)
    if not _ANY_DIGIT.search(shadow):
        return text
    out: list[str] = []
    out_shadow: list[str] = []
    last = 0
    for m in _NUMBERS.finditer(shadow):
        group, placeholder = next((g, p) for g, p in _NUMBER_MASKS if m.start(g) >= 0)
        start, end = m.span(group)
        out += (text[last:start], placeholder)
        out_shadow += (shadow[last:start], placeholder)
        last = end
    if out:  # the placeholders are their own shadow
        text = "".join((*out, text[last:]))
        shadow = "".join((*out_shadow, shadow[last:]))
    out, out_shadow, last = [], [], 0
    for m in _GROUPED.finditer(shadow):
        placeholder = _grouped(m)
        if placeholder != m.group(0):
            out += (text[last : m.start()], placeholder)
            out_shadow += (shadow[last : m.start()], placeholder)
            last = m.end()
    if out:
        text = "".join((*out, text[last:]))
        shadow = "".join((*out_shadow, shadow[last:]))
    out = []
    last = 0
    for m in _ADDRESS.finditer(shadow):
        start = m.start()
        place = m.group("place") or m.group("estate")
        if place:
            start = _name_start(text, start, last, _NAME_LENGTH[place])
        out += (text[last:start], ADDRESS_MASK)
        last = m.end()
    if not out:
        return text
    return "".join((*out, text[last:]))
