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

Three passes, each on what the one before left: the numbers written as people usually
group them (139 0537 1234, 0632-3312345, 6222 0216 0200 1234); then any run of digit
groups, whatever the separators (139，0537，1234; 1 3 9 0 5 3 7 1 2 3 4), by what its
digits make together; then the addresses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
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
# what counts, sums and times are counted in (3户, 116元, 80岁, 8点), and 号 (15号 is a day)
_COUNTED = (
    "元|块|毛|角|万|千|百|亿|%|岁|人|户|亩|斤|公斤|次|年|月|日|天|个|份|头|只|平|米"
    "|点|名|位|周|期|批|季"
)
_UNIT = rf"(?:{_COUNTED}|号)"
# 15 or more digits in a row; or four groups of four (a card's first digit is 3-6 or 9,
# and 3000 4000 5000 6000 are sums), maybe with a fifth group of three: 6222 0216 0200 1234 567;
# or the bank's six digits and the rest: 621799 0012345678912
_CARD = (
    rf"\d{{15,30}}"
    rf"|(?!(?:\d{{2}}00{_S}){{4}})[3-69]\d{{3}}(?:{_S}\d{{4}}){{3}}(?:{_S}\d{{3}}(?!\s?{_UNIT}))?"
    rf"|[3-69]\d{{5}}[\s-]\d{{10,13}}"
)
# a bare 7-8 digit local number counts only next to a phone word (not 1234567元); the
# placeholder's own brackets end the search, so that masking twice changes nothing
_LOCAL = rf"[1-9]\d{{6,7}}(?!\.?\d)(?!\s?{_UNIT})"
_PHONE_WORD = r"(?:电话|座机|固话|手机|号码|联系方式|tel)"
_NEAR = r"[^\d\[\]]"

# a number begins after anything but a digit or a decimal point (好的.13905371234: a full
# stop; 1.13905371234: a decimal)
_NUMBERS: Final = re.compile(
    rf"(?<!\d)(?<!\d\.)(?:(?P<id>{_ID18}(?![\dXx])|{_ID15}(?!\d))"
    rf"|(?P<mobile>{_MOBILE})(?!\d)"
    rf"|(?P<land>{_LANDLINE})(?!\d)"
    rf"|(?P<card>{_CARD})(?!\d)"
    rf"|(?P<after>{_LOCAL})(?={_NEAR}{{0,5}}?(?:电话|座机|固话)))"
    # (not the first seven digits of a mobile written 1390537 1234)
    rf"|(?:{_PHONE_WORD}{_NEAR}{{0,6}}?|[打拨]\s?)(?P<before>(?!{_MOBILE}(?!\d)){_LOCAL})"
)
_NUMBER_MASKS: Final = (
    ("id", ID_MASK),
    ("mobile", PHONE_MASK),
    ("land", PHONE_MASK),
    ("card", CARD_MASK),
    ("after", PHONE_MASK),
    ("before", PHONE_MASK),
)

# -- numbers in groups, whatever the separators ------------------------------------------
# groups of digits joined by spaces, commas, 、, slashes, dashes or points, the full stop
# too (a Chinese keyboard types 。 for .): 139，0537，1234; 139。0537。1234; 1 3 9 0 5 3 7
# 1 2 3 4; 1390 537 1234; 370 402 1950 0315 1234; maybe +86 first, an ID's X last. Not
# part of a decimal (1.5、2.5), nor sums with their unit (2017，2018年)
_GROUP_SEP = r"[\s,，、/／.。-]{1,3}"
_GROUPED: Final = re.compile(
    rf"(?<!\d)(?<!\d\.)\+?\d+(?:{_GROUP_SEP}\d+)+[Xx]?(?!\.?\d)(?!\s?{_UNIT})"
)
_GROUP: Final = re.compile(r"\d+[Xx]?")
# what the digits of groups make together: an ID, a mobile (maybe 86 or 0086 first), a card
_WHOLE: Final = re.compile(
    rf"(?P<id>{_ID18}|{_ID15})|(?P<mobile>(?:0086|86)?1[3-9]\d{{9}})|(?P<card>[3-69]\d{{15,18}})"
)
_WHOLE_MASKS: Final = {"id": ID_MASK, "mobile": PHONE_MASK, "card": CARD_MASK}
# how many digits they have: 11, 86 and 11, 0086 and 11 or an old ID, a card or an ID
_SIZES: Final = frozenset((11, 13, 15, 16, 17, 18, 19))
_LONGEST: Final = max(_SIZES)


def _placeholder(groups: list[str]) -> str | None:
    """The placeholder for the number these groups make together, or None: no number, or
    round sums in a row (150 2000 3000, 100，200)."""
    if all(group.endswith("0") for group in groups):
        return None
    number = _WHOLE.fullmatch("".join(groups))
    return _WHOLE_MASKS[str(number.lastgroup)] if number else None


