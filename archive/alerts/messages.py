"""Alert messages in Chinese: one title and one body per event.

Cells are named by their Chinese labels (archive.labels), times are Beijing time, and the
links go to the archive's report and diff pages when ``NIANBAO_BASE_URL`` is set, else to
the original report when it is an http(s) page.
"""
from __future__ import annotations

from typing import Any, Mapping

from archive.labels import KIND_LABELS, china_time, fact_label, number
from archive.links import base_url, event_links

_MAX_CHANGES = 8


def _report_name(event: Mapping[str, Any]) -> str:
    agency = event.get("agency") or "（未知机关）"
    year = event.get("year")
    year_text = f"{year} 年" if year else "（年份未知）"
    return f"{agency} {year_text}政府信息公开工作年度报告"


def _describe_change(change: Any) -> str:
    if isinstance(change, Mapping):
        key = change.get("key") or change.get("field") or change.get("path") or change.get("cell")
        old, new = change.get("old"), change.get("new")
        if key is not None and ("old" in change or "new" in change):
            return f"{fact_label(str(key))}：{number(old)} → {number(new)}"
        return "，".join(f"{k}={v}" for k, v in change.items())
    return str(change)


def _changes_lines(changes: Any) -> list[str]:
    if not changes:
        return []
    if isinstance(changes, Mapping):
        # The archive's form: fact key -> [old, new].
        items = []
        for key, value in changes.items():
            if isinstance(value, (list, tuple)) and len(value) == 2:
                items.append({"key": key, "old": value[0], "new": value[1]})
            elif isinstance(value, Mapping):
                items.append({"key": key, **value})
            else:
                items.append({"key": key, "new": value})
    elif isinstance(changes, (list, tuple)):
        items = list(changes)
    else:
        return [f"变更：{changes}"]
    lines = [f"变更 {len(items)} 处："]
    lines += [f"  · {_describe_change(item)}" for item in items[:_MAX_CHANGES]]
    if len(items) > _MAX_CHANGES:
        lines.append(f"  ……另有 {len(items) - _MAX_CHANGES} 处")
    return lines


def format_event(event: Mapping[str, Any], base: str | None = None) -> tuple[str, str]:
    """`(title, body)` for one event dict (`nianbao events --json` form, plus optional `title`).

    ``base`` is the web interface's public URL (default ``$NIANBAO_BASE_URL``).
    """
    base = (base or base_url() or "").rstrip("/") or None
    kind = event.get("kind") or ""
    label = KIND_LABELS.get(kind, kind)
    name = _report_name(event)
    title = f"【年报】{label}：{name}"
    lines: list[str] = []
    if kind == "overdue":
        deadline = event.get("deadline")
        due = f"（截止日期 {deadline}）" if deadline else ""
        lines.append(f"{name}截至目前未在归档中出现，已过法定发布期限{due}。")
    elif event.get("title"):
        lines.append(f"报告标题：{event['title']}")
    links = event_links(event, base)
    for key, label in (("report", "档案页面"), ("diff", "版本差异"), ("agency", "机关页面"), ("original", "原文")):
        if key in links:
            lines.append(f"{label}：{links[key]}")
    lines += _changes_lines(event.get("changes"))
    if event.get("at"):
        lines.append(f"时间：{china_time(event['at'])}")
    if event.get("id") is not None:
        lines.append(f"事件编号：#{event['id']}")
    return title, "\n".join(lines)


def format_test(subscription_id: int, filters_text: str) -> tuple[str, str]:
    """The message `nianbao alerts test ID` sends."""
    title = "【年报】测试消息"
    body = f"这是 nianbao 订阅 #{subscription_id} 的测试消息，通道配置正确。\n过滤条件：{filters_text}"
    return title, body
