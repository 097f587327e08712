"""What a report is: its title, agency, year, template, signing date and section titles.

All functions are pure and work on the document's text lines (tables included as
tab/pipe rows, which are never taken for headings).
"""
from __future__ import annotations

import re
from datetime import date

from parsers.labels import REQUEST_GROUPS, classify, normalize

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMERAL = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_MARKUP = re.compile(r"^[#>\s]+|\*\*|__")
_WS = re.compile(r"[\s\u3000\u00a0]+")
# Spaces beside Chinese characters are layout ("2020 年", "北京市公安局    2020年"), not words.
_CJK_SPACE = re.compile(r"[\s\u3000\u00a0]+(?=[\u3400-\u9fff（）《》])|(?<=[\u3400-\u9fff（）《》])[\s\u3000\u00a0]+")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_CN_YEAR = re.compile(r"([〇零○一二三四五六七八九]{4})\s*年")
_REPORT_WORDS = re.compile(r"年度报告|年报|工作报告|年度工作情况")
_NOT_REPORT = re.compile(
    r"通知|要点|方案|意见|批复|公告|函$|计划|办法|规定|指南|目录|新闻|发布会|解读|发布|公布|出炉|^关于做好|^关于印发|^关于开展"
)
_AGENCY_STOP = re.compile(r"政府信息公开|政务公开|信息公开工作|年度报告")
_TITLE_SEPARATORS = re.compile(r"\s*(?:[_｜|]|\s-\s|——|--)\s*")
_AGENCY_END = re.compile(
    r"(?:局|厅|委员会|委|办公室|办公厅|办|政府|部|署|院|会|中心|所|处|科|站|台|社|馆|队|行|公司|集团|学|校"
    r"|街道|镇|乡|区|县|市|省|州|盟|旗|管委会|指挥部)$"
)
_GENERIC_AGENCY = frozenset({"公安局", "人民政府", "政府", "办公室", "办公厅", "本机关", "我局", "本局", "区政府", "县政府"})
_BODY_AGENCY = re.compile(r"(?:^|[，。、\s])([\u4e00-\u9fff]{3,25}?)(?:政府信息公开工作由|的政府信息公开工作年度报告)")
_DATE_CN = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_DATE_ISO = re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})")
_DATE_HANZI = re.compile(r"([〇零○一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日")
_HEADING = re.compile(r"^([一二三四五六七八九十]{1,3})\s*[、.．]\s*(.+)$|^第([一二三四五六七八九十]{1,3})部分\s*[、:：.．]?\s*(.+)$")
_NOT_HEADING = re.compile(r"[。；;，,！？!?\d]")
_MARKERS_2021 = ("本年制发件数", "本年废止件数", "现行有效件数", "逾期不补正", "缴纳费用", "本年处理决定数量", "本年收费金额")
_MARKERS_2019 = ("本年新制作数量", "本年新公开数量", "上一年项目数量", "对外公开总数量", "本年增/减")


def _clean(line: str) -> str:
    """A line without markdown markers and surrounding whitespace."""
    return _MARKUP.sub("", line).strip().strip("*").strip()


def _cn_number(text: str) -> int:
    """一 … 三十一 → int (for month/day and heading numbers)."""
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_NUMERAL.get(tens, 1) if tens else 1) * 10 + (_CN_NUMERAL.get(ones, 0) if ones else 0)
    return _CN_NUMERAL.get(text, 0)


def _cn_year(text: str) -> int:
    return int("".join(str(_CN_DIGITS[c]) for c in text))


def _lines(text: str) -> list[str]:
    return [s for s in (line.strip() for line in text.splitlines()) if s]


# --- title and agency ------------------------------------------------------------------------
def find_title(text: str, meta_title: str | None = None) -> str | None:
    """The report's title: the heading line naming a 年度报告 near the top, else the metadata title.

    An agency name printed alone on the line above (``北京市公安局`` / ``2020 年…报告``)
    is joined to it.
    """
    lines = [_clean(line) for line in _lines(text)[:15]]
    lines = [line for line in lines if line and "\t" not in line]
    for n, line in enumerate(lines):
        if len(line) <= 80 and _REPORT_WORDS.search(line) and not line.endswith("。"):
            title = _CJK_SPACE.sub("", _WS.sub(" ", line))
            if n and _YEAR.match(title) or n and _CN_YEAR.match(title):
                above = lines[n - 1]
                if len(above) <= 25 and _AGENCY_END.search(above) and not _NOT_HEADING.search(above):
                    title = f"{above}{title}"
            return title
    if meta_title:
        parts = [p for p in _TITLE_SEPARATORS.split(meta_title.strip()) if p]
        for part in parts:
            if _REPORT_WORDS.search(part):
                return _CJK_SPACE.sub("", part)
        return _CJK_SPACE.sub("", meta_title.strip())
    return lines[0][:80] if lines else None


def year_match(title: str) -> re.Match[str] | None:
    """The year written in a title (``2020年``, ``2020 年``, ``二〇二〇年``)."""
    return _YEAR.search(title) or _CN_YEAR.search(title)


def find_year(title: str | None, text: str) -> int | None:
    """The year the report covers: from the title, else the most frequent ``20xx年`` of the text."""
    if title and (m := year_match(title)):
        return int(m.group(1)) if m.group(1).isdigit() else _cn_year(m.group(1))
    counts: dict[int, int] = {}
    for m in _YEAR.finditer(text[:6000]):
        year = int(m.group(1))
        counts[year] = counts.get(year, 0) + 1
    return max(counts, key=lambda y: (counts[y], -y)) if counts else None


