"""Agencies get a region code and level from their names, so region filters match real data."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from archive import service
from archive.models import Agency
from archive.regions import infer_region
from tests.archive.factories import make_record, page


@pytest.mark.parametrize("name, code, level", [
    ("北京市公安局", "110000", "province"),
    ("北京市密云区人民政府", "110000", "county"),
    ("陕西省中医药管理局", "610000", "province"),
    ("西安市公安局", "610000", "city"),
    ("山东省青岛市平度市公安局", "370000", "county"),
    ("怀远县公安局", "340000", "county"),
    ("广西壮族自治区公安厅", "450000", "province"),
    ("国家税务总局", "000000", "national"),
    ("水利部", "000000", "national"),
])
def test_infer_region(name, code, level):
    assert infer_region(name) == (code, level)


def test_unknown_place_has_no_code():
    assert infer_region("示例市公安局")[0] is None
    assert infer_region(None) == (None, None)


def test_archived_agency_carries_its_region(Session):
    record = make_record(agency="西安市公安局")
    with Session.begin() as s:
        service.archive_document(s, url="http://xa.example/nb.html", data=page(record), record=record)
        service.add_event(s, kind="overdue", agency="北京市公安局", year=2022)
    with Session() as s:
        rows = dict(s.execute(sa.select(Agency.name, Agency.region_code)).all())
    assert rows == {"西安市公安局": "610000", "北京市公安局": "110000"}
