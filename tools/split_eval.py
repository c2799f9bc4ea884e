"""Split pooled evaluation cases into a dev set (tuned on) and a final set (measured once).

Real questions are split by source page: every case of one page goes to the same side, and
so does every case whose text is a near-duplicate of it (rapidfuzz ratio >= 90 after
simplification), so no near-duplicate straddles the split. Conversations are split by id.
The side is a hash of the group, so the split does not depend on the order of the pool.

    .venv/bin/python -m tools.split_eval real POOL.yaml... --dev tests/eval/real-dev.yaml \
        --final tests/eval/real-final.yaml
    .venv/bin/python -m tools.split_eval dialogues POOL.yaml... --dev ... --final ...
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path
from typing import Any

import opencc
import yaml
from rapidfuzz import fuzz

_T2S = opencc.OpenCC("t2s")


def _side(key: str) -> str:
    return "dev" if hashlib.sha256(key.encode()).digest()[0] % 2 == 0 else "final"


def _simple(text: str) -> str:
    return "".join(ch for ch in _T2S.convert(text).lower() if ch.isalnum())


def split_real(cases: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    # one case per text: the first pool that has it wins
    seen: set[str] = set()
    unique = []
    for case in cases:
        if case.get("intent") is None and "also" in case:
            case = {k: v for k, v in case.items() if k != "also"}  # categories, not intents
        key = _simple(str(case["q"]))
        if key and key not in seen:
            seen.add(key)
            unique.append(case)
    parent = list(range(len(unique)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(a: int, b: int) -> None:
        parent[root(a)] = root(b)

    first_of_page: dict[str, int] = {}
    for i, case in enumerate(unique):
        page = str(case.get("url") or "")
        if page in first_of_page:
            join(i, first_of_page[page])
        else:
            first_of_page[page] = i
    texts = [_simple(str(c["q"])) for c in unique]
    for i in range(len(unique)):
        for j in range(i + 1, len(unique)):
            if fuzz.ratio(texts[i], texts[j]) >= 90:
                join(i, j)
    groups: dict[int, list[int]] = {}
    for i in range(len(unique)):
        groups.setdefault(root(i), []).append(i)
    out: dict[str, list[dict[str, Any]]] = {"dev": [], "final": []}
    for members in groups.values():
        key = min(str(unique[i].get("url") or unique[i]["q"]) for i in members)
        out[_side(key)].extend(unique[i] for i in sorted(members))
    return out


def split_dialogues(dialogues: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {"dev": [], "final": []}
    for d in dialogues:
        out[_side(str(d["id"]))].append(d)
    return out


HEADERS = {
    ("real", "dev"): "# Real people's own words (search-query pages, Q&A titles, posts), each"
    " with its page.\n# Labels: what a careful helper would answer from shared/sources. Tuned"
    " on.\n# Split from the pool by tools/split_eval.py (by page; near-duplicates kept"
    " together).\n",
    ("real", "final"): "# Real people's own words, held out: measured ONCE after all tuning."
    " Do not tune on it.\n# Split from the pool by tools/split_eval.py (by page;"
    " near-duplicates kept together).\n",
    ("dialogues", "dev"): "# Conversations written by helpers who never saw the booklet's"
    " examples. Tuned on.\n",
    ("dialogues", "final"): "# Conversations written by helpers who never saw the booklet's"
    " examples, held out:\n# measured ONCE after all tuning. Do not tune on it.\n",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=("real", "dialogues"))
    parser.add_argument("pool", nargs="+", type=Path)
    parser.add_argument("--dev", type=Path, required=True)
    parser.add_argument("--final", type=Path, required=True)
    args = parser.parse_args()
    cases: list[dict[str, Any]] = []
    for path in args.pool:
        cases.extend(yaml.safe_load(path.read_text(encoding="utf-8")) or [])
    split = split_real(cases) if args.what == "real" else split_dialogues(cases)
    for side, path in (("dev", args.dev), ("final", args.final)):
        body = yaml.safe_dump(split[side], allow_unicode=True, sort_keys=False, width=1000)
        path.write_text(HEADERS[(args.what, side)] + body, encoding="utf-8")
        print(f"{path}: {len(split[side])}")


if __name__ == "__main__":
    main()
