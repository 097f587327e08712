"""What a report is: its title, agency, year, template, signing date and section titles.

All functions are pure and work on the document's text lines (tables included as
tab/pipe rows, which are never taken for headings).
"""
from __future__ import annotations

import re
from datetime import date

from parsers.labels import REQUEST_GROUPS, classify, normalize
from parsers.titles import (
    AGENCY_END, ARABIC_YEAR, ARABIC_YEAR_IN_TEXT, CN_YEAR, DECOY, REPORT_WORDS, YEAR, cn_digits, cn_number,
    is_report_title, tidy_agency, title_agency, year_match, year_of,
)

_MARKUP = re.compile(r"^[#>\s]+|\*\*|__")
_WS = re.compile(r"[\s\u3000\u00a0]+")
# Spaces beside Chinese characters are layout ("2020 年", "北京市公安局    2020年"), not words.
_CJK_SPACE = re.compile(r"[\s\u3000\u00a0]+(?=[\u3400-\u9fff（）《》])|(?<=[\u3400-\u9fff（）《》])[\s\u3000\u00a0]+")
_TITLE_SEPARATORS = re.compile(r"\s*(?:[_｜|]|\s-\s|——|--)\s*")
_BODY_AGENCY = re.compile(r"(?:^|[，。、\s])([\u4e00-\u9fff]{3,25}?)(?:政府信息公开工作由|的政府信息公开工作年度报告)")
_DATE_CN = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_DATE_ISO = re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})")
_DATE_HANZI = re.compile(rf"({CN_YEAR})\s*年\s*([一二三四五六七八九十]{{1,3}})\s*月\s*([一二三四五六七八九十]{{1,3}})\s*日")
# A page's own publication date (a fallback when the report is unsigned): 发布日期：2021-01-25.
PAGE_DATE = re.compile(r"(?:发布|公开|成文|印发)(?:时间|日期)\s*[:：]\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
# A field label before a date is page metadata, not a signature (发布日期：, 时间:).
_DATE_FIELD = re.compile(r"(?:日期|时间)\s*[:：]\s*$")
# After a signing date on its line, only an attachment list or a parenthesis may follow
# (二○一二年二月二十日 附件1：…; 2021年1月20日（此件公开发布）).
_ATTACHMENT = re.compile(r"^\s*(?:附\s*件|附\s*表|附\s*[:：])")
_DATE_TRAILER = re.compile(r"^\s*(?:附\s*件|附\s*表|附\s*[:：]|[（(])")
# Field labels of a page's information block (索引号：… 标题：… 发布机构：…); the title is
# the value of 标题/名称, and the other fields are not title lines.
_TITLE_FIELD = re.compile(r"(?:^|\s)[【\[]?(?:标\s*题|名\s*称|题\s*名|题\s*目|文件名称|信息名称|文章标题)[】\]]?\s*[:：]\s*")
_TITLE_FIELD_CELL = re.compile(r"^[【\[]?(?:标\s*题|名\s*称|题\s*名|题\s*目|文件名称|信息名称|文章标题)[】\]]?\s*[:：]?$")
_NEXT_FIELD = re.compile(r"\s+[【\[]?[\u4e00-\u9fff]{2,6}[】\]]?\s*[:：]")
_FIELD_LINE = re.compile(r"^[【\[]?(?:索\s*引\s*号|发布机构|发文机关|发文字号|文\s*号|主题分类|分\s*类|成文日期|发布日期"
                         r"|发布时间|生效日期|有效性|来\s*源|信息来源|作\s*者|浏览次数|访问量|所属机构|公开方式|栏\s*目)[】\]]?\s*[:：]")
# The signer at the end of a long line: a name after punctuation or a space.
_SIGNER = re.compile(r"(?:^|[\s。；;，,！？!?：:）)])([\u4e00-\u9fff（）()]{2,30})$")
_PUBLISHER = re.compile(r"(?:发布机构|发文机关|信息来源|来\s*源)\s*[:：]\s*([\u4e00-\u9fff（）()]{2,40})")
# A line that continues a wrapped title: short, no sentence punctuation, no navigation marks.
_NOT_TITLE_PART = re.compile(r"[。；;，,！？!?：:>›»|\t]")
_HEADING = re.compile(r"^([一二三四五六七八九十]{1,3})\s*[、.．]\s*(.+)$|^第([一二三四五六七八九十]{1,3})部分\s*[、:：.．]?\s*(.+)$")
_NOT_HEADING = re.compile(r"[。；;，,！？!?\d]")
_MARKERS_2021 = ("本年制发件数", "本年废止件数", "现行有效件数", "逾期不补正", "缴纳费用", "本年处理决定数量", "本年收费金额")
_MARKERS_2019 = ("本年新制作数量", "本年新公开数量", "上一年项目数量", "对外公开总数量", "本年增/减")


def _clean(line: str) -> str:
    """A line without markdown markers and surrounding whitespace."""
    return _MARKUP.sub("", line).strip().strip("*").strip()


def _lines(text: str) -> list[str]:
    return [s for s in (line.strip() for line in text.splitlines()) if s]


def _title_text(line: str) -> str:
    """A candidate title line without an information-block label (``标题：…`` → ``…``);
    "" for the block's other fields (``索引号：…``, ``发布机构：…``)."""
    if "\t" in line:
        cells = [c.strip() for c in line.split("\t")]
        for label, value in zip(cells, cells[1:]):
            if _TITLE_FIELD_CELL.match(label) and value:
                return value
        return line
    if m := _TITLE_FIELD.search(line):
        value = line[m.end():]
        if nxt := _NEXT_FIELD.search(value):
            value = value[:nxt.start()]
        return value.strip()
    return "" if _FIELD_LINE.match(line) else line


def _title_part(line: str) -> bool:
    """Can this line be a piece of a title wrapped over several lines?"""
    return 0 < len(line) <= 40 and not _NOT_TITLE_PART.search(line)


def _squash(line: str) -> str:
    return _CJK_SPACE.sub("", _WS.sub(" ", line))


# --- title and agency ------------------------------------------------------------------------
def find_title(text: str, meta_title: str | None = None) -> str | None:
    """The report's title: the heading line naming a 年度报告 near the top, else the metadata title.

    A title wrapped over two or three lines is joined: an agency name (or the agency and
    the year) printed alone on the lines above (``北京市公安局`` / ``2020 年…报告``), or the
    last words on the line below (``…工作年度`` / ``报告``). A label of the page's
    information block (``标题：``) is not part of the title.
    """
    lines = [_title_text(_clean(line)) for line in _lines(text)[:20]]
    lines = [line for line in lines if line and "\t" not in line]
    for n, line in enumerate(lines):
        if len(line) > 80 or line.endswith("。"):
            continue
        title = _squash(line)
        if not REPORT_WORDS.search(title):
            below = lines[n + 1] if n + 1 < len(lines) else ""
            joined = _squash(line + below)
            if not (_title_part(line) and _title_part(below) and len(below) <= 20
                    and REPORT_WORDS.search(joined) and not REPORT_WORDS.search(_squash(below))):
                continue
            title = joined
        top = n
        while top > 0 and n - top < 2:
            above = _squash(lines[top - 1])
            if year_match(title) is None:
                # The year (and the agency) went to the line above.
                if not (_title_part(above) and year_match(above)):
                    break
            elif YEAR.match(title):
                # The title starts with its year: the agency may be alone on the line above.
                if not (len(above) <= 25 and AGENCY_END.search(above) and not _NOT_HEADING.search(above)):
                    break
            else:
                break
            title = above + title
            top -= 1
        return title
    if meta_title:
        parts = [p for p in _TITLE_SEPARATORS.split(meta_title.strip()) if p]
        for part in parts:
            if REPORT_WORDS.search(part):
                return _CJK_SPACE.sub("", part)
        return _CJK_SPACE.sub("", meta_title.strip())
    return lines[0][:80] if lines else None


def find_year(title: str | None, text: str) -> int | None:
    """The year the report covers: from the title, else the ``20xx年`` the text names at least
    twice as often as any other (None when no year stands out, e.g. a listing page)."""
    if title and (m := year_match(title)):
        return year_of(m)
    counts: dict[int, int] = {}
    for m in ARABIC_YEAR_IN_TEXT.finditer(text[:6000]):
        year = int(m.group(1))
        counts[year] = counts.get(year, 0) + 1
    if not counts:
        return None
    ranked = sorted(counts.values(), reverse=True)
    # A report names its own year again and again; a listing of many years' reports names
    # each about as often, and then no year is the document's.
    if len(ranked) > 1 and ranked[0] < 2 * ranked[1]:
        return None
    return max(counts, key=lambda y: (counts[y], -y))


def find_agency(title: str | None, text: str) -> str | None:
    """The issuing agency: from the title (the text before the year), else the signature or body."""
    if title and (name := title_agency(title)):
        return name
    lines = _lines(text)
    if signed := _signature(lines):
        index, _, start = signed
        line = _clean(lines[index])
        before = line[:start].strip()
        if len(before) > 30 and (tail := _SIGNER.search(before)):
            before = tail.group(1)  # flattened text: the signature ends a long line
        if before and (name := tidy_agency(before)):
            return name  # 北京市公安局  2021年3月1日
        above = _clean(lines[index - 1]) if index else ""
        if "\t" not in above and AGENCY_END.search(above) and len(above) <= 30 and (name := tidy_agency(above)):
            return name
    if name := _cover_agency(lines):
        return name
    if m := _BODY_AGENCY.search(text[:5000]):
        if name := tidy_agency(m.group(1)):
            return name
    # Last, the publisher a saved page names in its information block (发布机构：…).
    if m := _PUBLISHER.search(text[:3000]):
        return tidy_agency(m.group(1))
    return None


def _cover_agency(lines: list[str]) -> str | None:
    """The agency of a cover heading wrapped over the document's first lines, when the title
    came from elsewhere (a PDF whose metadata title is a leftover of its template).

    ``中共上海市普陀区委`` / ``社会工作部 2024年度`` / ``部门决算`` → 中共上海市普陀区委社会工作部:
    the first (at most three) short heading lines, joined, name a year with an agency before
    it. A line with punctuation or more than 40 characters ends the heading, so prose and
    navigation never reach it.
    """
    heading = ""
    for line in lines[:3]:
        line = _clean(line)
        if not _title_part(line):
            break
        heading += _squash(line)
        if m := year_match(heading):
            name = title_agency(heading)
            # Only an agency printed right before the year (never words found after it).
            return name if name and AGENCY_END.search(name) and heading[:m.start()] == name else None
    return None


# --- dates --------------------------------------------------------------------------------------
def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


_DATE_PATTERNS = (
    (_DATE_CN, lambda m: _iso(int(m[1]), int(m[2]), int(m[3]))),
    (_DATE_HANZI, lambda m: _iso(cn_digits(m[1]), cn_number(m[2]), cn_number(m[3]))),
    (_DATE_ISO, lambda m: _iso(int(m[1]), int(m[2]), int(m[3]))),
)


def _any_date(line: str) -> re.Match[str] | None:
    for pattern, _ in _DATE_PATTERNS:
        if m := pattern.search(line):
            return m
    return None


def _signing_date(line: str, *, trailer: bool = False) -> str | None:
    """The date a signature line holds: a line that is a date, or a short signature + date.

    With ``trailer``, an attachment list or a parenthesis may follow the date on its line
    (``二○一二年二月二十日 附件1：…``). A field label before the date (``发布日期：``) makes
    it page metadata, not a signature.
    """
    line = _clean(line)
    if len(line) > 80:
        return None
    for pattern, convert in _DATE_PATTERNS:
        m = pattern.search(line)
        if not m:
            continue
        before, after = line[: m.start()], line[m.end():]
        if len(before) > 30 or _NOT_HEADING.search(before) or _DATE_FIELD.search(before):
            continue
        if not after.strip(" 。.") or (trailer and _DATE_TRAILER.match(after)):
            return convert(m)
    return None


# What may follow a signing date glued at the end of flattened text: a parenthesis
# (联系人…), an attachment list (附件下载, 附件1：…), nothing else.
_PARAGRAPH_END = re.compile(r"(?:^|[。！!；;])\s+$")
_SIGNED_AFTER = re.compile(r"^\s*(?:[（(][^）)]{0,80}[）)]\s*)?(?:附\s*[件表][\s\S]*)?$")


def _date_at(line: str, trailer: bool) -> tuple[str, int, int] | None:
    """(ISO date, start and end of the date in the cleaned line) when ``line`` is a signature line."""
    found = _signing_date(line, trailer=trailer)
    if found is None:
        return None
    m = _any_date(_clean(line))
    return (found, m.start(), m.end()) if m else (found, 0, 0)


def _signature(lines: list[str]) -> tuple[int, str, int] | None:
    """(line index, ISO date, offset of the date in the cleaned line) of the signing date.

    A date line among the last lines (a table ends the search); else — the statistics
    printed as attachments after the signature — the last date line that an agency line
    precedes or an attachment list follows (on its line or the next); else, in flattened
    text, a date right after an agency name with nothing but a parenthesis or an
    attachment list after it (``…。 平潭县人民政府 2021年1月7日 附件下载``).
    """
    start = max(len(lines) - 6, 0)
    for index in range(len(lines) - 1, start - 1, -1):
        if "\t" in lines[index]:
            break
        if found := _date_at(lines[index], True):
            return index, found[0], found[1]
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if len(line) > 60 or "\t" in line or not (found := _date_at(line, True)):
            continue
        trailing = _ATTACHMENT.match(_clean(line)[found[2]:])
        below = lines[index + 1] if index + 1 < len(lines) else ""
        above = _clean(lines[index - 1]) if index else ""
        signed_above = "\t" not in above and len(above) <= 30 and AGENCY_END.search(above)
        if trailing or _ATTACHMENT.match(below) or signed_above:
            return index, found[0], found[1]
    for index in range(len(lines) - 1, max(len(lines) - 20, 0) - 1, -1):
        line = _clean(lines[index])
        if "\t" in line:
            continue
        matches = sorted((m for pattern, _ in _DATE_PATTERNS for m in pattern.finditer(line)),
                         key=lambda m: m.start(), reverse=True)
        for m in matches:
            before = line[: m.start()]
            # After the agency's name, or on its own after the last sentence ("…。 二○一二年二月二十日").
            signer = AGENCY_END.search(before.rstrip()) or _PARAGRAPH_END.search(before)
            if not signer or not _SIGNED_AFTER.match(line[m.end():]):
                continue
            convert = next(c for p, c in _DATE_PATTERNS if p is m.re)
            if found := convert(m):
                return index, found, m.start()
    return None


def page_date(text: str) -> str | None:
    """The publication date a saved page prints near its top (``发布日期：2021-01-25``), if any."""
    if m := PAGE_DATE.search(text[:3000]):
        return _iso(int(m[1]), int(m[2]), int(m[3]))
    return None


def find_published(text: str, meta_published: str | None = None) -> str | None:
    """The signing date of the report (ISO); if unsigned, the page's publication date
    (``meta_published`` from the format's metadata, else a 发布日期 line); else None."""
    if signed := _signature(_lines(text)):
        return signed[1]
    return meta_published or page_date(text)


# --- sections -----------------------------------------------------------------------------------
_YEAR_IN_TITLE = re.compile(rf"{ARABIC_YEAR}\s*年度?")


def _section_title(number: str, title: str) -> tuple[int, str] | None:
    """``(3, title)`` when ``title`` after the numeral ``number`` can be a section title."""
    title = _WS.sub("", title).rstrip("：:。.")
    # A year is part of a title (一、2014年政府信息公开工作情况); other digits make a table row.
    if not title or len(title) > 30 or _NOT_HEADING.search(_YEAR_IN_TITLE.sub("", title)):
        return None
    core = normalize(title)
    label = classify(title)
    if core in REQUEST_GROUPS or (label is not None and label.kind == "request"):
        return None  # a row of the requests table printed one cell a line
    return cn_number(number), title


def _heading(line: str) -> tuple[int, str] | None:
    """``(3, "收到和处理政府信息公开申请情况")`` for a top-level heading line, else None.

    A table row is no heading, unless its cells all hold the same text: a heading drawn
    as a table's first, full-width row (WPS exports) reads ``二、…情况\t二、…情况\t…``.
    """
    if "\t" in line:
        cells = {cell.strip() for cell in line.split("\t")} - {""}
        if len(cells) != 1:
            return None
        line = cells.pop()
    if "|" in line:
        return None
    m = _HEADING.match(_clean(line))
    if not m:
        return None
    number, title = (m[1], m[2]) if m[1] else (m[3], m[4])
    return _section_title(number, title)


# Flattened text (a page's body on one line, as some archive tools save it) glues each
# section title to its first sentence: "…800人次。二、存在问题在看到成绩的同时，…".
_INLINE_MARK = re.compile(r"([一二三四五六七八九十]{1,3})、")
# 统一、唯一、第一、之一… are words, not numbering.
_NOT_NUMBERING = "统唯第之万同单专划均逐合归整不任某"
# Where a glued title ends: sentence punctuation, a space, a bracket, a digit after text.
_TITLE_BREAK = re.compile(r"[。；;，,！？!?：:\s（(【\[]|(?<=[^\d])\d")
# Words that open a section's first sentence (or the table that follows the title).
_OPENERS = re.compile(r"我局|我区|我委|我办|我市|我县|我省|我们|本机关|本局|本单位|本部门|目前|今年|全年|年内"
                      r"|近年来|一是|围绕|按照|根据|在看到|对照|截至|截止|第二十条|行政复议行政诉讼|申请人情况")
# A title ends with one of these words, unless a connector follows (审批事项及处理情况).
_TITLE_END = re.compile(r"(?:情况统计表|统计表|情况|事项|措施|计划)(?![及和与、暨以并])")
_INLINE_LINE = 500  # only lines this long are searched for glued headings


def _inline_headings(line: str) -> list[tuple[int, str]]:
    """Section headings glued inside one long line, each title cut where its text begins."""
    out = []
    for m in _INLINE_MARK.finditer(line):
        if m.start() and line[m.start() - 1] in _NOT_NUMBERING:
            continue
        rest = line[m.end(): m.end() + 44].lstrip()
        brk = _TITLE_BREAK.search(rest)
        candidate = rest[: brk.start()] if brk else rest
        opener = _OPENERS.search(candidate, 2)
        if opener:
            candidate = candidate[: opener.start()]
        end = _TITLE_END.search(candidate)
        if end:
            candidate = candidate[: end.end()]  # "…改进情况一年来" → "…改进情况"
        elif not brk and not opener:
            continue  # cut by length only, and no title word in it
        if found := _section_title(m.group(1), candidate):
            out.append(found)
    return out


def _chain(heads: list[tuple[int, str]]) -> list[str]:
    """The longest run of headings numbered 1, 2, 3… in document order."""
    best: list[list[int]] = []  # best[k]: the longest chain ending at heading k
    for k, (number, _) in enumerate(heads):
        chain = [k] if number == 1 else []
        for p in range(k):
            if heads[p][0] == number - 1 and best[p] and len(best[p]) + 1 > len(chain):
                chain = best[p] + [k]
        best.append(chain)
    longest = max(best, key=len, default=[])
    return [heads[k][1] for k in longest]


def find_sections(text: str) -> list[str]:
    """Top-level section titles in order: the longest 一、二、三… chain of heading lines
    (in flattened text, of the headings glued inside its long lines)."""
    lines = text.splitlines()
    found = _chain([h for line in lines if (h := _heading(line))])
    if len(found) < 3 and any(len(line) >= _INLINE_LINE for line in lines):
        heads = []
        for line in lines:
            if len(line) >= _INLINE_LINE and "\t" not in line:
                heads += _inline_headings(line)
            elif h := _heading(line):
                heads.append(h)
        inline = _chain(heads)
        if len(inline) > len(found):
            return inline
    return found


# --- template -----------------------------------------------------------------------------------
def is_report(title: str | None) -> bool | None:
    """True for an annual report title, False for a notice/plan/news about reports, None if unsure."""
    if not title:
        return None
    core = _WS.sub("", title)
    if DECOY.search(core):
        return False
    # A report's title names its year; "政府信息公开年报" alone is a listing page.
    return True if is_report_title(core) else None


def marked_template(text: str) -> str | None:
    """``2021`` or ``2019`` when the text prints that template's own table labels, else None."""
    if any(marker in text for marker in _MARKERS_2021):
        return "2021"
    if any(marker in text for marker in _MARKERS_2019):
        return "2019"
    return None


_CJK = re.compile(r"[\u3400-\u9fff]")
# A report's body, tables aside, runs to thousands of characters; a page that carries
# only the title (and its information block) has a few dozen.
_MIN_BODY_CJK = 150


def has_body(text: str, title: str | None) -> bool:
    """Does the text hold more than the report's title and a page's information block?"""
    lines = [line for line in _lines(text) if not _FIELD_LINE.match(_clean(line)) and not _TITLE_FIELD.match(line)]
    body = "\n".join(lines)
    if title:
        body = body.replace(title, "")
    return len(_CJK.findall(body)) >= _MIN_BODY_CJK


def find_template(text: str, year: int | None, title: str | None, has_tables: bool) -> str:
    """``2021``, ``2019``, ``legacy`` (before 2019) or ``unknown`` (not an annual report)."""
    # Filled statistics tables make a report whatever its title says; without them the
    # title must name one (a notice ABOUT reports, a work plan or news is "unknown").
    if not has_tables and is_report(title) is not True:
        return "unknown"
    if not has_tables and not has_body(text, title):
        return "unknown"  # a page that is only the report's title (the report is an attachment)
    if year is not None and year < 2019:
        return "legacy"
    if marked := marked_template(text):
        return marked
    if year is None:
        return "2019" if has_tables else "unknown"
    return "2021" if year >= 2021 else "2019"
