"""What a report's title is: the one vocabulary of report titles.

The crawler judges a link by its text with it (``crawler/discovery.py``) and the
recognizer judges a document by its title with it (``parsers/recognize.py``): when the
two kept their own word lists, they drifted apart and a report one accepted the other
skipped. Word lists and compiled patterns live here, each with the reason it holds what it
holds (in the manner of trafilatura's ``xpaths.py``); the few functions below are the
judgments both sides share.

A report title names a year (``2023年``, ``2023 年度``, ``二〇二三年``), a report of the
disclosure work (``…政府信息公开工作年度报告``, ``…政务公开年报``, ``…信息公开工作情况报告``)
and often the agency (``北京市公安局``), and none of the words that make a document one
*about* reports (a notice, a plan, a reply, a circular, news, final accounts).
"""
from __future__ import annotations

import re

# --- Chinese numerals --------------------------------------------------------------------------
# Years are printed digit by digit (二〇二三, 二○一二: 〇 often typed as the circle ○ or a
# full-width/Latin letter O), months and days as numbers (十二, 二十一). A table, not a
# library: cn2an (the maintained converter) reads neither ○ nor Ｏ, and its wheel (with
# that of its dependency proces) installs stray top-level ``build``/``example``/``src``
# packages into site-packages, shadowing PyPA's ``build``; ten digits do not need that.
ZEROS = "〇零○ＯO"
CN_DIGITS: dict[str, int] = {**{z: 0 for z in ZEROS}, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
                             "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMERAL = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def cn_digits(text: str) -> int:
    """Digits read one by one: ``二〇二三`` → 2023, ``二○一二`` → 2012."""
    return int("".join(str(CN_DIGITS[c]) for c in text))


def cn_number(text: str) -> int:
    """A number up to 九十九 written with 十: ``十二`` → 12, ``二十一`` → 21, ``三`` → 3."""
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_NUMERAL.get(tens, 1) if tens else 1) * 10 + (_CN_NUMERAL.get(ones, 0) if ones else 0)
    return _CN_NUMERAL.get(text, 0)


# --- years ---------------------------------------------------------------------------------------
# A report year is 1980-2099: disclosure reports start in 2008, and older numbers in a title
# or a body are history (1949年), not the year covered. Not preceded by a digit (12023年
# is no year).
ARABIC_YEAR = r"(?<!\d)(?:19[89]\d|20\d\d)"
# The same span digit by digit: 一九八x-一九九x, 二〇xx.
CN_YEAR = rf"(?:一九[八九]|二[{ZEROS}][{ZEROS}一二三四五六七八九])[{ZEROS}一二三四五六七八九]"
# The year of a title, in either script, and its 年 (``2020 年``: layout spaces allowed).
YEAR = re.compile(rf"({ARABIC_YEAR}|{CN_YEAR})\s*年")
# Only Arabic years: a body's running text, where a signing date in numerals must not count
# as one more mention of the year (see recognize.find_year).
ARABIC_YEAR_IN_TEXT = re.compile(rf"({ARABIC_YEAR})\s*年")


def year_match(title: str) -> re.Match[str] | None:
    """Where a title writes its year (``2020年``, ``2020 年``, ``二〇二〇年``), if it does."""
    return YEAR.search(title)


def year_of(match: re.Match[str]) -> int:
    """The year a :data:`YEAR` match holds, whichever script it is written in."""
    digits = match.group(1)
    return int(digits) if digits.isdigit() else cn_digits(digits)


def title_year(title: str) -> int | None:
    """The year a report title names (its first year), if any."""
    match = year_match(title)
    return year_of(match) if match else None


# --- report words --------------------------------------------------------------------------------
# Words of a line that may be a report's title (used to find the title line of a document,
# and to pick the title among a JSON document's strings). Wider than what makes a report:
# ``年报`` alone also names statistical or financial yearbooks.
REPORT_WORDS = re.compile(r"年度报告|年报|工作报告|年度工作情况")
# What makes a titled document a disclosure report: an annual report (年度报告), or a report
# of the disclosure work under another name (政府信息公开年报, 政务公开工作报告, 信息公开
# 工作情况报告, 政府信息公开年度工作情况). A 政府工作报告 (the government's work report to
# the congress) or a 统计年报 names no disclosure and is not one.
_REPORT = re.compile(r"年度报告|(?:信息公开|政务公开).{0,12}?(?:报告|年报|年度工作情况)")
# Words that make a title a document ABOUT reports, or another document altogether:
# - other kinds of official documents (公文种类): a notice, a circular on others' reports
#   (…年度报告的通报), a reply approving one (…（批复）), an announcement, a letter
#   (…的函), a decision, a request, minutes;
# - plans and rules: 要点, 计划, 方案, 意见, 办法, 规定, 规则, 指南, 指引, 目录;
# - commentary and news: 解读, 图解, 新闻, 发布(会), 公布, 出炉, 答记者问;
# - work on reports: 会议, 培训, 部署, 关于做好/印发/开展, 评估, 考核, 检查, 征求, 公示;
# - money: 决算, 预算 (a department's final accounts or budget, published in the same column);
# - a statistics table that is not the report's own (统计表 not followed by 年度报告).
DECOY = re.compile(
    r"通知|通报|批复|公告|通告|决定|请示|纪要|函$|"
    r"要点|计划|方案|意见|办法|规定|规则|指南|指引|目录|"
    r"解读|图解|新闻|发布|公布|出炉|答记者问|"
    r"会议|培训|部署|关于做好|关于印发|关于开展|评估|考核|检查|征求|公示|"
    r"决算|预算|"
    r"统计表(?!.*年度报告)"
)
# Shortest and longest a report title runs to: shorter is a word (年报), longer a paragraph.
_MIN_TITLE, _MAX_TITLE = 6, 120
_WS = re.compile(r"[\s\u3000\u00a0]+")


