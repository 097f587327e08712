"""Table labels: which row, group or column header a cell's text names.

A label cell must BE the label — the canonical text, or a short text with a
distinctive keyword and no sentence punctuation — never merely contain it: that is
what keeps the numbers of narrative sentences ("共收到政府信息公开申请1409件") out of
the tables. Matching works on :func:`normalize`d text: no whitespace, half-width
punctuation, no quotes, ordinal prefixes (``三、`` ``（一）`` ``1.``) and long
parentheticals (``（区分处理的，只计这一情形…）``) removed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from parsers.keys import REQUEST_ROW_LABELS

LabelKind = Literal["active", "request", "request_group", "review", "active_header", "review_header"]

_WS = re.compile(r"[\s\u3000\u00a0\u200b]+")
_PUNCT = str.maketrans({
    "（": "(", "）": ")", "：": ":", "，": ",", "；": ";", "．": ".", "／": "/", "【": "(", "】": ")",
    "〔": "(", "〕": ")", "“": None, "”": None, "‘": None, "’": None, '"': None, "'": None,
    "《": None, "》": None, "*": None, "#": None,
})
_ORDINAL = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}[、.]|\(?[一二三四五六七八九十]{1,3}\)|\d{1,2}(?:[、)]|\.(?!\d))"
    r"|\(\d{1,2}\)|第[一二三四五六七八九十]{1,3}(?:项|部分|类)?[、.:]?)"
)
# A group's name printed before its first member's label: 三、本年度办理结果（一）予以公开,
# （三）不予公开 1.属于国家秘密 (one cell, or one line of extracted text).
_GROUP_PREFIX = re.compile(r"^(?:本年度办理结果|办理结果)(?=.)|^(?:不予公开|无法提供|不予处理|其他处理)(?=\d{1,2}[.、])")
_PAREN = re.compile(r"\([^()]*\)")
_SENTENCE = re.compile(r"[。;!?！？]")
_DIGIT = re.compile(r"\d")


def compact(text: str) -> str:
    """Whitespace removed, punctuation half-width, quotes and markdown markers dropped."""
    return _WS.sub("", text).translate(_PUNCT)


@lru_cache(maxsize=8192)
def normalize(text: str) -> str:
    """The matchable core of a label cell (see the module docstring)."""
    s = compact(text)
    for _ in range(4):
        stripped = _GROUP_PREFIX.sub("", _ORDINAL.sub("", s))
        if stripped == s:
            break
        s = stripped
    return _PAREN.sub("", s) if "(" in s else s


# --- active (二、主动公开政府信息情况) ----------------------------------------------------
ACTIVE_ALIASES: dict[str, str] = {
    "规章": "regulations",
    "规范性文件": "normative_documents",
    "行政规范性文件": "normative_documents",
    "行政许可": "licensing",
    "其他对外管理服务事项": "other_services",
    "其他对外管理服务": "other_services",
    "行政处罚": "penalties",
    "行政强制": "enforcement",
    "行政事业性收费": "fees",
    "政府集中采购": "procurement",
}
# Column headers of the active table, by keyword (checked in order).
ACTIVE_HEADERS: tuple[tuple[str, str], ...] = (
    ("本年新制作数量", "made"), ("新制作数量", "made"),
    ("本年新公开数量", "published"), ("新公开数量", "published"),
    ("对外公开总数量", "total"),
    ("上一年项目数量", "previous"), ("上年项目数量", "previous"),
    ("本年增/减", "change"), ("本年增减", "change"), ("增/减", "change"),
    ("处理决定数量", "decisions"),
    ("采购项目数量", "count"),
    ("采购总金额", "amount_wan"),
    ("本年制发件数", "issued"), ("制发件数", "issued"),
    ("本年废止件数", "repealed"), ("废止件数", "repealed"),
    ("现行有效件数", "in_force"),
    ("收费金额", "amount_wan"),
)

# --- requests (三、收到和处理政府信息公开申请情况) -------------------------------------------
REQUEST_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("new", ("本年新收",)),
    ("carried_over", ("上年结转",)),
    ("carried_forward", ("结转下年度", "下年度继续办理", "转下年度")),
    ("partially_granted", ("部分公开",)),
    ("granted", ("予以公开",)),
    ("denied.state_secret", ("国家秘密",)),
    ("denied.prohibited_by_law", ("禁止公开",)),
    ("denied.three_safeties", ("三安全", "一稳定")),
    ("denied.third_party", ("第三方",)),
    ("denied.internal_affairs", ("内部事务",)),
    ("denied.process_info", ("过程性",)),
    ("denied.enforcement_file", ("执法案卷",)),
    ("denied.query_matter", ("查询事项",)),
    ("unavailable.not_held", ("不掌握",)),
    ("unavailable.needs_creation", ("另行制作", "没有现成信息")),
    ("other.no_correction", ("逾期不补正", "不补正")),
    ("unavailable.unclear", ("仍不明确", "补正后申请内容")),
    ("other.unpaid_fee", ("缴纳费用", "收费通知")),
    ("not_processed.petition", ("信访", "举报投诉")),
    ("not_processed.excessive", ("大量反复",)),
    ("not_processed.duplicate", ("重复申请",)),
    ("not_processed.publication", ("出版物",)),
    ("not_processed.confirmation", ("确认或重新出具", "重新出具", "要求行政机关确认")),
    ("other", ("其他处理",)),
)
REQUEST_GROUPS = frozenset({"本年度办理结果", "办理结果", "不予公开", "无法提供", "不予处理"})
TOTAL_LABELS = frozenset({"总计", "合计"})
OTHER_LABEL = "其他"

# --- reviews (四、政府信息公开行政复议、行政诉讼情况) ------------------------------------------
REVIEW_ROWS: dict[str, str] = {
    "行政复议": "review",
    "未经复议直接起诉": "litigation_direct",
    "行政诉讼未经复议直接起诉": "litigation_direct",
    "直接起诉": "litigation_direct",
    "复议后起诉": "litigation_after_review",
    "行政诉讼复议后起诉": "litigation_after_review",
}
REVIEW_HEADERS = frozenset({"行政诉讼", "结果维持", "结果纠正", "其他结果", "尚未审结", "维持", "纠正"})


@dataclass(frozen=True, slots=True)
class Label:
    """What a cell names: a row of a table, a group of rows, or a column header."""

    kind: LabelKind
    key: str


_KEYWORD_ROW = {word: key for key, words in REQUEST_KEYWORDS for word in words}
_KEYWORD_ORDER = {word: n for n, word in enumerate(_KEYWORD_ROW)}
_KEYWORDS = re.compile("|".join(re.escape(w) for w in _KEYWORD_ROW))


def _request_row(core: str) -> str | None:
    """The requests row a normalised label names, by distinctive keyword (must be short)."""
    found = _KEYWORDS.findall(core)
    if not found:
        return None
    # Keyword order decides ties (逾期不补正 before 补正后申请内容 …), as in REQUEST_KEYWORDS.
    key = _KEYWORD_ROW[min(found, key=_KEYWORD_ORDER.__getitem__)]
    return key if len(core) <= len(REQUEST_ROW_LABELS[key]) + 10 else None


@lru_cache(maxsize=8192)
def classify(text: str) -> Label | None:
    """The label a cell's text is, or ``None`` (a value, prose, a title, an unknown name).

    Context-dependent labels (总计 the row vs the column, 3.其他 under 其他处理) are
    returned as ``request`` labels ``total`` / ``other.other`` for the caller to check.
    """
    if not text or len(text) > 80 or _SENTENCE.search(text):
        return None
    core = normalize(text)
    if not core or _DIGIT.search(core):
        return None
    active = ACTIVE_ALIASES.get(core)
    if active:
        return Label("active", active)
    if core in REVIEW_ROWS:
        return Label("review", REVIEW_ROWS[core])
    if core == "行政诉讼" and "(" in (full := compact(text)):
        # 行政诉讼（未经复议直接起诉）: a heading naming one suit row (split reviews tables).
        if "直接起诉" in full:
            return Label("review", "litigation_direct")
        if "复议后起诉" in full:
            return Label("review", "litigation_after_review")
    if core in REVIEW_HEADERS:
        return Label("review_header", core)
    if core in TOTAL_LABELS:
        return Label("request", "total")
    if core == OTHER_LABEL:
        return Label("request", "other.other")
    if core in REQUEST_GROUPS:
        return Label("request_group", core)
    row = _request_row(core)
    if row:
        return Label("request", row)
    for word, column in ACTIVE_HEADERS:
        if word in core and len(core) <= len(word) + 14:
            return Label("active_header", column)
    return None


def header_in_yuan(text: str) -> bool:
    """A money column header that names 元 but not 万元 (``采购总金额（元）``)."""
    core = compact(text)
    return "元" in core and "万元" not in core


_SUBITEM = re.compile(r"^[\u4e00-\u9fff]{2,12}$")
_NOT_SUBITEM = ("信息内容", "第", "项目", "数量", "情况", "合计", "小计")


def subitem_name(text: str) -> str | None:
    """A local sub-item name of 其他对外管理服务事项 (``行政检查``), or ``None``."""
    core = normalize(text)
    if not _SUBITEM.match(core) or any(w in core for w in _NOT_SUBITEM):
        return None
    return core
