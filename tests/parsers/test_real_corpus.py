"""Real documents (tests/data/real: reports as agencies and third parties published them,
labelled by hand in NAME.truth.json) against the parser.

For every document, whatever else is wrong, the record must never say what the document
does not: no number that differs from the truth, no fact the truth lacks, no violation
the truth lacks. And every record must be fully right — facts, year, template, published,
agency, sections, violations, as ``/work/shared/tools/score_parse.py`` scores it — except
the documents of ``KNOWN_GAPS``, each with the reason. That list is what the parser cannot
do yet: a document leaves it when it comes right (the test then says so).

The PDFs are kept out of git (see tests/data/real/.gitignore); they are looked for beside
their truth and in $NIANBAO_REAL_LOCAL (default /work/real-local), else skipped.
"""
from __future__ import annotations

import json
import math
import os
import warnings
from pathlib import Path

import pytest

from parsers import parse
from tests.conftest import DATA

REAL = DATA / "real"
LOCAL = Path(os.environ.get("NIANBAO_REAL_LOCAL", "/work/real-local"))
TRUTHS = sorted(REAL.glob("*.truth.json"))

# name -> why the record is not fully right yet (never: a wrong number or a false violation).
KNOWN_GAPS: dict[str, str] = {}


# Facts a truth leaves out although the document determines them (reported, the truth
# files are never edited here): name -> {key: value the document leaves no choice for}.
TRUTH_OMITS: dict[str, dict[str, int]] = {
    # `行政许可4500` / `行政强制4300` (three cells, glued): the readings are 4,50,0 / 45,0,0
    # and 4,30,0 / 43,0,0 (a cell never starts with 0 before other digits); 处理决定数量 is
    # 0 in every one. The truth leaves the whole rows out ("several readings").
    "txt_12_pingtan_gongan_2019": {"active/licensing/decisions": 0, "active/enforcement/decisions": 0},
}


def _stem(truth: Path) -> str:
    return truth.name[: -len(".truth.json")]


def _document(truth: Path) -> Path | None:
    stem = _stem(truth)
    for folder in (REAL, LOCAL):
        found = [p for p in folder.glob(stem + ".*") if not p.name.endswith(".truth.json")]
        if found:
            return found[0]
    return None


@pytest.fixture(scope="module", params=TRUTHS, ids=_stem)
def case(request):
    truth_path = request.param
    doc = _document(truth_path)
    if doc is None:
        pytest.skip(f"{_stem(truth_path)}: the document is not committed and not in {LOCAL}")
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    return _stem(truth_path), parse(doc.read_bytes(), doc.name), truth


def _same(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)
    return a == b


def test_the_corpus_is_there():
    assert len(TRUTHS) >= 20


def test_no_wrong_number(case):
    name, record, truth = case
    wrong = {k: (v, truth["facts"][k]) for k, v in record.facts.items()
             if k in truth["facts"] and not _same(v, truth["facts"][k])}
    assert not wrong, f"{name}: numbers that differ from the document (got, truth): {wrong}"


def test_no_fact_the_truth_lacks(case):
    name, record, truth = case
    omitted = TRUTH_OMITS.get(name, {})
    extra = {k: v for k, v in record.facts.items()
             if k not in truth["facts"] and not (k in omitted and _same(v, omitted[k]))}
    assert not extra, f"{name}: facts the document does not hold there: {extra}"


def test_no_violation_the_truth_lacks(case):
    name, record, truth = case
    false = sorted(set(record.violations) - set(truth.get("violations") or []))
    assert not false, f"{name}: violations the document does not have: {false}"


def _problems(record, truth) -> list[str]:
    """What score_parse.py would count against the record."""
    out = []
    lost = [k for k, v in truth["facts"].items() if k not in record.facts or not _same(record.facts[k], v)]
    if lost:
        out.append(f"{len(lost)}/{len(truth['facts'])} facts not read, e.g. {lost[:3]}")
    for field in ("year", "template", "published"):
        if field in truth and not _same(getattr(record, field), truth[field]):
            out.append(f"{field} {getattr(record, field)!r} != {truth[field]!r}")
    if truth.get("agency_in_text", True) and record.agency != truth.get("agency"):
        out.append(f"agency {record.agency!r} != {truth.get('agency')!r}")
    if truth.get("sections") is not None and [s.strip() for s in record.sections] != truth["sections"]:
        out.append(f"sections {record.sections} != {truth['sections']}")
    if truth.get("violations") is not None and sorted(record.violations) != sorted(truth["violations"]):
        out.append(f"violations {sorted(record.violations)} != {sorted(truth['violations'])}")
    return out


def test_record_fully_right_unless_a_known_gap(case):
    name, record, truth = case
    problems = _problems(record, truth)
    if name in KNOWN_GAPS:
        if not problems:  # another part of the parser fixed it: fine, the list is only stale
            warnings.warn(f"{name} is now fully right: take it off KNOWN_GAPS", stacklevel=1)
            return
        pytest.xfail(f"known gap: {KNOWN_GAPS[name]} ({'; '.join(problems)[:300]})")
    assert not problems, f"{name}: " + "; ".join(problems)


def test_missing_names_what_was_not_read(case):
    """Every truth fact the record lacks lies in a row or cell that ``missing`` lists."""
    name, record, truth = case
    if record.template not in ("2019", "2021"):
        return
    listed = set(record.missing)
    unlisted = []
    for k in truth["facts"]:
        if k in record.facts:
            continue
        row = k.rsplit("/", 1)[0]
        if k not in listed and row not in listed and not row.startswith("active/other_services."):
            unlisted.append(k)
    assert not unlisted, f"{name}: facts neither read nor in missing: {unlisted[:10]}"
