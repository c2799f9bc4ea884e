"""Personal data is masked before anything is stored or logged."""

from __future__ import annotations

import pytest

from bot.privacy import ADDRESS_MASK, CARD_MASK, ID_MASK, PHONE_MASK, mask


@pytest.mark.parametrize(
    ("text", "gone", "placeholder"),
    [
        ("俺的身份证号是370402195003151234，能查不", "370402195003151234", ID_MASK),
        ("身份证37040219500315123X帮俺查查", "37040219500315123X", ID_MASK),
        ("俺闺女电话13905371234，有事打给她", "13905371234", PHONE_MASK),
        ("手机 139-0537-1234", "139-0537-1234", PHONE_MASK),
        ("+86 13905371234", "13905371234", PHONE_MASK),
        ("村委电话0632-1234567", "0632-1234567", PHONE_MASK),
        ("补贴打到6222021602001234567这张卡上了吗", "6222021602001234567", CARD_MASK),
        ("卡号 6222 0216 0200 1234 567", "6222 0216 0200 1234 567", CARD_MASK),
        ("俺住在西集镇东庄村12号，房子漏雨", "东庄村12号", ADDRESS_MASK),
        ("家在光明路3号院2单元", "光明路3号院", ADDRESS_MASK),
    ],
)
def test_masked(text: str, gone: str, placeholder: str) -> None:
    masked = mask(text)
    assert gone not in masked and placeholder in masked


@pytest.mark.parametrize(
    "text",
    [
        "孝善养老子女交100元政府添多少",
        "俺爹80了，住院花了3万多",
        "2017年8月15日开始一站式结算",
        "116元的补充保险",
        "扶贫小额信贷累计发放19910.14万元",
        "俺家5亩地能托管不",
    ],
)
def test_ordinary_numbers_stay(text: str) -> None:
    assert mask(text) == text


async def test_questions_never_reach_the_logs_at_info(
    caplog: pytest.LogCaptureFixture, tmp_path: object
) -> None:
    import logging
    from pathlib import Path

    from bot.engine import Engine
    from bot.service import Service
    from bot.settings import DEFAULT_POLICIES
    from bot.store import Store

    caplog.set_level(logging.INFO)
    assert isinstance(tmp_path, Path)
    store = await Store.open(tmp_path / "bot.sqlite3")
    service = Service(Engine.from_folder(DEFAULT_POLICIES), store, DEFAULT_POLICIES)
    secret = "俺叫王秀英住东庄村12号孝善养老咋领"
    await service.ask(secret, "http", "s")
    await service.ask("孩子上大学助学贷款" + secret, "telegram", "t")
    await store.close()
    assert "王秀英" not in caplog.text and "东庄村" not in caplog.text
