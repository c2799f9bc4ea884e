"""Places and years a question names that the booklet's rules do not hold for (pure).

The bot knows Zaozhuang's 2017–2018 rules only. A question about another province, city or
county, or about a later year, is told so plainly instead of being given Zaozhuang's figures
as if they were that place's. The gazetteer (bot/data/places.tsv) is made by
tools/make_places.py from the national division codes; home places (枣庄 and its districts,
山东 for the province-wide facts) come from the booklet's scope.yaml.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import opencc

_T2S = opencc.OpenCC("t2s")
GAZETTEER = Path(__file__).parent / "data" / "places.tsv"
LAST_YEAR = 2018  # the newest year the booklet's facts hold for

# "在上海打工": where the asker works is not the place the question is about
_WORKS_THERE = re.compile(r"\S{0,4}?(?:打工|上班|工作|务工|干活|打零工)")
_YEAR = re.compile(r"(?<!\d)(20\d\d|19\d\d)(?:\s*年|(?!\d))")


@dataclass(frozen=True, slots=True)
class Place:
    """A place name found in a question: as written, and its full name."""

    said: str
    name: str
    level: str  # province, city or county
    province: str


def load_gazetteer(path: Path = GAZETTEER) -> dict[str, Place]:
    """Every way of naming a place, from the shipped table."""
    places: dict[str, Place] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        said, name, level, province = map(sys.intern, line.split("\t"))  # each text once
        places[said] = Place(said, name, level, province)
    # as a question reaches the matcher: traditional forms simplified (乾县 -> 干县)
    for said, place in list(places.items()):
        simple = _T2S.convert(said)
        if simple != said:
            places.setdefault(simple, Place(simple, place.name, place.level, place.province))
    return places


class PlaceFinder:
    """Finds the first place outside the booklet's region that a question names."""

    def __init__(self, places: dict[str, Place], home: list[str], not_places: list[str]) -> None:
        home_names = set(home)
        for said in list(home_names):
            found = places.get(said)
            if found is not None:
                home_names.add(found.name)
        blocked = set(not_places)
        self._places = {
            said: place
            for said, place in places.items()
            if said not in home_names and place.name not in home_names and said not in blocked
        }
        self._home_set = frozenset(home_names)
        # the lengths of the names that begin with each character, longest first
        starts: dict[str, set[int]] = {}
        for said in (*self._places, *home_names):
            starts.setdefault(said[:1], set()).add(len(said))
        self._lengths_at = {ch: sorted(ns, reverse=True) for ch, ns in starts.items()}
        self._not_places = tuple(
            (w, re.compile(re.escape(w))) for w in sorted(blocked, key=len, reverse=True)
        )

    def _mentions(self, text: str) -> list[tuple[int, int, Place | None]]:
        """Every place named, longest first at each position: (start, end, place);
        place None for the booklet's own region."""
        found: list[tuple[int, int, Place | None]] = []
        i = 0
        while i < len(text):
            for n in self._lengths_at.get(text[i], ()):
                said = text[i : i + n]
                if len(said) < n:
                    continue
                if said in self._home_set:
                    found.append((i, i + n, None))
                    i += n - 1
                    break
                place = self._places.get(said)
                if place is not None:
                    found.append((i, i + n, place))
                    i += n - 1
                    break
            i += 1
        return found

    def foreign(self, text: str) -> Place | None:
        """The first place outside the region the question asks about, or None.
        A question that also names the region is about the region ("俺在济南打工，
        老家枣庄"); a place the asker only works in is not asked about; 济南市中区 is
        济南's 市中区, not Zaozhuang's."""
        words = [  # 新乡村, 城乡居民: words, not places (but 东方市 is a place, 东方 is not)
            (m.start(), m.start() + len(w))
            for w, pattern in self._not_places
            if w in text
            for m in pattern.finditer(text)
        ]
        mentions = [
            (a, b, p)
            for a, b, p in self._mentions(text)
            if not any(c <= a and b <= d and d - c >= b - a for c, d in words)
        ]
        foreign = [(a, b, p) for a, b, p in mentions if p is not None]
        home = [
            (a, b) for a, b, p in mentions
            if p is None and not any(fb >= a - 1 and fa < a for fa, fb, _ in foreign)
        ]  # fmt: skip
        if any(text[a:b] not in ("山东", "山东省") for a, b in home):
            return None
        for _, end, place in foreign:
            if place is not None and not _WORKS_THERE.match(text, end):
                return place
        return None


def later_year(text: str) -> int | None:
    """A year after the booklet's facts that the question asks about (2021年 …)."""
    for found in _YEAR.finditer(text):
        year = int(found.group(1))
        if LAST_YEAR < year <= 2100:
            return year
    return None
