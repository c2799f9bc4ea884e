"""Personal data is masked before anything is stored or logged."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.engine import Engine
from bot.normalize import sanitize
from bot.numerals import arabize
from bot.privacy import ADDRESS_MASK, CARD_MASK, ID_MASK, PHONE_MASK, mask


def _normalized(text: str) -> str:
    """What normalizing does to digits: width, punctuation to spaces, numerals, case."""
    return arabize(sanitize(text).lower())


# (text, the personal part that must be gone, the placeholder in its place)
MASKED: list[tuple[str, str, str]] = [
    # resident IDs: 18 digits (check digit X or x), 15-digit old ones, grouped, full-width
    ("俺的身份证号是370402195003151234，能查不", "370402195003151234", ID_MASK),
    ("身份证37040219500315123X帮俺查查", "37040219500315123X", ID_MASK),
    ("身份证号37040219500315123x", "37040219500315123x", ID_MASK),
    ("孙子身份证370402201203051231，上学补助咋领", "370402201203051231", ID_MASK),
    ("老身份证370402500315123还能用不", "370402500315123", ID_MASK),
    ("身份证 370402 19500315 1234", "370402 19500315 1234", ID_MASK),
    ("身份证370402-19500315-1234", "370402-19500315-1234", ID_MASK),
    ("身份证号 3704 0219 5003 1512 34", "3704 0219 5003 1512 34", ID_MASK),
    (
        "身份证号码：３７０４０２１９５００３１５１２３４。",
        "３７０４０２１９５００３１５１２３４",
        ID_MASK,
    ),
    ("身份证三七〇四〇二一九五〇〇三一五一二三四", "三七〇四〇二一九五〇〇三一五一二三四", ID_MASK),
    ("老证370402 500315 123", "370402 500315 123", ID_MASK),
    # mobiles: 13x-19x, country code, separators, full-width, Chinese numerals
    ("俺闺女电话13905371234，有事打给她", "13905371234", PHONE_MASK),
    ("手机 139-0537-1234", "139-0537-1234", PHONE_MASK),
    ("手机139 0537 1234", "139 0537 1234", PHONE_MASK),
    ("手机号139.0537.1234", "139.0537.1234", PHONE_MASK),
    ("+86 13905371234", "13905371234", PHONE_MASK),
    ("+8613905371234", "8613905371234", PHONE_MASK),
    ("86 13905371234", "13905371234", PHONE_MASK),
    ("0086 13905371234", "13905371234", PHONE_MASK),
    ("手机号：(+86)139-0537-1234", "139-0537-1234", PHONE_MASK),
    ("+86-139-0537-1234", "139-0537-1234", PHONE_MASK),
    ("俺儿19905371234", "19905371234", PHONE_MASK),
    ("联系人16605371234", "16605371234", PHONE_MASK),
    ("号码14705371234", "14705371234", PHONE_MASK),
    ("15906321234找俺", "15906321234", PHONE_MASK),
    ("18653712345是俺的", "18653712345", PHONE_MASK),
    ("17705371234", "17705371234", PHONE_MASK),
    ("电话１３９０５３７１２３４", "１３９０５３７１２３４", PHONE_MASK),
    ("电话：１３９－０５３７－１２３４", "１３９－０５３７－１２３４", PHONE_MASK),
    ("俺电话一三九零五三七一二三四", "一三九零五三七一二三四", PHONE_MASK),
    ("打幺三九〇五三七幺二三四找俺", "幺三九〇五三七幺二三四", PHONE_MASK),
    ("一三九 零五三七 一二三四", "一三九 零五三七 一二三四", PHONE_MASK),
    # landlines: area code with or without dash or brackets; a local number by a phone word
    ("村委电话0632-1234567", "0632-1234567", PHONE_MASK),
    ("村委06321234567", "06321234567", PHONE_MASK),
    ("北京的亲戚010-12345678", "010-12345678", PHONE_MASK),
    ("(0632)1234567", "(0632)1234567", PHONE_MASK),
    ("民政所（0632）1234567", "1234567", PHONE_MASK),
    ("0632 1234567是乡里的", "0632 1234567", PHONE_MASK),
    ("民政所座机：0632—3312345", "3312345", PHONE_MASK),
    ("0632-1234567转801", "1234567", PHONE_MASK),
    ("座机3312345", "3312345", PHONE_MASK),
    ("打3312345找村支书", "3312345", PHONE_MASK),
    ("村委电话是33123456", "33123456", PHONE_MASK),
    ("3312345是村委的电话", "3312345", PHONE_MASK),
    ("村里座机零六三二一二三四五六七", "零六三二一二三四五六七", PHONE_MASK),
    # bank cards: 16 and 19 digits, grouped by four with spaces or dashes
    ("补贴打到6222021602001234567这张卡上了吗", "6222021602001234567", CARD_MASK),
    ("卡号 6222 0216 0200 1234 567", "6222 0216 0200 1234 567", CARD_MASK),
    ("卡号6222021602001234", "6222021602001234", CARD_MASK),
    ("卡号6222 0216 0200 1234，钱到了没", "6222 0216 0200 1234", CARD_MASK),
    ("6222-0216-0200-1234", "6222-0216-0200-1234", CARD_MASK),
    ("6222-0216-0200-1234-567", "6222-0216-0200-1234-567", CARD_MASK),
    ("卡号６２２２０２１６０２００１２３４", "６２２２０２１６０２００１２３４", CARD_MASK),
    ("一卡通 6217 0000 1234 5678 901", "6217 0000 1234 5678 901", CARD_MASK),
    ("社保卡4367420012345678", "4367420012345678", CARD_MASK),
    # addresses down to the house
    ("俺住在西集镇东庄村12号，房子漏雨", "东庄村12号", ADDRESS_MASK),
    ("家在光明路3号院2单元", "光明路3号院", ADDRESS_MASK),
    ("俺娘住东庄村二组十五号", "东庄村二组十五号", ADDRESS_MASK),
    ("东庄村3组12号", "东庄村3组12号", ADDRESS_MASK),
    ("俺家二组十五号", "二组十五号", ADDRESS_MASK),
    ("住在东庄村东头第三户", "东庄村东头第三户", ADDRESS_MASK),
    ("东庄村西头老槐树下第二家", "西头老槐树下第二家", ADDRESS_MASK),
    ("李家洼村第三排第五户", "第三排第五户", ADDRESS_MASK),
    ("俺家在西王庄3排5号", "西王庄3排5号", ADDRESS_MASK),
    ("阳光小区3号楼2单元301室", "阳光小区3号楼2单元301室", ADDRESS_MASK),
    ("阳光小区5-2-301", "5-2-301", ADDRESS_MASK),
    ("和平小区12幢3单元502", "12幢3单元502", ADDRESS_MASK),
    ("幸福家园5栋2单元", "5栋2单元", ADDRESS_MASK),
    ("3号楼2单元301室", "3号楼2单元301室", ADDRESS_MASK),
    ("俺住建设路15号", "建设路15号", ADDRESS_MASK),
    ("文化东路88号", "文化东路88号", ADDRESS_MASK),
    ("光明街道幸福巷7号", "幸福巷7号", ADDRESS_MASK),
    ("南关胡同3号", "南关胡同3号", ADDRESS_MASK),
    ("住在前进大道100号", "前进大道100号", ADDRESS_MASK),
    ("张家庄村5号", "张家庄村5号", ADDRESS_MASK),
    ("东庄村十二号", "东庄村十二号", ADDRESS_MASK),
    ("东庄村12号院", "东庄村12号院", ADDRESS_MASK),
    ("东庄村１２号", "东庄村１２号", ADDRESS_MASK),
]

# ordinary text, policy questions and the figures in them: exactly as they were
UNCHANGED: list[str] = [
    "孝善养老子女交100元政府添多少",
    "俺爹80了，住院花了3万多",
    "2017年8月15日开始一站式结算",
    "116元的补充保险",
    "扶贫小额信贷累计发放19910.14万元",
    "俺家5亩地能托管不",
    "俺爹80岁，每月给多少",
    "报销比例90%",
    "报销比例是多少",
    "一站式结算在哪办",
    "第三季度发钱吗",
    "2018年第3季度",
    "补贴打了1234567元",
    "电话费1234567元咋报",
    "俺村有3户贫困户",
    "村里15号开会发钱不",
    "每月15号发",
    "8月15号到村委会领",
    "十五号发钱不",
    "二组的低保户咋申请",
    "东庄村二组有几户建档立卡户",
    "东庄村的孝善养老咋领",
    "五保户一年补多少",
    "一户一策是啥",
    "三保障两不愁",
    "去人民医院3楼办手续",
    "住院押金3000元，报销70%",
    "小额信贷5万元3年",
    "2020年12月31日前",
    "老人75岁 子女每月交100元",
    "子女每月交200元 补100元 老人80岁",
    "一年1200元分4次发",
    "150 300",
    "养了3头牛5只羊",
    "枣庄市市中区",
    "住了30年的危房改造补多少",
    "给村里打电话问过了",
    "第一书记电话多少",
    "低保标准每人每月455元",
    "6000元以下",
    "大病保险起付线1.2万元",
    "门诊报销50% 封顶1500元",
    "村后3排危房咋改造",
    "第3批名单",
    "俺娘1950年3月15日生的",
    "一共12345678元",
    "打工一年挣了30000",
    "150 2000 3000",  # sums a conversation gave, one message each: not a phone
    "3000 4000 5000 6000",  # nor a card
    "俺村第一家领到孝善养老的",
    "去县医院3号楼2楼办手续",
    "去东庄村，12号开会",
    "每月5号 15号 25号发",
    "乡政府3楼301室",
    "村里一户一策",
    "拨打12345热线",
]


@pytest.mark.parametrize(("text", "gone", "placeholder"), MASKED)
def test_masked(text: str, gone: str, placeholder: str) -> None:
    masked = mask(text)
    assert gone not in masked and placeholder in masked, masked


@pytest.mark.parametrize(("text", "gone", "placeholder"), MASKED)
def test_masked_once_normalized(text: str, gone: str, placeholder: str) -> None:
    """The stored normalized question: half-width, spaces for punctuation, 15 for 十五."""
    masked = mask(_normalized(text))
    assert _normalized(gone) not in masked and placeholder in masked, masked


@pytest.mark.parametrize(("text", "gone", "placeholder"), MASKED)
def test_masking_is_idempotent(text: str, gone: str, placeholder: str) -> None:
    for form in (text, _normalized(text)):
        once = mask(form)
        assert mask(once) == once


@given(
    st.text(
        alphabet="0123456789 -.+()村庄组号第东头户家单元室楼电话座机打零一三九十幺〇俺住镇X元１",
        max_size=60,
    )
)
def test_masking_twice_changes_nothing(text: str) -> None:
    once = mask(text)
    assert mask(once) == once


def test_the_table_is_large() -> None:
    assert len(MASKED) >= 60
    assert len({text for text, _, _ in MASKED}) == len(MASKED), "no case twice"


@pytest.mark.parametrize("text", UNCHANGED)
def test_ordinary_numbers_stay(text: str) -> None:
    assert mask(text) == text
    assert mask(_normalized(text)) == _normalized(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("俺住在西集镇东庄村12号，房子漏雨", "俺住在西集镇[地址]，房子漏雨"),
        ("俺娘住东庄村二组十五号，孝善养老咋领", "俺娘住[地址]，孝善养老咋领"),
        ("俺家东庄村12号", "俺家[地址]"),
        ("俺家二组十五号", "俺家[地址]"),
        ("光明街道幸福巷7号", "光明街道[地址]"),
        ("我在枣庄市市中区阳光小区3号楼2单元301室住", "我在枣庄市市中区[地址]住"),
        ("东庄村12号西庄村3号", "[地址][地址]"),
        ("电话：0632-1234567，孝善养老咋领", "电话：[电话]，孝善养老咋领"),
        ("打3312345找村支书", "打[电话]找村支书"),
        ("俺爹八十了，电话13905371234", "俺爹八十了，电话[电话]"),
    ],
)
def test_only_the_personal_part_goes(text: str, expected: str) -> None:
    assert mask(text) == expected


def test_what_the_real_normalizer_stores_is_masked(engine: Engine) -> None:
    """The normalizer also swaps dialect words; the numbers must still go."""
    for text, _, placeholder in MASKED:
        normalized = engine.ask(text).normalized
        if normalized:
            assert placeholder in mask(normalized), (text, normalized, mask(normalized))


async def test_questions_never_reach_the_logs_at_info(
    caplog: pytest.LogCaptureFixture, tmp_path: object
) -> None:
    import logging
    from pathlib import Path

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
