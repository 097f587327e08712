"""Generated reports with the variations real reports print, parsed back to their values.

The generator (tests/parsers/layouts) draws the national template; each variation
here rewrites the rendered text the way real portals and word processors do.
"""
from __future__ import annotations

import math
import re

import pytest

from parsers.api import build_record
from parsers.document import Document
from tests.parsers.layouts import sample_report
from tests.parsers.layouts.render_text import render_text

_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _spaces_in_labels(text: str) -> str:
    # Word-wrapped labels pasted as text: "本 年度办 理结果", "不予公 开".
    return text.replace("本年度办理结果", "本 年度办 理结果").replace("（三）不予公开", "（三）不予公 开")


def _fullwidth_ordinals(text: str) -> str:
    return re.sub(r"(?m)(^|\t)(\d)\.", lambda m: m[1] + m[2].translate(_FULLWIDTH) + "．", text)


def _units_on_counts(text: str) -> str:
    # "12件" in the requests rows (not in the active table, whose money cells carry 万元).
    lines = text.split("\n")
    start = next(n for n, line in enumerate(lines) if "本年新收" in line)
    for n in range(start, len(lines)):
        if "\t" in lines[n]:
            lines[n] = re.sub(r"\t(\d+)(?=\t|$)", r"\t\1件", lines[n])
    return "\n".join(lines)


def _wording(text: str) -> str:
    return (text.replace("其他法律行政法规禁止公开", "其他法律法规禁止公开")
            .replace("危及“三安全一稳定”", "危及\"三安全一稳定\"")
            .replace("（一）予以公开", "(一)予以公开"))


def _stray_blank_column(text: str) -> str:
    # An empty column between the labels and the numbers of every requests row.
    out = []
    for line in text.split("\n"):
        cells = line.split("\t")
        if len(cells) == 10 and cells[3].strip().lstrip("-").isdigit():
            cells.insert(3, "")
        out.append("\t".join(cells))
    return "\n".join(out)


def _trailing_padding(text: str) -> str:
    return "\n".join(line + "\t\t" if "\t" in line else line for line in text.split("\n"))


VARIANTS = {
    "spaces_in_labels": _spaces_in_labels,
    "fullwidth_ordinals": _fullwidth_ordinals,
    "units_on_counts": _units_on_counts,
    "wording": _wording,
    "stray_blank_column": _stray_blank_column,
    "trailing_padding": _trailing_padding,
}


@pytest.mark.parametrize("layout", ["tabs", "tabs_repeat"])
@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("seed", [0, 1, 2, 5])
def test_variant_parses_back(variant, layout, seed):
    report = sample_report(seed)
    text = VARIANTS[variant](render_text(report, layout))
    record = build_record(Document(text=text))
    expected = report.expected_facts()
    wrong = {k: (v, record.facts.get(k)) for k, v in expected.items()
             if k not in record.facts or not math.isclose(record.facts[k], v, rel_tol=1e-9, abs_tol=1e-6)}
    assert wrong == {}
    assert set(record.facts) == set(expected)
    assert (record.template, record.year, record.agency) == (report.template, report.year, report.agency)
    assert record.violations == []