def _in_groups(shadow: str, run: re.Match[str]) -> Iterator[tuple[int, int, str]]:
    """The numbers a run of digit groups is made of, one after another (139，0537，1234，
    138，0537，1234: two mobiles), as (start, end, placeholder); none unless the run is
    numbers from end to end."""
    groups = list(_GROUP.finditer(shadow, run.start(), run.end()))
    digits = [group.group() for group in groups]
    count = len(groups)
    # the number that begins with group i, if the groups after it are numbers too: the
    # group after it and its placeholder (the longest such number)
    numbers: dict[int, tuple[int, str]] = {}
    for i in reversed(range(count)):
        size, ends = 0, []
        for j in range(i, min(count, i + _LONGEST)):  # (a group has a digit at least)
            size += len(digits[j])
            if size in _SIZES and (j + 1 == count or j + 1 in numbers):
                ends.append(j + 1)
        for end in reversed(ends):
            placeholder = _placeholder(digits[i:end])
            if placeholder:
                numbers[i] = end, placeholder
                break
    if 0 not in numbers:
        return
    begin = 0  # where the next number begins
    for i in range(count):
        if i == begin:
            begin, placeholder = numbers[i]
            start = groups[i].start() if i else run.start()  # (with the + of +86)
            yield start, groups[begin - 1].end(), placeholder


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
    # 5-2-301: building, unit and room after an estate's name; not a range of months,
    # people, sums or hours (社区1-12月份, 新村1-3月, 社区5-10人, 社区8-9点)
    rf"|(?P<estate>{_ESTATES}){_SP}\d{{1,3}}(?:[-\s]\d{{1,4}}){{1,2}}(?![\d.])"
    rf"(?!{_SP}(?:{_COUNTED}))(?:号|室)?"
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
# village (西集镇 stays), pronouns, verbs and particles (俺住在…, …是…), and the words of a
# question that end with one: 找谁, 咋办, 申请, 咨询, 领取, 书记, 改造, 补贴, 救助, 保险,
# 信贷, 贷款, 扶贫, 帮扶, 政策, 结算, 报销, 特困, 医疗, 光伏, 计划, 建档立卡, 咋整
_NOT_NAME: Final = frozenset(
    "镇乡县区市省州旗盟道在住是的了俺我咱你他她它们跟到从于就也还都说叫问有个这那哪去来回址"
    "谁咋啥怎么吗呢吧办找请询取记造贴助险贷款扶贫策算销困疗伏划卡整"
)
# a road inside an estate's name (光明路幸福小区): the road's name goes with it
_ROAD_ENDS: Final = frozenset("路街巷")
# the words of a question that end the name, where their last character alone may be part
# of one (老庄, 太保庄, 房庄, 下庄): 孝善养老|光明路幸福小区, 低保怎么办理|光明路…
_ENDS_NAME: Final = frozenset({"办理", "养老", "低保", "五保", "医保", "社保", "危房", "托管",
                               "收益", "增收", "兜底", "报名", "一下", "咋弄", "么弄"})  # fmt: skip
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
    for _ in range(end - floor):  # (never past the floor)
        if end - start >= longest:
            break
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


def _numbers(shadow: str) -> Iterator[tuple[int, int, str]]:
    for m in _NUMBERS.finditer(shadow):
        group, placeholder = next((g, p) for g, p in _NUMBER_MASKS if m.start(g) >= 0)
        yield m.start(group), m.end(group), placeholder


def _grouped(shadow: str) -> Iterator[tuple[int, int, str]]:
    for run in _GROUPED.finditer(shadow):
        yield from _in_groups(shadow, run)


def _addresses(text: str, shadow: str) -> Iterator[tuple[int, int, str]]:
    last = 0
    for m in _ADDRESS.finditer(shadow):
        start = m.start()
        place = m.group("place") or m.group("estate")
        if place:
            start = _name_start(text, start, last, _NAME_LENGTH[place])
        last = m.end()
        yield start, last, ADDRESS_MASK


def _cut(text: str, shadow: str, spans: list[tuple[int, int, str]]) -> tuple[str, str]:
    """The text and its shadow with each span (start, end, placeholder) replaced by its
    placeholder, which is its own shadow."""
    for start, end, placeholder in reversed(spans):
        text = text[:start] + placeholder + text[end:]
        shadow = shadow[:start] + placeholder + shadow[end:]
    return text, shadow


def mask(text: str) -> str:
    """The text with resident ID numbers, phone numbers, bank card numbers and street
    addresses with house numbers replaced by placeholders."""
    shadow = text.translate(_SHADOW)
    if not _ANY_DIGIT.search(shadow):
        return text
    text, shadow = _cut(text, shadow, list(_numbers(shadow)))
    text, shadow = _cut(text, shadow, list(_grouped(shadow)))
    return _cut(text, shadow, list(_addresses(text, shadow)))[0]
