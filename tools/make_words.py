"""Write bot/data/words.txt: the most frequent words of jieba's dictionary.

Usage: python tools/make_words.py [N]   (default 100,000 words)
A smaller dictionary loads faster and takes less memory; the booklet's own terms are
added at start-up, and rarer words are still found by jieba's HMM or compared by
character pairs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import jieba

OUT = Path(__file__).resolve().parent.parent / "bot" / "data" / "words.txt"


def main() -> None:
    keep = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    source = Path(os.path.dirname(jieba.__file__)) / "dict.txt"
    rows = [line.split() for line in source.read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if len(r) >= 2]
    rows.sort(key=lambda r: (-int(r[1]), r[0]))
    OUT.write_text("".join(" ".join(r) + "\n" for r in rows[:keep]), encoding="utf-8")
    print(f"{OUT}: {keep:,} of {len(rows):,} words, lowest frequency {rows[keep - 1][1]}")


if __name__ == "__main__":
    main()