def is_report_title(title: str) -> bool:
    """Whether a title (a link's text or a document's title) names one annual report:
    a year, a report of the disclosure work, no decoy word."""
    core = _WS.sub("", title or "")
    if not _MIN_TITLE <= len(core) <= _MAX_TITLE:
        return False
    return bool(year_match(core) and _REPORT.search(core)) and not DECOY.search(core)


# --- agencies ------------------------------------------------------------------------------------
# Last words of a name that is an agency (or a government, a unit, a company) and not a
# phrase: 局, 委员会, 人民政府, 办公室, 街道, 支队, 银行, 学校, 管委会, 指挥部… (longer
# endings such as 分局 or 办公厅 end with a shorter one and are listed for the reader).
AGENCY_END = re.compile(
    r"(?:局|分局|管理局|厅|办公厅|委|委员会|管委会|部|指挥部|院|研究院|府|政府|公署|办|办公室|室|会|中心|署"
    r"|处|所|科|站|台|社|馆|队|支队|大队|总队|行|银行|公司|集团|学|大学|校|学校|医院"
    r"|街道|镇|乡|区|县|市|省|州|盟|旗)$"
)
# Names too generic to tell which agency (公安局 of which city?).
_GENERIC_AGENCY = frozenset({"公安局", "人民政府", "政府", "办公室", "办公厅", "本机关", "我局", "本局", "区政府", "县政府"})
# Where an agency name before the year ends: the words of the report's name.
_AGENCY_STOP = re.compile(r"政府信息公开|政务公开|信息公开工作|年度报告")
# 2024年平潭综合实验区公安局“双随机、一公开”…: a name right after the year, ended by a quote or 关于/的.
_NAME_AFTER_YEAR = re.compile(r"度?([\u4e00-\u9fff]{2,30}?)(?=[“\"《「]|关于|的)")
_NOT_NAME = re.compile(r"[。；;，,！？!?]")


def tidy_agency(name: str) -> str | None:
    """``name`` as an agency name (quotes, brackets, a field label and 关于 removed), or None
    when it is not one (too short or long, generic, a phrase)."""
    # An agency name has no colon: what precedes one is a field label (标题：, 发布机构：).
    name = re.split(r"[:：]", _WS.sub("", name).rstrip("：:"))[-1]
    name = name.strip("《》“”\"'：:，,、()（）[]【】")
    if name.startswith("关于") and len(name) > 4:
        name = name[2:]
    if name.endswith("关于") and len(name) > 4:
        name = name[:-2]  # 平潭综合实验区社会事业局关于2022年…的报告
    if len(name) < 2 or len(name) > 40 or name in _GENERIC_AGENCY or _NOT_NAME.search(name):
        return None
    return name if AGENCY_END.search(name) else None


def title_agency(title: str) -> str | None:
    """The agency a report title names, if it names one.

    ``北京市朝阳区人民政府2023年政府信息公开工作年度报告`` → 北京市朝阳区人民政府;
    ``2023年北京市公安局政府信息公开工作年度报告`` → 北京市公安局; ``2023年政府信息公开
    工作年度报告`` → None (the source's or the signature's agency applies).
    """
    m = year_match(title)
    if not m:
        return None
    if before := tidy_agency(_AGENCY_STOP.split(title[: m.start()], 1)[0]):
        return before
    after = re.match(r"度?(.{2,40}?)(?:政府信息公开|政务公开|信息公开)", title[m.end():])
    if after and (name := tidy_agency(after.group(1))):
        return name
    after = _NAME_AFTER_YEAR.match(title[m.end():])
    if after and (name := tidy_agency(after.group(1))):
        return name
    return None
