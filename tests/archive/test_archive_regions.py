"""Agencies get a region code and level from their names, so region filters match real data."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from archive import ingest
from archive.fetched import Fetched
from archive.events import add_event
from archive.models import Agency
from archive.regions import infer_region, region_name
from tests.archive.factories import make_record, page


@pytest.mark.parametrize("name, code, level", [
    ("北京市公安局", "110000", "province"),
    ("北京市密云区人民政府", "110118", "county"),
    ("海淀区财政局", "110108", "county"),           # a district named alone: unique in China
    ("陕西省中医药管理局", "610000", "province"),
    ("西安市公安局", "610100", "city"),
    ("山东省青岛市平度市公安局", "370283", "county"),
    ("怀远县公安局", "340321", "county"),
    ("广西壮族自治区公安厅", "450000", "province"),
    ("深圳市南山区教育局", "440305", "county"),
    ("内蒙古自治区通辽市科尔沁区财政局", "150502", "county"),
    ("吉林市公安局", "220200", "city"),              # the city, not the province
    ("国家税务总局", "000000", "national"),
    ("水利部", "000000", "national"),
    ("公安部", "000000", "national"),                 # not 公安县 (湖北荆州)
])
def test_infer_region(name, code, level):
    assert infer_region(name) == (code, level)


def test_unknown_place_has_no_code():
    assert infer_region("示例市公安局")[0] is None
    assert infer_region(None) == (None, None)
    # 朝阳区 is in Beijing and in Changchun: the name alone files it under neither
    assert infer_region("朝阳区人民政府") == (None, "county")
    # a place inside a province is looked up inside it only
    assert infer_region("北京市朝阳区人民政府") == ("110105", "county")
    assert infer_region("吉林省长春市朝阳区人民政府") == ("220104", "county")


@pytest.mark.parametrize("code, name", [
    ("110108", "北京市海淀区"), ("11", "北京市"), ("6101", "陕西省西安市"), ("000000", "中央"), (None, "未知地区"),
    ("350128", "福建省福州市平潭县"),
])
def test_region_names(code, name):
    assert region_name(code) == name


def test_archived_agency_carries_its_region(Session):
    record = make_record(agency="西安市公安局")
    with Session.begin() as s:
        ingest.archive_document(s, Fetched(url="http://xa.example/nb.html", data=page(record)), record=record)
        add_event(s, kind="overdue", agency="北京市公安局", year=2022)
    with Session() as s:
        rows = dict(s.execute(sa.select(Agency.name, Agency.region_code)).all())
    assert rows == {"西安市公安局": "610100", "北京市公安局": "110000"}
