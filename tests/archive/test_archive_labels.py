"""The one vocabulary (archive.labels): every key has a Chinese label; alert messages speak it."""
from __future__ import annotations

import re

import pytest

from archive import labels
from archive.alerts.messages import format_event
from parsers import keys

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_every_template_key_has_a_chinese_label(template):
    for key in keys.template_keys(template):
        label = labels.fact_label(key)
        parts = label.split(" · ")
        assert len(parts) == 3 and all(CJK.search(p) for p in parts), (key, label)
        assert not re.search(r"[a-z_]{3,}", label), (key, label)


def test_amount_column_is_read_with_its_row():
    assert labels.fact_label("active/fees/amount_wan") == "主动公开 · 行政事业性收费 · 本年收费金额（万元）"
    assert labels.fact_label("active/procurement/amount_wan") == "主动公开 · 政府集中采购 · 采购总金额（万元）"
    assert labels.fact_label("active/other_services.行政检查/decisions") == "主动公开 · 其他对外管理服务事项（行政检查） · 处理决定数量"


def test_kinds_and_violations_in_chinese():
    assert set(labels.KIND_LABELS) == set(labels.EVENT_KINDS)
    assert labels.violation_label("requests.row_sum:granted") == "“予以公开”一行：各类申请人之和不等于总计"
    assert labels.violation_label("requests.balance:total").startswith("“总计”一列")
    assert labels.field_value("violations", ["reviews.row_sum:review"]) == "“行政复议”：维持、纠正、其他、尚未审结之和不等于总计"


def test_times_in_beijing_time_with_the_zone():
    assert labels.china_time("2026-01-31T16:30:00+00:00") == "2026-02-01 00:30 北京时间"
    assert labels.china_time("2026-01-31T16:30:00") == "2026-02-01 00:30 北京时间"  # naive: stored UTC


REVISED = {"id": 7, "kind": "revised", "agency": "北京市公安局", "year": 2023, "report_id": 12, "agency_id": 3,
           "url": "file:///home/me/report.docx", "at": "2026-03-01T02:00:00+00:00",
           "changes": {"requests/new/natural_person": [1400, 1500]}, "detail": {"from": 1, "to": 2}}


def test_alert_message_labels_times_and_archive_links():
    title, body = format_event(REVISED, base="https://nianbao.example.org/")
    assert title == "【年报】已修订：北京市公安局 2023 年政府信息公开工作年度报告"
    assert "依申请公开 · 本年新收政府信息公开申请数量 · 自然人：1400 → 1500" in body
    assert "requests/" not in body and "natural_person" not in body
    assert "时间：2026-03-01 10:00 北京时间" in body
    assert "档案页面：https://nianbao.example.org/reports/12" in body
    assert "版本差异：https://nianbao.example.org/reports/12/diff?from=1&to=2" in body
    assert "file://" not in body


def test_alert_message_without_base_url_links_the_original_only_when_http(monkeypatch):
    monkeypatch.delenv("NIANBAO_BASE_URL", raising=False)
    _, body = format_event(REVISED)
    assert "file://" not in body and "档案页面" not in body
    _, body = format_event({**REVISED, "url": "https://gaj.example.gov.cn/2023.html"})
    assert "原文：https://gaj.example.gov.cn/2023.html" in body
    monkeypatch.setenv("NIANBAO_BASE_URL", "http://127.0.0.1:8000")
    _, body = format_event(REVISED)
    assert "档案页面：http://127.0.0.1:8000/reports/12" in body


def test_every_kind_template_and_status_has_exactly_one_label():
    # The kinds and templates are listed once (labels.EVENT_KINDS, parsers.keys.TEMPLATES);
    # their labels name each of them and nothing else.
    assert set(labels.TEMPLATE_LABELS) == set(keys.TEMPLATES)
    assert all(CJK.search(label) for label in (*labels.KIND_LABELS.values(), *labels.TEMPLATE_LABELS.values(),
                                               *labels.COVERAGE_LABELS.values()))
    # An overdue report reads the same in the coverage and in its event.
    assert labels.COVERAGE_LABELS["overdue"] == labels.kind_label("overdue")


def test_the_commands_and_the_api_offer_the_one_list():
    from archive.alerts.cli import add_command
    from archive.cli import events as events_command
    from archive.search.cli import search_command
    from archive.web.api import Kind, Template

    def choices(command, name):
        return tuple(next(p for p in command.params if p.name == name).type.choices)

    assert choices(events_command, "kind") == labels.EVENT_KINDS
    assert choices(add_command, "kinds") == labels.EVENT_KINDS
    assert choices(search_command, "template") == keys.TEMPLATES
    assert Kind.__args__ == labels.EVENT_KINDS and Template.__args__ == keys.TEMPLATES
