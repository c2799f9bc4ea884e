"""Split pooled evaluation cases into a dev set (tuned on) and a final set (measured once).

Real questions are split by source page: every case of one page goes to the same side, and
so does every case whose text is a near-duplicate of it (rapidfuzz ratio >= 90 after
simplification), so no near-duplicate straddles the split. Conversations are split by id.
The side is a hash of the group, so the split does not depend on the order of the pool.

    .venv/bin/python -m tools.split_eval real POOL.yaml... --dev tests/eval/real-dev.yaml \
        --final tests/eval/real-final.yaml
    .venv/bin/python -m tools.split_eval dialogues POOL.yaml... --dev ... --final ...
    .venv/bin/python -m tools.split_eval real NEW.yaml... --add --dev ... --final ...
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


def add_real(
    dev: list[dict[str, Any]], final: list[dict[str, Any]], cases: list[dict[str, Any]]
) -> tuple[dict[str, list[dict[str, Any]]], int]:
    """New pooled cases added to sets already split, which stay as they are: a new case
    goes to the side of an existing case from its page or near-duplicate of it; one tied to
    both sides is dropped (returned as a count); the rest are split as `split_real` does."""
    known = {"dev": dev, "final": final}
    texts = {side: [_simple(str(c["q"])) for c in cs] for side, cs in known.items()}
    pages = {side: {str(c.get("url") or "") for c in cs} - {""} for side, cs in known.items()}
    seen = {t for ts in texts.values() for t in ts}
    out: dict[str, list[dict[str, Any]]] = {"dev": [], "final": []}
    free: list[dict[str, Any]] = []
    dropped = 0
    for case in split_real(cases)["dev"] + split_real(cases)["final"]:
        text = _simple(str(case["q"]))
        if not text or text in seen:
            continue
        seen.add(text)
        sides = {
            side
            for side in known
            if str(case.get("url") or "") in pages[side]
            or any(fuzz.ratio(text, t) >= 90 for t in texts[side])
        }
        if len(sides) == 2:
            dropped += 1
        elif sides:
            out[sides.pop()].append(case)
        else:
            free.append(case)
    for side, more in split_real(free).items():
        out[side].extend(more)
    return out, dropped


def split_dialogues(dialogues: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {"dev": [], "final": []}
    for d in dialogues:
        out[_side(str(d["id"]))].append(d)
    return out


HEADERS = {
    (
        "real",
        "dev",
    ): "# Real people's own words (public search-query pages, Q&A titles, posts), each"
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
    parser.add_argument(
        "--add", action="store_true", help="keep --dev and --final as they are; add the pool"
    )
    args = parser.parse_args()
    cases: list[dict[str, Any]] = []
    for path in args.pool:
        cases.extend(yaml.safe_load(path.read_text(encoding="utf-8")) or [])
    if args.add:
        old = {
            side: yaml.safe_load(path.read_text(encoding="utf-8")) or []
            for side, path in (("dev", args.dev), ("final", args.final))
        }
        more, dropped = add_real(old["dev"], old["final"], cases)
        split = {side: old[side] + more[side] for side in old}
        print(
            f"added {len(more['dev'])} to dev, {len(more['final'])} to final; "
            f"{dropped} dropped (near-duplicates on both sides)"
        )
    else:
        split = split_real(cases) if args.what == "real" else split_dialogues(cases)
    for side, path in (("dev", args.dev), ("final", args.final)):
        body = yaml.safe_dump(split[side], allow_unicode=True, sort_keys=False, width=1000)
        path.write_text(HEADERS[(args.what, side)] + body, encoding="utf-8")
        print(f"{path}: {len(split[side])}")


if __name__ == "__main__":
    main()
