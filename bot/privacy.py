"""Mask personal data before anything is stored or logged (pure)."""

from __future__ import annotations

import re

# 18-character resident ID: 6-digit area, birth date 19xx/20xx MMDD, 3 digits, check digit or X
_RESIDENT_ID = re.compile(
    r"(?<!\d)[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![\dA-Za-z])"
)
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[-\s]?)?1[3-9]\d(?:[-\s]?\d{4}){2}(?!\d)")
_BANK_CARD = re.compile(r"(?<!\d)(?:\d[-\s]?){15,18}\d(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")
# an address down to the house: ...村/路/街/巷/小区 + number + 号/户/栋/单元/室
_ADDRESS = re.compile(
    r"[\u4e00-\u9fff]{0,12}(?:村|庄|路|街|巷|道|小区|社区|组|屯)"
    r"[\u4e00-\u9fff\d-]{0,8}?\d+\s*(?:号院|号楼|号|户|栋|幢|单元|室|排)"
    r"(?:\d+\s*(?:号|室|单元|户))*"
)

ID_MASK = "[身份证号]"
PHONE_MASK = "[电话]"
CARD_MASK = "[银行卡号]"
ADDRESS_MASK = "[地址]"


def mask(text: str) -> str:
    """The text with resident ID numbers, phone numbers, bank card numbers and street
    addresses with house numbers replaced by placeholders."""
    text = _RESIDENT_ID.sub(ID_MASK, text)
    text = _MOBILE.sub(PHONE_MASK, text)
    text = _BANK_CARD.sub(CARD_MASK, text)
    text = _LANDLINE.sub(PHONE_MASK, text)
    return _ADDRESS.sub(ADDRESS_MASK, text)
