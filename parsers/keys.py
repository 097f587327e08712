"""The canonical keys of the report record (see RECORD.md in the docs).

Every package speaks these keys: ``table/row/column`` for a table cell, e.g.
``requests/denied.state_secret/total``. Local sub-items of the ``active`` table are
``other_services.<子项>`` rows with the columns of ``other_services``.
"""
from __future__ import annotations

TEMPLATES = ("2019", "2021", "legacy", "unknown")
# The templates whose statistics tables follow the national keys below; a ``legacy``
# (pre-2019) or ``unknown`` record carries no facts.
KEYED_TEMPLATES = TEMPLATES[:2]

# --- table `active` (二、主动公开政府信息情况) -------------------------------------
ACTIVE_2019: dict[str, tuple[str, ...]] = {
    "regulations": ("made", "published", "total"),
    "normative_documents": ("made", "published", "total"),
    "licensing": ("previous", "change", "decisions"),
    "other_services": ("previous", "change", "decisions"),
    "penalties": ("previous", "change", "decisions"),
    "enforcement": ("previous", "change", "decisions"),
    "fees": ("previous", "change"),
    "procurement": ("count", "amount_wan"),
}
ACTIVE_2021: dict[str, tuple[str, ...]] = {
    "regulations": ("issued", "repealed", "in_force"),
    "normative_documents": ("issued", "repealed", "in_force"),
    "licensing": ("decisions",),
    "penalties": ("decisions",),
    "enforcement": ("decisions",),
    "fees": ("amount_wan",),
}
ACTIVE_LABELS = {
    "regulations": "规章",
    "normative_documents": "规范性文件",
    "licensing": "行政许可",
    "other_services": "其他对外管理服务事项",
    "penalties": "行政处罚",
    "enforcement": "行政强制",
    "fees": "行政事业性收费",
    "procurement": "政府集中采购",
}
ACTIVE_COLUMN_LABELS = {
    "made": "本年新制作数量",
    "published": "本年新公开数量",
    "total": "对外公开总数量",
    "previous": "上一年项目数量",
    "change": "本年增/减",
    "decisions": "处理决定数量",
    "count": "采购项目数量",
    "amount_wan": "采购总金额",
    "issued": "本年制发件数",
    "repealed": "本年废止件数",
    "in_force": "现行有效件数",
}
# Money columns: values are normalised to 万元.
MONEY_COLUMNS = frozenset({"amount_wan"})

# --- table `requests` (三、收到和处理政府信息公开申请情况) ------------------------------
REQUEST_COLUMNS: tuple[str, ...] = (
    "natural_person", "commercial", "research", "social_welfare", "legal_service", "other", "total",
)
APPLICANT_COLUMNS = REQUEST_COLUMNS[:-1]
REQUEST_COLUMN_LABELS = {
    "natural_person": "自然人",
    "commercial": "商业企业",
    "research": "科研机构",
    "social_welfare": "社会公益组织",
    "legal_service": "法律服务机构",
    "other": "其他",
    "total": "总计",
}
_OUTCOMES_COMMON: tuple[str, ...] = (
    "granted", "partially_granted",
    "denied.state_secret", "denied.prohibited_by_law", "denied.three_safeties",
    "denied.third_party", "denied.internal_affairs", "denied.process_info",
    "denied.enforcement_file", "denied.query_matter",
    "unavailable.not_held", "unavailable.needs_creation", "unavailable.unclear",
    "not_processed.petition", "not_processed.duplicate", "not_processed.publication",
    "not_processed.excessive", "not_processed.confirmation",
)
OUTCOME_ROWS: dict[str, tuple[str, ...]] = {
    "2019": _OUTCOMES_COMMON + ("other",),
    "2021": _OUTCOMES_COMMON + ("other.no_correction", "other.unpaid_fee", "other.other"),
}
REQUEST_ROWS: dict[str, tuple[str, ...]] = {
    t: ("new", "carried_over") + OUTCOME_ROWS[t] + ("total", "carried_forward") for t in OUTCOME_ROWS
}
REQUEST_ROW_LABELS = {
    "new": "本年新收政府信息公开申请数量",
    "carried_over": "上年结转政府信息公开申请数量",
    "granted": "予以公开",
    "partially_granted": "部分公开",
    "denied.state_secret": "属于国家秘密",
    "denied.prohibited_by_law": "其他法律行政法规禁止公开",
    "denied.three_safeties": "危及“三安全一稳定”",
    "denied.third_party": "保护第三方合法权益",
    "denied.internal_affairs": "属于三类内部事务信息",
    "denied.process_info": "属于四类过程性信息",
    "denied.enforcement_file": "属于行政执法案卷",
    "denied.query_matter": "属于行政查询事项",
    "unavailable.not_held": "本机关不掌握相关政府信息",
    "unavailable.needs_creation": "没有现成信息需要另行制作",
    "unavailable.unclear": "补正后申请内容仍不明确",
    "not_processed.petition": "信访举报投诉类申请",
    "not_processed.duplicate": "重复申请",
    "not_processed.publication": "要求提供公开出版物",
    "not_processed.excessive": "无正当理由大量反复申请",
    "not_processed.confirmation": "要求行政机关确认或重新出具已获取信息",
    "other": "其他处理",
    "other.no_correction": "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other.unpaid_fee": "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other.other": "其他",
    "total": "总计",
    "carried_forward": "结转下年度继续办理",
}

# --- table `reviews` (四、政府信息公开行政复议、行政诉讼情况) ---------------------------
REVIEW_ROWS: tuple[str, ...] = ("review", "litigation_direct", "litigation_after_review")
REVIEW_COLUMNS: tuple[str, ...] = ("upheld", "corrected", "other", "pending", "total")
REVIEW_ROW_LABELS = {
    "review": "行政复议",
    "litigation_direct": "行政诉讼·未经复议直接起诉",
    "litigation_after_review": "行政诉讼·复议后起诉",
}
REVIEW_COLUMN_LABELS = {
    "upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果", "pending": "尚未审结", "total": "总计",
}

TABLES = ("active", "requests", "reviews")


def key(table: str, row: str, column: str) -> str:
    """The fact key of one cell: ``key("requests", "new", "total") == "requests/new/total"``."""
    return f"{table}/{row}/{column}"


def split_key(fact_key: str) -> tuple[str, str, str]:
    """Inverse of :func:`key`; the row may itself contain dots (``denied.state_secret``)."""
    table, row, column = fact_key.split("/", 2)
    return table, row, column


def active_rows(template: str) -> dict[str, tuple[str, ...]]:
    """Rows and columns of the ``active`` table for a template (2019 layout for legacy/unknown)."""
    return ACTIVE_2021 if template == "2021" else ACTIVE_2019


def template_keys(template: str) -> list[str]:
    """Every fact key of a template's three tables, in report order (no local sub-items)."""
    t = "2021" if template == "2021" else "2019"
    keys = [key("active", r, c) for r, cols in active_rows(t).items() for c in cols]
    keys += [key("requests", r, c) for r in REQUEST_ROWS[t] for c in REQUEST_COLUMNS]
    keys += [key("reviews", r, c) for r in REVIEW_ROWS for c in REVIEW_COLUMNS]
    return keys
