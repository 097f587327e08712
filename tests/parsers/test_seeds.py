"""The five seed reports (tests/data/seeds) against their hand-checked records (tests/data/truth)."""
from __future__ import annotations

import json

import pytest

from parsers import parse
from tests.conftest import DATA

TRUTHS = sorted((DATA / "truth").glob("*.json"))


@pytest.fixture(scope="module", params=TRUTHS, ids=lambda p: p.stem)
def case(request):
    truth = json.loads(request.param.read_text(encoding="utf-8"))
    path = DATA / "seeds" / truth["source"]
    return parse(path.read_bytes(), path.name), truth


def test_there_are_five_seeds():
    assert len(TRUTHS) == 5


def test_facts_are_exactly_the_truth(case):
    record, truth = case
    assert record.facts == pytest.approx(truth["facts"], rel=1e-9, abs=1e-6)
    assert set(record.facts) == set(truth["facts"])


def test_raw_is_exactly_the_truth(case):
    record, truth = case
    assert record.raw == truth["raw"]


@pytest.mark.parametrize("field", ["year", "template", "published", "sections", "violations"])
def test_metadata(case, field):
    record, truth = case
    assert getattr(record, field) == truth[field]


def test_agency(case):
    record, truth = case
    if truth.get("agency_in_text", True):
        assert record.agency == truth["agency"]
    else:
        # The agency is not printed in the title: never a guess that is a bare generic name.
        assert record.agency in (None, truth["agency"])


def test_record_provenance(case):
    record, _ = case
    data = record.to_dict()
    assert data["format"] == "text"
    assert data["parser_version"]
    assert "年度报告" in data["title"]
    assert "text" not in data and record.text
