"""Tiny synthetic booklets for unit tests of the matcher and the booklet model.

A test that uses these does not depend on the real content in policies/: each booklet
here has a handful of topics and intents, written out in full so that a reader can see
why a question matches what it matches. `write_booklet` writes one as the YAML files of
a booklet folder (policies/FORMAT.md) to be read by the project's own loader;
`intent` and `topic` give the plain data of one entry to change in a test.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

SOURCE = "src-a"

META: dict[str, Any] = {
    "title": "小图册",
    "version": "tiny-1",
    "region": "枣庄市",
    "ask_person": "村扶贫专干",
    "sources": {SOURCE: {"title": "测试来源", "place": "枣庄市", "year": "2017"}},
}


def intent(
    intent_id: str,
    aspect: str,
    title: str,
    examples: list[str],
    keywords: list[str] | None = None,
    answer: str = "",
) -> dict[str, Any]:
    """One intent as a topic file writes it (at least 8 examples for the loader)."""
    data: dict[str, Any] = {
        "id": intent_id,
        "aspect": aspect,
        "title": title,
        "examples": list(examples),
        "answer": answer or f"{title}的回答。",
        "sources": [SOURCE],
        "as_of": "2017",
    }
    if keywords:
        data["keywords"] = list(keywords)
    return data


def topic(
    name: str,
    title: str,
    keywords: list[str],
    intents: list[dict[str, Any]],
    order: int = 100,
    situations: list[str] | None = None,
) -> dict[str, Any]:
    """One topic file's data."""
    data: dict[str, Any] = {
        "topic": name,
        "title": title,
        "order": order,
        "summary": f"{title}的简介。",
        "keywords": list(keywords),
        "intents": intents,
    }
    if situations:
        data["situations"] = list(situations)
    return data


# Three topics. 孝善养老 answers what / who / how much, 邻里互助 what / how to apply,
# 危房改造 how to apply / how much. Each example is written so that the words of one
# intent are not the words of another (a question's nearest example is easy to see).
XIAOSHAN = topic(
    "xiaoshan",
    "孝善养老",
    ["孝善", "孝善养老"],
    [
        intent(
            "xiaoshan.what",
            "what",
            "孝善养老是什么",
            [
                "孝善养老是什么",
                "孝善养老什么意思",
                "孝善养老怎么回事",
                "介绍孝善养老",
                "讲讲孝善养老",
                "孝善养老说说",
                "孝善 介绍",
                "孝善养老好处",
            ],
        ),
        intent(
            "xiaoshan.who",
            "who",
            "孝善养老什么条件",
            [
                "孝善养老什么条件",
                "孝善养老对象",
                "孝善养老资格",
                "孝善 条件",
                "孝善养老年龄要求",
                "孝善养老多大岁数",
                "孝善养老谁能享受",
                "孝善 对象",
            ],
        ),
        intent(
            "xiaoshan.amount",
            "amount",
            "孝善养老政府添多少",
            [
                "孝善养老政府添多少",
                "孝善资金奖补多少",
                "子女交孝善资金政府补多少",
                "孝善 奖补比例",
                "孝善养老给多少钱",
                "孝善资金添多少",
                "孝善 补多少",
                "孝善养老奖补标准",
            ],
        ),
    ],
    order=10,
    situations=["老人 交 添"],
)

LINLI = topic(
    "linli",
    "邻里互助",
    ["邻里互助"],
    [
        intent(
            "linli.what",
            "what",
            "邻里互助是什么",
            [
                "邻里互助是什么",
                "邻里互助什么意思",
                "邻里互助怎么回事",
                "介绍邻里互助",
                "讲讲邻里互助",
                "邻里互助说说",
                "邻里互助 介绍",
                "邻里互助好处",
            ],
        ),
        intent(
            "linli.apply",
            "apply",
            "邻里互助怎么参加",
            [
                "邻里互助怎么参加",
                "邻里互助怎么报名",
                "邻里互助去哪报名",
                "邻里互助 手续",
                "邻里互助 流程",
                "邻里互助怎么申请",
                "参加邻里互助",
                "邻里互助 报名",
            ],
            keywords=["护理员"],
        ),
    ],
    order=20,
)

