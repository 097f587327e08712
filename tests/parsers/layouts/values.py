"""Consistent report values, drawn through any ``draw(lo, hi) -> int`` source.

The same builder serves ``random.Random(seed).randint`` (reader tests, benchmarks) and
hypothesis (``lambda lo, hi: data.draw(st.integers(lo, hi))``), so the round-trip tests
shrink on the drawn integers.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal

from parsers import keys as K

from .model import SourceReport, all_keys

Draw = Callable[[int, int], int]


def _small(draw: Draw) -> int:
    # Most cells of real reports are 0 or small; some are large.
    kind = draw(0, 9)
    if kind < 4:
        return 0
    if kind < 8:
        return draw(1, 60)
    return draw(61, 2500)


def consistent_values(template: str, draw: Draw, sub_items: tuple[str, ...] = ()) -> dict[str, int | Decimal]:
    """Values for every cell, with row sums, balance and outcome sums holding."""
    v: dict[str, int | Decimal] = {}
    for k in all_keys(template, sub_items):
        table, row, column = K.split_key(k)
        if table != "active":
            continue
        if column in K.MONEY_COLUMNS:
            cents = draw(0, 10 ** 8)
            v[k] = Decimal(cents) / 100 if draw(0, 1) else Decimal(draw(0, 99999))
            if draw(0, 2) == 0:
                v[k] = (Decimal(draw(0, 10 ** 9)) / 10000)  # four decimals: 15074.1469
        elif column == "change":
            v[k] = draw(-300, 300)
        else:
            v[k] = _small(draw) if draw(0, 1) else draw(0, 10 ** 7)
    outcomes = K.OUTCOME_ROWS[template]
    cols = K.APPLICANT_COLUMNS
    for row in outcomes:
        for c in cols:
            v[K.key("requests", row, c)] = _small(draw)
    for c in cols:
        v[K.key("requests", "total", c)] = sum(v[K.key("requests", r, c)] for r in outcomes)
        carried_over = draw(0, 20) if draw(0, 2) else 0
        carried_forward = draw(0, 20) if draw(0, 2) else 0
        new = v[K.key("requests", "total", c)] + carried_forward - carried_over
        if new < 0:
            carried_forward -= new
            new = 0
        v[K.key("requests", "new", c)] = new
        v[K.key("requests", "carried_over", c)] = carried_over
        v[K.key("requests", "carried_forward", c)] = carried_forward
    for row in K.REQUEST_ROWS[template]:
        v[K.key("requests", row, "total")] = sum(v[K.key("requests", row, c)] for c in cols)
    for row in K.REVIEW_ROWS:
        parts = [_small(draw) for _ in K.REVIEW_COLUMNS[:-1]]
        for c, p in zip(K.REVIEW_COLUMNS[:-1], parts):
            v[K.key("reviews", row, c)] = p
        v[K.key("reviews", row, "total")] = sum(parts)
    return v


AGENCIES = ("北京市公安局", "上海市浦东新区人民政府", "广州市生态环境局", "济源示范区公安局",
            "西安市雁塔区人民政府办公室", "国家税务总局杭州市税务局", "蚌埠市龙子湖区教育局")
SUB_ITEMS = (("行政检查", "行政确认"), ("行政给付", "行政奖励", "行政裁决"))


def sample_report(seed: int = 0, template: str | None = None, **overrides) -> SourceReport:
    """A deterministic consistent report (no hypothesis) for reader tests and benchmarks."""
    rng = random.Random(seed)
    template = template or rng.choice(("2019", "2021"))
    sub_items = rng.choice(SUB_ITEMS) if template == "2019" and rng.random() < 0.4 else ()
    year = rng.randint(2019, 2020) if template == "2019" else rng.randint(2021, 2025)
    report = SourceReport(
        agency=rng.choice(AGENCIES), year=year, template=template,
        signed=f"{year + 1}-01-{rng.randint(5, 28):02d}",
        values=consistent_values(template, rng.randint, sub_items), sub_items=sub_items,
    )
    for name, value in overrides.items():
        setattr(report, name, value)
    return report
