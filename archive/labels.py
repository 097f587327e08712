"""The archive's one vocabulary for people: Chinese labels for keys, event kinds, statuses,
levels, and times shown in Beijing time.

Programs speak keys (``requests/new/natural_person``, ``revised``); people read these
labels. The CLI, alert messages, Atom feeds, exports and the web pages all take their words
from here, and the cell labels themselves come from :mod:`parsers.keys` (the parser's
vocabulary of the national templates), so no word list is written twice.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from parsers import keys

#: Event kinds, in the order they are listed (the database, API, CLI and filters use this tuple).
EVENT_KINDS: tuple[str, ...] = ("new", "revised", "withdrawn", "restored", "overdue", "conflict")
KIND_LABELS: dict[str, str] = {
    "new": "新发布", "revised": "已修订", "withdrawn": "已撤下", "restored": "已恢复", "overdue": "逾期未发布",
    "conflict": "来源冲突",
}
TABLE_LABELS: dict[str, str] = {"active": "主动公开", "requests": "依申请公开", "reviews": "复议诉讼"}
TEMPLATE_LABELS: dict[str, str] = {"2019": "2019 年版模板", "2021": "2021 年版模板", "legacy": "旧版（2019 年前）",
                                   "unknown": "未识别模板"}
REPORT_STATUS_LABELS: dict[str, str] = {"live": "在线", "withdrawn": "已撤下"}
#: Where an agency's report of a year stands (archive.coverage), in the order they are counted.
COVERAGE_LABELS: dict[str, str] = {
    "on_time": "按时发布", "late": "逾期发布", "published": "已发布（时间不详）", "pending": "未到期",
    "overdue": KIND_LABELS["overdue"],
}
#: A late report that the archive had found overdue before it appeared.
REISSUED_LABEL = "已补发"
LEVEL_LABELS: dict[str, str] = {"national": "国家级", "province": "省级", "city": "市级", "county": "县级"}

# Columns whose meaning depends on the row (and so on the template): the 2021 template's
# fee row has one column, 本年收费金额（万元）, keyed ``amount_wan`` like procurement's total.
_ROW_COLUMN_LABELS: dict[tuple[str, str], str] = {
    ("fees", "amount_wan"): "本年收费金额（万元）",
    ("procurement", "amount_wan"): "采购总金额（万元）",
}

#: The key figures of an agency's history (archive.queries.FIGURES), in Chinese.
FIGURE_LABELS: dict[str, str] = {
    "requests": "本年新收申请", "carried_over": "上年结转", "granted": "予以公开", "partially_granted": "部分公开",
    "denied": "不予公开", "unavailable": "无法提供", "not_processed": "不予处理", "other": "其他处理",
    "total": "办理总计", "carried_forward": "结转下年度", "reviews": "行政复议", "litigation": "行政诉讼",
}

#: The record's fields other than cells (as ``nianbao diff`` reports them changed).
FIELD_LABELS: dict[str, str] = {
    "agency": "机关", "year": "年度", "title": "标题", "template": "模板", "published": "落款日期",
    "violations": "勾稽问题", "sections": "章节",
}

#: Violation rules (parsers.arithmetic) in a sentence; ``{target}`` is the row or column label.
VIOLATION_LABELS: dict[str, str] = {
    "requests.row_sum": "“{target}”一行：各类申请人之和不等于总计",
    "requests.balance": "“{target}”一列：本年新收+上年结转不等于办理结果总计+结转下年度继续办理",
    "requests.outcomes_sum": "“{target}”一列：各项办理结果之和不等于总计",
    "reviews.row_sum": "“{target}”：维持、纠正、其他、尚未审结之和不等于总计",
}

#: Where a record's text came from (the record's ``source``, RECORD.md); None: the file's own text.
SOURCE_LABELS: dict[str, str] = {"ocr": "扫描件，经 OCR 识别", "mixed": "部分页面为扫描图像，经 OCR 识别"}
#: Why an OCR reading is not stated as a fact (the ``why`` of an ``uncertain`` cell).
UNCERTAIN_LABELS: dict[str, str] = {
    "confidence": "识别置信度低", "arithmetic": "与本表勾稽关系不符",
}
#: What an uncertain cell shows where its number would be.
UNCERTAIN_MARK = "存疑"

#: Beijing time (UTC+8 all year): how times are shown to people.
CHINA = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
ZONE_LABEL = "北京时间"


def kind_label(kind: str | None) -> str:
    """``revised`` -> ``已修订`` (an unknown kind is shown as it is)."""
    return KIND_LABELS.get(kind or "", kind or "")


def row_label(table: str, row: str) -> str:
    """A row key in Chinese (``denied.state_secret`` -> ``属于国家秘密``; local sub-items keep their name)."""
    if table == "active":
        base, _, sub = row.partition(".")
        return keys.ACTIVE_LABELS.get(base, base) + (f"（{sub}）" if sub else "")
    if table == "requests":
        return keys.REQUEST_ROW_LABELS.get(row, row)
    if table == "reviews":
        return keys.REVIEW_ROW_LABELS.get(row, row)
    return row


def column_label(table: str, row: str, column: str) -> str:
    """A column key in Chinese, read with its row (the fee row's ``amount_wan`` is 本年收费金额（万元）)."""
    if table == "active":
        base = row.partition(".")[0]
        return _ROW_COLUMN_LABELS.get((base, column)) or keys.ACTIVE_COLUMN_LABELS.get(column, column)
    if table == "requests":
        return keys.REQUEST_COLUMN_LABELS.get(column, column)
    if table == "reviews":
        return keys.REVIEW_COLUMN_LABELS.get(column, column)
    return column


def fact_label(fact_key: str) -> str:
    """A fact key in Chinese: ``requests/denied.state_secret/total`` -> ``依申请公开 · 属于国家秘密 · 总计``.

    >>> fact_label("active/fees/amount_wan")
    '主动公开 · 行政事业性收费 · 本年收费金额（万元）'
    """
    try:
        table, row, column = keys.split_key(fact_key)
    except ValueError:
        return FIELD_LABELS.get(fact_key, fact_key)
    if table not in TABLE_LABELS:
        return fact_key
    return f"{TABLE_LABELS[table]} · {row_label(table, row)} · {column_label(table, row, column)}"


def violation_label(violation: str) -> str:
    """A violation (``requests.row_sum:granted``) as one Chinese sentence."""
    rule, _, target = violation.partition(":")
    sentence = VIOLATION_LABELS.get(rule)
    if sentence is None:
        return violation
    table = rule.split(".")[0]
    if rule == "requests.row_sum" or rule == "reviews.row_sum":
        name = row_label(table, target)
    else:
        name = column_label(table, "", target)
    return sentence.format(target=name)


def source_label(source: str | None, ocr_pages: list[int] | None = None) -> str:
    """``"ocr"`` -> ``扫描件，经 OCR 识别``; ``"mixed"`` names the pages read by OCR; None -> ``""``."""
    if not source:
        return ""
    if source == "mixed" and ocr_pages:
        return f"第 {'、'.join(str(p) for p in ocr_pages)} 页为扫描图像，经 OCR 识别"
    return SOURCE_LABELS.get(source, source)


def uncertain_label(entry: dict) -> str:
    """An uncertain OCR cell (``{"read", "confidence", "why", "alternatives"?}``) in one sentence:
    ``存疑：OCR 读作“38”，置信度 0.99，与本表勾稽关系不符（读作 39 则相符）``. The reading is quoted
    as what OCR made of the scan, never as the report's number."""
    parts = [f"{UNCERTAIN_MARK}：OCR 读作“{number(entry.get('read'))}”"]
    if entry.get("confidence") is not None:
        parts.append(f"置信度 {entry['confidence']:.2f}")
    reason = UNCERTAIN_LABELS.get(str(entry.get("why")), str(entry.get("why") or ""))
    if entry.get("alternatives"):
        reason += f"（读作 {'、'.join(number(v) for v in entry['alternatives'])} 则相符）"
    if reason:
        parts.append(reason)
    return "，".join(parts)


def status_label(status: str | None) -> str:
    return REPORT_STATUS_LABELS.get(status or "", status or "")


def level_label(level: str | None) -> str:
    return LEVEL_LABELS.get(level or "", level or "")


def to_china(value: Any) -> dt.datetime | None:
    """An aware datetime (or ISO string; naive means UTC, as the archive stores) in Beijing time."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, dt.datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(CHINA)


def china_time(value: Any, *, zone: bool = True) -> str:
    """``2026-01-31 08:30 北京时间`` (the zone written out: times read in China are Beijing time)."""
    moment = to_china(value)
    if moment is None:
        return "" if value in (None, "") else str(value)
    text = moment.strftime("%Y-%m-%d %H:%M")
    return f"{text} {ZONE_LABEL}" if zone else text


def number(value: Any, missing: str = "-") -> str:
    """A cell value for people: ``12.0`` -> ``12``, missing -> ``missing`` (a table's
    blank cell passes ``""``)."""
    if value is None or value == "":
        return missing
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value) or "（无）"
    return str(value)


def field_value(name: str, value: Any) -> str:
    """A record field's value for people (violations as sentences, the template by name)."""
    if value is None or value == [] or value == "":
        return "（无）"
    if name == "violations" and isinstance(value, (list, tuple)):
        return "；".join(violation_label(str(v)) for v in value)
    if name == "template":
        return TEMPLATE_LABELS.get(str(value), str(value))
    return number(value)