def _tidy_agency(name: str) -> str | None:
    name = _WS.sub("", name).strip("《》“”\"'：:，,、()（）[]【】")
    if name.startswith("关于") and len(name) > 4:
        name = name[2:]
    if len(name) < 2 or len(name) > 40 or name in _GENERIC_AGENCY or _NOT_HEADING.search(name):
        return None
    return name if _AGENCY_END.search(name) else None


def find_agency(title: str | None, text: str) -> str | None:
    """The issuing agency: from the title (the text before the year), else the signature or body."""
    if title and (m := year_match(title)):
        before = _tidy_agency(_AGENCY_STOP.split(title[: m.start()], 1)[0])
        if before:
            return before
        after = re.match(r"度?(.{2,40}?)(?:政府信息公开|政务公开|信息公开)", title[m.end():])
        if after and (name := _tidy_agency(after.group(1))):
            return name
    lines = _lines(text)
    tail = lines[-6:]
    for n in range(len(tail) - 1, 0, -1):
        if _signing_date(tail[n]) and _AGENCY_END.search(tail[n - 1]) and len(tail[n - 1]) <= 30:
            if name := _tidy_agency(tail[n - 1]):
                return name
    if m := _BODY_AGENCY.search(text[:5000]):
        return _tidy_agency(m.group(1))
    return None


# --- dates --------------------------------------------------------------------------------------
def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _signing_date(line: str) -> str | None:
    """The date a line ends with, when the line is a date (or a short signature + date)."""
    line = _clean(line)
    for pattern, convert in (
        (_DATE_CN, lambda m: _iso(int(m[1]), int(m[2]), int(m[3]))),
        (_DATE_HANZI, lambda m: _iso(_cn_year(m[1]), _cn_number(m[2]), _cn_number(m[3]))),
        (_DATE_ISO, lambda m: _iso(int(m[1]), int(m[2]), int(m[3]))),
    ):
        m = pattern.search(line)
        if m and not line[m.end():].strip(" 。.") and len(line[: m.start()]) <= 30 \
                and not _NOT_HEADING.search(line[: m.start()]):
            return convert(m)
    return None


def find_published(text: str, meta_published: str | None = None) -> str | None:
    """The signing date at the very end of the report (ISO), else the metadata date, else None."""
    for line in reversed(_lines(text)[-6:]):
        if "\t" in line:
            break
        if found := _signing_date(line):
            return found
    return meta_published


# --- sections -----------------------------------------------------------------------------------
def _heading(line: str) -> tuple[int, str] | None:
    """``(3, "收到和处理政府信息公开申请情况")`` for a top-level heading line, else None."""
    if "\t" in line or "|" in line:
        return None
    m = _HEADING.match(_clean(line))
    if not m:
        return None
    number, title = (m[1], m[2]) if m[1] else (m[3], m[4])
    title = _WS.sub("", title).rstrip("：:。.")
    if not title or len(title) > 30 or _NOT_HEADING.search(title):
        return None
    core = normalize(title)
    label = classify(title)
    if core in REQUEST_GROUPS or (label is not None and label.kind == "request"):
        return None  # a row of the requests table printed one cell a line
    return _cn_number(number), title


def find_sections(text: str) -> list[str]:
    """Top-level section titles in order: the longest 一、二、三… chain of heading lines."""
    heads = [h for line in text.splitlines() if (h := _heading(line))]
    best: list[list[int]] = []  # best[k]: the longest chain ending at heading k
    for k, (number, _) in enumerate(heads):
        chain = [k] if number == 1 else []
        for p in range(k):
            if heads[p][0] == number - 1 and best[p] and len(best[p]) + 1 > len(chain):
                chain = best[p] + [k]
        best.append(chain)
    longest = max(best, key=len, default=[])
    return [heads[k][1] for k in longest]


# --- template -----------------------------------------------------------------------------------
def is_report(title: str | None) -> bool | None:
    """True for an annual report title, False for a notice/plan/news about reports, None if unsure."""
    if not title:
        return None
    core = _WS.sub("", title)
    if _NOT_REPORT.search(core):
        return False
    # A report's title names its year; "政府信息公开年报" alone is a listing page.
    return True if _REPORT_WORDS.search(core) and year_match(core) else None


def marked_template(text: str) -> str | None:
    """``2021`` or ``2019`` when the text prints that template's own table labels, else None."""
    if any(marker in text for marker in _MARKERS_2021):
        return "2021"
    if any(marker in text for marker in _MARKERS_2019):
        return "2019"
    return None


def find_template(text: str, year: int | None, title: str | None, has_tables: bool) -> str:
    """``2021``, ``2019``, ``legacy`` (before 2019) or ``unknown`` (not an annual report)."""
    # Filled statistics tables make a report whatever its title says; without them the
    # title must name one (a notice ABOUT reports, a work plan or news is "unknown").
    if not has_tables and is_report(title) is not True:
        return "unknown"
    if year is not None and year < 2019:
        return "legacy"
    if marked := marked_template(text):
        return marked
    if year is None:
        return "2019" if has_tables else "unknown"
    return "2021" if year >= 2021 else "2019"