WEIFANG = topic(
    "weifang",
    "危房改造",
    ["危房改造", "危房"],
    [
        intent(
            "weifang.apply",
            "apply",
            "危房改造怎么申请",
            [
                "危房改造怎么申请",
                "危房改造去哪申请",
                "危房改造 手续",
                "危房改造 流程",
                "危房改造怎么办理",
                "危房怎么申请改造",
                "危房改造 材料",
                "申请危房改造",
            ],
        ),
        intent(
            "weifang.amount",
            "amount",
            "危房改造补多少钱",
            [
                "危房改造补多少钱",
                "危房改造给多少",
                "危房改造补助标准",
                "危房改造 多少钱",
                "危房 补助",
                "危房改造补贴多少",
                "危房改造 标准",
                "危房改造能补多少",
            ],
        ),
    ],
    order=30,
)

LEXICON: dict[str, Any] = {
    "synonyms": {
        "孝善资金": ["孝心钱", "孝善钱"],
        "邻里互助": ["邻居帮忙"],
        "政府": ["公家"],
        "子女": ["闺女", "儿子"],
        "老人": ["俺娘", "俺爹"],
    },
    "dialect": {"我": ["俺"], "什么": ["啥"], "怎么": ["咋"]},
    "fillers": ["请问", "问一下"],
    "greetings": ["你好", "在吗"],
    "thanks": ["谢谢", "好的"],
    "stopwords": ["的", "了", "吗", "呢", "我", "是", "有", "那", "要", "还"],
    "aspects": {
        "what": ["是什么", "什么意思", "怎么回事", "介绍", "讲讲", "说说", "好处"],
        "who": ["条件", "对象", "资格", "谁能", "岁数", "年龄", "要求"],
        "amount": ["多少钱", "多少", "添多少", "补多少", "给多少", "比例", "标准", "奖补"],
        "apply": ["申请", "怎么办", "办理", "手续", "流程", "材料", "报名", "参加"],
    },
    "generic": [
        "政策",
        "补贴",
        "钱",
        "多少钱",
        "扶贫",
        "贫困户",
        "政府",
        "能",
        "给",
        "怎么",
        "什么",
        "那",
        "要",
    ],
    "households": ["贫困户", "扶贫"],
    "continuations": ["那", "那么", "还有"],
    "references": ["这么多", "这个钱", "这个数"],
    "wrong": ["不对", "错了"],
    "restart": ["新问题", "换个问题"],
}

SCOPE: dict[str, Any] = {
    "out_of_scope": ["幼儿园", "助学贷款"],
    "domain": ["扶贫", "贫困户", "老人", "房子", "政府"],
    "neighbours": [{"subject": "低保的标准", "words": ["低保 标准", "低保 多少"]}],
    "home_places": ["枣庄", "枣庄市", "山东", "山东省"],
}

TOPICS = (XIAOSHAN, LINLI, WEIFANG)


def write_booklet(
    folder: Path,
    topics: tuple[dict[str, Any], ...] | list[dict[str, Any]] = TOPICS,
    lexicon: dict[str, Any] | None = None,
    scope: dict[str, Any] | None = None,
    meta: dict[str, Any] | None = None,
) -> Path:
    """Write a booklet folder (booklet.yaml, synonyms.yaml, scope.yaml, topics/*.yaml)
    and return it; the data is copied, the module's constants are never changed."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "topics").mkdir(exist_ok=True)
    files = {
        "booklet.yaml": META if meta is None else meta,
        "synonyms.yaml": LEXICON if lexicon is None else lexicon,
        "scope.yaml": SCOPE if scope is None else scope,
    }
    for name, data in files.items():
        _dump(folder / name, data)
    for one in topics:
        _dump(folder / "topics" / f"{one['topic']}.yaml", one)
    return folder


def _dump(path: Path, data: Any) -> None:
    path.write_text(
        yaml.safe_dump(copy.deepcopy(data), allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
